//! The changes of a change set: the table `deploy` prints, and which of them need an
//! approval with `--require-approval`.

use aws_sdk_cloudformation::types::{
    Change, RequiresRecreation, ResourceAttribute, ResourceChangeDetail,
};

use crate::broadening::Broadening;

/// One resource change of a change set.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResourceChange {
    /// `Add`, `Modify`, `Remove`, `Import`, `Dynamic`.
    pub action: String,
    /// The logical id.
    pub logical_id: String,
    /// The resource type.
    pub resource_type: String,
    /// `True`, `False` or `Conditional` for a `Modify`; empty when CloudFormation does not say.
    pub replacement: String,
    /// The properties whose change CloudFormation says replaces the resource (always or
    /// conditionally), from the change's details; empty when it does not say.
    pub recreating: Vec<String>,
}

impl ResourceChange {
    /// The resource change of a change set entry (hooks and other entries are skipped).
    pub fn from_sdk(change: &Change) -> Option<ResourceChange> {
        let rc = change.resource_change()?;
        Some(ResourceChange {
            action: rc
                .action()
                .map(|a| a.as_str().to_owned())
                .unwrap_or_default(),
            logical_id: rc.logical_resource_id().unwrap_or_default().to_owned(),
            resource_type: rc.resource_type().unwrap_or_default().to_owned(),
            replacement: rc
                .replacement()
                .map(|r| r.as_str().to_owned())
                .unwrap_or_default(),
            recreating: recreating_properties(rc.details()),
        })
    }

    /// Whether the change broadens this way (the rule `--require-approval broadening`
    /// shares with the pipeline's broadening check).
    pub fn broadens(&self, way: Broadening) -> bool {
        way.applies(&self.action, &self.resource_type, &self.replacement)
    }
}

/// The properties a change's details say require recreating the resource.
fn recreating_properties(details: &[ResourceChangeDetail]) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for target in details.iter().filter_map(|d| d.target()) {
        let recreates = matches!(
            target.requires_recreation(),
            Some(RequiresRecreation::Always | RequiresRecreation::Conditionally)
        );
        let property = target.attribute() == Some(&ResourceAttribute::Properties);
        if let (true, true, Some(name)) = (recreates, property, target.name()) {
            if !names.iter().any(|n| n == name) {
                names.push(name.to_owned());
            }
        }
    }
    names
}

/// The table of a change set: action, logical id, type, replacement.
pub fn table(stack: &str, changes: &[ResourceChange]) -> String {
    let header = ["Action", "Logical ID", "Type", "Replacement"];
    let rows: Vec<[String; 4]> = changes
        .iter()
        .map(|c| {
            let replacement = match (c.action.as_str(), c.replacement.as_str()) {
                ("Modify", "") => "?".to_owned(),
                ("Modify", r) => r.to_owned(),
                _ => "-".to_owned(),
            };
            [
                c.action.clone(),
                c.logical_id.clone(),
                c.resource_type.clone(),
                replacement,
            ]
        })
        .collect();
    let mut widths = header.map(str::len);
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.len());
        }
    }
    let line = |cells: [&str; 4]| -> String {
        let mut out = String::new();
        for (i, (cell, w)) in cells.iter().zip(widths).enumerate() {
            if i + 1 == cells.len() {
                out.push_str(cell);
            } else {
                out.push_str(&format!("{cell:<w$}  "));
            }
        }
        out.trim_end().to_owned()
    };
    let mut out = format!(
        "{stack}: {} change{}\n",
        changes.len(),
        if changes.len() == 1 { "" } else { "s" }
    );
    out.push_str(&line(header));
    for row in &rows {
        out.push('\n');
        out.push_str(&line([&row[0], &row[1], &row[2], &row[3]]));
    }
    out
}

/// When `deploy` asks before executing a change set (`--require-approval`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Approval {
    /// Never (the default).
    Never,
    /// When a change adds or changes permissions (IAM, resource policies), replaces a
    /// resource or removes one.
    Broadening,
    /// Before every change set.
    AnyChange,
}

impl Approval {
    /// Why these changes need an approval (nothing: they do not).
    pub fn reasons(self, changes: &[ResourceChange]) -> Vec<String> {
        let ids = |pred: &dyn Fn(&ResourceChange) -> bool| -> Vec<&str> {
            changes
                .iter()
                .filter(|c| pred(c))
                .map(|c| c.logical_id.as_str())
                .collect()
        };
        match self {
            Approval::Never => Vec::new(),
            Approval::AnyChange if !changes.is_empty() => {
                vec![format!("{} changes", changes.len())]
            }
            Approval::AnyChange => Vec::new(),
            Approval::Broadening => {
                let mut reasons = Vec::new();
                let permissions = ids(&|c| c.broadens(Broadening::Permissions));
                if !permissions.is_empty() {
                    reasons.push(format!("changes permissions: {}", permissions.join(", ")));
                }
                let replaced = ids(&|c| c.broadens(Broadening::Replacement));
                if !replaced.is_empty() {
                    reasons.push(format!("replaces {}", replaced.join(", ")));
                }
                let removed = ids(&|c| c.broadens(Broadening::Removal));
                if !removed.is_empty() {
                    reasons.push(format!("removes {}", removed.join(", ")));
                }
                reasons
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(action: &str, id: &str, kind: &str, replacement: &str) -> ResourceChange {
        ResourceChange {
            action: action.into(),
            logical_id: id.into(),
            resource_type: kind.into(),
            replacement: replacement.into(),
            recreating: Vec::new(),
        }
    }

    #[test]
    fn table_has_a_row_per_change() {
        let t = table(
            "S",
            &[
                change("Add", "Role", "AWS::IAM::Role", ""),
                change("Modify", "Fn", "AWS::Lambda::Function", "False"),
                change("Modify", "Api", "AWS::ApiGateway::RestApi", ""),
            ],
        );
        assert_eq!(
            t,
            "S: 3 changes\n\
             Action  Logical ID  Type                      Replacement\n\
             Add     Role        AWS::IAM::Role            -\n\
             Modify  Fn          AWS::Lambda::Function     False\n\
             Modify  Api         AWS::ApiGateway::RestApi  ?"
        );
    }

    #[test]
    fn broadening_asks_for_permissions_replacements_and_removals_only() {
        let memory = [change("Modify", "Fn", "AWS::Lambda::Function", "False")];
        assert!(Approval::Broadening.reasons(&memory).is_empty());
        assert_eq!(Approval::AnyChange.reasons(&memory), ["1 changes"]);
        assert!(Approval::Never.reasons(&memory).is_empty());
        let risky = [
            change("Add", "Role", "AWS::IAM::Role", ""),
            change("Modify", "Perm", "AWS::Lambda::Permission", "True"),
            change("Remove", "Old", "AWS::SQS::Queue", ""),
        ];
        assert_eq!(
            Approval::Broadening.reasons(&risky),
            [
                "changes permissions: Role, Perm",
                "replaces Perm",
                "removes Old"
            ]
        );
    }
}
