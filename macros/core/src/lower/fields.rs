//! The reader of a block's fields: which fields a block knows, which are missing or
//! unknown, and the readers of one scalar value each (string, integer, duration, boolean,
//! name).

use std::ops::RangeInclusive;

use pipewright::spec::{self, Duration};
use proc_macro2::Span;
use syn::Ident;

use super::context::Located;
use crate::diagnostics::{closest, did_you_mean_or, suggestion, Diagnostics};
use crate::syntax::{Field, FieldName, Value};

/// Reads the fields of one block or group: each read names a field the block knows;
/// [`Fields::finish`] reports the fields nobody asked for, with the closest known name.
pub(super) struct Fields<'a, 'd> {
    pub(super) diag: &'d mut Diagnostics,
    pub(super) what: String,
    pub(super) block_span: Span,
    pub(super) fields: &'a [Field],
    known: Vec<&'static str>,
    missing: Vec<(&'static str, &'static str)>,
}

impl<'a, 'd> Fields<'a, 'd> {
    pub(super) fn new(
        diag: &'d mut Diagnostics,
        what: String,
        block_span: Span,
        fields: &'a [Field],
    ) -> Self {
        Fields {
            diag,
            what,
            block_span,
            fields,
            known: Vec::new(),
            missing: Vec::new(),
        }
    }

    /// The field named `name`; a second one is reported as a duplicate.
    pub(super) fn take(&mut self, name: &'static str) -> Option<&'a Field> {
        self.known.push(name);
        let mut matching = self.fields.iter().filter(|f| f.name.text() == name);
        let first = matching.next();
        for dup in matching {
            self.diag.error(
                dup.name_span(),
                format!(
                    "duplicate field `{name}` in {}: it is already set above",
                    self.what
                ),
            );
        }
        if let Some(f) = first {
            if let FieldName::Str(s) = &f.name {
                self.diag.error(
                    s.span(),
                    format!("write the field name without quotes: `{name}`"),
                );
            }
        }
        first
    }

    /// Records a missing required field; reported by [`Fields::finish`] unless a
    /// misspelling of it is there (then the unknown field's "did you mean" says it all).
    fn missing(&mut self, name: &'static str, example: &'static str) {
        self.missing.push((name, example));
    }

    /// Whether a required field is there; records it as missing (and known) otherwise.
    pub(super) fn present(&mut self, name: &'static str, example: &'static str) -> bool {
        if self.fields.iter().any(|f| f.name.text() == name) {
            return true;
        }
        self.missing(name, example);
        self.known.push(name);
        false
    }

    pub(super) fn wrong_type(&mut self, field: &Field, expected: &str) {
        self.diag.error(
            field.value_span(),
            format!(
                "`{}` expects {expected}, found {}",
                field.name.text(),
                field.value.describe()
            ),
        );
    }

    pub(super) fn finish(self) {
        let mut misspelt = Vec::new();
        for field in self.fields {
            let text = field.name.text();
            if !self.known.contains(&text.as_str()) {
                misspelt.extend(closest(&text, self.known.iter().copied()));
                let hint = suggestion(&text, &self.known);
                self.diag.error(
                    field.name_span(),
                    format!("unknown field `{text}` in {}{hint}", self.what),
                );
            }
        }
        for (name, example) in self.missing {
            if !misspelt.contains(&name) {
                self.diag.error(
                    self.block_span,
                    format!(
                        "missing field `{name}` in {}: expected `{name}: {example}`",
                        self.what
                    ),
                );
            }
        }
    }

    pub(super) fn str(&mut self, name: &'static str) -> Option<Located<String>> {
        let field = self.take(name)?;
        match &field.value {
            Value::Str(s) => Some(Located {
                value: s.value(),
                span: s.span(),
            }),
            _ => {
                self.wrong_type(field, "a string");
                None
            }
        }
    }

    pub(super) fn required_str(&mut self, name: &'static str) -> Option<Located<String>> {
        if !self.present(name, "\"...\"") {
            return None;
        }
        self.str(name)
    }

    pub(super) fn check(
        &mut self,
        value: Located<String>,
        rule: fn(&str) -> Result<(), String>,
    ) -> String {
        if let Err(message) = rule(&value.value) {
            self.diag.error(value.span, message);
        }
        value.value
    }

    pub(super) fn check_region(&mut self, region: Located<String>) -> String {
        if let Err(message) = spec::check_region(&region.value) {
            let regions: Vec<&str> = spec::REGIONS.iter().map(|(r, _)| *r).collect();
            // 38 regions are too many to list.
            let hint = did_you_mean_or(&region.value, &regions, String::new);
            self.diag.error(region.span, format!("{message}{hint}"));
        }
        region.value
    }

    pub(super) fn int(&mut self, name: &'static str, expected: &str) -> Option<Located<u64>> {
        let field = self.take(name)?;
        match &field.value {
            Value::Int(i) => {
                let span = i.lit.span();
                if i.is_negative() {
                    self.diag.error(field.value_span(), format!("`{name}` expects {expected}, a positive integer; found a negative number"));
                    return None;
                }
                if !i.lit.suffix().is_empty() {
                    self.diag.error(
                        span,
                        format!(
                            "`{name}` expects {expected}, a plain integer; remove the suffix `{}`",
                            i.lit.suffix()
                        ),
                    );
                    return None;
                }
                match i.lit.base10_parse::<u64>() {
                    Ok(value) => Some(Located { value, span }),
                    Err(_) => {
                        self.diag
                            .error(span, format!("`{name}`: integer too large"));
                        None
                    }
                }
            }
            _ => {
                self.wrong_type(field, expected);
                None
            }
        }
    }

    pub(super) fn duration(&mut self, name: &'static str) -> Option<Located<Duration>> {
        let field = self.take(name)?;
        match &field.value {
            Value::Int(i) => {
                let span = i.lit.span();
                if i.is_negative() {
                    self.diag.error(
                        field.value_span(),
                        format!(
                            "`{name}` expects a duration such as `30s`; found a negative number"
                        ),
                    );
                    return None;
                }
                let digits = i.lit.base10_digits();
                let Ok(value) = digits.parse::<u64>() else {
                    self.diag
                        .error(span, format!("`{name}`: duration too large"));
                    return None;
                };
                match Duration::from_value_and_unit(value, i.lit.suffix()) {
                    Ok(d) => Some(Located { value: d, span }),
                    Err(message) => {
                        self.diag.error(span, message);
                        None
                    }
                }
            }
            Value::Float(f) => {
                self.diag.error(
                    f.span(),
                    "expected a whole number with a unit: `30s`, `5min`, `1h` or `4d`",
                );
                None
            }
            _ => {
                self.wrong_type(field, "a duration such as `30s`, `5min`, `1h` or `4d`");
                None
            }
        }
    }

    /// An integer that must lie in `range`; out of range is reported, and still returned.
    pub(super) fn int_in(
        &mut self,
        name: &'static str,
        expected: &str,
        range: RangeInclusive<u64>,
    ) -> Option<Located<u64>> {
        let value = self.int(name, expected)?;
        if !range.contains(&value.value) {
            self.diag.error(
                value.span,
                format!(
                    "`{name}` must be between {} and {}, found {}",
                    range.start(),
                    range.end(),
                    value.value
                ),
            );
        }
        Some(value)
    }

    /// A duration that must lie in `range` (seconds); out of range is reported, and still
    /// returned.
    pub(super) fn duration_in(
        &mut self,
        name: &'static str,
        range: RangeInclusive<u64>,
    ) -> Option<Located<Duration>> {
        let value = self.duration(name)?;
        if !range.contains(&value.value.as_secs()) {
            self.diag.error(
                value.span,
                format!(
                    "`{name}` must be between {} and {}, found {}",
                    Duration::from_secs(*range.start()),
                    Duration::from_secs(*range.end()),
                    value.value
                ),
            );
        }
        Some(value)
    }

    /// An identifier that must be one of a closed set of names: `kind` says what it is in
    /// messages.
    pub(super) fn named_ident<T>(
        &mut self,
        name: &'static str,
        kind: &str,
        names: &[&str],
        lookup: fn(&str) -> Option<T>,
    ) -> Option<T> {
        let ident = self.ident(name)?;
        self.named(ident, kind, names, lookup)
    }

    pub(super) fn bool(&mut self, name: &'static str) -> Option<bool> {
        let field = self.take(name)?;
        match &field.value {
            Value::Bool(b) => Some(b.value),
            _ => {
                self.wrong_type(field, "`true` or `false`");
                None
            }
        }
    }

    pub(super) fn ident(&mut self, name: &'static str) -> Option<Located<Ident>> {
        let field = self.take(name)?;
        match &field.value {
            Value::Ident(i) => Some(Located {
                value: i.clone(),
                span: i.span(),
            }),
            _ => {
                self.wrong_type(field, "a name");
                None
            }
        }
    }

    pub(super) fn required_ident(&mut self, name: &'static str) -> Option<Located<Ident>> {
        if !self.present(name, "Name") {
            return None;
        }
        self.ident(name)
    }

    /// An identifier that must be one of a closed set of names.
    pub(super) fn named<T>(
        &mut self,
        ident: Located<Ident>,
        kind: &str,
        names: &[&str],
        lookup: fn(&str) -> Option<T>,
    ) -> Option<T> {
        let text = ident.value.to_string();
        let found = lookup(&text);
        if found.is_none() {
            let hint = suggestion(&text, names);
            self.diag
                .error(ident.span, format!("unknown {kind} `{text}`{hint}"));
        }
        found
    }
}
