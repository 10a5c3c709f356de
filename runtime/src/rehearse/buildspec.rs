//! A CodeBuild buildspec (version 0.2) and the bash script that runs it as CodeBuild does:
//! one shell for every phase (so `cd` and `export` carry over), a phase stops at its first
//! failing command, `finally` commands run anyway, `post_build` runs after a failed
//! `build` with `CODEBUILD_BUILD_SUCCEEDING=0`, and the exported variables are written
//! out at the end.

use std::collections::BTreeMap;

use serde::Deserialize;

/// The parts of a buildspec the rehearsal runs.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(rename_all = "kebab-case")]
pub struct BuildSpec {
    /// `0.2` (or `0.1`).
    pub version: serde_json::Value,
    /// Variables and the shell.
    #[serde(default)]
    pub env: Env,
    /// The phases.
    #[serde(default)]
    pub phases: Phases,
    /// What becomes the output artifact.
    pub artifacts: Option<Artifacts>,
    /// Paths kept between builds.
    pub cache: Option<Cache>,
}

/// `env`.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(rename_all = "kebab-case")]
pub struct Env {
    /// `bash` (the only one `linux` images run here).
    pub shell: Option<String>,
    /// Plain variables (lowest precedence).
    #[serde(default)]
    pub variables: BTreeMap<String, String>,
    /// Variables published to the action's namespace after the build.
    #[serde(default)]
    pub exported_variables: Vec<String>,
    /// Parameter Store references: not read by the rehearsal (an error names them).
    #[serde(default)]
    pub parameter_store: BTreeMap<String, String>,
    /// Secrets Manager references: not read by the rehearsal (an error names them).
    #[serde(default)]
    pub secrets_manager: BTreeMap<String, String>,
}

/// `phases`.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
pub struct Phases {
    /// `install`.
    pub install: Option<Phase>,
    /// `pre_build`.
    pub pre_build: Option<Phase>,
    /// `build`.
    pub build: Option<Phase>,
    /// `post_build`.
    pub post_build: Option<Phase>,
}

/// One phase.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
pub struct Phase {
    /// Its commands, in order.
    #[serde(default)]
    pub commands: Vec<String>,
    /// Commands run after `commands`, whether they succeeded or not.
    #[serde(default)]
    pub finally: Vec<String>,
}

/// `artifacts`.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(rename_all = "kebab-case")]
pub struct Artifacts {
    /// Globs of the files, relative to `base-directory`.
    #[serde(default)]
    pub files: Vec<String>,
    /// The directory the files are taken from, relative to the source directory.
    pub base_directory: Option<String>,
    /// Store every file at the artifact's root.
    #[serde(default)]
    pub discard_paths: serde_json::Value,
}

/// `cache`.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
pub struct Cache {
    /// Globs of what is kept.
    #[serde(default)]
    pub paths: Vec<String>,
}

impl BuildSpec {
    /// Reads a buildspec; pipewright writes them as JSON (which is YAML), and the rehearsal
    /// reads JSON only.
    pub fn parse(text: &str) -> Result<BuildSpec, String> {
        let spec: BuildSpec = serde_json::from_str(text).map_err(|e| {
            format!("the buildspec is not JSON the rehearsal can read ({e}); pipewright writes JSON buildspecs")
        })?;
        if let Some(name) = spec
            .env
            .parameter_store
            .keys()
            .chain(spec.env.secrets_manager.keys())
            .next()
        {
            return Err(format!(
                "the buildspec reads `{name}` from Parameter Store or Secrets Manager, which the rehearsal does not emulate"
            ));
        }
        match spec.env.shell.as_deref() {
            None | Some("bash") | Some("/bin/bash") => Ok(spec),
            Some(other) => Err(format!(
                "the buildspec runs in `{other}`; the rehearsal runs bash"
            )),
        }
    }

    /// Cache paths inside the source directory, by their first component (`target/**/*` →
    /// `target`): the rehearsal keeps those between builds. Absolute paths (`/root/.cargo/…`)
    /// are the machine's own directories here, kept anyway.
    pub fn cached_directories(&self) -> Vec<String> {
        let mut dirs: Vec<String> = Vec::new();
        for path in self.cache.iter().flat_map(|c| &c.paths) {
            if path.starts_with('/') || path.starts_with('~') || path.starts_with('$') {
                continue;
            }
            let first = path.split('/').next().unwrap_or_default();
            let literal = !first.is_empty() && !first.contains(['*', '?', '[']) && first != "..";
            if literal && !dirs.iter().any(|d| d == first) {
                dirs.push(first.to_owned());
            }
        }
        dirs
    }

    /// The bash script of the build. It writes the exported variables to `$1`
    /// (`NAME\0VALUE\0`…) and the failing phase and command to `$2` (`PHASE\0COMMAND\0STATUS`).
    pub fn script(&self) -> String {
        let mut script = String::from(PRELUDE);
        let phases = [
            ("INSTALL", &self.phases.install),
            ("PRE_BUILD", &self.phases.pre_build),
            ("BUILD", &self.phases.build),
            ("POST_BUILD", &self.phases.post_build),
        ];
        for (name, phase) in phases {
            script.push_str(&format!("__pw_phase_{name}() {{\n"));
            let phase = phase.clone().unwrap_or_default();
            script.push_str("  local __pw_rc=0\n");
            for command in &phase.commands {
                script.push_str(&format!(
                    "  [ $__pw_rc -eq 0 ] && {{ __pw_run {name} {}; __pw_rc=$?; }}\n",
                    quote(command)
                ));
            }
            for command in &phase.finally {
                script.push_str(&format!(
                    "  __pw_run {name} {} || {{ [ $__pw_rc -eq 0 ] && __pw_rc=1; }}\n",
                    quote(command)
                ));
            }
            script.push_str("  return $__pw_rc\n}\n");
        }
        script.push_str(SEQUENCE);
        for name in &self.env.exported_variables {
            if is_variable_name(name) {
                script.push_str(&format!(
                    "printf '%s\\0%s\\0' {} \"${{{name}-}}\" >> \"$__pw_exports\"\n",
                    quote(name)
                ));
            }
        }
        script.push_str("exit $__pw_status\n");
        script
    }
}

const PRELUDE: &str = r#"# The buildspec, as CodeBuild runs it (written by `deploy rehearse`).
__pw_exports="$1"
__pw_failure="$2"
: > "$__pw_exports"
: > "$__pw_failure"
# A command that calls `exit` ends the shell, as on CodeBuild: it is reported all the same.
__pw_on_exit() {
  local rc=$?
  if [ $rc -ne 0 ] && [ -n "${__pw_now:-}" ] && [ ! -s "$__pw_failure" ]; then
    printf '[Container] %s Command did not exit successfully %s exit status %d\n' "$(date -u +%T)" "$__pw_now" $rc
    printf '%s\0%s\0%d' "$__pw_now_phase" "$__pw_now" $rc > "$__pw_failure"
  fi
}
trap __pw_on_exit EXIT
__pw_run() {
  printf '[Container] %s Running command %s\n' "$(date -u +%T)" "$2"
  __pw_now_phase="$1"
  __pw_now="$2"
  eval "$2"
  local rc=$?
  __pw_now=
  if [ $rc -ne 0 ]; then
    printf '[Container] %s Command did not exit successfully %s exit status %d\n' "$(date -u +%T)" "$2" $rc
    [ -s "$__pw_failure" ] || printf '%s\0%s\0%d' "$1" "$2" $rc > "$__pw_failure"
  fi
  return $rc
}
__pw_enter() {
  printf '\n[Container] %s Entering phase %s\n' "$(date -u +%T)" "$1"
}
"#;

const SEQUENCE: &str = r#"__pw_status=0
__pw_enter INSTALL; __pw_phase_INSTALL; __pw_status=$?
[ $__pw_status -eq 0 ] && { __pw_enter PRE_BUILD; __pw_phase_PRE_BUILD; __pw_status=$?; }
if [ $__pw_status -eq 0 ]; then
  __pw_enter BUILD; __pw_phase_BUILD; __pw_status=$?
  [ $__pw_status -eq 0 ] || export CODEBUILD_BUILD_SUCCEEDING=0
  __pw_enter POST_BUILD; __pw_phase_POST_BUILD; __pw_post=$?
  [ $__pw_status -eq 0 ] && __pw_status=$__pw_post
fi
"#;

/// `text` as one bash word.
pub fn quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

fn is_variable_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// What the script reported about a failure: the phase, the command and its status.
pub fn parse_failure(report: &[u8]) -> Option<(String, String, String)> {
    let text = String::from_utf8_lossy(report);
    let mut parts = text.split('\0');
    let phase = parts.next().filter(|p| !p.is_empty())?.to_owned();
    let command = parts.next()?.to_owned();
    let status = parts.next().unwrap_or_default().to_owned();
    Some((phase, command, status))
}

/// The exported variables the script wrote.
pub fn parse_exports(report: &[u8]) -> BTreeMap<String, String> {
    let text = String::from_utf8_lossy(report);
    let parts: Vec<&str> = text.split('\0').collect();
    parts
        .chunks(2)
        .filter(|pair| pair.len() == 2 && !pair[0].is_empty())
        .map(|pair| (pair[0].to_owned(), pair[1].to_owned()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;

    /// The script's exit status, output, failure report and exported variables.
    type Ran = (
        i32,
        String,
        Option<(String, String, String)>,
        BTreeMap<String, String>,
    );

    fn run(spec: &str) -> Ran {
        let spec = BuildSpec::parse(spec).unwrap();
        let dir = std::env::temp_dir().join(format!(
            "pipewright-buildspec-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let script = dir.join("build.sh");
        std::fs::write(&script, spec.script()).unwrap();
        let output = Command::new("bash")
            .arg(&script)
            .arg(dir.join("exports"))
            .arg(dir.join("failure"))
            .current_dir(&dir)
            .output()
            .unwrap();
        let failure = parse_failure(&std::fs::read(dir.join("failure")).unwrap());
        let exports = parse_exports(&std::fs::read(dir.join("exports")).unwrap());
        let _ = std::fs::remove_dir_all(&dir);
        (
            output.status.code().unwrap(),
            String::from_utf8_lossy(&output.stdout).into_owned(),
            failure,
            exports,
        )
    }

    #[test]
    fn phases_share_one_shell_and_export_variables() {
        let (status, out, failure, exports) = run(r#"{
            "version": "0.2",
            "env": { "shell": "bash", "exported-variables": ["GREETING", "UNSET"] },
            "phases": {
                "install": { "commands": ["export GREETING=hello", "mkdir -p sub && cd sub"] },
                "build": { "commands": ["echo \"$GREETING from $(basename \"$PWD\")\"", "echo 'it''s quoted'"] }
            }
        }"#);
        assert_eq!(status, 0, "{out}");
        assert!(out.contains("hello from sub"), "{out}");
        assert!(out.contains("its quoted"), "{out}");
        assert_eq!(failure, None);
        assert_eq!(exports["GREETING"], "hello");
        assert_eq!(exports["UNSET"], "");
    }

    #[test]
    fn a_failing_command_stops_its_phase_and_post_build_still_runs() {
        let (status, out, failure, _) = run(r#"{
            "version": "0.2",
            "phases": {
                "build": { "commands": ["echo first", "exit_with() { return $1; }; exit_with 7", "echo never"],
                           "finally": ["echo finally"] },
                "post_build": { "commands": ["echo post $CODEBUILD_BUILD_SUCCEEDING"] }
            }
        }"#);
        assert_eq!(status, 7, "{out}");
        assert!(out.contains("first") && !out.contains("never"), "{out}");
        assert!(out.contains("finally") && out.contains("post 0"), "{out}");
        let (phase, command, code) = failure.unwrap();
        assert_eq!((phase.as_str(), code.as_str()), ("BUILD", "7"));
        assert!(command.contains("exit_with 7"));
    }

    #[test]
    fn a_command_that_exits_is_reported() {
        let (status, out, failure, _) = run(r#"{
            "version": "0.2",
            "phases": { "build": { "commands": ["echo before", "case x in y) ;; *) exit 3 ;; esac", "echo after"] } }
        }"#);
        assert_eq!(status, 3, "{out}");
        assert!(out.contains("before") && !out.contains("after"), "{out}");
        let (phase, command, code) = failure.unwrap();
        assert_eq!((phase.as_str(), code.as_str()), ("BUILD", "3"));
        assert!(command.starts_with("case x in"), "{command}");
    }

    #[test]
    fn an_install_failure_skips_the_build() {
        let (status, out, failure, _) = run(r#"{
            "version": "0.2",
            "phases": { "install": { "commands": ["false"] }, "build": { "commands": ["echo built"] } }
        }"#);
        assert_eq!(status, 1);
        assert!(!out.contains("built"), "{out}");
        assert_eq!(failure.unwrap().0, "INSTALL");
    }

    #[test]
    fn what_the_rehearsal_cannot_run_is_refused() {
        assert!(BuildSpec::parse("version: 0.2")
            .unwrap_err()
            .contains("JSON"));
        let secret = r#"{"version":"0.2","env":{"secrets-manager":{"TOKEN":"arn:x"}}}"#;
        assert!(BuildSpec::parse(secret).unwrap_err().contains("TOKEN"));
        assert!(BuildSpec::parse(r#"{"version":"0.2","env":{"shell":"pwsh"}}"#).is_err());
    }

    #[test]
    fn relative_cache_paths_are_kept_by_their_directory() {
        let spec = BuildSpec::parse(
            r#"{"version":"0.2","cache":{"paths":["/root/.cargo/registry/**/*","target/**/*","target/x","node_modules/**/*"]}}"#,
        )
        .unwrap();
        assert_eq!(spec.cached_directories(), ["target", "node_modules"]);
    }
}
