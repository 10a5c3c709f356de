//! The `diff` command: every stack against what is deployed, and the deployed stacks the
//! program no longer has.

use serde_json::Value as Json;

use super::orphaned::{orphan_message, orphans};
use super::rendering::render;
use super::templates::diff_templates;

/// The outcome of `diff`: how many stacks differ, and the deployed stacks the program no
/// longer has.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DiffSummary {
    /// Stacks with differences (not deployed ones included).
    pub stacks_with_differences: usize,
    /// Stacks deployed for this pipeline that the program does not have any more.
    pub orphans: Vec<String>,
}

impl DiffSummary {
    /// Whether anything differs.
    pub fn has_differences(&self) -> bool {
        self.stacks_with_differences > 0 || !self.orphans.is_empty()
    }
}

/// `diff [STACK...]`: every stack (or the ones named) against what is deployed; with no
/// name, also the stacks deployed for this pipeline (tagged by `deploy`) in the program's
/// environments that the program no longer has.
pub async fn run(
    session: &crate::deploy::session::Session,
    app: &crate::App,
    names: &[String],
    all: bool,
) -> crate::deploy::error::Result<DiffSummary> {
    use futures_util::future::join_all;

    let console = &session.console;
    let everything = names.is_empty() || all;
    let stacks = if everything {
        crate::deploy::select::select(app, &[], true, false)?
    } else {
        crate::deploy::select::select(app, names, false, false)?
    };
    let diffs = join_all(stacks.iter().map(|stack| async move {
        let env = session
            .environment(&stack.account, &stack.region, &app.qualifier)
            .await?;
        let deployed = crate::deploy::stack::deployed_template(&env, &stack.name).await?;
        let ours: Json = serde_json::from_str(&stack.template).map_err(|e| {
            crate::deploy::error::Error::new(&stack.name, format!("the template is not JSON: {e}"))
        })?;
        Ok::<_, crate::deploy::error::Error>(diff_templates(deployed.as_ref(), &ours))
    }))
    .await;
    let mut summary = DiffSummary::default();
    for (stack, diff) in stacks.iter().zip(diffs) {
        let diff = diff?;
        if !diff.is_empty() {
            summary.stacks_with_differences += 1;
        }
        console.out(&render(&stack.name, &diff));
    }
    if everything {
        let mut environments: Vec<(&str, &str)> = Vec::new();
        for stack in &app.stacks {
            let key = (stack.account.as_ref(), stack.region.as_ref());
            if !environments.contains(&key) {
                environments.push(key);
            }
        }
        for (account, region) in environments {
            let env = session.environment(account, region, &app.qualifier).await?;
            for name in orphans(&env, app).await? {
                console.out(&orphan_message(&env, &name));
                summary.orphans.push(name);
            }
        }
    }
    Ok(summary)
}
