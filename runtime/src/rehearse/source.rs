//! The source action: what a push of the working tree gives CodePipeline, zipped into the
//! pipeline's artifact bucket as the action's output, with the source variables.

use std::collections::BTreeMap;

use super::context::{ActionResult, Context};
use super::definition::Action;
use super::files;

/// Runs a CodeStar/CodeConnections source action on the working tree.
pub async fn run(ctx: &Context, action: &Action) -> ActionResult {
    let names = files::working_tree_files(&ctx.source_root)?;
    let zip = files::zip_files(&ctx.source_root, &names)
        .map_err(|e| format!("cannot zip the working tree: {e}"))?;
    let size = zip.len();
    let region = ctx.region_of(action.region.as_deref()).to_owned();
    for output in &action.outputs {
        ctx.put_artifact(output, &region, zip.clone()).await?;
    }
    if let Some(namespace) = &action.namespace {
        let mut variables = BTreeMap::new();
        let mut set = |k: &str, v: &str| {
            variables.insert(k.to_owned(), v.to_owned());
        };
        set("CommitId", ctx.commit.as_deref().unwrap_or_default());
        set(
            "BranchName",
            action.config("BranchName").unwrap_or_default(),
        );
        set(
            "FullRepositoryName",
            action.config("FullRepositoryId").unwrap_or_default(),
        );
        set(
            "ConnectionArn",
            action.config("ConnectionArn").unwrap_or_default(),
        );
        set("CommitMessage", "the working tree (deploy rehearse)");
        ctx.publish(namespace, variables);
    }
    Ok(format!(
        "{} files of {} ({:.1} MB)",
        names.len(),
        ctx.source_root.display(),
        size as f64 / 1e6
    ))
}
