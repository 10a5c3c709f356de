//! `deploy [STACK...]`: checks the environments' bootstrap, publishes the assets the stacks
//! need, then deploys the stacks wave by wave (the stacks of a wave concurrently), and
//! prints their outputs.

use std::collections::BTreeMap;
use std::sync::Arc;

use futures_util::future::join_all;

use super::assets::{self, AssetBuilder};
use super::clients::Environment;
use super::error::{Error, Result};
use super::publish::{self, Remote};
use super::select::{select, waves};
use super::session::Session;
use super::stack::{deploy_stack, DeployOptions, Outcome, StackSpec, PIPELINE_TAG};
use crate::app::{App, Asset, StackArtifact};

/// What `deploy` did to each stack, in deployment order.
pub type Deployed = Vec<(String, Outcome)>;

/// Deploys the stacks named (see [`select`]) and the stacks they depend on.
pub async fn run(
    session: &Session,
    app: &App,
    builder: &AssetBuilder,
    names: &[String],
    all: bool,
    options: &DeployOptions,
) -> Result<Deployed> {
    let console = &session.console;
    let stacks = select(app, names, all, true)?;
    refuse_stale(app, builder, &stacks)?;

    // The environments, through their deploy roles, bootstrapped.
    let mut keys: Vec<(String, String)> = Vec::new();
    for stack in &stacks {
        let key = (stack.account.to_string(), stack.region.to_string());
        if !keys.contains(&key) {
            keys.push(key);
        }
    }
    let opened = join_all(keys.iter().map(|(account, region)| async move {
        let env = session.environment(account, region, &app.qualifier).await?;
        env.check_bootstrap().await?;
        Ok::<_, Error>(env)
    }))
    .await;
    let mut environments: BTreeMap<(String, String), Arc<Environment>> = BTreeMap::new();
    for (key, env) in keys.into_iter().zip(opened) {
        environments.insert(key, env?);
    }
    let env_of = |stack: &StackArtifact| {
        environments[&(stack.account.to_string(), stack.region.to_string())].clone()
    };

    publish(session, app, builder, &stacks, &env_of).await?;

    let mut deployed: Deployed = Vec::new();
    for wave in waves(&stacks) {
        let results = join_all(wave.iter().map(|stack| {
            let env = env_of(stack);
            let spec = StackSpec {
                name: stack.name.to_string(),
                template: stack.template.to_string(),
                parameters: Vec::new(),
                tags: vec![(PIPELINE_TAG.to_owned(), app.pipeline.to_string())],
                protected: stack.protected,
                stateful_types: stack.stateful_types.clone(),
            };
            async move { deploy_stack(&env, &spec, options, console).await }
        }))
        .await;
        let mut failures = Vec::new();
        for (stack, result) in wave.iter().zip(results) {
            match result {
                Ok(outcome) => {
                    if !outcome.outputs().is_empty() {
                        let mut text = format!("Outputs of {}:", stack.name);
                        for (key, value) in outcome.outputs() {
                            text.push_str(&format!("\n  {key} = {value}"));
                        }
                        console.out(&text);
                    }
                    deployed.push((stack.name.to_string(), outcome));
                }
                Err(e) => failures.push(e),
            }
        }
        match failures.len() {
            0 => {}
            1 => return Err(failures.remove(0)),
            _ => {
                return Err(Error::msg(
                    failures
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join(" | "),
                ))
            }
        }
    }
    let unchanged = deployed
        .iter()
        .filter(|(_, o)| matches!(o, Outcome::NoChanges { .. }))
        .count();
    console.note(&format!(
        "deployed {} stack{} ({} changed, {unchanged} without changes)",
        deployed.len(),
        if deployed.len() == 1 { "" } else { "s" },
        deployed.len() - unchanged
    ));
    // A stage or stack removed from the program is not deleted (that is `destroy`'s
    // call), but it is not forgotten either: say so after every deployment. A failure
    // to list is only a note: the deployment itself succeeded.
    for env in environments.values() {
        match super::diff::orphans(env, app).await {
            Ok(orphans) => {
                for name in orphans {
                    console.note(&super::diff::orphan_message(env, &name));
                }
            }
            Err(e) => console.note(&format!(
                "cannot look for stacks no longer in the program: {e}"
            )),
        }
    }
    Ok(deployed)
}

/// Refuses stacks whose assets are older than their sources: a program older than its
/// sources would deploy zips that are not what its templates name. (Unreadable sources only
/// matter if an asset must be built; that fails then.)
pub(super) fn refuse_stale(
    app: &App,
    builder: &AssetBuilder,
    stacks: &[&StackArtifact],
) -> Result<()> {
    let mut needed: Vec<&Asset> = Vec::new();
    for stack in stacks {
        for id in &stack.assets {
            if let Some(asset) = app.asset(id) {
                if !needed.iter().any(|a| a.id == asset.id) {
                    needed.push(asset);
                }
            }
        }
    }
    for asset in &needed {
        if builder.stale(asset) == Ok(true) {
            return Err(assets::stale_error(asset));
        }
    }
    Ok(())
}

/// Publishes every asset the stacks need to their environments: looks each up, builds the
/// missing ones (once each, whatever the number of environments), uploads them.
pub(super) async fn publish(
    session: &Session,
    app: &App,
    builder: &AssetBuilder,
    stacks: &[&StackArtifact],
    env_of: &dyn Fn(&StackArtifact) -> Arc<Environment>,
) -> Result<()> {
    let console = &session.console;
    let notes = |n: String| console.note(&n);
    let mut targets: Vec<(Arc<Environment>, &Asset)> = Vec::new();
    for stack in stacks {
        let env = env_of(stack);
        for id in &stack.assets {
            let Some(asset) = app.asset(id) else {
                return Err(Error::msg(format!(
                    "{}: the template names asset {id}, which the program does not have",
                    stack.name
                )));
            };
            if !targets
                .iter()
                .any(|(e, a)| Arc::ptr_eq(e, &env) && a.id == asset.id)
            {
                targets.push((env.clone(), asset));
            }
        }
    }
    let found = join_all(
        targets
            .iter()
            .map(|(env, asset)| async move { publish::look_up(env, &asset.object_key()).await }),
    )
    .await;
    let mut missing: Vec<(Arc<Environment>, &Asset)> = Vec::new();
    for ((env, asset), remote) in targets.iter().zip(found) {
        let remote = remote?;
        let what = format!("{} in {}", assets::describe(asset), env.url());
        match remote {
            Remote::Missing => missing.push((env.clone(), asset)),
            present => {
                if let Some(path) = builder.cached(asset) {
                    let local = std::fs::read(&path).map_err(|e| {
                        Error::new(&what, format!("cannot read {}: {e}", path.display()))
                    })?;
                    publish::verify_same(&what, env, &asset.object_key(), &present, &local)?;
                }
                console.note(&format!("{what}: already published"));
            }
        }
    }
    // Build each missing asset once (blocking work, off the async workers).
    let mut zips: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    for (_, asset) in &missing {
        if zips.contains_key(asset.id.as_ref()) {
            continue;
        }
        if builder.cached(asset).is_none() {
            console.note(&format!("{}: building", assets::describe(asset)));
        }
        let (b, a) = (builder.clone(), (*asset).clone());
        let path = tokio::task::spawn_blocking(move || b.zip(&a))
            .await
            .map_err(|e| Error::new(assets::describe(asset), e))??;
        let bytes = std::fs::read(&path).map_err(|e| {
            Error::new(
                assets::describe(asset),
                format!("cannot read {}: {e}", path.display()),
            )
        })?;
        zips.insert(asset.id.to_string(), bytes);
    }
    let uploads = join_all(missing.iter().map(|(env, asset)| {
        let bytes = zips[asset.id.as_ref()].clone();
        let what = format!("{} to {}", assets::describe(asset), env.url());
        let notes = &notes;
        async move {
            publish::upload(env, &asset.object_key(), &what, bytes, notes).await?;
            console.note(&format!(
                "{what}: uploaded s3://{}/{}",
                env.names().assets_bucket(),
                asset.object_key()
            ));
            Ok::<_, Error>(())
        }
    }))
    .await;
    uploads.into_iter().collect::<Result<Vec<()>>>()?;
    Ok(())
}
