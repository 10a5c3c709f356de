//! What differs between two templates: resources, their properties and their replacement,
//! and the elements of the other sections.

use serde_json::Value as Json;

/// Whether a change replaces its resource.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Replacement {
    /// Updated in place.
    No,
    /// Maybe: a create-only property changes through an intrinsic function, or the type
    /// is unknown here.
    Maybe,
    /// Replaced.
    Yes,
}

/// One changed property (`Environment.Variables.STAGE`), before and after (`None`: absent).
#[derive(Clone, Debug, PartialEq)]
pub struct PropertyChange {
    /// The path of the property.
    pub path: String,
    /// The deployed value.
    pub old: Option<Json>,
    /// The new value.
    pub new: Option<Json>,
    /// Whether this change replaces the resource.
    pub replacement: Replacement,
}

/// A resource that differs.
#[derive(Clone, Debug, PartialEq)]
pub enum ResourceDiff {
    /// New.
    Added {
        /// Logical id.
        logical_id: String,
        /// Type.
        resource_type: String,
    },
    /// Gone from the template: deleted, or kept when its `DeletionPolicy` is `Retain`.
    Removed {
        /// Logical id.
        logical_id: String,
        /// Type.
        resource_type: String,
        /// `DeletionPolicy: Retain`.
        retained: bool,
    },
    /// Changed.
    Modified {
        /// Logical id.
        logical_id: String,
        /// Type (the new one).
        resource_type: String,
        /// Changed properties.
        properties: Vec<PropertyChange>,
        /// Changed resource attributes (`DependsOn`, `DeletionPolicy`, `Metadata`, ...).
        attributes: Vec<String>,
        /// Whether the resource is replaced.
        replacement: Replacement,
    },
}

/// A named element of another section (parameter, output, condition, ...) that differs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SectionChange {
    /// The section: `Parameters`, `Outputs`, ...
    pub section: String,
    /// The element.
    pub name: String,
    /// `+`, `-` or `~`.
    pub kind: char,
}

/// The differences of one stack.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct StackDiff {
    /// The stack is not deployed: everything is added.
    pub new_stack: bool,
    /// Resources that differ, in template order.
    pub resources: Vec<ResourceDiff>,
    /// Other elements that differ.
    pub sections: Vec<SectionChange>,
}

impl StackDiff {
    /// Whether anything differs.
    pub fn is_empty(&self) -> bool {
        self.resources.is_empty() && self.sections.is_empty()
    }
}
