//! Which stacks a command works on, and in which order.
//!
//! `deploy`/`diff`/`destroy` take stack names, stage names (all of the stage's stacks) or
//! patterns with `*` and `?`; `--all` takes every stack; no name at all means the pipeline
//! stack, as `cdk deploy` does for a pipeline app. Stacks deploy in the program's order, in
//! waves: the stacks of one stage that do not depend on each other deploy together.

use crate::app::{App, StackArtifact, StackRole};

use super::error::{Error, Result};

/// The stacks named on the command line, in deployment order (a stack after the stacks
/// it depends on). `with_dependencies` adds the
/// stacks they depend on (what `deploy` needs before them).
pub fn select<'a>(
    app: &'a App,
    names: &[String],
    all: bool,
    with_dependencies: bool,
) -> Result<Vec<&'a StackArtifact>> {
    let mut chosen = vec![false; app.stacks.len()];
    if all {
        chosen.iter_mut().for_each(|c| *c = true);
    } else if names.is_empty() {
        match app
            .stacks
            .iter()
            .position(|s| s.role == StackRole::Pipeline)
        {
            Some(i) => chosen[i] = true,
            None => return Err(Error::msg("the program has no pipeline stack")),
        }
    }
    for name in names {
        let mut matched = false;
        for (i, stack) in app.stacks.iter().enumerate() {
            if stack.name == name.as_str()
                || stack.stage() == Some(name.as_str())
                || (is_pattern(name) && glob_match(name, &stack.name))
            {
                chosen[i] = true;
                matched = true;
            }
        }
        if !matched {
            return Err(Error::msg(unknown(app, name)));
        }
    }
    if with_dependencies {
        loop {
            let mut added = false;
            for i in 0..app.stacks.len() {
                if !chosen[i] {
                    continue;
                }
                for dep in &app.stacks[i].depends_on {
                    if let Some(j) = app.stacks.iter().position(|s| s.name == *dep) {
                        if !chosen[j] {
                            chosen[j] = true;
                            added = true;
                        }
                    }
                }
            }
            if !added {
                break;
            }
        }
    }
    // The program's order, except that a stack comes after the stacks it depends on (the
    // pipeline stack is listed first but needs its support stacks).
    fn visit<'a>(
        app: &'a App,
        i: usize,
        chosen: &[bool],
        done: &mut [bool],
        out: &mut Vec<&'a StackArtifact>,
    ) {
        if done[i] {
            return;
        }
        done[i] = true;
        for dep in &app.stacks[i].depends_on {
            if let Some(j) = app.stacks.iter().position(|s| s.name == *dep) {
                if chosen[j] {
                    visit(app, j, chosen, done, out);
                }
            }
        }
        out.push(&app.stacks[i]);
    }
    let mut done = vec![false; app.stacks.len()];
    let mut ordered = Vec::new();
    for i in 0..app.stacks.len() {
        if chosen[i] {
            visit(app, i, &chosen, &mut done, &mut ordered);
        }
    }
    Ok(ordered)
}

fn unknown(app: &App, name: &str) -> String {
    let stacks: Vec<&str> = app.stacks.iter().map(|s| s.name.as_ref()).collect();
    let stages = app.stages();
    let closest = stacks
        .iter()
        .chain(stages.iter())
        .map(|candidate| (edit_distance(name, candidate), *candidate))
        .filter(|(d, c)| *d <= c.len().max(name.len()) / 3 + 1)
        .min();
    let hint = match closest {
        Some((_, c)) => format!("; did you mean `{c}`?"),
        None => String::new(),
    };
    format!(
        "no stack or stage `{name}`{hint} (stacks: {}; stages: {})",
        stacks.join(", "),
        stages.join(", ")
    )
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut previous = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous + usize::from(ca != *cb);
            previous = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(previous + 1);
        }
    }
    row[b.len()]
}

fn is_pattern(name: &str) -> bool {
    name.contains(['*', '?'])
}

/// `*` matches any run of characters, `?` one character.
pub fn glob_match(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    let (mut pi, mut ti) = (0, 0);
    let (mut star, mut mark) = (None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

/// The group a stack deploys with: its stage (the pipeline and the support stacks are
/// groups of their own).
fn group(stack: &StackArtifact) -> (u8, &str) {
    match &stack.role {
        StackRole::Pipeline => (0, ""),
        StackRole::Support => (1, ""),
        StackRole::Stage { stage, .. } => (2, stage),
    }
}

/// Splits stacks (in deployment order) into waves that deploy one after the other; the
/// stacks of a wave deploy concurrently: the same group, none depending on another.
pub fn waves<'a>(stacks: &[&'a StackArtifact]) -> Vec<Vec<&'a StackArtifact>> {
    let mut waves: Vec<Vec<&StackArtifact>> = Vec::new();
    for stack in stacks {
        let joins = waves.last().is_some_and(|wave| {
            group(wave[0]) == group(stack)
                && !wave.iter().any(|other| {
                    stack.depends_on.contains(&other.name) || other.depends_on.contains(&stack.name)
                })
        });
        if joins {
            waves.last_mut().expect("a wave").push(stack);
        } else {
            waves.push(vec![stack]);
        }
    }
    waves
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stack(name: &str, role: StackRole, depends_on: &[&str]) -> StackArtifact {
        StackArtifact {
            name: name.to_owned().into(),
            role,
            account: "111111111111".into(),
            region: "us-west-2".into(),
            template: "{}".into(),
            assets: Vec::new(),
            depends_on: depends_on.iter().map(|d| (*d).to_owned().into()).collect(),
            outputs: Vec::new(),
            protected: false,
            stateful_types: Vec::new(),
            approval: None,
        }
    }

    fn stage(name: &str, stage: &str, depends_on: &[&str]) -> StackArtifact {
        stack(
            name,
            StackRole::Stage {
                stage: stage.to_owned().into(),
                stack: "S".into(),
            },
            depends_on,
        )
    }

    fn app() -> App {
        App {
            pipeline: "Pipe".into(),
            stacks: vec![
                stack("Pipe", StackRole::Pipeline, &["Pipe-support-eu-west-1"]),
                stack("Pipe-support-eu-west-1", StackRole::Support, &[]),
                stage("Beta-Api", "Beta", &[]),
                stage("Beta-Web", "Beta", &[]),
                stage("Prod-Api", "Prod", &[]),
                stage("Prod-Web", "Prod", &["Prod-Api"]),
            ],
            assets: Vec::new(),
            qualifier: "hnb659fds".into(),
            workspace_root: "/w".into(),
            package: "pipeline".into(),
        }
    }

    fn names(stacks: &[&StackArtifact]) -> Vec<String> {
        stacks.iter().map(|s| s.name.to_string()).collect()
    }

    #[test]
    fn names_stages_patterns_all_and_the_default() {
        let app = app();
        assert_eq!(names(&select(&app, &[], false, false).unwrap()), ["Pipe"]);
        assert_eq!(
            names(&select(&app, &[], false, true).unwrap()),
            ["Pipe-support-eu-west-1", "Pipe"]
        );
        assert_eq!(
            names(&select(&app, &["Prod".into(), "Beta-Api".into()], false, false).unwrap()),
            ["Beta-Api", "Prod-Api", "Prod-Web"]
        );
        assert_eq!(
            names(&select(&app, &["*-Web".into()], false, false).unwrap()),
            ["Beta-Web", "Prod-Web"]
        );
        assert_eq!(select(&app, &[], true, false).unwrap().len(), 6);
        let error = select(&app, &["Prod-Ap".into()], false, false)
            .unwrap_err()
            .to_string();
        assert!(
            error.starts_with("no stack or stage `Prod-Ap`; did you mean `Prod-Api`?"),
            "{error}"
        );
    }

    #[test]
    fn a_stage_deploys_together_unless_its_stacks_depend_on_each_other() {
        let app = app();
        let all = select(&app, &[], true, false).unwrap();
        let waves: Vec<Vec<String>> = waves(&all).iter().map(|w| names(w)).collect();
        assert_eq!(
            waves,
            [
                vec!["Pipe-support-eu-west-1"],
                vec!["Pipe"],
                vec!["Beta-Api", "Beta-Web"],
                vec!["Prod-Api"],
                vec!["Prod-Web"],
            ]
        );
    }

    #[test]
    fn globs() {
        assert!(glob_match("Pre*", "PreProdBackend-BackendStack"));
        assert!(glob_match("*Stack", "PreProdBackend-BackendStack"));
        assert!(glob_match("P?e*", "PreProd"));
        assert!(!glob_match("Prod*", "PreProd"));
    }
}
