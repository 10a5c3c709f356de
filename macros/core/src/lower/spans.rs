//! Where the blocks of a program were written, kept to report errors found after
//! lowering (synthesis, the pipeline's limits) at the block they concern.

use std::collections::HashMap;

use pipewright::plan::Site;
use proc_macro2::Span;

/// Where the blocks of a program were written: the span of each block's name, and of
/// the stage fields the pipeline's layout depends on.
#[derive(Default)]
pub struct Spans(HashMap<Site, Span>);

impl Spans {
    /// Records where a site was written; the first block of a name keeps it.
    pub(super) fn insert(&mut self, site: Site, span: Span) {
        self.0.entry(site).or_insert(span);
    }

    /// Where a site was written: its own span, or its enclosing block's when it was not
    /// written (a field left out), or the macro's call site.
    pub fn get(&self, site: &Site) -> Span {
        self.0
            .get(site)
            .copied()
            .or_else(|| site.enclosing().map(|block| self.get(&block)))
            .unwrap_or_else(Span::call_site)
    }
}
