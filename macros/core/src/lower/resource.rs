//! The `resource` block: a resource of any registry type, its properties checked against
//! the type's schema ([`crate::registry`]) as deep as the schema describes them: JSON
//! types, required and unknown properties, `enum`, `minimum`/`maximum`,
//! `minLength`/`maxLength`, `minItems`/`maxItems`, the `pattern`s `regex-lite` understands,
//! read-only properties, `$ref`, and `oneOf`/`anyOf`/`allOf`. Not checked: what a schema
//! says beyond those (`dependentRequired`, `requiredXor`, formats, patterns with Unicode
//! classes or look-around), and the values of references.

use pipewright::spec::{Removal, Resource};
use syn::spanned::Spanned as _;

use super::context::Cx;
use super::fields::Fields;
use super::schema_check::{resolve, Check, Referable};
use crate::diagnostics::did_you_mean_or;
use crate::registry::{self, Schema};
use crate::syntax::{ResourceBlock, Value};

/// Types that hold data although cfn-lint's stateful list (which the archive records) does
/// not name them: retained by default, guarded by the data-loss rules.
const ALSO_STATEFUL: &[&str] = &[
    "AWS::DocDB::GlobalCluster",
    "AWS::DocDBElastic::Cluster",
    "AWS::DSQL::Cluster",
    "AWS::ECR::Repository",
    "AWS::ElastiCache::ServerlessCache",
    "AWS::Kinesis::Stream",
    "AWS::Cassandra::Table",
    "AWS::MemoryDB::Cluster",
    "AWS::NeptuneGraph::Graph",
    "AWS::OpenSearchServerless::Collection",
    "AWS::RDS::GlobalCluster",
    "AWS::RedshiftServerless::Namespace",
    "AWS::S3Express::DirectoryBucket",
    "AWS::S3Tables::TableBucket",
    "AWS::Timestream::Database",
    "AWS::Timestream::Table",
];

impl Cx {
    pub(super) fn resource(&mut self, block: &ResourceBlock, refs: &Referable<'_>) -> Resource {
        let name = self.block_name(&block.name);
        let doc = self.docs(&block.docs);
        self.syntax_errors(&block.fields.errors);
        let what = format!("resource `{name}`");
        let mut f = Fields::new(
            &mut self.diag,
            what,
            block.name.span(),
            &block.fields.fields,
        );
        let type_name = f.required_str("type");
        let schema = type_name.as_ref().and_then(|t| {
            let schema = registry::schema(&t.value);
            if schema.is_none() {
                let hint = did_you_mean_or(&t.value, &type_names(), || {
                    format!(
                        "; expected a type of the CloudFormation registry ({}), such as `AWS::Cognito::UserPool`",
                        registry::source()
                    )
                });
                f.diag
                    .error(t.span, format!("unknown resource type `{}`{hint}", t.value));
            }
            schema
        });
        let properties_field = f.take("properties");
        let removal = f.named_ident(
            "removal",
            "removal policy",
            Removal::NAMES,
            Removal::from_name,
        );
        let depends_on = f.list("depends_on", |g, value| match value {
            Value::Ident(i) => {
                let target = i.to_string();
                resolve(g.diag, refs, &target, i.span(), &name).map(|_| target)
            }
            other => {
                g.diag.error(
                    other.span(),
                    format!(
                        "expected the name of a block of the stack, found {}",
                        other.describe()
                    ),
                );
                None
            }
        });
        f.finish();
        let mut resource = Resource {
            name: name.clone(),
            doc,
            type_name: type_name.map(|t| t.value).unwrap_or_default(),
            properties: Vec::new(),
            removal: Removal::Destroy,
            depends_on: depends_on.unwrap_or_default(),
            stateful: false,
            create_only: Vec::new(),
            arn_attribute: None,
        };
        let Some(schema) = schema else {
            return resource;
        };
        let mut check = Check::new(&schema, refs, &name);
        resource.properties = match properties_field {
            Some(field) => check.properties(field),
            None => {
                let empty = Vec::new();
                check.object(&empty, schema.json(), &mut Vec::new(), block.name.span());
                Vec::new()
            }
        };
        for e in check.errors {
            self.diag.push(e);
        }
        resource.stateful = is_stateful(&schema);
        resource.removal = removal.unwrap_or(match resource.stateful {
            true => Removal::Retain,
            false => Removal::Destroy,
        });
        resource.create_only = schema
            .top_level("createOnlyProperties")
            .into_iter()
            .map(str::to_owned)
            .collect();
        resource.arn_attribute = arn_attribute(&schema);
        resource
    }
}

/// Whether resources of this type hold data.
fn is_stateful(schema: &Schema) -> bool {
    schema.listed_stateful() || ALSO_STATEFUL.contains(&schema.type_name())
}

/// The attribute holding the resource's ARN: `Arn`, or `ARN` as some types spell it.
pub(super) fn arn_attribute(schema: &Schema) -> Option<String> {
    ["Arn", "ARN"]
        .into_iter()
        .find(|a| schema.attributes().contains(a))
        .map(str::to_owned)
}

fn type_names() -> Vec<&'static str> {
    registry::type_names().collect()
}
