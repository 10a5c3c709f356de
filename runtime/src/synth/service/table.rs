//! A `table` block: a DynamoDB table, on-demand, point-in-time recovery on unless the
//! program turns it off, retained with its data unless the program says `Destroy`.
//!
//! As CDK's `Table` without an `encryption` field: no `SSESpecification`, so DynamoDB
//! encrypts with its AWS owned key (no KMS charge, no key policy to keep); checkov's
//! customer-managed-key check is skipped with that reason.

use crate::cfn::resources::dynamo_db::{self, table};
use crate::cfn::{Attributes, Handle, Metadata, Template, TemplateError};
use crate::spec::{Key, Table};

use super::safeguards::removal_policy;

/// Why the table has no customer-managed key (checkov CKV_AWS_119).
const AWS_OWNED_KEY: (&str, &str) = (
    "CKV_AWS_119",
    "DynamoDB encrypts every table at rest with its AWS owned key, CDK's default; a customer-managed key per table would cost a key per stage and stack and add key policies to keep, for no reader that IAM does not already restrict",
);

/// Why a table may have no point-in-time recovery (checkov CKV_AWS_28).
const RECOVERY_OFF: (&str, &str) = (
    "CKV_AWS_28",
    "The program turned point-in-time recovery off for this table (`recovery: false`), knowing its data can be rebuilt",
);

/// The table of the block, named `<Table>Table`: the id never depends on other blocks, so
/// adding one never replaces a table and its data.
pub(super) fn table(
    t: &mut Template,
    spec: &Table,
) -> Result<Handle<dynamo_db::Table>, TemplateError> {
    let properties = dynamo_db::Table {
        attribute_definitions: Some(attribute_definitions(spec)),
        billing_mode: Some("PAY_PER_REQUEST".into()),
        global_secondary_indexes: (!spec.indexes.is_empty()).then(|| {
            spec.indexes
                .iter()
                .map(|index| {
                    table::GlobalSecondaryIndex::new(
                        index.name.clone(),
                        key_schema(&index.partition_key, index.sort_key.as_ref())
                            .into_iter()
                            .map(|(name, kind)| {
                                table::GlobalSecondaryIndexKeySchema::new(name, kind)
                            })
                            .collect(),
                        table::Projection {
                            projection_type: Some("ALL".into()),
                            ..table::Projection::new()
                        },
                    )
                })
                .collect()
        }),
        point_in_time_recovery_specification: spec.recovery.then(|| {
            table::PointInTimeRecoverySpecification {
                point_in_time_recovery_enabled: Some(true.into()),
                ..table::PointInTimeRecoverySpecification::new()
            }
        }),
        stream_specification: spec
            .stream
            .map(|view| table::StreamSpecification::new(view.aws_value())),
        time_to_live_specification: spec.ttl.as_ref().map(|attribute| {
            table::TimeToLiveSpecification {
                attribute_name: Some(attribute.clone().into()),
                ..table::TimeToLiveSpecification::new(true)
            }
        }),
        ..dynamo_db::Table::new(
            key_schema(&spec.partition_key, spec.sort_key.as_ref())
                .into_iter()
                .map(|(name, kind)| table::TableKeySchema::new(name, kind))
                .collect(),
        )
    };
    let mut skips = vec![AWS_OWNED_KEY];
    if !spec.recovery {
        skips.push(RECOVERY_OFF);
    }
    t.add_with(
        format!("{}Table", spec.name),
        properties,
        Attributes::new()
            .removal_policy(removal_policy(spec.removal))
            .metadata(Metadata::checkov_skips(&skips)),
    )
}

/// `(attribute, HASH | RANGE)` of a key schema.
fn key_schema(partition: &Key, sort: Option<&Key>) -> Vec<(String, &'static str)> {
    let mut schema = vec![(partition.name.clone(), "HASH")];
    schema.extend(sort.map(|k| (k.name.clone(), "RANGE")));
    schema
}

/// Every key attribute of the table and its indexes, once, in the order first named.
fn attribute_definitions(spec: &Table) -> Vec<table::AttributeDefinition> {
    let keys = [Some(&spec.partition_key), spec.sort_key.as_ref()]
        .into_iter()
        .chain(
            spec.indexes
                .iter()
                .flat_map(|i| [Some(&i.partition_key), i.sort_key.as_ref()]),
        )
        .flatten();
    let mut seen: Vec<&Key> = Vec::new();
    for key in keys {
        if !seen.iter().any(|k| k.name == key.name) {
            seen.push(key);
        }
    }
    seen.into_iter()
        .map(|k| table::AttributeDefinition::new(k.name.clone(), k.kind.aws_value()))
        .collect()
}
