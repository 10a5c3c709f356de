//! What makes a change set broaden: the one rule behind `deploy --require-approval
//! broadening` and the pipeline's broadening check (an approval's `when: Broadening`).
//!
//! A resource change broadens when it adds or changes permissions (an IAM resource, or a
//! resource policy that opens a resource to others), replaces a resource (or may), or
//! removes one. `deploy` applies the rule in Rust; the pipeline's check runs it in
//! CodeBuild as the bash function [`bash_function`] renders from the same constants.
//!
//! [`data_loss`] narrows the rule to the changes that lose a table's, bucket's or queue's
//! data, which neither `deploy` nor the pipeline executes without a person's word.

pub mod data_loss;

/// The resource types whose changes grant or change permissions, as glob patterns (a
/// trailing `*` matches any rest), in the form bash's `case` matches too.
pub const PERMISSION_TYPES: &[&str] = &[
    "AWS::IAM::*",
    "AWS::Lambda::Permission",
    "AWS::S3::BucketPolicy",
    "AWS::SQS::QueuePolicy",
    "AWS::SNS::TopicPolicy",
    "AWS::KMS::Key",
    "AWS::SecretsManager::ResourcePolicy",
];

/// The change actions that give a permission type its new permissions.
pub const PERMISSION_ACTIONS: &[&str] = &["Add", "Modify", "Import"];

/// The change action that may replace a resource.
pub const REPLACING_ACTION: &str = "Modify";

/// CloudFormation's `Replacement` values of a change that replaces the resource, or may.
pub const REPLACEMENTS: &[&str] = &["True", "Conditional"];

/// The change action that removes a resource.
pub const REMOVING_ACTION: &str = "Remove";

/// One way a resource change broadens.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Broadening {
    /// It adds or changes permissions.
    Permissions,
    /// It replaces the resource, or may.
    Replacement,
    /// It removes the resource.
    Removal,
}

impl Broadening {
    /// Every way, in the order reasons are given.
    pub const ALL: [Broadening; 3] = [
        Broadening::Permissions,
        Broadening::Replacement,
        Broadening::Removal,
    ];

    /// Whether a change (CloudFormation's `Action`, `ResourceType` and `Replacement`,
    /// empty when not given) broadens this way.
    pub fn applies(self, action: &str, resource_type: &str, replacement: &str) -> bool {
        match self {
            Broadening::Permissions => {
                PERMISSION_ACTIONS.contains(&action)
                    && PERMISSION_TYPES
                        .iter()
                        .any(|pattern| matches_type(pattern, resource_type))
            }
            Broadening::Replacement => {
                action == REPLACING_ACTION && REPLACEMENTS.contains(&replacement)
            }
            Broadening::Removal => action == REMOVING_ACTION,
        }
    }

    /// What a change that broadens this way does to its resource, after its name.
    pub fn describe(self) -> &'static str {
        match self {
            Broadening::Permissions => "grants or changes permissions",
            Broadening::Replacement => "is replaced",
            Broadening::Removal => "is removed",
        }
    }

    /// The bash test of this way on the function's arguments (`$1` the action, `$2` the
    /// type, `$3` the replacement), printing [`describe`](Self::describe) when it holds.
    fn bash_test(self) -> String {
        let (outer, inner) = match self {
            Broadening::Permissions => (
                PERMISSION_ACTIONS.join("|"),
                Some(("$2", PERMISSION_TYPES.join("|"))),
            ),
            Broadening::Replacement => (
                REPLACING_ACTION.to_owned(),
                Some(("$3", REPLACEMENTS.join("|"))),
            ),
            Broadening::Removal => (REMOVING_ACTION.to_owned(), None),
        };
        let say = format!("echo \"{}\"", self.describe());
        let then = match inner {
            Some((argument, patterns)) => {
                format!("case \"{argument}\" in {patterns}) {say} ;; esac")
            }
            None => say,
        };
        format!("  case \"$1\" in {outer}) {then} ;; esac")
    }
}

/// Every way a change broadens, in [`Broadening::ALL`]'s order.
pub fn broadenings(action: &str, resource_type: &str, replacement: &str) -> Vec<Broadening> {
    Broadening::ALL
        .into_iter()
        .filter(|b| b.applies(action, resource_type, replacement))
        .collect()
}

/// A resource type against one of [`PERMISSION_TYPES`].
fn matches_type(pattern: &str, resource_type: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => resource_type.starts_with(prefix),
        None => pattern == resource_type,
    }
}

/// The rule as a bash function named `name`: called with a change's action, resource
/// type and replacement, it prints one line per way the change broadens (nothing when it
/// does not), and succeeds either way.
pub fn bash_function(name: &str) -> String {
    let tests: Vec<String> = Broadening::ALL.iter().map(|b| b.bash_test()).collect();
    format!("{name}() {{\n{}\n}}", tests.join("\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permissions_replacements_and_removals_broaden() {
        assert_eq!(
            broadenings("Add", "AWS::IAM::Role", ""),
            [Broadening::Permissions]
        );
        assert_eq!(
            broadenings("Modify", "AWS::Lambda::Permission", "True"),
            [Broadening::Permissions, Broadening::Replacement]
        );
        assert_eq!(
            broadenings("Modify", "AWS::Lambda::Function", "Conditional"),
            [Broadening::Replacement]
        );
        assert_eq!(
            broadenings("Remove", "AWS::IAM::Role", ""),
            [Broadening::Removal],
            "removing a role takes permissions away; removing is what asks"
        );
        assert!(broadenings("Modify", "AWS::Lambda::Function", "False").is_empty());
        assert!(broadenings("Add", "AWS::Lambda::Function", "").is_empty());
        assert!(broadenings("Dynamic", "AWS::IAM::Policy", "").is_empty());
        assert!(
            broadenings("Add", "AWS::IAMX::Thing", "").is_empty(),
            "a prefix pattern ends at its `::`"
        );
    }

    /// The bash function gives the Rust rule's answers (bash runs it here).
    #[test]
    fn the_bash_function_is_the_same_rule() {
        let changes = [
            ("Add", "AWS::IAM::Role", "None"),
            ("Import", "AWS::KMS::Key", "None"),
            ("Modify", "AWS::Lambda::Permission", "True"),
            ("Modify", "AWS::Lambda::Function", "Conditional"),
            ("Modify", "AWS::Lambda::Function", "False"),
            ("Remove", "AWS::SQS::Queue", "None"),
            ("Add", "AWS::Lambda::Function", "None"),
            ("Dynamic", "AWS::IAM::Policy", "None"),
        ];
        let mut script = format!("set -euo pipefail\n{}\n", bash_function("broadening"));
        for (action, kind, replacement) in changes {
            script.push_str(&format!(
                "echo \"> {action} {kind}\"; broadening {action} {kind} {replacement}\n"
            ));
        }
        let output = std::process::Command::new("bash")
            .arg("-c")
            .arg(&script)
            .output()
            .expect("bash runs");
        assert!(output.status.success(), "{output:?}");
        let mut expected = String::new();
        for (action, kind, replacement) in changes {
            expected.push_str(&format!("> {action} {kind}\n"));
            for b in broadenings(action, kind, replacement) {
                expected.push_str(b.describe());
                expected.push('\n');
            }
        }
        assert_eq!(String::from_utf8_lossy(&output.stdout), expected);
    }
}
