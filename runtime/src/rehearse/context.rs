//! What every action of one execution shares: the emulator's accounts, the pipeline, the
//! artifact store, the variables published so far, the directories, and the processes
//! running (so that Ctrl-C stops them all).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use super::definition::Pipeline;
use super::emulator::{Accounts, Keys};
use super::state::PipelineState;
use super::variables::Variables;
use crate::deploy::console::Console;
use crate::deploy::error::{Error, Result};

/// Ids nobody else has (see [`super::ids`]).
pub use super::ids::{unique_id, uuid};

/// The directories of the rehearsal, under `target/pipewright/rehearse/`.
#[derive(Clone, Debug)]
pub struct Dirs {
    /// The root.
    pub root: PathBuf,
}

impl Dirs {
    /// Each action's log: `logs/<Stage>.<Action>.log`.
    pub fn log(&self, stage: &str, action: &str) -> PathBuf {
        self.root
            .join("logs")
            .join(format!("{}.{}.log", file_name(stage), file_name(action)))
    }

    /// Where a CodeBuild action builds: the same directory on every run, so that
    /// incremental builds find their outputs (`builds/<Stage>/<Action>`).
    pub fn build(&self, stage: &str, action: &str) -> PathBuf {
        self.root
            .join("builds")
            .join(file_name(stage))
            .join(file_name(action))
    }

    /// The local cache of a cached directory (`cache/<name>`), shared by every project
    /// as a build host's local cache is.
    pub fn cache(&self, name: &str) -> PathBuf {
        self.root.join("cache").join(file_name(name))
    }

    /// The Cargo home of the builds (`tools/cargo-home`): the machine's download caches, none
    /// of its configuration.
    pub fn cargo_home(&self) -> PathBuf {
        self.root.join("tools").join("cargo-home")
    }
}

/// A name as one path component.
pub fn file_name(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// The process groups of the builds running now.
#[derive(Clone, Debug, Default)]
pub struct Children {
    groups: Arc<Mutex<BTreeSet<u32>>>,
}

impl Children {
    /// Records a running build's process group.
    pub fn add(&self, pid: u32) {
        self.groups.lock().expect("children lock").insert(pid);
    }

    /// Forgets a finished one.
    pub fn remove(&self, pid: u32) {
        self.groups.lock().expect("children lock").remove(&pid);
    }

    /// Stops every running build and everything it started: SIGTERM to each process
    /// group, then SIGKILL to what is left a moment later.
    pub fn stop_all(&self) {
        let groups: Vec<u32> = self
            .groups
            .lock()
            .expect("children lock")
            .iter()
            .copied()
            .collect();
        if groups.is_empty() {
            return;
        }
        signal(&groups, "-TERM");
        std::thread::sleep(std::time::Duration::from_millis(500));
        signal(&groups, "-KILL");
    }

    /// Stops one process group.
    pub fn stop(&self, pid: u32) {
        signal(&[pid], "-TERM");
        std::thread::sleep(std::time::Duration::from_millis(200));
        signal(&[pid], "-KILL");
    }
}

fn signal(groups: &[u32], which: &str) {
    let mut command = std::process::Command::new("kill");
    command.arg(which).arg("--");
    for group in groups {
        command.arg(format!("-{group}"));
    }
    let _ = command
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status();
}

/// Where an artifact is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ArtifactLocation {
    /// Region of its bucket.
    pub region: String,
    /// The bucket.
    pub bucket: String,
    /// The key.
    pub key: String,
}

/// An execution's shared state.
pub struct Context {
    /// The emulator.
    pub accounts: Accounts,
    /// The pipeline being run.
    pub pipeline: Pipeline,
    /// The pipeline's account.
    pub account: String,
    /// The pipeline's stack.
    pub pipeline_stack: String,
    /// An administrator of the pipeline's account (what CodePipeline itself does: artifacts,
    /// reading projects).
    pub admin: Keys,
    /// Directories.
    pub dirs: Dirs,
    /// The working tree pushed.
    pub source_root: PathBuf,
    /// The commit the working tree is on.
    pub commit: Option<String>,
    /// This execution's id.
    pub execution_id: String,
    /// The console.
    pub console: Console,
    /// Running builds.
    pub children: Children,
    /// Approvals granted by name, and all of them.
    pub approvals: Approvals,
    /// Artifacts produced so far.
    pub artifacts: Mutex<BTreeMap<String, ArtifactLocation>>,
    /// Variables published so far.
    pub variables: Mutex<Variables>,
    /// Whether an action of this execution changed the pipeline's own stack.
    pub mutated: std::sync::atomic::AtomicBool,
    /// The execution's state, as CodePipeline keeps it.
    pub state: Arc<PipelineState>,
    /// The rehearsal's CodePipeline endpoint (`http://127.0.0.1:PORT`), which serves it.
    pub codepipeline: String,
    /// Variables every build gets last (`--build-env`), as a StartBuild override would.
    pub build_env: Vec<(String, String)>,
}

/// Which manual approvals the command line grants.
#[derive(Clone, Debug, Default)]
pub struct Approvals {
    /// `--approve NAME`.
    pub names: Vec<String>,
    /// `--approve-all`.
    pub all: bool,
}

impl Approvals {
    /// Whether an approval is granted: by `--approve-all`, or by one of the names of the
    /// approval (its label as written or as the action's name), its stage or its wave.
    pub fn grants(&self, stage: &str, action: &str, label: Option<&str>) -> bool {
        self.all
            || self.names.iter().any(|name| {
                name == stage
                    || name == action
                    || label == Some(name.as_str())
                    || name.replace(' ', "_") == action
            })
    }
}

impl Context {
    /// The region an action runs in.
    pub fn region_of<'a>(&'a self, region: Option<&'a str>) -> &'a str {
        region.unwrap_or(&self.pipeline.region)
    }

    /// Where an artifact produced earlier in this execution is.
    pub fn artifact(&self, name: &str) -> std::result::Result<ArtifactLocation, String> {
        self.artifacts
            .lock()
            .expect("artifacts lock")
            .get(name)
            .cloned()
            .ok_or_else(|| format!("no earlier action produced the artifact {name}"))
    }

    /// An S3 client of the pipeline's account in a region.
    pub fn s3(&self, region: &str) -> aws_sdk_s3::Client {
        let config = self.accounts.config(region, &self.admin);
        aws_sdk_s3::Client::from_conf(
            aws_sdk_s3::config::Builder::from(&config)
                .force_path_style(true)
                .build(),
        )
    }

    /// Stores an artifact in the pipeline's bucket of `region`, under a key of the form
    /// CodePipeline uses (`<pipeline>/<artifact>/<id>`, names cut to 20 characters).
    pub async fn put_artifact(
        &self,
        name: &str,
        region: &str,
        bytes: Vec<u8>,
    ) -> Result<ArtifactLocation> {
        let bucket = self.pipeline.store(region).map_err(Error::msg)?.to_owned();
        let key = format!(
            "{}/{}/{}",
            cut(&self.pipeline.name, 20),
            cut(name, 20),
            &unique_id(name)[..7]
        );
        self.s3(region)
            .put_object()
            .bucket(&bucket)
            .key(&key)
            .body(bytes.into())
            .send()
            .await
            .map_err(|e| Error::aws(format!("cannot store the artifact {name} in {bucket}"), &e))?;
        let location = ArtifactLocation {
            region: region.to_owned(),
            bucket,
            key,
        };
        self.artifacts
            .lock()
            .expect("artifacts lock")
            .insert(name.to_owned(), location.clone());
        Ok(location)
    }

    /// The bytes of an artifact, for an action in `region`: an artifact stored in another
    /// region is copied to this region's bucket first, as CodePipeline does.
    pub async fn get_artifact(&self, name: &str, region: &str) -> Result<Vec<u8>> {
        let location = self.artifact(name).map_err(Error::msg)?;
        let bytes = self.read_object(&location).await?;
        if location.region != region {
            self.put_artifact(name, region, bytes.clone()).await?;
            // The artifact of record stays where it was produced.
            self.artifacts
                .lock()
                .expect("artifacts lock")
                .insert(name.to_owned(), location);
        }
        Ok(bytes)
    }

    async fn read_object(&self, location: &ArtifactLocation) -> Result<Vec<u8>> {
        let object = self
            .s3(&location.region)
            .get_object()
            .bucket(&location.bucket)
            .key(&location.key)
            .send()
            .await
            .map_err(|e| {
                Error::aws(
                    format!(
                        "cannot read the artifact s3://{}/{}",
                        location.bucket, location.key
                    ),
                    &e,
                )
            })?;
        let bytes = object
            .body
            .collect()
            .await
            .map_err(|e| Error::new("cannot read an artifact", e))?;
        Ok(bytes.into_bytes().to_vec())
    }

    /// Publishes variables to a namespace.
    pub fn publish(&self, namespace: &str, values: BTreeMap<String, String>) {
        self.variables
            .lock()
            .expect("variables lock")
            .publish(namespace, values);
    }

    /// Resolves `#{ns.var}` in a value.
    pub fn resolve(&self, text: &str) -> std::result::Result<String, String> {
        self.variables.lock().expect("variables lock").resolve(text)
    }
}

/// The first `n` characters.
pub fn cut(text: &str, n: usize) -> &str {
    match text.char_indices().nth(n) {
        Some((index, _)) => &text[..index],
        None => text,
    }
}

/// A path for messages: relative to the current directory when inside it.
pub fn shown(path: &Path) -> String {
    std::env::current_dir()
        .ok()
        .and_then(|cwd| path.strip_prefix(cwd).ok().map(Path::to_path_buf))
        .unwrap_or_else(|| path.to_path_buf())
        .display()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn approvals_match_the_names_a_user_knows() {
        let none = Approvals::default();
        assert!(!none.grants("ProdBackend", "Promote_to_Prod", Some("Promote to Prod")));
        let by_label = Approvals {
            names: vec!["Promote to Prod".into()],
            all: false,
        };
        assert!(by_label.grants("ProdBackend", "Promote_to_Prod", None));
        let by_stage = Approvals {
            names: vec!["ProdBackend".into()],
            all: false,
        };
        assert!(by_stage.grants("ProdBackend", "Promote_to_Prod", None));
        assert!(!by_stage.grants("PreProd", "Promote_to_Prod", None));
        assert!(Approvals {
            names: vec![],
            all: true
        }
        .grants("A", "B", None));
    }

    #[test]
    fn names() {
        assert_eq!(
            cut("BackendPipelineWithALongName", 20),
            "BackendPipelineWithA"
        );
        assert_eq!(file_name("SelfMutate.Deploy"), "SelfMutate.Deploy");
        assert_eq!(file_name("a/b c"), "a_b_c");
    }
}

/// Why an action did not succeed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Stop {
    /// It failed, for this reason.
    Failed(String),
    /// It waits for something the rehearsal cannot give without a terminal (an approval).
    Waiting(String),
}

impl From<Error> for Stop {
    fn from(error: Error) -> Stop {
        Stop::Failed(error.to_string())
    }
}

impl From<String> for Stop {
    fn from(reason: String) -> Stop {
        Stop::Failed(reason)
    }
}

/// What an action ends with: a one-line summary, or why it stopped.
pub type ActionResult = std::result::Result<String, Stop>;
