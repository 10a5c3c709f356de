//! The state of the execution being rehearsed, as CodePipeline keeps it: each action's
//! latest status, and the token of each approval that waits. The run writes it; the
//! rehearsal's CodePipeline endpoint ([`super::codepipeline`]) reads it for
//! `GetPipelineState` and decides approvals through it for `PutApprovalResult`, as a
//! build (the broadening check) or a person would.

use std::sync::Mutex;
use std::time::SystemTime;

use tokio::sync::Notify;

use super::definition::{Kind, Pipeline};
use super::ids::uuid;

/// CodePipeline's limit on an approval result's summary (characters).
pub const MAX_SUMMARY_LENGTH: usize = 512;

/// The execution's state, shared by the run and the endpoint.
#[derive(Debug, Default)]
pub struct PipelineState {
    inner: Mutex<Execution>,
    /// Woken at every change: an action ends, an approval is decided.
    changed: Notify,
}

/// The execution: its pipeline's stages and their actions.
#[derive(Clone, Debug, Default)]
pub struct Execution {
    /// The pipeline's name.
    pub pipeline: String,
    /// The version of the pipeline it runs.
    pub version: i32,
    /// Its id.
    pub id: String,
    /// Its stages, in order.
    pub stages: Vec<StageState>,
}

/// A stage of the execution.
#[derive(Clone, Debug)]
pub struct StageState {
    /// The stage's name.
    pub name: String,
    /// Its actions.
    pub actions: Vec<ActionState>,
}

/// An action of the execution.
#[derive(Clone, Debug)]
pub struct ActionState {
    /// The action's name.
    pub name: String,
    /// Its run order.
    pub run_order: i32,
    /// Whether it is a manual approval.
    pub approval: bool,
    /// Its latest execution, once it started.
    pub latest: Option<ActionExecution>,
}

/// The latest execution of an action.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActionExecution {
    /// Where it is.
    pub status: Status,
    /// What it ended with (an approval: the result's summary).
    pub summary: Option<String>,
    /// An approval's token, while it waits and after.
    pub token: Option<String>,
    /// When its status last changed.
    pub changed: SystemTime,
}

/// CodePipeline's status of an action execution.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// Running, or waiting for an approval.
    InProgress,
    /// Done.
    Succeeded,
    /// Failed (or rejected).
    Failed,
}

impl Status {
    /// Its name in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::InProgress => "InProgress",
            Status::Succeeded => "Succeeded",
            Status::Failed => "Failed",
        }
    }
}

/// How a waiting approval was decided.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Decision {
    /// `PutApprovalResult` approved it (or rejected it: `approved` false), with this summary.
    Put {
        /// Approved, or rejected.
        approved: bool,
        /// The result's summary.
        summary: String,
    },
    /// The other actions of its run order ended without deciding it.
    Undecided,
    /// This other action of its run order failed before deciding it.
    SiblingFailed(String),
}

/// A request `PutApprovalResult` refuses, as CodePipeline names it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    /// The exception's name (`InvalidApprovalTokenException`...).
    pub kind: &'static str,
    /// Its message.
    pub message: String,
}

impl Refusal {
    fn new(kind: &'static str, message: impl Into<String>) -> Self {
        Refusal {
            kind,
            message: message.into(),
        }
    }
}

/// A `PutApprovalResult` request.
#[derive(Clone, Debug)]
pub struct ApprovalResult<'a> {
    /// The pipeline it names.
    pub pipeline: &'a str,
    /// The stage.
    pub stage: &'a str,
    /// The approval action.
    pub action: &'a str,
    /// The token it was given.
    pub token: &'a str,
    /// `Approved` or `Rejected`.
    pub status: &'a str,
    /// Why.
    pub summary: &'a str,
}

impl PipelineState {
    /// Starts a new execution of `pipeline`: every action not started yet.
    pub fn begin(&self, pipeline: &Pipeline, id: &str) {
        let stages = pipeline
            .stages
            .iter()
            .map(|stage| StageState {
                name: stage.name.clone(),
                actions: stage
                    .actions
                    .iter()
                    .map(|action| ActionState {
                        name: action.name.clone(),
                        run_order: action.run_order,
                        approval: action.kind == Kind::Approval,
                        latest: None,
                    })
                    .collect(),
            })
            .collect();
        *self.lock() = Execution {
            pipeline: pipeline.name.clone(),
            version: pipeline.version,
            id: id.to_owned(),
            stages,
        };
        self.changed.notify_waiters();
    }

    /// A copy of the execution as it is now.
    pub fn snapshot(&self) -> Execution {
        self.lock().clone()
    }

    /// These actions of a stage start (one run order, together).
    pub fn start(&self, stage: &str, actions: &[&str]) {
        let mut execution = self.lock();
        for action in actions {
            if let Some(state) = find(&mut execution, stage, action) {
                state.latest = Some(ActionExecution {
                    status: Status::InProgress,
                    summary: None,
                    token: None,
                    changed: SystemTime::now(),
                });
            }
        }
        drop(execution);
        self.changed.notify_waiters();
    }

    /// An action ended (an approval keeps its token).
    pub fn finish(&self, stage: &str, action: &str, status: Status, summary: &str) {
        let mut execution = self.lock();
        if let Some(latest) = find(&mut execution, stage, action).and_then(|a| a.latest.as_mut()) {
            if latest.status == Status::InProgress {
                latest.status = status;
                latest.summary.get_or_insert_with(|| summary.to_owned());
                latest.changed = SystemTime::now();
            }
        }
        drop(execution);
        self.changed.notify_waiters();
    }

    /// An approval waits: it gets its token (`None` when it was not started).
    pub fn wait_for_approval(&self, stage: &str, action: &str) -> Option<String> {
        let mut execution = self.lock();
        let latest = find(&mut execution, stage, action)?.latest.as_mut()?;
        let token = uuid(action);
        latest.token = Some(token.clone());
        Some(token)
    }

    /// How a waiting approval is decided: by `PutApprovalResult`, while another action of
    /// its run order (not an approval) is still running; otherwise undecided.
    pub async fn decision(&self, stage: &str, action: &str) -> Decision {
        loop {
            let changed = self.changed.notified();
            tokio::pin!(changed);
            changed.as_mut().enable();
            if let Some(decision) = self.decided(stage, action) {
                return decision;
            }
            changed.await;
        }
    }

    /// The decision, if there is one yet (an approval the state does not know is not
    /// waited for).
    fn decided(&self, stage: &str, action: &str) -> Option<Decision> {
        let execution = self.lock();
        let stage = execution.stages.iter().find(|s| s.name == stage);
        let approval = stage.and_then(|s| s.actions.iter().find(|a| a.name == action));
        let (Some(stage), Some(approval), Some(latest)) =
            (stage, approval, approval.and_then(|a| a.latest.as_ref()))
        else {
            return Some(Decision::Undecided);
        };
        if latest.status != Status::InProgress {
            return Some(Decision::Put {
                approved: latest.status == Status::Succeeded,
                summary: latest.summary.clone().unwrap_or_default(),
            });
        }
        let siblings = stage
            .actions
            .iter()
            .filter(|a| a.run_order == approval.run_order && !a.approval);
        let mut failed = None;
        for sibling in siblings {
            match sibling.latest.as_ref().map(|l| l.status) {
                Some(Status::InProgress) => return None,
                Some(Status::Failed) => failed = failed.or(Some(sibling.name.clone())),
                Some(Status::Succeeded) | None => {}
            }
        }
        Some(match failed {
            Some(name) => Decision::SiblingFailed(name),
            None => Decision::Undecided,
        })
    }

    /// `PutApprovalResult`: decides a waiting approval, after CodePipeline's checks.
    pub fn put_approval_result(&self, result: &ApprovalResult<'_>) -> Result<(), Refusal> {
        let approved = match result.status {
            "Approved" => true,
            "Rejected" => false,
            other => {
                return Err(Refusal::new(
                    "ValidationException",
                    format!("result.status `{other}` is not one of Approved, Rejected"),
                ))
            }
        };
        if result.summary.chars().count() > MAX_SUMMARY_LENGTH {
            return Err(Refusal::new(
                "ValidationException",
                format!("result.summary has more than {MAX_SUMMARY_LENGTH} characters"),
            ));
        }
        let mut execution = self.lock();
        let latest = waiting_approval(&mut execution, result)?;
        if latest.token.as_deref() != Some(result.token) {
            return Err(Refusal::new(
                "InvalidApprovalTokenException",
                format!(
                    "the token is not the one of the approval {}/{} that waits",
                    result.stage, result.action
                ),
            ));
        }
        latest.status = match approved {
            true => Status::Succeeded,
            false => Status::Failed,
        };
        latest.summary = Some(result.summary.to_owned());
        latest.changed = SystemTime::now();
        drop(execution);
        self.changed.notify_waiters();
        Ok(())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Execution> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The approval a `PutApprovalResult` names, if it waits.
fn waiting_approval<'a>(
    execution: &'a mut Execution,
    result: &ApprovalResult<'_>,
) -> Result<&'a mut ActionExecution, Refusal> {
    if execution.pipeline != result.pipeline {
        return Err(Refusal::new(
            "PipelineNotFoundException",
            format!("no pipeline named {} runs", result.pipeline),
        ));
    }
    let stage = execution
        .stages
        .iter_mut()
        .find(|s| s.name == result.stage)
        .ok_or_else(|| {
            Refusal::new(
                "StageNotFoundException",
                format!("{} has no stage {}", result.pipeline, result.stage),
            )
        })?;
    let action = stage
        .actions
        .iter_mut()
        .find(|a| a.name == result.action && a.approval)
        .ok_or_else(|| {
            Refusal::new(
                "ActionNotFoundException",
                format!("stage {} has no approval {}", result.stage, result.action),
            )
        })?;
    match action.latest.as_mut() {
        Some(latest) if latest.status != Status::InProgress => Err(Refusal::new(
            "ApprovalAlreadyCompletedException",
            format!(
                "the approval {}/{} was decided already",
                result.stage, result.action
            ),
        )),
        Some(latest) if latest.token.is_some() => Ok(latest),
        _ => Err(Refusal::new(
            "InvalidApprovalTokenException",
            format!(
                "the approval {}/{} does not wait",
                result.stage, result.action
            ),
        )),
    }
}

/// An action of the execution.
fn find<'a>(
    execution: &'a mut Execution,
    stage: &str,
    action: &str,
) -> Option<&'a mut ActionState> {
    execution
        .stages
        .iter_mut()
        .find(|s| s.name == stage)?
        .actions
        .iter_mut()
        .find(|a| a.name == action)
}

#[cfg(test)]
pub(super) mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::rehearse::definition::{Action, Stage};

    fn action(name: &str, kind: Kind, run_order: i32) -> Action {
        Action {
            name: name.into(),
            kind,
            run_order,
            configuration: BTreeMap::new(),
            inputs: Vec::new(),
            outputs: Vec::new(),
            role_arn: None,
            region: None,
            namespace: None,
        }
    }

    /// A pipeline `P` whose stage `Prod` has a check and an approval at run order 2, after
    /// a prepare.
    pub(in crate::rehearse) fn pipeline() -> Pipeline {
        Pipeline {
            name: "P".into(),
            version: 2,
            region: "us-west-2".into(),
            stores: BTreeMap::new(),
            stages: vec![Stage {
                name: "Prod".into(),
                actions: vec![
                    action("Shop.Prepare", Kind::CloudFormation, 1),
                    action("CheckBroadening", Kind::CodeBuild, 2),
                    action("Promote", Kind::Approval, 2),
                ],
            }],
        }
    }

    /// The state once `Prod`'s run order 2 started and its approval waits, with its token.
    pub(in crate::rehearse) fn waiting() -> (PipelineState, String) {
        let state = PipelineState::default();
        state.begin(&pipeline(), "execution-1");
        state.start("Prod", &["CheckBroadening", "Promote"]);
        let token = state.wait_for_approval("Prod", "Promote").unwrap();
        (state, token)
    }

    fn put<'a>(token: &'a str, status: &'a str) -> ApprovalResult<'a> {
        ApprovalResult {
            pipeline: "P",
            stage: "Prod",
            action: "Promote",
            token,
            status,
            summary: "nothing broadens",
        }
    }

    #[tokio::test]
    async fn put_approval_result_decides_the_waiting_approval() {
        let (state, token) = waiting();
        assert_eq!(
            state
                .put_approval_result(&put("other", "Approved"))
                .unwrap_err()
                .kind,
            "InvalidApprovalTokenException"
        );
        let refused =
            |result: ApprovalResult<'_>| state.put_approval_result(&result).unwrap_err().kind;
        assert_eq!(
            refused(ApprovalResult {
                pipeline: "Q",
                ..put(&token, "Approved")
            }),
            "PipelineNotFoundException"
        );
        assert_eq!(
            refused(ApprovalResult {
                stage: "Beta",
                ..put(&token, "Approved")
            }),
            "StageNotFoundException"
        );
        assert_eq!(
            refused(ApprovalResult {
                action: "CheckBroadening",
                ..put(&token, "Approved")
            }),
            "ActionNotFoundException",
            "only an approval is approved"
        );
        assert_eq!(refused(put(&token, "Maybe")), "ValidationException");
        state.put_approval_result(&put(&token, "Approved")).unwrap();
        assert_eq!(
            state.decision("Prod", "Promote").await,
            Decision::Put {
                approved: true,
                summary: "nothing broadens".into()
            }
        );
        assert_eq!(
            refused(put(&token, "Approved")),
            "ApprovalAlreadyCompletedException"
        );
    }

    #[tokio::test]
    async fn an_approval_waits_for_the_actions_beside_it() {
        let (state, _) = waiting();
        let state = std::sync::Arc::new(state);
        let decided = tokio::spawn({
            let state = state.clone();
            async move { state.decision("Prod", "Promote").await }
        });
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        assert!(!decided.is_finished(), "the check still runs");
        state.finish("Prod", "CheckBroadening", Status::Succeeded, "log");
        assert_eq!(decided.await.unwrap(), Decision::Undecided);

        let (state, _) = waiting();
        state.finish("Prod", "CheckBroadening", Status::Failed, "exit 1");
        assert_eq!(
            state.decision("Prod", "Promote").await,
            Decision::SiblingFailed("CheckBroadening".into())
        );
        assert_eq!(
            state.decision("Prod", "Unknown").await,
            Decision::Undecided,
            "an approval the state does not know is not waited for"
        );
    }
}
