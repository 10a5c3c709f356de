//! The checking context shared by every construct: the diagnostics, where blocks were
//! written, and the checks every block makes (its name, its docs, its syntax errors).

use proc_macro2::Span;
use syn::spanned::Spanned as _;
use syn::Ident;

use pipewright::spec;

use super::spans::Spans;
use crate::diagnostics::Diagnostics;
use crate::syntax;

/// Where a lambda's name and fields were written, kept to report what is found after its
/// stack is lowered there: workspace errors at `package`/`bin`, what its function's code
/// declares at its `link` field and entries.
#[derive(Clone)]
pub(super) struct FieldSpan {
    pub(super) package: Span,
    pub(super) bin: Option<Span>,
    /// The lambda's name.
    pub(super) name: Span,
    /// The name of its `link` field, when written.
    pub(super) link: Option<Span>,
    /// Each entry of its `link` group that names a block.
    pub(super) links: Vec<LinkSpan>,
}

/// One entry of a `link` group: the block, where its name and its access were written.
#[derive(Clone)]
pub(super) struct LinkSpan {
    pub(super) target: String,
    pub(super) name: Span,
    pub(super) access: Span,
}

pub(super) struct Cx {
    pub(super) diag: Diagnostics,
    pub(super) spans: Spans,
}

/// A value and where it was written.
pub(super) struct Located<T> {
    pub(super) value: T,
    pub(super) span: Span,
}

impl Cx {
    pub(super) fn block_name(&mut self, name: &Ident) -> String {
        let text = name.to_string();
        if let Err(message) = spec::check_block_name(&text) {
            self.diag.error(name.span(), message);
        }
        text
    }

    pub(super) fn unique_names<'a>(&mut self, kind: &str, names: impl Iterator<Item = &'a Ident>) {
        let mut seen: Vec<String> = Vec::new();
        for name in names {
            let text = name.to_string();
            if seen.contains(&text) {
                self.diag.error(
                    name.span(),
                    format!("duplicate {kind} name `{text}`: names must be unique"),
                );
            } else {
                seen.push(text);
            }
        }
    }

    pub(super) fn docs(&mut self, docs: &syntax::Docs) -> Option<String> {
        for attr in docs.foreign() {
            self.diag.error(
                attr.span(),
                "only doc comments (`///`) are allowed on blocks",
            );
        }
        docs.text()
    }

    pub(super) fn syntax_errors(&mut self, errors: &[syn::Error]) {
        for e in errors {
            self.diag.push(e.clone());
        }
    }
}
