//! Termination protection, turned on after a deployment (a change set cannot).

use crate::deploy::clients::Environment;
use crate::deploy::console::Console;
use crate::deploy::error::{Error, Result};

/// Turns termination protection on for a deployed stack (a `protect: true` stage's): a
/// change set cannot.
pub(super) async fn enable_termination_protection(
    env: &Environment,
    name: &str,
    console: &Console,
) -> Result<()> {
    env.clients
        .cloudformation
        .update_termination_protection()
        .stack_name(name)
        .enable_termination_protection(true)
        .send()
        .await
        .map_err(|e| Error::aws(format!("{name}: cannot turn termination protection on"), &e))?;
    console.note(&format!("{name}: termination protection on"));
    Ok(())
}
