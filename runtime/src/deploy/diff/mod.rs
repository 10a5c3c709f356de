//! What would change: a deployed template against the program's, resource by resource,
//! down to the changed properties, with the changes that replace a resource.
//!
//! Replacement is told from the registry schemas' create-only properties (a change of one
//! replaces the resource), and spreads to the create-only properties that reference a
//! replaced resource ("may replace": the value they resolve to changes). Pure: the command
//! reads the deployed templates and prints [`render`].
//!
//! One concern per module: `model` (what differs), `templates` (computing the differences
//! of two templates), `replacement` (which changes replace a resource), `rendering` (the
//! differences as text), `command` (the `diff` command) and `orphaned` (deployed stacks the
//! program no longer has).

mod command;
mod model;
mod orphaned;
mod rendering;
mod replacement;
mod templates;

pub use crate::cfn::create_only_properties;
pub use command::{run, DiffSummary};
pub use model::{PropertyChange, Replacement, ResourceDiff, SectionChange, StackDiff};
pub use orphaned::{orphan_message, orphans};
pub use rendering::render;
pub use templates::diff_templates;
