//! A manual approval: granted by `--approve NAME` or `--approve-all`, asked on a terminal,
//! and otherwise where the rehearsal stops (exit status 3), naming it.

use std::io::IsTerminal;

use super::context::{ActionResult, Context, Stop};
use super::definition::Action;

/// Runs a manual approval.
pub async fn run(ctx: &Context, stage: &str, action: &Action) -> ActionResult {
    let custom = action.config("CustomData");
    let label = custom
        .and_then(|c| c.split_once(':'))
        .map(|(label, _)| label.trim());
    if ctx.approvals.grants(stage, &action.name, label) {
        return Ok("approved (command line)".to_owned());
    }
    if !std::io::stdin().is_terminal() {
        let name = label.unwrap_or(&action.name);
        return Err(Stop::Waiting(format!(
            "{stage}/{} waits for a manual approval and there is no terminal to ask: pass --approve '{name}' (or --approve {stage}, or --approve-all)",
            action.name
        )));
    }
    let question = format!(
        "{stage}/{}: {}\nApprove?",
        action.name,
        custom.unwrap_or("approve this stage")
    );
    if ctx.console.confirm(&question).await {
        Ok("approved".to_owned())
    } else {
        Err(Stop::Failed("rejected".to_owned()))
    }
}
