//! The `pipeline` block: its source and trigger, synth, CodeBuild settings and policy
//! grants, and notifications.

use pipewright::plan::{self, Site};
use pipewright::spec::{
    self, CodeBuild, ComputeType, Notifications, NotifyTarget, Pipeline, PipelineEvent,
    PolicyGrant, Source, Synth, Trigger,
};
use syn::spanned::Spanned as _;

use super::context::{Cx, Located};
use super::fields::Fields;
use crate::diagnostics::list;
use crate::syntax::{PipelineBlock, Value};

impl Cx {
    pub(super) fn pipeline(&mut self, block: &PipelineBlock) -> Pipeline {
        let name = self.block_name(&block.name);
        self.spans.insert(Site::Pipeline, block.name.span());
        let doc = self.docs(&block.docs);
        self.syntax_errors(&block.fields.errors);
        let what = format!("pipeline `{name}`");
        let mut f = Fields::new(
            &mut self.diag,
            what,
            block.name.span(),
            &block.fields.fields,
        );
        let account = f
            .required_str("account")
            .map(|a| f.check(a, spec::check_account));
        let region = f.required_str("region").map(|r| f.check_region(r));
        let source = f.required_group("source", |g| {
            let repo = g.required_str("repo").map(|r| g.check(r, spec::check_repo));
            let branch = g.required_str("branch").map(|b| {
                if b.value.trim().is_empty() {
                    g.diag.error(
                        b.span,
                        "the branch is empty: expected a branch name such as \"main\"",
                    );
                }
                b.value
            });
            let connection = g
                .required_str("connection")
                .map(|c| g.check(c, spec::check_connection_arn));
            let trigger = g.trigger();
            Source {
                repo: repo.unwrap_or_default(),
                branch: branch.unwrap_or_default(),
                connection: connection.unwrap_or_default(),
                trigger,
            }
        });
        let synth = f.required_group("synth", |g| {
            let commands = g.required_str_list("commands").map(|c| {
                if c.value.is_empty() {
                    g.diag.error(c.span, "synth `commands` is empty: expected at least one command that writes the cloud assembly");
                }
                for (cmd, span) in &c.value {
                    if cmd.trim().is_empty() {
                        g.diag.error(*span, "empty command");
                    }
                }
                c.value.into_iter().map(|(s, _)| s).collect()
            });
            let install = g.str_list("install").map(|l| l.value.into_iter().map(|(s, _)| s).collect());
            let output = g.str("output").map(|o| g.check(o, spec::check_relative_dir));
            Synth {
                install: install.unwrap_or_default(),
                commands: commands.unwrap_or_default(),
                output: output.unwrap_or_else(|| "cdk.out".into()),
            }
        });
        let self_mutation = f.bool("self_mutation").unwrap_or(true);
        let cross_account_keys = f.bool("cross_account_keys").unwrap_or(false);
        let codebuild = f
            .group("codebuild", |g| {
                let compute = g
                    .ident("compute")
                    .and_then(|c| g.named(c, "compute type", ComputeType::NAMES, ComputeType::from_name))
                    .unwrap_or(ComputeType::Small);
                let privileged = g.bool("privileged").unwrap_or(false);
                let policy = g.list("policy", |g, item| g.policy_grant(item)).unwrap_or_default();
                let image = g.str("image").map(|i| {
                    if i.value.trim().is_empty() {
                        g.diag.error(i.span, "the image is empty: expected a CodeBuild image such as \"aws/codebuild/amazonlinux-x86_64-standard:5.0\"");
                    }
                    i.value
                });
                CodeBuild { compute, privileged, policy, image }
            })
            .unwrap_or(CodeBuild { compute: ComputeType::Small, privileged: false, policy: Vec::new(), image: None });
        let qualifier = f
            .str("qualifier")
            .map(|q| {
                if !pipewright::bootstrap_stack::is_valid_qualifier(&q.value) {
                    f.diag.error(
                        q.span,
                        "expected a bootstrap qualifier of 1 to 10 letters, digits, `-` or `_`",
                    );
                }
                q.value
            })
            .unwrap_or_else(|| spec::DEFAULT_QUALIFIER.to_owned());
        let notifications = f.group("notifications", |g| g.notifications()).flatten();
        f.finish();
        Pipeline {
            name,
            doc,
            account: account.unwrap_or_default(),
            region: region.unwrap_or_default(),
            source: source.unwrap_or(Source {
                repo: String::new(),
                branch: String::new(),
                connection: String::new(),
                trigger: Default::default(),
            }),
            synth: synth.unwrap_or(Synth {
                install: Vec::new(),
                commands: Vec::new(),
                output: String::new(),
            }),
            self_mutation,
            cross_account_keys,
            codebuild,
            qualifier,
            notifications,
        }
    }
}

impl Fields<'_, '_> {
    /// The `notifications` group of the pipeline.
    fn notifications(&mut self) -> Option<Notifications> {
        let emails = self.emails("emails");
        let topic = self.topic_arn("topic");
        let events = self
            .list("on", |f, item| match item {
                Value::Ident(i) => f.named(
                    Located {
                        value: i.clone(),
                        span: i.span(),
                    },
                    "pipeline event",
                    PipelineEvent::NAMES,
                    PipelineEvent::from_name,
                ),
                other => {
                    f.diag.error(
                        other.span(),
                        format!(
                            "expected a pipeline event ({}), found {}",
                            list(PipelineEvent::NAMES),
                            other.describe()
                        ),
                    );
                    None
                }
            })
            .unwrap_or_else(|| vec![PipelineEvent::Failed]);
        let target = match (emails, topic) {
            (Some(_), Some(t)) => {
                self.diag.error(t.span, "`emails` and `topic` both say where events go: keep one (`emails` makes a topic for those addresses, `topic` uses yours)");
                return None;
            }
            (Some(emails), None) => NotifyTarget::Emails(emails),
            (None, Some(t)) => NotifyTarget::Topic(t.value),
            (None, None) => {
                self.diag.error(self.block_span, "`notifications` says where events go with `emails: [\"...\"]` or `topic: \"arn:aws:sns:...\"`");
                return None;
            }
        };
        if events.is_empty() {
            if let Some(field) = self.fields.iter().find(|f| f.name.text() == "on") {
                self.diag.error(
                    field.value_span(),
                    "`on` is empty: expected at least one event, or leave it out for `[Failed]`",
                );
            }
        }
        let mut unique = Vec::new();
        for event in events {
            if !unique.contains(&event) {
                unique.push(event);
            }
        }
        Some(Notifications {
            target,
            events: unique,
        })
    }

    /// The trigger fields of the `source` group.
    fn trigger(&mut self) -> Trigger {
        let globs = |f: &mut Self, name: &'static str| -> Vec<String> {
            let Some(list) = f.str_list(name) else {
                return Vec::new();
            };
            for (glob, span) in &list.value {
                if let Err(m) = spec::check_glob(glob) {
                    f.diag.error(*span, m);
                }
            }
            if list.value.len() > plan::MAX_TRIGGER_GLOBS {
                f.diag.error(
                    list.span,
                    format!(
                        "`{name}` has {} globs: a CodePipeline trigger filter takes at most {}",
                        list.value.len(),
                        plan::MAX_TRIGGER_GLOBS
                    ),
                );
            }
            list.value.into_iter().map(|(s, _)| s).collect()
        };
        let paths = globs(self, "paths");
        let ignore_paths = globs(self, "ignore_paths");
        let tags = globs(self, "tags");
        let on_push = self.take("on_push").map(|field| match &field.value {
            Value::Bool(b) => (b.value, b.span()),
            _ => {
                self.wrong_type(field, "`true` or `false`");
                (true, field.value_span())
            }
        });
        let trigger = Trigger {
            paths,
            ignore_paths,
            tags,
            on_push: on_push.map(|(b, _)| b).unwrap_or(true),
        };
        if let Some((false, span)) = on_push {
            if trigger.filters() {
                self.diag.error(span, "`on_push: false` starts the pipeline only by hand: `paths`, `ignore_paths` and `tags` would never apply; remove them or `on_push: false`");
            }
        }
        trigger
    }

    fn policy_grant(&mut self, item: &Value) -> Option<PolicyGrant> {
        let Value::Group(g) = item else {
            self.diag.error(
                item.span(),
                format!(
                    "expected a statement `{{ actions: [...], resources: [...] }}`, found {}",
                    item.describe()
                ),
            );
            return None;
        };
        let what = format!("a policy statement of {}", self.what);
        let mut f = Fields::new(self.diag, what, g.span(), &g.fields);
        let actions = f.required_str_list("actions").map(|l| {
            if l.value.is_empty() {
                f.diag.error(l.span, "expected at least one action");
            }
            for (a, span) in &l.value {
                if let Err(m) = spec::check_iam_action(a) {
                    f.diag.error(*span, m);
                }
            }
            l.value.into_iter().map(|(s, _)| s).collect()
        });
        let resources = f.required_str_list("resources").map(|l| {
            if l.value.is_empty() {
                f.diag
                    .error(l.span, "expected at least one resource ARN, or `\"*\"`");
            }
            for (r, span) in &l.value {
                if r != "*" && !r.starts_with("arn:") {
                    f.diag.error(
                        *span,
                        format!("expected a resource ARN (`arn:...`) or `\"*\"`, found `{r}`"),
                    );
                }
            }
            l.value.into_iter().map(|(s, _)| s).collect()
        });
        f.finish();
        Some(PolicyGrant {
            actions: actions?,
            resources: resources?,
        })
    }
}
