//! The workspace packages the lambdas are built from: each lambda's package and binary
//! resolved, and each package fingerprinted.

use std::collections::BTreeMap;

use pipewright::spec::{Package, Stack};

use super::context::{Cx, FieldSpan};
use crate::diagnostics::{did_you_mean_or, list, suggestion};
use crate::lambda_build::PipelineInLambdaBuild;
use crate::workspace::{LocalPackage, Workspace};

/// Where the workspace comes from: loaded, or why it could not be.
pub type WorkspaceResult<'a> = Result<&'a Workspace, &'a str>;

impl Cx {
    /// Resolves every lambda's package and binary against the workspace; a lambda with
    /// no `bin` gets the package's only binary (the program's own binary left out, when the
    /// package is the program's).
    pub(super) fn packages(
        &mut self,
        stacks: &mut [(Stack, Vec<(String, FieldSpan)>)],
        workspace: WorkspaceResult<'_>,
    ) -> (Vec<Package>, Vec<std::path::PathBuf>) {
        let mut packages: Vec<Package> = Vec::new();
        let mut tracked = Vec::new();
        if let Ok(ws) = workspace {
            tracked.extend(ws.tracked.iter().cloned());
        }
        let mut fingerprinted: BTreeMap<String, ()> = BTreeMap::new();
        for (stack, spans) in stacks {
            for lambda in &mut stack.lambdas {
                let Some((_, span)) = spans.iter().find(|(n, _)| *n == lambda.name) else {
                    continue;
                };
                if lambda.package.is_empty() {
                    continue;
                }
                let ws = match workspace {
                    Ok(ws) => ws,
                    Err(why) => {
                        self.diag.error(
                            span.package,
                            format!("cannot check package `{}`: {why}", lambda.package),
                        );
                        continue;
                    }
                };
                let Some(local) = ws.package(&lambda.package) else {
                    let names = ws.package_names();
                    let hint = suggestion(&lambda.package, &names);
                    self.diag.error(
                        span.package,
                        format!(
                            "package `{}` is not a member of this workspace{hint}",
                            lambda.package
                        ),
                    );
                    continue;
                };
                if !lambda.bin.is_empty() {
                    if !local.bins.contains(&lambda.bin) {
                        let bins: Vec<&str> = local.bins.iter().map(String::as_str).collect();
                        let hint = did_you_mean_or(&lambda.bin, &bins, || match &bins[..] {
                            [] => "; it has no binary".to_owned(),
                            _ => format!("; its binaries are {}", list(&bins)),
                        });
                        self.diag.error(
                            span.bin.unwrap_or(span.package),
                            format!(
                                "package `{}` has no binary `{}`{hint}",
                                lambda.package, lambda.bin
                            ),
                        );
                    }
                } else if let [only] = ws.function_bins(local)[..] {
                    lambda.bin = only.to_owned();
                } else {
                    let bins = ws.function_bins(local);
                    let message = if bins.is_empty() {
                        format!(
                            "package `{}` has no binary to deploy as the function",
                            lambda.package
                        )
                    } else {
                        format!(
                            "package `{}` has {} binaries ({}): say which one with `bin: \"...\"`",
                            lambda.package,
                            bins.len(),
                            list(&bins)
                        )
                    };
                    self.diag.error(span.package, message);
                }
                if let Some(pipeline) = local
                    .pipeline_in_lambda_build
                    .as_ref()
                    .filter(|_| ws.is_program(local))
                {
                    self.diag
                        .error(span.package, pipeline_in_lambda_build(local, pipeline));
                }
                if fingerprinted.insert(lambda.package.clone(), ()).is_some() {
                    continue;
                }
                match ws.fingerprint(local) {
                    Ok(fp) => {
                        let dir = local
                            .dir
                            .strip_prefix(&local.workspace_root)
                            .map(|d| d.to_string_lossy().replace('\\', "/"))
                            .unwrap_or_default();
                        tracked.extend(fp.files);
                        packages.push(Package {
                            name: local.name.clone(),
                            dir: if dir.is_empty() { ".".into() } else { dir },
                            source_hash: fp.hash,
                        });
                    }
                    Err(why) => self.diag.error(
                        span.package,
                        format!("cannot read package `{}`: {why}", lambda.package),
                    ),
                }
            }
        }
        (packages, tracked)
    }
}

/// The error for a lambda built from the program's own package when that package's Lambda
/// build would compile the pipeline's crates (see `lambda_build`), with the ways out.
fn pipeline_in_lambda_build(package: &LocalPackage, pipeline: &PipelineInLambdaBuild) -> String {
    if !pipeline.aws {
        return format!(
            "package `{name}` is this program's own package, and its Lambda build would compile the pipeline: \
             every build of `{name}` has `{dependency}`, which the function never uses (its cold release build would take about three times as long): \
             move `pipewright` and `pipewright-macros` to `[target.'cfg(not(pipewright_lambda))'.dependencies]` \
             (pipewright's Lambda builds set that cfg), or make them optional behind a feature that is not a default one, \
             or put the pipeline in a package of its own",
            name = package.name,
            dependency = pipeline.key
        );
    }
    let dependency = &pipeline.key;
    format!(
        "package `{name}` is this program's own package, and its Lambda build would compile the AWS SDK: \
         a default build of `{name}` has `{dependency}` with its `aws` feature, which a program does not need \
         (its engine gets it when the program builds it): drop the feature, or move `{dependency}` and `pipewright-macros` to `[target.'cfg(not(pipewright_lambda))'.dependencies]` \
         (pipewright's Lambda builds set that cfg), or put the pipeline in a package of its own",
        name = package.name
    )
}
