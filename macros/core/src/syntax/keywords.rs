//! The keywords of the language, and where each is allowed.

/// The keywords of the language.
pub mod kw {
    // `custom_keyword!` generates undocumented structs; the keyword is their doc.
    #![allow(missing_docs)]
    syn::custom_keyword!(pipeline);
    syn::custom_keyword!(stack);
    syn::custom_keyword!(stage);
    syn::custom_keyword!(wave);
    syn::custom_keyword!(lambda);
    syn::custom_keyword!(api);
    syn::custom_keyword!(table);
    syn::custom_keyword!(queue);
    syn::custom_keyword!(bucket);
    syn::custom_keyword!(topic);
    syn::custom_keyword!(resource);
}

/// The keywords allowed at the top level.
pub const TOP_LEVEL_KEYWORDS: &[&str] = &["pipeline", "stack", "stage", "wave"];
/// The keywords allowed inside a `wave` block.
pub const WAVE_KEYWORDS: &[&str] = &["stage"];
/// The keywords allowed inside a `stack` block.
pub const STACK_KEYWORDS: &[&str] = &[
    "lambda", "api", "table", "queue", "bucket", "topic", "resource",
];
