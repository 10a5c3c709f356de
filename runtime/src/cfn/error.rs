//! What goes wrong while building a template: the template refuses the element, or its
//! reference check finds a dangling reference.

use std::fmt;

/// What went wrong while building a template.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TemplateError {
    /// A logical id is used twice.
    DuplicateLogicalId(String),
    /// A logical id is not 1 to 255 ASCII letters and digits.
    InvalidLogicalId(String),
    /// A `Ref`, `Fn::GetAtt`, `${...}`, `DependsOn` or condition names nothing declared.
    Unresolved {
        /// The element holding the reference (`Resources.X`, `Outputs.Y`).
        location: String,
        /// What it refers to.
        target: String,
    },
}

impl fmt::Display for TemplateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TemplateError::DuplicateLogicalId(id) => {
                write!(f, "two elements of the template have the logical id `{id}`")
            }
            TemplateError::InvalidLogicalId(id) => {
                write!(
                    f,
                    "logical id `{id}` is not 1 to 255 ASCII letters and digits"
                )
            }
            TemplateError::Unresolved { location, target } => {
                write!(
                    f,
                    "{location} refers to `{target}`, which the template does not declare"
                )
            }
        }
    }
}

impl std::error::Error for TemplateError {}
