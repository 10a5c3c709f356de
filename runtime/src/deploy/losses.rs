//! The changes of a change set that lose data ([`crate::broadening::data_loss`]), and
//! `deploy`'s refusal of them unless `--allow-replace` names each.
//!
//! Whether a change replaces its resource is CloudFormation's answer when it gives one;
//! when it does not (an emulator's change set), the deployed template and the new one tell,
//! through the properties whose change replaces the resource. Whether a removal deletes is
//! the deployed template's `DeletionPolicy`.

use serde_json::Value as Json;

use super::changes::ResourceChange;
use crate::broadening::data_loss::{replacing_changes, DataLoss, StatefulTypes};

/// One change that loses a stateful resource's data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Loss {
    /// The resource's logical id.
    pub logical_id: String,
    /// Its type.
    pub resource_type: String,
    /// How its data is lost.
    pub how: DataLoss,
    /// The properties that force a replacement (empty: not known, or a deletion).
    pub forced_by: Vec<String>,
}

impl Loss {
    /// `OrdersTable (AWS::DynamoDB::Table) is replaced (the new one starts empty): KeySchema changes`.
    pub fn describe(&self) -> String {
        let cause = match (self.how, self.forced_by.as_slice()) {
            (DataLoss::Deletion, _) => String::new(),
            (DataLoss::Replacement, []) => {
                ": CloudFormation does not say which property forces it".to_owned()
            }
            (DataLoss::Replacement, [one]) => format!(": {one} changes"),
            (DataLoss::Replacement, many) => format!(": {} change", many.join(", ")),
        };
        format!(
            "{} ({}) {}{cause}",
            self.logical_id,
            self.resource_type,
            self.how.describe()
        )
    }
}

/// Whether telling if this change loses data needs the deployed template (a removal's
/// policy, or a replacement CloudFormation did not decide).
pub fn needs_deployed_template(stateful: StatefulTypes<'_>, change: &ResourceChange) -> bool {
    stateful.contains(&change.resource_type) && change.action != "Add"
}

/// The changes that lose data, in the change set's order. `stateful`: the stack's stateful
/// types; `deployed`: the stack's template before the change (`None`: not known); `new`:
/// the template of the change set.
pub fn losses(
    stateful: StatefulTypes<'_>,
    changes: &[ResourceChange],
    deployed: Option<&Json>,
    new: &Json,
) -> Vec<Loss> {
    let resource = |template: Option<&Json>, id: &str| {
        template.map_or(Json::Null, |t| t["Resources"][id].clone())
    };
    changes
        .iter()
        .filter(|c| stateful.contains(&c.resource_type))
        .filter_map(|c| {
            let before = resource(deployed, &c.logical_id);
            let after = resource(Some(new), &c.logical_id);
            let template_says = match deployed {
                Some(_) => replacing_changes(
                    stateful,
                    &c.resource_type,
                    &before["Properties"],
                    &after["Properties"],
                ),
                None => Vec::new(),
            };
            let replacement = match c.replacement.as_str() {
                "" if !template_says.is_empty() => "True",
                given => given,
            };
            let policy = before["DeletionPolicy"].as_str().unwrap_or_default();
            let how = DataLoss::of(stateful, &c.action, &c.resource_type, replacement, policy)?;
            let forced_by = match (how, c.recreating.is_empty()) {
                (DataLoss::Deletion, _) => Vec::new(),
                (DataLoss::Replacement, false) => c.recreating.clone(),
                (DataLoss::Replacement, true) => template_says,
            };
            Some(Loss {
                logical_id: c.logical_id.clone(),
                resource_type: c.resource_type.clone(),
                how,
                forced_by,
            })
        })
        .collect()
}

/// Why `deploy` refuses a change set of `stack` (one line), when a loss is not allowed by
/// `--allow-replace` (each NAME a logical id).
pub fn refusal(stack: &str, losses: &[Loss], allowed: &[String]) -> Option<String> {
    let refused: Vec<&Loss> = losses
        .iter()
        .filter(|l| !allowed.contains(&l.logical_id))
        .collect();
    if refused.is_empty() {
        return None;
    }
    let what: Vec<String> = refused.iter().map(|l| l.describe()).collect();
    let flags: Vec<String> = refused
        .iter()
        .map(|l| format!("--allow-replace {}", l.logical_id))
        .collect();
    Some(format!(
        "{stack}: the change set loses data: {}; nothing was deployed. To deploy it all the same, pass {}",
        what.join("; "),
        flags.join(" ")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn change(action: &str, id: &str, kind: &str, replacement: &str) -> ResourceChange {
        ResourceChange {
            action: action.into(),
            logical_id: id.into(),
            resource_type: kind.into(),
            replacement: replacement.into(),
            recreating: Vec::new(),
        }
    }

    fn template(key: &str, policy: &str) -> Json {
        json!({"Resources": {
            "OrdersTable": {"Type": "AWS::DynamoDB::Table", "DeletionPolicy": policy,
                "Properties": {"KeySchema": [{"AttributeName": key, "KeyType": "HASH"}]}},
            "JobsQueue": {"Type": "AWS::SQS::Queue", "DeletionPolicy": "Delete"},
        }})
    }

    #[test]
    fn cloudformations_answer_decides_and_names_the_property() {
        let mut replaced = change("Modify", "OrdersTable", "AWS::DynamoDB::Table", "True");
        replaced.recreating = vec!["KeySchema".into()];
        let found = losses(
            StatefulTypes::default(),
            &[replaced],
            None,
            &template("pk", "Retain"),
        );
        assert_eq!(
            found,
            [Loss {
                logical_id: "OrdersTable".into(),
                resource_type: "AWS::DynamoDB::Table".into(),
                how: DataLoss::Replacement,
                forced_by: vec!["KeySchema".into()],
            }]
        );
        let in_place = change("Modify", "OrdersTable", "AWS::DynamoDB::Table", "False");
        let (old, new) = (template("id", "Retain"), template("pk", "Retain"));
        assert!(
            losses(StatefulTypes::default(), &[in_place], Some(&old), &new).is_empty(),
            "CloudFormation's answer stands"
        );
    }

    #[test]
    fn without_an_answer_the_templates_decide() {
        let unsaid = change("Modify", "OrdersTable", "AWS::DynamoDB::Table", "");
        let (old, new) = (template("id", "Retain"), template("pk", "Retain"));
        let found = losses(
            StatefulTypes::default(),
            std::slice::from_ref(&unsaid),
            Some(&old),
            &new,
        );
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0].describe(),
            "OrdersTable (AWS::DynamoDB::Table) is replaced (the new one starts empty): KeySchema changes"
        );
        let mut billing = old.clone();
        billing["Resources"]["OrdersTable"]["Properties"]["BillingMode"] = json!("PROVISIONED");
        assert!(losses(StatefulTypes::default(), &[unsaid], Some(&old), &billing).is_empty());
    }

    #[test]
    fn a_removal_loses_data_unless_the_deployed_policy_retains() {
        let old = template("id", "Retain");
        let empty = json!({"Resources": {}});
        let removed = [
            change("Remove", "OrdersTable", "AWS::DynamoDB::Table", ""),
            change("Remove", "JobsQueue", "AWS::SQS::Queue", ""),
        ];
        let found = losses(StatefulTypes::default(), &removed, Some(&old), &empty);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(
            found[0].describe(),
            "JobsQueue (AWS::SQS::Queue) is deleted with its data"
        );
        let destroyed = template("id", "Delete");
        assert_eq!(
            losses(StatefulTypes::default(), &removed, Some(&destroyed), &empty).len(),
            2
        );
    }

    #[test]
    fn the_refusal_names_each_resource_and_the_flag_that_allows_it() {
        let lost = [
            Loss {
                logical_id: "OrdersTable".into(),
                resource_type: "AWS::DynamoDB::Table".into(),
                how: DataLoss::Replacement,
                forced_by: vec!["KeySchema".into(), "TableName".into()],
            },
            Loss {
                logical_id: "JobsQueue".into(),
                resource_type: "AWS::SQS::Queue".into(),
                how: DataLoss::Deletion,
                forced_by: Vec::new(),
            },
        ];
        assert_eq!(
            refusal("Dev-Shop", &lost, &[]).unwrap(),
            "Dev-Shop: the change set loses data: OrdersTable (AWS::DynamoDB::Table) is replaced (the new one starts empty): KeySchema, TableName change; JobsQueue (AWS::SQS::Queue) is deleted with its data; nothing was deployed. To deploy it all the same, pass --allow-replace OrdersTable --allow-replace JobsQueue"
        );
        let one = refusal("Dev-Shop", &lost, &["OrdersTable".into()]).unwrap();
        assert!(!one.contains("OrdersTable"), "{one}");
        assert_eq!(
            refusal(
                "Dev-Shop",
                &lost,
                &["OrdersTable".into(), "JobsQueue".into()]
            ),
            None
        );
    }
}
