//! Orphaned stacks: deployed for the pipeline (tagged by `deploy`), no longer in the
//! program.

/// The stacks of an environment deployed for this program's pipeline (tagged by `deploy`
/// and by the pipeline's change sets) that the program no longer has: what removing a
/// stage or a stack from the program leaves behind.
pub async fn orphans(
    env: &crate::deploy::clients::Environment,
    app: &crate::App,
) -> crate::deploy::error::Result<Vec<String>> {
    let deployed = deployed_for_pipeline(env, &app.pipeline).await?;
    Ok(deployed
        .into_iter()
        .filter(|name| app.stack(name).is_none())
        .collect())
}

/// How an orphaned stack is reported, with the command that deletes it.
pub fn orphan_message(env: &crate::deploy::clients::Environment, name: &str) -> String {
    format!(
        "Stack {name} ({}): deployed, but no longer in the program (delete it with `aws cloudformation delete-stack --stack-name {name}`)",
        env.url()
    )
}

/// The stacks of an environment tagged as this pipeline's.
async fn deployed_for_pipeline(
    env: &crate::deploy::clients::Environment,
    pipeline: &str,
) -> crate::deploy::error::Result<Vec<String>> {
    let mut names = Vec::new();
    let mut next: Option<String> = None;
    loop {
        let page = env
            .clients
            .cloudformation
            .describe_stacks()
            .set_next_token(next.take())
            .send()
            .await
            .map_err(|e| {
                crate::deploy::error::Error::aws(
                    format!("{}: cannot list the stacks", env.url()),
                    &e,
                )
            })?;
        for stack in page.stacks() {
            let ours = stack.tags().iter().any(|t| {
                t.key() == Some(crate::deploy::stack::PIPELINE_TAG) && t.value() == Some(pipeline)
            });
            let live = stack
                .stack_status()
                .is_some_and(|s| s.as_str() != "DELETE_COMPLETE");
            if ours && live {
                names.push(stack.stack_name().unwrap_or_default().to_owned());
            }
        }
        next = page.next_token().map(str::to_owned);
        if next.is_none() {
            return Ok(names);
        }
    }
}
