//! Collecting every error of one invocation, and "did you mean" suggestions.

use std::fmt::Display;

use proc_macro2::Span;

/// The errors found so far. They are all reported together, each at its own span.
#[derive(Default)]
pub struct Diagnostics {
    errors: Vec<syn::Error>,
}

impl Diagnostics {
    /// No errors yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records an error at a span.
    pub fn error(&mut self, span: Span, message: impl Display) {
        self.errors.push(syn::Error::new(span, message));
    }

    /// Records an error.
    pub fn push(&mut self, error: syn::Error) {
        self.errors.push(error);
    }

    /// Whether any error was recorded.
    pub fn has_errors(&self) -> bool {
        !self.errors.is_empty()
    }

    /// All errors as one `syn::Error` (which expands to one `compile_error!` per error),
    /// or `Ok` when there are none.
    pub fn finish(self) -> Result<(), syn::Error> {
        match self.errors.into_iter().reduce(|mut all, e| {
            all.combine(e);
            all
        }) {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}

/// The candidate closest to a misspelt name, if one is close enough to be what was meant.
/// Ties go to the candidate sharing the longest prefix with the name (`us-est-1` is
/// `us-east-1` rather than `us-west-1`).
pub fn closest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let wanted = name.to_ascii_lowercase();
    candidates
        .into_iter()
        .map(|c| {
            let lower = c.to_ascii_lowercase();
            let edits = strsim::damerau_levenshtein(&wanted, &lower);
            let similarity = strsim::normalized_damerau_levenshtein(&wanted, &lower)
                .max(strsim::jaro_winkler(&wanted, &lower) - 0.15);
            let prefix = wanted
                .bytes()
                .zip(lower.bytes())
                .take_while(|(a, b)| a == b)
                .count();
            (c, edits, similarity, prefix)
        })
        .filter(|(_, _, similarity, _)| *similarity >= 0.6)
        // Fewest edits first; then the longest shared prefix.
        .min_by(|a, b| a.1.cmp(&b.1).then(b.3.cmp(&a.3)))
        .map(|(c, ..)| c)
}

/// `; did you mean `x`?` when a candidate is close, else `; expected one of: a, b, c`.
pub fn suggestion(name: &str, candidates: &[&str]) -> String {
    did_you_mean_or(name, candidates, || match candidates {
        [] => String::new(),
        _ => format!("; expected one of: {}", list(candidates)),
    })
}

/// `; did you mean `x`?` when a candidate is close, else what `otherwise` says (the
/// candidates in words that fit the message, or nothing).
pub fn did_you_mean_or(
    name: &str,
    candidates: &[&str],
    otherwise: impl FnOnce() -> String,
) -> String {
    match closest(name, candidates.iter().copied()) {
        Some(c) => format!("; did you mean `{c}`?"),
        None => otherwise(),
    }
}

/// `a`, `b`, `c` with backticks.
pub fn list(items: &[&str]) -> String {
    items
        .iter()
        .map(|i| format!("`{i}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_names_only() {
        let fields = [
            "package",
            "bin",
            "description",
            "memory",
            "timeout",
            "environment",
        ];
        assert_eq!(closest("memroy", fields), Some("memory"));
        assert_eq!(closest("timout", fields), Some("timeout"));
        assert_eq!(closest("enviroment", fields), Some("environment"));
        assert_eq!(closest("Memory", fields), Some("memory"));
        assert_eq!(closest("zzz", fields), None);
        assert_eq!(
            closest("BackendServr", ["BackendServer", "Other"]),
            Some("BackendServer")
        );
        assert_eq!(
            closest(
                "Linear10PercentEvery1Minutes",
                ["AllAtOnce", "Linear10PercentEvery1Minute"]
            ),
            Some("Linear10PercentEvery1Minute")
        );
    }
}
