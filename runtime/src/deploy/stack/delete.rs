//! Deleting a stack, followed until it is gone.

use aws_sdk_cloudformation::types::Stack;

use super::events::{latest_event_id, wait};
use super::failure::failure_message;
use super::options::DeployOptions;
use super::state::status;
use crate::deploy::clients::Environment;
use crate::deploy::console::Console;
use crate::deploy::error::{aws_reason, Error, Result};

/// Deletes a stack and waits until it is gone.
pub async fn delete_stack(
    env: &Environment,
    stack: &Stack,
    options: &DeployOptions,
    console: &Console,
) -> Result<()> {
    let name = stack.stack_name().unwrap_or_default().to_owned();
    let id = stack.stack_id().unwrap_or(&name).to_owned();
    let total = 0;
    let progress = console.stack(&name, "delete", total);
    let baseline = latest_event_id(env, &id).await?;
    let mut request = env.clients.cloudformation.delete_stack().stack_name(&id);
    if let Some(role) = &env.execution_role {
        request = request.role_arn(role);
    }
    console.set_in_flight(&name, true);
    if let Err(e) = request.send().await {
        console.set_in_flight(&name, false);
        progress.finish("not deleted");
        return Err(Error::new(
            format!("{name}: cannot delete the stack"),
            aws_reason(&e),
        ));
    }
    let done = wait(
        env,
        &name,
        &id,
        baseline.as_deref(),
        &progress,
        options,
        console,
    )
    .await;
    console.set_in_flight(&name, false);
    let done = done?;
    let final_status = status(&done.stack).to_owned();
    if final_status != "DELETE_COMPLETE" {
        progress.finish(&format!("failed ({final_status})"));
        return Err(Error::msg(failure_message(
            &name,
            &final_status,
            &done.stack,
            &done.events,
        )));
    }
    progress.finish("deleted");
    Ok(())
}
