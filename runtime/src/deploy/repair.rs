//! Repairs a bootstrap stack whose resources were deleted behind CloudFormation's back (a
//! bucket emptied and deleted by hand, a role or the version parameter removed).
//!
//! CloudFormation does not notice: an update with the same template changes nothing. So
//! `bootstrap` asks CloudFormation itself, resource by resource (`DetectStackResourceDrift`,
//! whose `DELETED` status means the resource is gone), then repairs in two updates: the first
//! takes the missing resources out of the stack, with every resource and output that refers
//! to them (CloudFormation treats deleting what is already gone as done); the second, the
//! ordinary bootstrap, creates them all again under the same names.

use std::collections::BTreeSet;

use aws_sdk_cloudformation::types::StackResourceDriftStatus;
use futures_util::future::join_all;
use serde_json::Value as Json;

use super::clients::Environment;
use super::error::Result;
use crate::cfn::reference_targets;

/// The resource types whose loss breaks deployments: the asset bucket, the roles, the
/// version parameter (and the image repository).
const CHECKED_TYPES: [&str; 4] = [
    "AWS::S3::Bucket",
    "AWS::IAM::Role",
    "AWS::SSM::Parameter",
    "AWS::ECR::Repository",
];

/// A resource of the stack that no longer exists.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Missing {
    /// Its logical id in the template.
    pub logical_id: String,
    /// Its resource type.
    pub resource_type: String,
    /// What it was called.
    pub physical_id: String,
}

impl std::fmt::Display for Missing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} ({} {})",
            self.logical_id, self.resource_type, self.physical_id
        )
    }
}

/// The resources of stack `name` of the checked types that CloudFormation finds deleted;
/// `notes` hears of resources it could not check (their drift detection failed).
pub async fn missing_resources(
    env: &Environment,
    name: &str,
    notes: &dyn Fn(String),
) -> Result<Vec<Missing>> {
    let cfn = &env.clients.cloudformation;
    let summaries = super::stack::resources(env, name).await?;
    let resources: Vec<Missing> = summaries
        .iter()
        .filter(|r| CHECKED_TYPES.contains(&r.resource_type().unwrap_or_default()))
        .map(|r| Missing {
            logical_id: r.logical_resource_id().unwrap_or_default().to_owned(),
            resource_type: r.resource_type().unwrap_or_default().to_owned(),
            physical_id: r.physical_resource_id().unwrap_or_default().to_owned(),
        })
        .collect();
    let checks = join_all(resources.iter().map(|r| {
        cfn.detect_stack_resource_drift()
            .stack_name(name)
            .logical_resource_id(&r.logical_id)
            .send()
    }))
    .await;
    let mut missing = Vec::new();
    for (resource, check) in resources.into_iter().zip(checks) {
        match check {
            Ok(o) => {
                let deleted = o
                    .stack_resource_drift()
                    .and_then(|d| d.stack_resource_drift_status())
                    == Some(&StackResourceDriftStatus::Deleted);
                if deleted {
                    missing.push(resource);
                }
            }
            Err(e) => notes(format!(
                "{name}: cannot check that {} exists: {}",
                resource.logical_id,
                super::error::aws_reason(&e)
            )),
        }
    }
    Ok(missing)
}

/// What taking `missing` out of a stack of `template` takes with it: the resources that
/// refer to them (`Ref`, `Fn::GetAtt`, `Fn::Sub`, `DependsOn`), transitively, and the
/// outputs that refer to any of those.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Removal {
    /// Logical ids of the resources to take out.
    pub resources: BTreeSet<String>,
    /// Names of the outputs to take out.
    pub outputs: BTreeSet<String>,
}

impl Removal {
    /// The removal of `missing` from `template`.
    pub fn of(template: &Json, missing: &[String]) -> Removal {
        let declared = template["Resources"]
            .as_object()
            .cloned()
            .unwrap_or_default();
        let mut resources: BTreeSet<String> = missing.iter().cloned().collect();
        loop {
            let more: Vec<String> = declared
                .iter()
                .filter(|(id, _)| !resources.contains(*id))
                .filter(|(_, body)| refers_to_any(body, &resources))
                .map(|(id, _)| id.clone())
                .collect();
            if more.is_empty() {
                break;
            }
            resources.extend(more);
        }
        let outputs = template["Outputs"]
            .as_object()
            .map(|outputs| {
                outputs
                    .iter()
                    .filter(|(_, body)| refers_to_any(body, &resources))
                    .map(|(name, _)| name.clone())
                    .collect()
            })
            .unwrap_or_default();
        Removal { resources, outputs }
    }

    /// `template` without what this removal takes out.
    pub fn apply(&self, template: &Json) -> Json {
        let mut reduced = template.clone();
        if let Some(resources) = reduced["Resources"].as_object_mut() {
            resources.retain(|id, _| !self.resources.contains(id));
        }
        if let Some(outputs) = reduced["Outputs"].as_object_mut() {
            outputs.retain(|name, _| !self.outputs.contains(name));
        }
        reduced
    }

    /// Resources this removal takes out that are retained on deletion
    /// (`DeletionPolicy: Retain`) and still exist: CloudFormation would keep them, and
    /// creating them again under the same name would fail.
    pub fn retained_survivors(&self, template: &Json, missing: &[String]) -> Vec<String> {
        self.resources
            .iter()
            .filter(|id| !missing.contains(id))
            .filter(|id| template["Resources"][id.as_str()]["DeletionPolicy"] == "Retain")
            .cloned()
            .collect()
    }
}

/// Whether a template fragment refers to any of `ids`.
fn refers_to_any(fragment: &Json, ids: &BTreeSet<String>) -> bool {
    reference_targets(fragment).iter().any(|r| ids.contains(r))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bootstrap() -> Json {
        serde_json::from_str(&crate::bootstrap_stack::template()).unwrap()
    }

    fn set(items: &[&str]) -> BTreeSet<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn a_missing_bucket_takes_what_refers_to_it() {
        let template = bootstrap();
        let removal = Removal::of(&template, &["StagingBucket".into()]);
        assert_eq!(
            removal.resources,
            set(&[
                "StagingBucket",
                "StagingBucketPolicy",
                "FilePublishingRoleDefaultPolicy",
                "DeploymentActionRole",
            ])
        );
        assert_eq!(removal.outputs, set(&["BucketName", "BucketDomainName"]));
        assert!(removal
            .retained_survivors(&template, &["StagingBucket".into()])
            .is_empty());
        let reduced = removal.apply(&template);
        assert!(reduced["Resources"].get("StagingBucket").is_none());
        assert!(reduced["Resources"].get("CdkBootstrapVersion").is_some());
        assert!(reduced["Outputs"].get("BootstrapVersion").is_some());
        assert!(reduced["Outputs"].get("BucketName").is_none());
    }

    #[test]
    fn a_missing_version_parameter_takes_the_deploy_role_and_its_output() {
        let template = bootstrap();
        let removal = Removal::of(&template, &["CdkBootstrapVersion".into()]);
        assert_eq!(
            removal.resources,
            set(&["CdkBootstrapVersion", "DeploymentActionRole"])
        );
        assert_eq!(removal.outputs, set(&["BootstrapVersion"]));
    }

    #[test]
    fn a_retained_resource_that_still_exists_cannot_be_taken_out() {
        // The file-publishing role is in the customer key's policy; the bucket, encrypted
        // with that key, refers to the key and is retained.
        let template = bootstrap();
        let missing = ["FilePublishingRole".to_owned()];
        let removal = Removal::of(&template, &missing);
        assert!(removal.resources.contains("FileAssetsBucketEncryptionKey"));
        assert_eq!(
            removal.retained_survivors(&template, &missing),
            vec!["StagingBucket".to_owned()]
        );
    }
}
