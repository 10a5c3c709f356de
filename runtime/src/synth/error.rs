//! The error of synthesis: what failed, tied to the block of the program that caused it.

use std::fmt;

use crate::plan::{PlanError, Site};

/// A synthesis failure, tied to the block that caused it when there is one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SynthError {
    /// The block (or field) of the program the failure is about.
    pub site: Option<Site>,
    /// What went wrong.
    pub message: String,
}

impl fmt::Display for SynthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.site {
            Some(site) => write!(f, "{site}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for SynthError {}

impl SynthError {
    pub(crate) fn at(site: Site, error: impl fmt::Display) -> Self {
        SynthError {
            site: Some(site),
            message: error.to_string(),
        }
    }
}

impl From<PlanError> for SynthError {
    fn from(e: PlanError) -> Self {
        SynthError::at(e.site, e.message)
    }
}
