//! What loses data: the one rule behind `deploy`'s refusal (`--allow-replace`) and the
//! pipeline's data-loss check, beside the broadening rule it narrows.
//!
//! A change loses data when it replaces a resource of a [stateful type](StatefulTypes)
//! (CloudFormation's `Replacement` is `True` or `Conditional`: the new resource starts
//! empty, whatever happens to the old one), or removes one that its deployed
//! `DeletionPolicy` does not retain. Where CloudFormation does not say whether a change
//! replaces (emulators leave `Replacement` out), [`replacing_changes`] decides from the
//! deployed and the new properties. `deploy` applies the rule in Rust; the pipeline's check
//! runs the bash functions [`bash_functions`] renders from the same constants.

use serde_json::Value as Json;

use super::{REMOVING_ACTION, REPLACEMENTS, REPLACING_ACTION};
use crate::app::StatefulType;
use crate::cfn::replacing_properties;

/// The resource types of pipewright's own blocks whose resources hold data that a
/// replacement or a deletion loses; a stack's `resource` blocks add theirs
/// ([`StatefulTypes`]).
pub const STATEFUL_TYPES: &[&str] = &["AWS::DynamoDB::Table", "AWS::S3::Bucket", "AWS::SQS::Queue"];

/// The stateful types of a stack: [`STATEFUL_TYPES`], and the types its `resource` blocks
/// declare as holding data, with the properties that replace them. The one answer to
/// "does this resource hold data" for `deploy`, `destroy` and the pipeline's check.
#[derive(Clone, Copy, Debug, Default)]
pub struct StatefulTypes<'a> {
    declared: &'a [StatefulType],
}

impl<'a> StatefulTypes<'a> {
    /// pipewright's own types and `declared` (a stack's `stateful_types`).
    pub fn new(declared: &'a [StatefulType]) -> Self {
        StatefulTypes { declared }
    }

    /// Whether resources of this type hold data.
    pub fn contains(&self, resource_type: &str) -> bool {
        STATEFUL_TYPES.contains(&resource_type) || self.declared(resource_type).is_some()
    }

    /// The properties whose change replaces a resource of a stateful type (none for
    /// another type).
    pub fn replacing_properties(&self, resource_type: &str) -> Vec<String> {
        if STATEFUL_TYPES.contains(&resource_type) {
            let known = replacing_properties(resource_type).unwrap_or_default();
            return known.into_iter().map(str::to_owned).collect();
        }
        self.declared(resource_type)
            .map(|t| t.replaced_by.iter().map(|p| p.to_string()).collect())
            .unwrap_or_default()
    }

    /// Every stateful type, pipewright's first.
    pub fn all(&self) -> Vec<&str> {
        let declared = self.declared.iter().map(|t| t.type_name.as_ref());
        let mut all: Vec<&str> = STATEFUL_TYPES.to_vec();
        for t in declared {
            if !all.contains(&t) {
                all.push(t);
            }
        }
        all
    }

    fn declared(&self, resource_type: &str) -> Option<&'a StatefulType> {
        self.declared.iter().find(|t| t.type_name == resource_type)
    }
}

/// The `DeletionPolicy` that keeps a removed resource (and its data).
pub const RETAIN: &str = "Retain";

/// How a change loses a stateful resource's data.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DataLoss {
    /// The resource is replaced (or may be): the new one starts empty.
    Replacement,
    /// The resource is deleted with its data.
    Deletion,
}

impl DataLoss {
    /// How a change (CloudFormation's `Action`, `ResourceType` and `Replacement`, and the
    /// deployed resource's `DeletionPolicy`; empty when not known) loses data, if it does.
    pub fn of(
        stateful: StatefulTypes<'_>,
        action: &str,
        resource_type: &str,
        replacement: &str,
        deletion_policy: &str,
    ) -> Option<DataLoss> {
        if !stateful.contains(resource_type) {
            return None;
        }
        if action == REPLACING_ACTION && REPLACEMENTS.contains(&replacement) {
            return Some(DataLoss::Replacement);
        }
        (action == REMOVING_ACTION && deletion_policy != RETAIN).then_some(DataLoss::Deletion)
    }

    /// What the change does to the resource, after its name.
    pub fn describe(self) -> &'static str {
        match self {
            DataLoss::Replacement => "is replaced (the new one starts empty)",
            DataLoss::Deletion => "is deleted with its data",
        }
    }
}

/// The properties whose change replaces a resource of this type, between its deployed
/// `Properties` and the new ones (`Json::Null`: none), in
/// [`StatefulTypes::replacing_properties`]' order. A property that is absent on one side
/// and present on the other changed.
pub fn replacing_changes(
    stateful: StatefulTypes<'_>,
    resource_type: &str,
    deployed: &Json,
    new: &Json,
) -> Vec<String> {
    stateful
        .replacing_properties(resource_type)
        .into_iter()
        .filter(|p| deployed.get(p) != new.get(p))
        .collect()
}

/// The rule as three bash functions:
///
/// - `is_stateful TYPE` succeeds when resources of the type hold data;
/// - `data_loss ACTION TYPE REPLACEMENT DELETION_POLICY` prints [`DataLoss::describe`]
///   when the change loses data (nothing otherwise), and succeeds either way;
/// - `replacing_properties TYPE` prints the properties whose change replaces a resource of
///   a stateful type, space-separated (nothing for another type).
pub fn bash_functions(stateful_types: StatefulTypes<'_>) -> String {
    let all = stateful_types.all();
    let stateful = all.join("|");
    let replacing: Vec<String> = all
        .iter()
        .map(|t| {
            let properties = stateful_types.replacing_properties(t).join(" ");
            format!("    {t}) echo \"{properties}\" ;;")
        })
        .collect();
    format!(
        "is_stateful() {{\n\
         \x20 case \"$1\" in {stateful}) return 0 ;; *) return 1 ;; esac\n\
         }}\n\
         data_loss() {{\n\
         \x20 is_stateful \"$2\" || return 0\n\
         \x20 case \"$1\" in {REPLACING_ACTION}) case \"$3\" in {replacements}) echo \"{replaced}\" ;; esac ;; esac\n\
         \x20 case \"$1\" in {REMOVING_ACTION}) case \"$4\" in {RETAIN}) ;; *) echo \"{deleted}\" ;; esac ;; esac\n\
         }}\n\
         replacing_properties() {{\n\
         \x20 case \"$1\" in\n\
         {replacing}\n\
         \x20 esac\n\
         }}",
        replacements = REPLACEMENTS.join("|"),
        replaced = DataLoss::Replacement.describe(),
        deleted = DataLoss::Deletion.describe(),
        replacing = replacing.join("\n"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// pipewright's own stateful types only.
    const NONE: StatefulTypes<'static> = StatefulTypes { declared: &[] };

    fn user_pool() -> StatefulType {
        StatefulType {
            type_name: "AWS::Cognito::UserPool".into(),
            replaced_by: vec!["UserPoolName".into(), "AliasAttributes".into()],
        }
    }

    #[test]
    fn a_declared_type_holds_data_like_a_table() {
        let declared = [user_pool()];
        let stateful = StatefulTypes::new(&declared);
        let pool = "AWS::Cognito::UserPool";
        assert!(stateful.contains(pool) && !NONE.contains(pool));
        assert!(stateful.contains("AWS::DynamoDB::Table"));
        assert_eq!(
            DataLoss::of(stateful, "Remove", pool, "", "Delete"),
            Some(DataLoss::Deletion)
        );
        assert_eq!(DataLoss::of(NONE, "Remove", pool, "", "Delete"), None);
        let old = json!({"UserPoolName": "users", "MfaConfiguration": "OFF"});
        let new = json!({"UserPoolName": "members", "MfaConfiguration": "ON"});
        assert_eq!(
            replacing_changes(stateful, pool, &old, &new),
            ["UserPoolName"]
        );
        assert_eq!(
            stateful.all(),
            [STATEFUL_TYPES, &[pool]].concat(),
            "pipewright's own first"
        );
    }

    #[test]
    fn replacing_or_deleting_a_stateful_resource_loses_data() {
        let table = "AWS::DynamoDB::Table";
        assert_eq!(
            DataLoss::of(NONE, "Modify", table, "True", "Retain"),
            Some(DataLoss::Replacement),
            "a retained old table no longer serves: the stack's table starts empty"
        );
        assert_eq!(
            DataLoss::of(NONE, "Modify", "AWS::S3::Bucket", "Conditional", ""),
            Some(DataLoss::Replacement)
        );
        assert_eq!(
            DataLoss::of(NONE, "Remove", "AWS::SQS::Queue", "", "Delete"),
            Some(DataLoss::Deletion)
        );
        assert_eq!(
            DataLoss::of(NONE, "Remove", table, "", ""),
            Some(DataLoss::Deletion),
            "no policy: CloudFormation deletes"
        );
        assert_eq!(DataLoss::of(NONE, "Remove", table, "", "Retain"), None);
        assert_eq!(DataLoss::of(NONE, "Modify", table, "False", ""), None);
        assert_eq!(DataLoss::of(NONE, "Add", table, "", ""), None);
        assert_eq!(
            DataLoss::of(NONE, "Modify", "AWS::Lambda::Function", "True", ""),
            None,
            "a function holds no data"
        );
        assert_eq!(
            DataLoss::of(NONE, "Remove", "AWS::SNS::Topic", "", ""),
            None
        );
    }

    #[test]
    fn the_replacing_changes_are_the_create_only_ones_and_the_key_schema() {
        let table = "AWS::DynamoDB::Table";
        let old = json!({
            "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
            "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
            "BillingMode": "PAY_PER_REQUEST",
        });
        let mut new = old.clone();
        new["BillingMode"] = json!("PROVISIONED");
        new["AttributeDefinitions"][0]["AttributeType"] = json!("N");
        assert!(
            replacing_changes(NONE, table, &old, &new).is_empty(),
            "billing and attribute definitions update in place"
        );
        new["KeySchema"][0]["AttributeName"] = json!("pk");
        new["TableName"] = json!("orders");
        assert_eq!(
            replacing_changes(NONE, table, &old, &new),
            ["TableName", "KeySchema"]
        );
        let queue = "AWS::SQS::Queue";
        assert_eq!(
            replacing_changes(NONE, queue, &json!({}), &json!({"FifoQueue": true})),
            ["FifoQueue"]
        );
        assert_eq!(
            replacing_changes(
                NONE,
                "AWS::S3::Bucket",
                &Json::Null,
                &json!({"BucketName": "b"})
            ),
            ["BucketName"]
        );
        assert!(replacing_changes(NONE, queue, &json!({"A": 1}), &json!({"A": 2})).is_empty());
    }

    fn bash(stateful: StatefulTypes<'_>, script: &str) -> String {
        let output = std::process::Command::new("bash")
            .arg("-c")
            .arg(format!(
                "set -euo pipefail\n{}\n{script}",
                bash_functions(stateful)
            ))
            .output()
            .expect("bash runs");
        assert!(output.status.success(), "{output:?}");
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    /// The bash functions give the Rust rule's answers (bash runs them here).
    #[test]
    fn the_bash_functions_are_the_same_rule() {
        let declared = [user_pool()];
        let stateful = StatefulTypes::new(&declared);
        let changes = [
            ("Modify", "AWS::DynamoDB::Table", "True", "Retain"),
            ("Modify", "AWS::S3::Bucket", "Conditional", "None"),
            ("Modify", "AWS::SQS::Queue", "False", "None"),
            ("Modify", "AWS::SQS::Queue", "None", "None"),
            ("Remove", "AWS::SQS::Queue", "None", "Delete"),
            ("Remove", "AWS::DynamoDB::Table", "None", "Retain"),
            ("Remove", "AWS::DynamoDB::Table", "None", "None"),
            ("Modify", "AWS::Lambda::Function", "True", "None"),
            ("Remove", "AWS::IAM::Role", "None", "None"),
            ("Add", "AWS::S3::Bucket", "None", "None"),
            ("Remove", "AWS::Cognito::UserPool", "None", "None"),
            ("Modify", "AWS::Cognito::UserPool", "True", "Retain"),
        ];
        let mut script = String::new();
        let mut expected = String::new();
        for (action, kind, replacement, policy) in changes {
            script.push_str(&format!(
                "echo \"> {action} {kind}\"; data_loss {action} {kind} {replacement} {policy}\n"
            ));
            expected.push_str(&format!("> {action} {kind}\n"));
            if let Some(loss) = DataLoss::of(stateful, action, kind, replacement, policy) {
                expected.push_str(loss.describe());
                expected.push('\n');
            }
        }
        let kinds = ["AWS::Cognito::UserPool", "AWS::SNS::Topic"];
        for kind in STATEFUL_TYPES.iter().chain(&kinds) {
            script.push_str(&format!(
                "is_stateful {kind} && echo \"> stateful {kind}\"\n\
                 echo \"> {kind}: $(replacing_properties {kind})\"\n"
            ));
            if stateful.contains(kind) {
                expected.push_str(&format!("> stateful {kind}\n"));
            }
            let properties = stateful.replacing_properties(kind).join(" ");
            expected.push_str(&format!("> {kind}: {properties}\n"));
        }
        assert_eq!(bash(stateful, &script), expected);
    }
}
