//! `destroy [STACK...]`: deletes stacks in the reverse of their deployment order (the
//! stacks of a wave concurrently), after asking unless `--force`, waits for each deletion,
//! and reports what was deleted and what CloudFormation kept (`DeletionPolicy: Retain`):
//! each table and bucket left behind by its name, with the command that deletes it.

use futures_util::future::join_all;
use serde_json::Value as Json;

use super::error::{Error, Result};
use super::select::{select, waves};
use super::session::Session;
use super::stack::{self, DeployOptions, State};
use crate::app::{App, StackArtifact};
use crate::broadening::data_loss::StatefulTypes;

/// What `destroy` did to a stack.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Destroyed {
    /// It was not deployed.
    Absent,
    /// Deleted; these resources were kept (their `DeletionPolicy` is `Retain`).
    Deleted {
        /// Logical ids of the retained resources.
        retained: Vec<String>,
        /// The retained resources that hold data, as found before the deletion.
        left_behind: Vec<LeftBehind>,
    },
}

/// A retained resource that holds data (a table, a bucket): it outlives its stack, and
/// costs until someone deletes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LeftBehind {
    /// The logical id it had in the stack.
    pub logical_id: String,
    /// Its type.
    pub resource_type: String,
    /// Its name (a queue's URL).
    pub physical_id: String,
    /// Its region.
    pub region: String,
}

impl LeftBehind {
    /// The AWS CLI command that deletes it, and its data.
    pub fn deletion_command(&self) -> String {
        let (name, region) = (&self.physical_id, &self.region);
        match self.resource_type.as_str() {
            "AWS::DynamoDB::Table" => {
                format!("aws dynamodb delete-table --table-name {name} --region {region}")
            }
            "AWS::S3::Bucket" => format!("aws s3 rb s3://{name} --force --region {region}"),
            "AWS::SQS::Queue" => {
                format!("aws sqs delete-queue --queue-url {name} --region {region}")
            }
            // A `resource` block's type: Cloud Control deletes any registry type by its
            // primary identifier (CloudFormation's physical id).
            other => format!(
                "aws cloudcontrol delete-resource --type-name {other} --identifier {name} --region {region}"
            ),
        }
    }
}

/// Deletes the stacks named (see [`select`]); asks first unless `force`.
pub async fn run(
    session: &Session,
    app: &App,
    names: &[String],
    all: bool,
    force: bool,
    options: &DeployOptions,
) -> Result<Vec<(String, Destroyed)>> {
    let console = &session.console;
    let stacks = select(app, names, all, false)?;
    refuse_protected(session, app, &stacks).await?;
    let list: Vec<&str> = stacks.iter().map(|s| s.name.as_ref()).collect();
    if !force
        && !console
            .confirm(&format!(
                "Delete {} ({})?",
                plural(list.len()),
                list.join(", ")
            ))
            .await
    {
        return Err(Error::msg(format!(
            "not confirmed: nothing deleted (answer y, or pass --force) [{}]",
            list.join(", ")
        )));
    }
    let mut report = Vec::new();
    for wave in waves(&stacks).into_iter().rev() {
        let results = join_all(wave.iter().map(|s| destroy_one(session, app, s, options))).await;
        let mut failures = Vec::new();
        for (stack, result) in wave.iter().zip(results) {
            match result {
                Ok(done) => report.push((stack.name.to_string(), done)),
                Err(e) => failures.push(e.to_string()),
            }
        }
        if !failures.is_empty() {
            return Err(Error::msg(failures.join(" | ")));
        }
    }
    let deleted = report
        .iter()
        .filter(|(_, d)| matches!(d, Destroyed::Deleted { .. }))
        .count();
    console.note(&format!(
        "deleted {}, {} not deployed",
        plural(deleted),
        report.len() - deleted
    ));
    Ok(report)
}

/// Refuses, before anything is deleted, when a stack to delete has termination
/// protection, and says how to lift it.
async fn refuse_protected(session: &Session, app: &App, stacks: &[&StackArtifact]) -> Result<()> {
    let described = join_all(stacks.iter().map(|artifact| async move {
        let env = session
            .environment(&artifact.account, &artifact.region, &app.qualifier)
            .await?;
        stack::describe(&env, &artifact.name).await
    }))
    .await;
    let mut protected = Vec::new();
    for (artifact, found) in stacks.iter().zip(described) {
        if found?.is_some_and(|s| s.enable_termination_protection() == Some(true)) {
            protected.push(*artifact);
        }
    }
    let Some(first) = protected.first() else {
        return Ok(());
    };
    let names: Vec<&str> = protected.iter().map(|s| s.name.as_ref()).collect();
    Err(Error::msg(format!(
        "{} termination protection on (`protect: true`): nothing deleted. To delete {}, remove `protect: true` from {}, then lift it: \
         aws cloudformation update-termination-protection --no-enable-termination-protection --stack-name {} --region {}",
        match names.len() {
            1 => format!("{} has", names[0]),
            _ => format!("{} have", names.join(", ")),
        },
        if names.len() == 1 { "it" } else { "them" },
        match first.stage() {
            Some(stage) => format!("stage `{stage}`"),
            None => "its stage".to_owned(),
        },
        first.name,
        first.region
    )))
}

fn plural(n: usize) -> String {
    format!("{n} stack{}", if n == 1 { "" } else { "s" })
}

async fn destroy_one(
    session: &Session,
    app: &App,
    artifact: &StackArtifact,
    options: &DeployOptions,
) -> Result<Destroyed> {
    let console = &session.console;
    let env = session
        .environment(&artifact.account, &artifact.region, &app.qualifier)
        .await?;
    let Some(mut current) = stack::describe(&env, &artifact.name).await? else {
        console.note(&format!("{}: not deployed", artifact.name));
        return Ok(Destroyed::Absent);
    };
    if stack::state_of(
        current
            .stack_status()
            .map(|s| s.as_str())
            .unwrap_or_default(),
    ) == State::InProgress
    {
        console.note(&format!(
            "{}: {} (another operation): waiting for it",
            artifact.name,
            current
                .stack_status()
                .map(|s| s.as_str())
                .unwrap_or_default()
        ));
        current = stack::wait_until_stable(&env, &current, options, console).await?;
    }
    let deployed = stack::deployed_template(&env, &artifact.name).await?;
    let template = deployed.map_or_else(|| artifact.template.to_string(), |t| t.to_string());
    let retained = retained_resources(&template);
    let stateful = StatefulTypes::new(&artifact.stateful_types);
    let left_behind = stateful_of(&env, stateful, &artifact.name, &template, &retained).await;
    stack::delete_stack(&env, &current, options, console).await?;
    if !retained.is_empty() {
        console.note(&format!(
            "{}: kept (DeletionPolicy Retain): {}",
            artifact.name,
            retained.join(", ")
        ));
    }
    for left in &left_behind {
        console.note(&format!(
            "{}: left behind with its data: {} {} (was {}); to delete it: {}",
            artifact.name,
            left.resource_type,
            left.physical_id,
            left.logical_id,
            left.deletion_command()
        ));
    }
    Ok(Destroyed::Deleted {
        retained,
        left_behind,
    })
}

/// The retained resources of a deployed stack that hold data, with their names (read
/// before the stack is deleted: afterwards CloudFormation no longer lists them).
async fn stateful_of(
    env: &crate::deploy::Environment,
    stateful: StatefulTypes<'_>,
    stack_name: &str,
    template: &str,
    retained: &[String],
) -> Vec<LeftBehind> {
    let json: Json = serde_json::from_str(template).unwrap_or_default();
    let mut left = Vec::new();
    for id in retained {
        let resource_type = json["Resources"][id]["Type"].as_str().unwrap_or_default();
        if !stateful.contains(resource_type) {
            continue;
        }
        let described = env
            .clients
            .cloudformation
            .describe_stack_resource()
            .stack_name(stack_name)
            .logical_resource_id(id)
            .send()
            .await;
        let physical = described.ok().and_then(|o| {
            o.stack_resource_detail()
                .and_then(|d| d.physical_resource_id())
                .map(str::to_owned)
        });
        // Never created (a failed first create): nothing is left behind.
        let Some(physical_id) = physical.filter(|p| !p.is_empty()) else {
            continue;
        };
        left.push(LeftBehind {
            logical_id: id.clone(),
            resource_type: resource_type.to_owned(),
            physical_id,
            region: env.region.clone(),
        });
    }
    left
}

/// The resources of a template that outlive their stack.
pub fn retained_resources(template: &str) -> Vec<String> {
    let Ok(json) = serde_json::from_str::<Json>(template) else {
        return Vec::new();
    };
    json["Resources"]
        .as_object()
        .map(|resources| {
            resources
                .iter()
                .filter(|(_, r)| r["DeletionPolicy"].as_str() == Some("Retain"))
                .map(|(id, _)| id.clone())
                .collect()
        })
        .unwrap_or_default()
}
