//! A manual approval. As on CodePipeline, it waits with a token in the execution's state,
//! and `PutApprovalResult` decides it while the other actions of its run order run (the
//! broadening check beside a `when: Broadening` approval approves it that way). When
//! they end without deciding it, the rehearsal stands in for the approver: `--approve
//! NAME` or `--approve-all` grants it, a terminal is asked, and otherwise the rehearsal
//! stops there (exit status 3), naming it.

use std::io::IsTerminal;

use super::context::{ActionResult, Context, Stop};
use super::definition::Action;
use super::state::Decision;
use crate::plan::DATA_LOSS_FOUND;

/// Runs a manual approval.
pub async fn run(ctx: &Context, stage: &str, action: &Action) -> ActionResult {
    ctx.state.wait_for_approval(stage, &action.name);
    match ctx.state.decision(stage, &action.name).await {
        Decision::Put {
            approved: true,
            summary,
        } => return Ok(format!("approved (PutApprovalResult): {summary}")),
        Decision::Put {
            approved: false,
            summary,
        } => {
            return Err(Stop::Failed(format!(
                "rejected (PutApprovalResult): {summary}"
            )))
        }
        Decision::SiblingFailed(sibling) => {
            return Err(Stop::Failed(format!(
                "not decided: {stage}/{sibling} failed beside it"
            )))
        }
        Decision::Undecided => {}
    }
    // What the approver reads, variables resolved (what the data-loss check found).
    let custom = action
        .config("CustomData")
        .map(|c| ctx.resolve(c).unwrap_or_else(|_| c.to_owned()));
    let custom = custom.as_deref();
    let label = custom
        .and_then(|c| c.split_once(':'))
        .map(|(label, _)| label.trim());
    if ctx.approvals.grants(stage, &action.name, label) {
        return Ok("approved (command line)".to_owned());
    }
    if !std::io::stdin().is_terminal() {
        let name = label.unwrap_or(&action.name);
        // What the data-loss check found, when it found a loss.
        let lost = custom
            .and_then(|c| c.split_once(DATA_LOSS_FOUND))
            .map(|(_, lost)| format!(" (the change sets lose data: {lost})"))
            .unwrap_or_default();
        return Err(Stop::Waiting(format!(
            "{stage}/{} waits for a manual approval{lost} and there is no terminal to ask: pass --approve '{name}' (or --approve {stage}, or --approve-all)",
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
