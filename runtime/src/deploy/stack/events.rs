//! Waiting on a stack: its events followed (and reported) until CloudFormation is done
//! with it.

use aws_sdk_cloudformation::types::{Stack, StackEvent};

use super::options::DeployOptions;
use super::state::{is_missing_stack, state_of, status, State};
use crate::deploy::clients::Environment;
use crate::deploy::console::{Console, StackProgress};
use crate::deploy::error::{is_throttling, Error, Result};

/// Polls in a row that may stay throttled (after the SDK's own retries) before a wait
/// gives up.
const MAX_THROTTLED_POLLS: u32 = 10;

/// Waits until CloudFormation is done with a stack that another run (or an interrupted
/// one) started working on; returns the stack then.
pub async fn wait_until_stable(
    env: &Environment,
    stack: &Stack,
    options: &DeployOptions,
    console: &Console,
) -> Result<Stack> {
    let name = stack.stack_name().unwrap_or_default().to_owned();
    let id = stack.stack_id().unwrap_or(&name).to_owned();
    let progress = console.stack(&name, "waiting", 0);
    let baseline = latest_event_id(env, &id).await?;
    let done = wait(
        env,
        &name,
        &id,
        baseline.as_deref(),
        &progress,
        options,
        console,
    )
    .await?;
    progress.finish(&format!(
        "the operation in progress ended in {}",
        status(&done.stack)
    ));
    Ok(done.stack)
}

/// The most recent event of a stack (events newer than it belong to what follows).
pub(crate) async fn latest_event_id(env: &Environment, stack_id: &str) -> Result<Option<String>> {
    match env
        .clients
        .cloudformation
        .describe_stack_events()
        .stack_name(stack_id)
        .send()
        .await
    {
        Ok(o) => Ok(o
            .stack_events()
            .first()
            .and_then(|e| e.event_id())
            .map(str::to_owned)),
        Err(e) if is_missing_stack(&e) => Ok(None),
        Err(e) => Err(Error::aws(
            format!("{stack_id}: cannot read the stack's events"),
            &e,
        )),
    }
}

/// Events newer than `after`, oldest first (at most a few pages per poll).
async fn new_events(
    env: &Environment,
    stack_id: &str,
    after: Option<&str>,
) -> Result<Vec<StackEvent>> {
    let mut events = Vec::new();
    let mut next: Option<String> = None;
    'pages: for _ in 0..5 {
        let page = match env
            .clients
            .cloudformation
            .describe_stack_events()
            .stack_name(stack_id)
            .set_next_token(next.take())
            .send()
            .await
        {
            Ok(page) => page,
            Err(e) if is_missing_stack(&e) => break,
            Err(e) => {
                return Err(Error::aws(
                    format!("{stack_id}: cannot read the stack's events"),
                    &e,
                ))
            }
        };
        for event in page.stack_events() {
            if after.is_some() && event.event_id() == after {
                break 'pages;
            }
            events.push(event.clone());
        }
        next = page.next_token().map(str::to_owned);
        if next.is_none() {
            break;
        }
    }
    events.reverse();
    Ok(events)
}

/// A stack after an operation, and the events of the operation.
pub struct Finished {
    /// The stack as described at the end.
    pub stack: Stack,
    /// Every event since the operation started, oldest first.
    pub events: Vec<StackEvent>,
}

/// Follows a stack until CloudFormation is done with it, reporting its events.
pub(crate) async fn wait(
    env: &Environment,
    name: &str,
    stack_id: &str,
    baseline: Option<&str>,
    progress: &StackProgress,
    options: &DeployOptions,
    _console: &Console,
) -> Result<Finished> {
    let mut seen: Vec<StackEvent> = Vec::new();
    let mut last = baseline.map(str::to_owned);
    let mut first = true;
    let mut throttled = 0;
    loop {
        if !first {
            tokio::time::sleep(options.poll_interval).await;
        }
        first = false;
        let described = env
            .clients
            .cloudformation
            .describe_stacks()
            .stack_name(stack_id)
            .send()
            .await;
        let stack = match described {
            Ok(o) => o.stacks().first().cloned(),
            Err(e) if is_missing_stack(&e) => None,
            // Still throttled after the SDK's retries: CloudFormation is working anyway;
            // ask again at the next poll.
            Err(e) if is_throttling(&e) && throttled < MAX_THROTTLED_POLLS => {
                throttled += 1;
                continue;
            }
            Err(e) => return Err(Error::aws(format!("{name}: cannot describe the stack"), &e)),
        };
        throttled = 0;
        let events = new_events(env, stack_id, last.as_deref()).await?;
        for event in &events {
            progress.event(event);
        }
        if let Some(newest) = events.last() {
            last = newest.event_id().map(str::to_owned);
        }
        seen.extend(events);
        let Some(stack) = stack else {
            // Only a deletion makes a stack vanish: it is done.
            return Ok(Finished {
                stack: Stack::builder()
                    .stack_name(name)
                    .stack_status(aws_sdk_cloudformation::types::StackStatus::DeleteComplete)
                    .creation_time(aws_smithy_types::DateTime::from_secs(0))
                    .build(),
                events: seen,
            });
        };
        if state_of(status(&stack)) != State::InProgress {
            return Ok(Finished {
                stack,
                events: seen,
            });
        }
    }
}
