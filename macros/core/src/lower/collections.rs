//! The readers of a field that holds several values: lists, nested groups, environment
//! maps and command lists.

use pipewright::spec;
use proc_macro2::Span;
use syn::spanned::Spanned as _;

use super::context::Located;
use super::fields::Fields;
use crate::syntax::Value;

impl<'a> Fields<'a, '_> {
    pub(super) fn list<T>(
        &mut self,
        name: &'static str,
        mut item: impl FnMut(&mut Self, &'a Value) -> Option<T>,
    ) -> Option<Vec<T>> {
        let field = self.take(name)?;
        match &field.value {
            Value::List(l) => Some(l.items.iter().filter_map(|v| item(self, v)).collect()),
            _ => {
                self.wrong_type(field, "a list `[...]`");
                None
            }
        }
    }

    pub(super) fn str_list(&mut self, name: &'static str) -> Option<Located<Vec<(String, Span)>>> {
        let span = self
            .fields
            .iter()
            .find(|f| f.name.text() == name)
            .map(|f| f.value_span());
        let items = self.list(name, |f, v| match v {
            Value::Str(s) => Some((s.value(), s.span())),
            other => {
                f.diag.error(
                    other.span(),
                    format!(
                        "`{name}` expects a list of strings, found {} in it",
                        other.describe()
                    ),
                );
                None
            }
        })?;
        Some(Located {
            value: items,
            span: span.unwrap_or(self.block_span),
        })
    }

    pub(super) fn required_str_list(
        &mut self,
        name: &'static str,
    ) -> Option<Located<Vec<(String, Span)>>> {
        if !self.present(name, "[\"...\"]") {
            return None;
        }
        self.str_list(name)
    }

    /// A nested field group, read by `read` and checked for unknown fields.
    pub(super) fn group<T>(
        &mut self,
        name: &'static str,
        read: impl FnOnce(&mut Fields<'a, '_>) -> T,
    ) -> Option<T> {
        let field = self.take(name)?;
        match &field.value {
            Value::Group(g) => {
                let what = format!("`{name}` of {}", self.what);
                let mut inner = Fields::new(self.diag, what, g.span(), &g.fields);
                let value = read(&mut inner);
                inner.finish();
                Some(value)
            }
            _ => {
                self.wrong_type(field, "a group `{ field: value, ... }`");
                None
            }
        }
    }

    /// A list of field groups, each read by `read` and checked for unknown fields; `item`
    /// names one in messages ("an index").
    pub(super) fn group_list<T>(
        &mut self,
        name: &'static str,
        item: &str,
        mut read: impl FnMut(&mut Fields<'a, '_>) -> Option<T>,
    ) -> Option<Vec<T>> {
        let what = format!("{item} of {}", self.what);
        self.list(name, |f, value| match value {
            Value::Group(g) => {
                let mut inner = Fields::new(f.diag, what.clone(), g.span(), &g.fields);
                let value = read(&mut inner);
                inner.finish();
                value
            }
            other => {
                f.diag.error(
                    other.span(),
                    format!(
                        "`{name}` expects a list of groups `{{ ... }}`, found {} in it",
                        other.describe()
                    ),
                );
                None
            }
        })
    }

    pub(super) fn required_group<T>(
        &mut self,
        name: &'static str,
        read: impl FnOnce(&mut Fields<'a, '_>) -> T,
    ) -> Option<T> {
        if !self.present(name, "{ ... }") {
            return None;
        }
        self.group(name, read)
    }

    /// An environment map `{ NAME: "value" }`, names checked.
    pub(super) fn environment(&mut self, name: &'static str) -> Option<Vec<(String, String)>> {
        let field = self.take(name)?;
        let Value::Group(g) = &field.value else {
            self.wrong_type(field, "a map `{ NAME: \"value\", ... }`");
            return None;
        };
        let mut vars: Vec<(String, String)> = Vec::new();
        for entry in &g.fields {
            let key = entry.name.text();
            if let Err(message) = spec::check_environment_variable(&key) {
                self.diag.error(entry.name_span(), message);
            }
            if vars.iter().any(|(k, _)| *k == key) {
                self.diag
                    .error(entry.name_span(), format!("duplicate variable `{key}`"));
                continue;
            }
            match &entry.value {
                Value::Str(s) => vars.push((key, s.value())),
                other => self.diag.error(
                    other.span(),
                    format!(
                        "environment values are strings: write `\"...\"`, found {}",
                        other.describe()
                    ),
                ),
            }
        }
        Some(vars)
    }

    /// A list of shell commands (`pre`, `verify`): none empty.
    pub(super) fn commands(&mut self, name: &'static str) -> Vec<String> {
        self.str_list(name)
            .map(|l| {
                for (cmd, span) in &l.value {
                    if cmd.trim().is_empty() {
                        self.diag.error(*span, "empty command");
                    }
                }
                l.value.into_iter().map(|(s, _)| s).collect()
            })
            .unwrap_or_default()
    }
}
