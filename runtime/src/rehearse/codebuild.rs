//! A CodeBuild action, run here: the project's buildspec as a bash process in the action's
//! build directory holding its input artifacts, with the environment a CodeBuild build sees
//! (the project's and the action's variables, `CODEBUILD_*`, the credentials of the
//! project's role on the emulator) and its output artifact zipped from the buildspec's
//! `artifacts`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use aws_sdk_codebuild::types::{EnvironmentVariableType, Project};
use serde::Deserialize;

use super::buildspec::{self, BuildSpec};
use super::context::{shown, uuid, ActionResult, Context, Stop};
use super::definition::Action;
use super::emulator::Keys;
use super::files;
use super::machine;
use crate::deploy::console::TaskProgress;
use crate::deploy::error::Error;

/// Runs a CodeBuild action; `task` shows the last line of its log on a terminal.
pub async fn run(ctx: &Context, stage: &str, action: &Action, task: &TaskProgress) -> ActionResult {
    let region = ctx.region_of(action.region.as_deref()).to_owned();
    let project = project(ctx, &region, action.required("ProjectName")?).await?;
    let spec = buildspec_of(&project)?;
    let build = Build::prepare(ctx, stage, action, &region, &spec).await?;
    let variables = environment(ctx, action, &project, &spec, &build, &region).await?;
    let log = ctx.dirs.log(stage, &action.name);
    let status = build
        .execute(ctx, &spec, variables, &log, &project, task)
        .await?;
    if let Some(failure) = status {
        return Err(Stop::Failed(format!("{failure} (log: {})", shown(&log))));
    }
    let exports = buildspec::parse_exports(&std::fs::read(build.exports()).unwrap_or_default());
    if let Some(namespace) = &action.namespace {
        ctx.publish(namespace, exports);
    }
    if let Some(output) = action.outputs.first() {
        let bytes = build.output_artifact(&spec)?;
        ctx.put_artifact(output, &region, bytes).await?;
    }
    Ok(format!("log: {}", shown(&log)))
}

async fn project(ctx: &Context, region: &str, name: &str) -> Result<Project, Stop> {
    let config = ctx.accounts.config(region, &ctx.admin);
    let answer = aws_sdk_codebuild::Client::new(&config)
        .batch_get_projects()
        .names(name)
        .send()
        .await
        .map_err(|e| Error::aws(format!("cannot read the CodeBuild project {name}"), &e))?;
    answer.projects().first().cloned().ok_or_else(|| {
        Stop::Failed(format!(
            "the CodeBuild project {name} does not exist on the emulator"
        ))
    })
}

fn buildspec_of(project: &Project) -> Result<BuildSpec, Stop> {
    let text = project
        .source()
        .and_then(|s| s.buildspec())
        .filter(|b| !b.trim().is_empty())
        .ok_or_else(|| {
            Stop::Failed("the project has no inline buildspec (a buildspec file in the source is not rehearsed)".to_owned())
        })?;
    BuildSpec::parse(text).map_err(Stop::Failed)
}

/// A build's directory: `src` (the primary input), `inputs/<name>` (the others), and the
/// script's reports.
struct Build {
    dir: PathBuf,
    source_version: String,
    secondary: Vec<(String, PathBuf)>,
}

impl Build {
    async fn prepare(
        ctx: &Context,
        stage: &str,
        action: &Action,
        region: &str,
        spec: &BuildSpec,
    ) -> Result<Build, Stop> {
        let dir = ctx.dirs.build(stage, &action.name);
        let cached = spec.cached_directories();
        let mut secondary = Vec::new();
        let mut source_version = String::new();
        for (index, input) in action.inputs.iter().enumerate() {
            let bytes = ctx.get_artifact(input, region).await?;
            let location = ctx.artifact(input)?;
            let target = if index == 0 {
                source_version = format!("arn:aws:s3:::{}/{}", location.bucket, location.key);
                dir.join("src")
            } else {
                dir.join("inputs").join(input)
            };
            let keep = if index == 0 {
                cached.clone()
            } else {
                Vec::new()
            };
            files::unzip_into(&bytes, &target, &keep)
                .map_err(|e| format!("cannot unpack {input} into {}: {e}", target.display()))?;
            if index > 0 {
                secondary.push((input.clone(), target));
            }
        }
        std::fs::create_dir_all(dir.join("src"))
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        for name in &cached {
            link_cache(ctx, &dir.join("src"), name)?;
        }
        Ok(Build {
            dir,
            source_version,
            secondary,
        })
    }

    fn src(&self) -> PathBuf {
        self.dir.join("src")
    }

    /// Where the build's install commands put global npm packages, instead of the machine's
    /// own prefix: one per build, as each CodeBuild build has a container of its own (a
    /// shared prefix broke parallel actions: two `npm install --global cdk-assets` at once,
    /// and one action found no `cdk-assets`).
    fn npm_prefix(&self) -> PathBuf {
        self.dir.join("npm")
    }

    fn exports(&self) -> PathBuf {
        self.dir.join("exported-variables")
    }

    fn failure(&self) -> PathBuf {
        self.dir.join("failure")
    }

    /// Runs the script; `Some(reason)` when the build failed.
    async fn execute(
        &self,
        ctx: &Context,
        spec: &BuildSpec,
        variables: BTreeMap<String, String>,
        log: &Path,
        project: &Project,
        task: &TaskProgress,
    ) -> Result<Option<String>, Stop> {
        let script = self.dir.join("buildspec.sh");
        files::write_atomically(&script, spec.script().as_bytes())
            .map_err(|e| format!("cannot write {}: {e}", script.display()))?;
        if let Some(parent) = log.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
        }
        let log_file = std::fs::File::create(log)
            .map_err(|e| format!("cannot write {}: {e}", log.display()))?;
        let mut command = tokio::process::Command::new("bash");
        command
            .arg(&script)
            .arg(self.exports())
            .arg(self.failure())
            .current_dir(self.src())
            .env_clear()
            .envs(variables)
            .stdin(Stdio::null())
            .stdout(log_file.try_clone().map_err(|e| e.to_string())?)
            .stderr(log_file)
            .process_group(0)
            .kill_on_drop(true);
        let mut child = command
            .spawn()
            .map_err(|e| format!("cannot run bash: {e}"))?;
        let pid = child.id().unwrap_or_default();
        ctx.children.add(pid);
        let minutes = project
            .timeout_in_minutes()
            .filter(|m| *m > 0)
            .unwrap_or(60) as u64;
        let waited = tokio::time::timeout(
            Duration::from_secs(minutes * 60),
            follow(&mut child, log, task),
        )
        .await;
        let status = match waited {
            Ok(status) => status.map_err(|e| format!("bash: {e}")),
            Err(_) => {
                ctx.children.stop(pid);
                Err(format!("the build timed out after {minutes} minutes"))
            }
        };
        ctx.children.remove(pid);
        let status = status?;
        if status.success() {
            return Ok(None);
        }
        let reported = buildspec::parse_failure(&std::fs::read(self.failure()).unwrap_or_default());
        Ok(Some(match reported {
            Some((phase, command, code)) => format!(
                "{phase} phase: `{}` exited with status {code}",
                first_line(&command)
            ),
            None => match status.code() {
                Some(code) => format!("the build exited with status {code}"),
                None => "the build was killed".to_owned(),
            },
        }))
    }

    fn output_artifact(&self, spec: &BuildSpec) -> Result<Vec<u8>, Stop> {
        let artifacts = spec.artifacts.as_ref().ok_or_else(|| {
            Stop::Failed(
                "the action has an output artifact but the buildspec no `artifacts`".to_owned(),
            )
        })?;
        let base = match &artifacts.base_directory {
            Some(dir) => self.src().join(files::relative_inside(dir).ok_or_else(|| {
                Stop::Failed(format!(
                    "artifacts base-directory `{dir}` is not inside the source"
                ))
            })?),
            None => self.src(),
        };
        if !base.is_dir() {
            return Err(Stop::Failed(format!(
                "no artifact files: the base-directory {} does not exist after the build",
                shown(&base)
            )));
        }
        let globs = if artifacts.files.is_empty() {
            vec!["**/*".to_owned()]
        } else {
            artifacts.files.clone()
        };
        let discard = artifacts.discard_paths.as_bool().unwrap_or(false)
            || artifacts.discard_paths.as_str() == Some("yes");
        let found = files::matching_files(&base, &globs, discard)?;
        if found.is_empty() {
            return Err(Stop::Failed(format!(
                "no artifact files match {} in {}",
                globs.join(", "),
                shown(&base)
            )));
        }
        let names: Vec<String> = found.iter().map(|(name, _)| name.clone()).collect();
        let root = if discard { None } else { Some(&base) };
        match root {
            Some(root) => files::zip_files(root, &names),
            None => zip_flat(&found),
        }
        .map_err(|e| Stop::Failed(format!("cannot zip the output artifact: {e}")))
    }
}

/// Waits for the build, showing the last line of its log meanwhile.
async fn follow(
    child: &mut tokio::process::Child,
    log: &Path,
    task: &TaskProgress,
) -> std::io::Result<std::process::ExitStatus> {
    loop {
        tokio::select! {
            status = child.wait() => return status,
            _ = tokio::time::sleep(Duration::from_millis(500)) => {
                if let Some(line) = last_line(log) {
                    task.message(&line);
                }
            }
        }
    }
}

/// The last non-empty line of a log (read from its last 4 KiB).
fn last_line(log: &Path) -> Option<String> {
    use std::io::{Read, Seek, SeekFrom};
    let mut file = std::fs::File::open(log).ok()?;
    let length = file.metadata().ok()?.len();
    file.seek(SeekFrom::Start(length.saturating_sub(4096)))
        .ok()?;
    let mut tail = Vec::new();
    file.read_to_end(&mut tail).ok()?;
    String::from_utf8_lossy(&tail)
        .lines()
        .rev()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .map(str::to_owned)
}

fn zip_flat(found: &[(String, PathBuf)]) -> std::io::Result<Vec<u8>> {
    let dir = std::env::temp_dir().join(format!("pipewright-flat-{}", uuid("flat")));
    std::fs::create_dir_all(&dir)?;
    for (name, path) in found {
        std::fs::copy(path, dir.join(name))?;
    }
    let names: Vec<String> = found.iter().map(|(n, _)| n.clone()).collect();
    let zip = files::zip_files(&dir, &names);
    let _ = std::fs::remove_dir_all(&dir);
    zip
}

/// Links a cached directory of the source to the rehearsal's local cache.
fn link_cache(ctx: &Context, src: &Path, name: &str) -> Result<(), Stop> {
    let cache = ctx.dirs.cache(name);
    std::fs::create_dir_all(&cache)
        .map_err(|e| format!("cannot create {}: {e}", cache.display()))?;
    let link = src.join(name);
    match std::fs::symlink_metadata(&link) {
        // A link to this cache stays; one to another (an earlier rehearsal's directory, since
        // moved or gone) is replaced.
        Ok(meta) if meta.file_type().is_symlink() => {
            if std::fs::read_link(&link).is_ok_and(|to| to == cache) {
                return Ok(());
            }
            std::fs::remove_file(&link)
                .map_err(|e| format!("cannot replace {}: {e}", link.display()))?;
        }
        Ok(_) => return Ok(()), // the source has it: it wins, as a checkout over a cache
        Err(_) => {}
    }
    std::os::unix::fs::symlink(&cache, &link)
        .map_err(|e| Stop::Failed(format!("cannot link {} to the cache: {e}", link.display())))
}

/// The environment of the build: the machine's own (its `PATH`, `HOME`, toolchains), less
/// any AWS, Cargo or rustc setting (see [`machine`]), plus what CodeBuild sets, in CodeBuild's
/// order of precedence (`--build-env` over the action's variables over the project's over the
/// buildspec's).
async fn environment(
    ctx: &Context,
    action: &Action,
    project: &Project,
    spec: &BuildSpec,
    build: &Build,
    region: &str,
) -> Result<BTreeMap<String, String>, Stop> {
    let mut env = machine::machine_variables(std::env::vars());
    let machine_home = machine::machine_cargo_home(
        std::env::var_os("CARGO_HOME").map(PathBuf::from),
        std::env::var_os("HOME").map(PathBuf::from),
    );
    let cargo_home = machine::prepare_cargo_home(&ctx.dirs.cargo_home(), machine_home.as_deref())?;
    env.insert("CARGO_HOME".into(), cargo_home.display().to_string());
    let npm = build.npm_prefix();
    let path = env.get("PATH").cloned().unwrap_or_default();
    env.insert(
        "PATH".into(),
        format!("{}:{path}", npm.join("bin").display()),
    );
    env.insert("npm_config_prefix".into(), npm.display().to_string());
    env.extend(spec.env.variables.clone());
    env.extend(codebuild_variables(ctx, action, project, build, region));
    let role = project
        .service_role()
        .ok_or_else(|| Stop::Failed("the project has no service role".to_owned()))?;
    env.extend(aws_variables(
        ctx,
        &ctx.accounts.assume(role).await?,
        region,
    ));
    for variable in project
        .environment()
        .map(|e| e.environment_variables())
        .unwrap_or_default()
    {
        if variable.r#type() != Some(&EnvironmentVariableType::Plaintext)
            && variable.r#type().is_some()
        {
            return Err(Stop::Failed(format!(
                "the project variable {} comes from {}, which the rehearsal does not emulate",
                variable.name(),
                variable.r#type().map(|t| t.as_str()).unwrap_or_default()
            )));
        }
        env.insert(variable.name().to_owned(), variable.value().to_owned());
    }
    if let Some(json) = action.config("EnvironmentVariables") {
        env.extend(action_variables(&ctx.resolve(json)?)?);
    }
    env.extend(ctx.build_env.iter().cloned());
    Ok(env)
}

fn codebuild_variables(
    ctx: &Context,
    action: &Action,
    project: &Project,
    build: &Build,
    region: &str,
) -> BTreeMap<String, String> {
    let name = project.name().unwrap_or(&action.name);
    let id = format!("{name}:{}", uuid(name));
    let mut env = BTreeMap::new();
    let mut set = |k: &str, v: String| {
        env.insert(k.to_owned(), v);
    };
    set("CODEBUILD_BUILD_ID", id.clone());
    set(
        "CODEBUILD_BUILD_ARN",
        format!("arn:aws:codebuild:{region}:{}:build/{id}", ctx.account),
    );
    set("CODEBUILD_BUILD_NUMBER", "1".into());
    set("CODEBUILD_BUILD_SUCCEEDING", "1".into());
    set("CODEBUILD_CI", "true".into());
    set(
        "CODEBUILD_INITIATOR",
        format!("codepipeline/{}", ctx.pipeline.name),
    );
    set(
        "CODEBUILD_LOG_PATH",
        id.split(':').nth(1).unwrap_or_default().to_owned(),
    );
    set("CODEBUILD_SRC_DIR", build.src().display().to_string());
    set("CODEBUILD_SOURCE_VERSION", build.source_version.clone());
    set(
        "CODEBUILD_RESOLVED_SOURCE_VERSION",
        ctx.commit.clone().unwrap_or_default(),
    );
    set(
        "CODEBUILD_START_TIME",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis().to_string())
            .unwrap_or_default(),
    );
    if let Some(environment) = project.environment() {
        set("CODEBUILD_BUILD_IMAGE", environment.image().to_owned());
    }
    if let Some(key) = project.encryption_key() {
        set("CODEBUILD_KMS_KEY_ID", key.to_owned());
    }
    for (input, dir) in &build.secondary {
        set(
            &format!("CODEBUILD_SRC_DIR_{input}"),
            dir.display().to_string(),
        );
    }
    env
}

/// The AWS settings of a process that works as a role on the emulator, and nothing of
/// the machine's own configuration (profiles, credential files). CodePipeline is the
/// rehearsal's own endpoint: it runs the pipeline, the emulator only stores it.
pub fn aws_variables(ctx: &Context, keys: &Keys, region: &str) -> BTreeMap<String, String> {
    let mut env = BTreeMap::new();
    env.insert("AWS_ACCESS_KEY_ID".into(), keys.access_key_id.clone());
    env.insert(
        "AWS_SECRET_ACCESS_KEY".into(),
        keys.secret_access_key.clone(),
    );
    if let Some(token) = &keys.session_token {
        env.insert("AWS_SESSION_TOKEN".into(), token.clone());
    }
    env.insert("AWS_REGION".into(), region.to_owned());
    env.insert("AWS_DEFAULT_REGION".into(), region.to_owned());
    env.insert(
        "AWS_ENDPOINT_URL".into(),
        ctx.accounts.endpoint().to_owned(),
    );
    env.insert(
        "AWS_ENDPOINT_URL_CODEPIPELINE".into(),
        ctx.codepipeline.clone(),
    );
    env.insert("AWS_EC2_METADATA_DISABLED".into(), "true".into());
    let nothing = ctx.dirs.root.join("no-aws-config");
    env.insert("AWS_CONFIG_FILE".into(), nothing.display().to_string());
    env.insert(
        "AWS_SHARED_CREDENTIALS_FILE".into(),
        nothing.display().to_string(),
    );
    env
}

#[derive(Deserialize)]
struct ActionVariable {
    name: String,
    value: String,
    #[serde(default, rename = "type")]
    kind: Option<String>,
}

/// The action's `EnvironmentVariables` (a JSON list of `{name, value, type}`).
fn action_variables(json: &str) -> Result<Vec<(String, String)>, String> {
    let list: Vec<ActionVariable> = serde_json::from_str(json).map_err(|e| {
        format!(
            "the action's EnvironmentVariables are not a JSON list of {{name, value, type}}: {e}"
        )
    })?;
    list.into_iter()
        .map(|v| match v.kind.as_deref() {
            None | Some("PLAINTEXT") => Ok((v.name, v.value)),
            Some(other) => Err(format!(
                "the action variable {} comes from {other}, which the rehearsal does not emulate",
                v.name
            )),
        })
        .collect()
}

fn first_line(text: &str) -> String {
    let mut lines = text.lines();
    let first = lines.next().unwrap_or_default();
    if lines.next().is_some() {
        format!("{first} …")
    } else {
        first.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn action_variables_are_plaintext_pairs() {
        let vars = action_variables(
            r#"[{"name":"ASSET_MANIFEST","value":"assets/x.json","type":"PLAINTEXT"}]"#,
        )
        .unwrap();
        assert_eq!(
            vars,
            [("ASSET_MANIFEST".to_owned(), "assets/x.json".to_owned())]
        );
        let secret = action_variables(r#"[{"name":"T","value":"arn","type":"SECRETS_MANAGER"}]"#)
            .unwrap_err();
        assert!(secret.contains("SECRETS_MANAGER"), "{secret}");
        assert!(action_variables("{}").is_err());
    }

    #[test]
    fn the_last_line_of_a_log_is_shown() {
        let log = std::env::temp_dir().join(format!("pipewright-last-line-{}", std::process::id()));
        std::fs::write(&log, "first\n   Compiling service v0.1.0\n\n").unwrap();
        assert_eq!(last_line(&log).as_deref(), Some("Compiling service v0.1.0"));
        std::fs::write(&log, "").unwrap();
        assert_eq!(last_line(&log), None);
        let _ = std::fs::remove_file(&log);
        assert_eq!(last_line(Path::new("/nonexistent/log")), None);
    }

    #[test]
    fn commands_are_shown_by_their_first_line() {
        assert_eq!(first_line("( set -e\nfor x in y; do\ndone )"), "( set -e …");
        assert_eq!(first_line("cargo build"), "cargo build");
    }
}
