//! The pipeline as deployed: read back from the emulator's CodePipeline (`GetPipeline`)
//! after CloudFormation created it from the synthesized template, so the rehearsal runs
//! exactly what the template declares, references resolved.

use std::collections::BTreeMap;

use aws_sdk_codepipeline::types::{ActionDeclaration, PipelineDeclaration};

use crate::deploy::error::{Error, Result};

/// A pipeline.
#[derive(Clone, Debug, PartialEq)]
pub struct Pipeline {
    /// Its name.
    pub name: String,
    /// The version CodePipeline gave this declaration (it grows with every update).
    pub version: i32,
    /// Its region (where its stack is).
    pub region: String,
    /// The artifact bucket of each region.
    pub stores: BTreeMap<String, String>,
    /// The stages, in order.
    pub stages: Vec<Stage>,
}

/// A stage.
#[derive(Clone, Debug, PartialEq)]
pub struct Stage {
    /// Its name.
    pub name: String,
    /// Its actions.
    pub actions: Vec<Action>,
}

impl Stage {
    /// The run orders of the stage, each with its actions (they run in parallel).
    pub fn run_orders(&self) -> Vec<(i32, Vec<&Action>)> {
        let mut orders: BTreeMap<i32, Vec<&Action>> = BTreeMap::new();
        for action in &self.actions {
            orders.entry(action.run_order).or_default().push(action);
        }
        orders.into_iter().collect()
    }
}

/// What an action does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A CodeStar/CodeConnections source: the working tree here.
    Source,
    /// A CodeBuild project.
    CodeBuild,
    /// A CloudFormation action (its `ActionMode` in the configuration).
    CloudFormation,
    /// A manual approval.
    Approval,
    /// Anything else (named in the error when it would run).
    Other(String),
}

/// An action.
#[derive(Clone, Debug, PartialEq)]
pub struct Action {
    /// Its name.
    pub name: String,
    /// What it does.
    pub kind: Kind,
    /// Its run order in the stage.
    pub run_order: i32,
    /// Its configuration (values as CodePipeline stores them: strings).
    pub configuration: BTreeMap<String, String>,
    /// Input artifact names (the first is the primary one).
    pub inputs: Vec<String>,
    /// Output artifact names.
    pub outputs: Vec<String>,
    /// The role it runs as (none: the pipeline's role).
    pub role_arn: Option<String>,
    /// Its region (none: the pipeline's).
    pub region: Option<String>,
    /// The namespace its variables are published in.
    pub namespace: Option<String>,
}

impl Action {
    /// A configuration value.
    pub fn config(&self, key: &str) -> Option<&str> {
        self.configuration.get(key).map(String::as_str)
    }

    /// A configuration value the action cannot run without.
    pub fn required(&self, key: &str) -> std::result::Result<&str, String> {
        self.config(key)
            .ok_or_else(|| format!("the action has no `{key}` in its configuration"))
    }
}

impl Pipeline {
    /// The pipeline of a `GetPipeline` answer.
    pub fn from_declaration(declaration: &PipelineDeclaration, region: &str) -> Result<Pipeline> {
        let mut stores = BTreeMap::new();
        if let Some(store) = declaration.artifact_store() {
            stores.insert(region.to_owned(), store.location().to_owned());
        }
        for (store_region, store) in declaration.artifact_stores().into_iter().flatten() {
            stores.insert(store_region.clone(), store.location().to_owned());
        }
        if stores.is_empty() {
            return Err(Error::msg(format!(
                "pipeline {}: no artifact store",
                declaration.name()
            )));
        }
        Ok(Pipeline {
            name: declaration.name().to_owned(),
            version: declaration.version().unwrap_or(1),
            region: region.to_owned(),
            stores,
            stages: declaration
                .stages()
                .iter()
                .map(|stage| Stage {
                    name: stage.name().to_owned(),
                    actions: stage.actions().iter().map(action).collect(),
                })
                .collect(),
        })
    }

    /// The artifact bucket of a region.
    pub fn store(&self, region: &str) -> std::result::Result<&str, String> {
        self.stores.get(region).map(String::as_str).ok_or_else(|| {
            format!(
                "the pipeline has no artifact store in {region} (its stores: {})",
                self.stores.keys().cloned().collect::<Vec<_>>().join(", ")
            )
        })
    }
}

fn action(declaration: &ActionDeclaration) -> Action {
    let kind = match declaration
        .action_type_id()
        .map(|t| (t.category().as_str(), t.provider()))
    {
        Some(("Source", "CodeStarSourceConnection")) => Kind::Source,
        Some(("Build" | "Test", "CodeBuild")) => Kind::CodeBuild,
        Some(("Deploy", "CloudFormation")) => Kind::CloudFormation,
        Some(("Approval", "Manual")) => Kind::Approval,
        Some((category, provider)) => Kind::Other(format!("{category}/{provider}")),
        None => Kind::Other("an action without a type".to_owned()),
    };
    Action {
        name: declaration.name().to_owned(),
        kind,
        run_order: declaration.run_order().unwrap_or(1),
        configuration: declaration
            .configuration()
            .map(|c| c.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
            .unwrap_or_default(),
        inputs: declaration
            .input_artifacts()
            .iter()
            .map(|a| a.name().to_owned())
            .collect(),
        outputs: declaration
            .output_artifacts()
            .iter()
            .map(|a| a.name().to_owned())
            .collect(),
        role_arn: declaration.role_arn().map(str::to_owned),
        region: declaration.region().map(str::to_owned),
        namespace: declaration.namespace().map(str::to_owned),
    }
}

/// The account of an ARN (`arn:aws:iam::ACCOUNT:role/...`).
pub fn account_of(arn: &str) -> Option<&str> {
    arn.split(':').nth(4).filter(|a| !a.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_codepipeline::types::{
        ActionCategory, ActionOwner, ActionTypeId, ArtifactStore, ArtifactStoreType, InputArtifact,
        StageDeclaration,
    };

    fn declaration() -> PipelineDeclaration {
        let build = |name: &str, order: i32| {
            ActionDeclaration::builder()
                .name(name)
                .run_order(order)
                .action_type_id(
                    ActionTypeId::builder()
                        .category(ActionCategory::Build)
                        .owner(ActionOwner::Aws)
                        .provider("CodeBuild")
                        .version("1")
                        .build()
                        .unwrap(),
                )
                .input_artifacts(
                    InputArtifact::builder()
                        .name("Source_Output")
                        .build()
                        .unwrap(),
                )
                .configuration("ProjectName", "P-Synth")
                .build()
                .unwrap()
        };
        PipelineDeclaration::builder()
            .name("P")
            .role_arn("arn:aws:iam::111111111111:role/r")
            .artifact_store(
                ArtifactStore::builder()
                    .r#type(ArtifactStoreType::S3)
                    .location("bucket")
                    .build()
                    .unwrap(),
            )
            .stages(
                StageDeclaration::builder()
                    .name("Build")
                    .actions(build("B", 2))
                    .actions(build("A", 1))
                    .actions(build("C", 2))
                    .build()
                    .unwrap(),
            )
            .version(3)
            .build()
            .unwrap()
    }

    #[test]
    fn actions_group_by_run_order() {
        let pipeline = Pipeline::from_declaration(&declaration(), "us-west-2").unwrap();
        assert_eq!(pipeline.version, 3);
        assert_eq!(pipeline.store("us-west-2").unwrap(), "bucket");
        assert!(pipeline
            .store("eu-west-1")
            .unwrap_err()
            .contains("us-west-2"));
        let orders = pipeline.stages[0].run_orders();
        let names: Vec<(i32, Vec<&str>)> = orders
            .iter()
            .map(|(o, a)| (*o, a.iter().map(|a| a.name.as_str()).collect()))
            .collect();
        assert_eq!(names, [(1, vec!["A"]), (2, vec!["B", "C"])]);
        let action = &pipeline.stages[0].actions[1];
        assert_eq!(action.kind, Kind::CodeBuild);
        assert_eq!(action.inputs, ["Source_Output"]);
        assert_eq!(action.required("ProjectName").unwrap(), "P-Synth");
        assert!(action.required("Nope").unwrap_err().contains("Nope"));
    }

    #[test]
    fn accounts_come_from_arns() {
        assert_eq!(
            account_of("arn:aws:iam::222222222222:role/x"),
            Some("222222222222")
        );
        assert_eq!(account_of("not an arn"), None);
    }
}
