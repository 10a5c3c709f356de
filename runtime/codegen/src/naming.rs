//! Rust names for schema names: `KMSKeyArn` -> `kms_key_arn`, `deadLetterTargetArn` ->
//! `DeadLetterTargetArn`, `type` -> `r#type`.

use proc_macro2::{Ident, Span};

/// Splits a schema name into words: at non-alphanumeric characters, before an upper-case
/// letter that follows a lower-case letter or a digit (`S3Bucket`, `roleArn`), and before
/// the last upper-case letter of an acronym followed by a lower-case letter (`KMSKey`).
pub fn words(name: &str) -> Vec<String> {
    let chars: Vec<char> = name.chars().collect();
    let mut words = Vec::new();
    let mut current = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_ascii_alphanumeric() {
            if !current.is_empty() {
                words.push(std::mem::take(&mut current));
            }
            continue;
        }
        if c.is_ascii_uppercase() && !current.is_empty() {
            let prev = chars[i - 1];
            let next = chars.get(i + 1).copied();
            let after_lower_or_digit = prev.is_ascii_lowercase() || prev.is_ascii_digit();
            let acronym_end =
                prev.is_ascii_uppercase() && next.is_some_and(|n| n.is_ascii_lowercase());
            if after_lower_or_digit || acronym_end {
                words.push(std::mem::take(&mut current));
            }
        }
        current.push(c);
    }
    if !current.is_empty() {
        words.push(current);
    }
    words
}

/// `snake_case` of a schema name.
pub fn snake_case(name: &str) -> String {
    words(name)
        .iter()
        .map(|w| w.to_ascii_lowercase())
        .collect::<Vec<_>>()
        .join("_")
}

/// An `UpperCamelCase` type name: the name's alphanumeric runs, each with its first letter
/// upper-cased and the rest kept (`EC2TagFilter` stays, `deadLetterTargetArn` becomes
/// `DeadLetterTargetArn`).
pub fn upper_camel(name: &str) -> String {
    name.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|part| !part.is_empty())
        .map(|part| {
            let mut chars = part.chars();
            let first = chars.next().expect("non-empty part");
            first.to_ascii_uppercase().to_string() + chars.as_str()
        })
        .collect()
}

const KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "do", "dyn",
    "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl", "in", "let",
    "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref", "return",
    "static", "struct", "trait", "true", "try", "type", "typeof", "unsafe", "unsized", "use",
    "virtual", "where", "while", "yield",
];

/// Keywords that cannot be raw identifiers.
const NOT_RAW: &[&str] = &["crate", "self", "Self", "super", "_"];

/// The identifier of a field or module: raw (`r#type`) for keywords, with a trailing `_`
/// for the few keywords that cannot be raw.
pub fn ident(name: &str) -> Ident {
    if NOT_RAW.contains(&name) {
        Ident::new(&format!("{name}_"), Span::call_site())
    } else if KEYWORDS.contains(&name) {
        Ident::new_raw(name, Span::call_site())
    } else {
        Ident::new(name, Span::call_site())
    }
}

/// Whether a name is a valid plain (non-keyword) Rust identifier.
pub fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snake_case_splits_acronyms_digits_and_camel_case() {
        let cases = [
            ("KMSKeyArn", "kms_key_arn"),
            ("SSEAlgorithm", "sse_algorithm"),
            ("S3Bucket", "s3_bucket"),
            ("EC2TagFilters", "ec2_tag_filters"),
            ("OKActions", "ok_actions"),
            ("deadLetterTargetArn", "dead_letter_target_arn"),
            ("KMSMasterKeyID", "kms_master_key_id"),
            ("WebsiteURL", "website_url"),
            ("Ipv6AllowedForDualStack", "ipv6_allowed_for_dual_stack"),
            ("ApiGateway", "api_gateway"),
            ("IAM", "iam"),
            ("MemorySize", "memory_size"),
            ("Type", "type"),
        ];
        for (name, snake) in cases {
            assert_eq!(snake_case(name), snake, "{name}");
        }
    }

    #[test]
    fn upper_camel_keeps_inner_case() {
        assert_eq!(upper_camel("EC2TagFilter"), "EC2TagFilter");
        assert_eq!(upper_camel("deadLetterTargetArn"), "DeadLetterTargetArn");
        assert_eq!(upper_camel("iso8601UTC"), "Iso8601UTC");
    }

    #[test]
    fn keywords_become_raw_identifiers() {
        assert_eq!(ident("type").to_string(), "r#type");
        assert_eq!(ident("self").to_string(), "self_");
        assert_eq!(ident("memory_size").to_string(), "memory_size");
    }
}
