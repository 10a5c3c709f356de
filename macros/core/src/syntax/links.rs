//! The other side of a `link`: the `links! { ... }` declaration a function's code makes with
//! `pipewright-links`, saying which blocks it uses and with what access. The macro reads it
//! in the function's sources (see [`crate::workspace`]) to check it against the lambda's
//! `link` group.

use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::{braced, parenthesized, token, Attribute, Ident, Token, Visibility};

/// `links! { #[attrs] VIS struct NAME { FIELD: KIND(BLOCK, ACCESS), ... } }`, the body of
/// the macro as `pipewright_links::links!` accepts it.
pub struct LinksDeclaration {
    /// Attributes and doc comments of the struct.
    pub attrs: Vec<Attribute>,
    /// Its visibility.
    pub vis: Visibility,
    /// `struct`.
    pub struct_token: Token![struct],
    /// The struct's name.
    pub name: Ident,
    /// The braces.
    pub brace: token::Brace,
    /// One field per linked block.
    pub fields: Punctuated<DeclaredLink, Token![,]>,
}

/// `FIELD: KIND(BLOCK, ACCESS)`: one block the function uses.
pub struct DeclaredLink {
    /// Attributes and doc comments of the field.
    pub attrs: Vec<Attribute>,
    /// The field of the struct.
    pub field: Ident,
    /// The colon.
    pub colon: Token![:],
    /// `Table`, `Queue`, `Bucket` or `Topic` (checked by lowering; any other name does not
    /// compile in the function).
    pub kind: Ident,
    /// The parentheses.
    pub paren: token::Paren,
    /// The block of the pipeline's stack.
    pub block: Ident,
    /// The comma between block and access.
    pub comma: Token![,],
    /// The access the code needs, as a `link` names it.
    pub access: Ident,
}

impl Parse for LinksDeclaration {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let content;
        Ok(LinksDeclaration {
            attrs: input.call(Attribute::parse_outer)?,
            vis: input.parse()?,
            struct_token: input.parse()?,
            name: input.parse()?,
            brace: braced!(content in input),
            fields: content.parse_terminated(DeclaredLink::parse, Token![,])?,
        })
    }
}

impl Parse for DeclaredLink {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let content;
        Ok(DeclaredLink {
            attrs: input.call(Attribute::parse_outer)?,
            field: input.parse()?,
            colon: input.parse()?,
            kind: input.parse()?,
            paren: parenthesized!(content in input),
            block: content.parse()?,
            comma: content.parse()?,
            access: content.parse()?,
        })
    }
}

/// Whether a macro path names the declaration macro: `links!` (imported) or
/// `pipewright_links::links!`, with or without a leading `::`.
pub fn is_links_macro(path: &syn::Path) -> bool {
    let segments: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
    match &segments[..] {
        [name] => name == "links" && path.leading_colon.is_none(),
        [krate, name] => krate == "pipewright_links" && name == "links",
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_struct_and_each_declared_link() {
        let declaration: LinksDeclaration = syn::parse_str(
            "/// What the API uses.
             pub struct Links {
                 /// The orders.
                 orders: Table(Orders, ReadWrite),
                 jobs: Queue(Jobs, Send),
             }",
        )
        .unwrap();
        assert_eq!(declaration.name, "Links");
        let links: Vec<String> = declaration
            .fields
            .iter()
            .map(|l| format!("{} {}({}, {})", l.field, l.kind, l.block, l.access))
            .collect();
        assert_eq!(
            links,
            ["orders Table(Orders, ReadWrite)", "jobs Queue(Jobs, Send)"]
        );
        let empty: LinksDeclaration = syn::parse_str("struct Nothing {}").unwrap();
        assert!(empty.fields.is_empty());
    }

    #[test]
    fn refuses_what_the_macro_refuses() {
        for text in [
            "struct Links { orders: Table(Orders) }",
            "struct Links { orders: Table(Orders, ReadWrite, Extra) }",
            "enum Links { orders: Table(Orders, ReadWrite) }",
            "struct Links { orders: Table<Orders, ReadWrite> }",
        ] {
            assert!(syn::parse_str::<LinksDeclaration>(text).is_err(), "{text}");
        }
    }

    #[test]
    fn knows_the_macro_by_its_path() {
        let named = |text: &str| is_links_macro(&syn::parse_str(text).unwrap());
        assert!(named("links"));
        assert!(named("pipewright_links::links"));
        assert!(named("::pipewright_links::links"));
        assert!(!named("other::links"));
        assert!(!named("linked"));
        assert!(!named("pipewright_links::links::inner"));
    }
}
