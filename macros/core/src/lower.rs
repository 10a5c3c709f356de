//! Checks a parsed program against every rule of the language and lowers it to a
//! [`spec::Program`]. Every error is recorded with the span of the offending token and
//! checking goes on, so one compile reports every mistake.

use std::collections::{BTreeMap, HashMap};

use pipewright::plan::{self, Site, StageField};
use pipewright::spec::{
    self, Alarm, Api, Approval, ApprovalWhen, Architecture, CodeBuild, ComputeType, Cors,
    DeploymentConfig, Duration, Lambda, Notifications, NotifyTarget, Package, Pipeline,
    PipelineEvent, PolicyGrant, Program, Source, Stack, Stage, Synth, Trigger, Wave,
};
use proc_macro2::Span;
use syn::spanned::Spanned as _;
use syn::Ident;

use crate::diagnostics::{closest, did_you_mean_or, list, suggestion, Diagnostics};
use crate::syntax::{
    self, ApiBlock, Field, FieldName, Item, LambdaBlock, PipelineBlock, StackBlock, StackMember,
    StageBlock, Value, WaveBlock, WaveMember,
};
use crate::workspace::{LocalPackage, Workspace};

/// A checked program, and where its blocks were written (to report synthesis errors).
pub struct Lowered {
    /// The program.
    pub program: Program,
    /// Where each block was written.
    pub spans: Spans,
    /// Files whose content the expansion depends on (manifests, lambda sources).
    pub tracked: Vec<std::path::PathBuf>,
}

/// Where the blocks of a program were written: the span of each block's name, and of
/// the stage fields the pipeline's layout depends on.
#[derive(Default)]
pub struct Spans(HashMap<Site, Span>);

impl Spans {
    /// Records where a site was written; the first block of a name keeps it.
    fn insert(&mut self, site: Site, span: Span) {
        self.0.entry(site).or_insert(span);
    }

    /// Where a site was written: its own span, or its enclosing block's when it was not
    /// written (a field left out), or the macro's call site.
    pub fn get(&self, site: &Site) -> Span {
        self.0
            .get(site)
            .copied()
            .or_else(|| site.enclosing().map(|block| self.get(&block)))
            .unwrap_or_else(Span::call_site)
    }
}

/// Where the workspace comes from: loaded, or why it could not be.
pub type WorkspaceResult<'a> = Result<&'a Workspace, &'a str>;

/// Checks and lowers a parsed program.
pub fn lower(
    input: &syntax::Program,
    workspace: WorkspaceResult<'_>,
) -> Result<Lowered, syn::Error> {
    let mut cx = Cx {
        diag: Diagnostics::new(),
        spans: Spans::default(),
    };
    for e in &input.errors {
        cx.diag.push(e.clone());
    }

    let mut pipelines = Vec::new();
    let mut stack_blocks = Vec::new();
    // Every stage in deployment order, with the wave it is written in.
    let mut stage_blocks: Vec<(Option<&WaveBlock>, &StageBlock)> = Vec::new();
    let mut wave_blocks = Vec::new();
    // A misspelt keyword is reported once, as misspelt, not again as a missing block.
    let mut misspelt: Vec<&str> = Vec::new();
    for item in &input.items {
        match item {
            Item::Pipeline(p) => pipelines.push(p),
            Item::Stack(s) => stack_blocks.push(s),
            Item::Stage(s) => stage_blocks.push((None, s)),
            Item::Wave(w) => {
                wave_blocks.push(w);
                stage_blocks.extend(w.members.iter().filter_map(|m| match m {
                    WaveMember::Stage(s) => Some((Some(w), s)),
                    _ => None,
                }));
            }
            Item::Unknown(u) => {
                let keyword = u.keyword.to_string();
                misspelt.extend(closest(
                    &keyword,
                    syntax::TOP_LEVEL_KEYWORDS.iter().copied(),
                ));
                cx.diag.error(
                    u.keyword.span(),
                    format!(
                        "unknown block `{keyword}`{}",
                        suggestion(&keyword, syntax::TOP_LEVEL_KEYWORDS)
                    ),
                )
            }
        }
    }

    if pipelines.is_empty() && !misspelt.contains(&"pipeline") {
        cx.diag.error(
            Span::call_site(),
            "missing the `pipeline NAME { ... }` block: a program has exactly one",
        );
    }
    for extra in pipelines.iter().skip(1) {
        cx.diag.error(
            extra.keyword.span,
            "more than one `pipeline` block: a program has exactly one",
        );
    }
    if stack_blocks.is_empty() && !misspelt.contains(&"stack") {
        cx.diag.error(
            Span::call_site(),
            "no `stack NAME { ... }` block: a program deploys at least one stack",
        );
    }
    if stage_blocks.is_empty() && wave_blocks.is_empty() && !misspelt.contains(&"stage") {
        cx.diag.error(
            Span::call_site(),
            "no `stage NAME { ... }` block: a program deploys to at least one stage",
        );
    }

    let pipeline = pipelines.first().map(|p| cx.pipeline(p));
    cx.unique_names("stack", stack_blocks.iter().map(|s| &s.name));
    cx.unique_names("stage", stage_blocks.iter().map(|(_, s)| &s.name));
    cx.wave_names(&wave_blocks, &stage_blocks);
    let mut stacks: Vec<(Stack, Vec<(String, FieldSpan)>)> =
        stack_blocks.iter().map(|s| cx.stack(s)).collect();
    let stack_names: Vec<String> = stacks.iter().map(|(s, _)| s.name.clone()).collect();
    let stack_names: Vec<&str> = stack_names.iter().map(String::as_str).collect();
    let waves: Vec<Wave> = wave_blocks.iter().map(|w| cx.wave(w)).collect();
    let stages: Vec<Stage> = stage_blocks
        .iter()
        .map(|(wave, block)| {
            let stage = cx.stage(block, &stack_names, *wave);
            cx.verify_has_outputs(&stage, block, &stacks);
            stage
        })
        .collect();

    let (packages, tracked) = cx.packages(&mut stacks, workspace);
    let program = pipeline.map(|pipeline| Program {
        pipeline,
        stacks: stacks.into_iter().map(|(s, _)| s).collect(),
        stages,
        waves,
        packages,
        binary: "deploy".to_owned(),
        package: String::new(),
        binary_kind: Default::default(),
    });
    // The pipeline CodePipeline would be given: its limits, at the blocks they concern.
    if let Some(Err(errors)) = program.as_ref().map(plan::plan) {
        for e in errors {
            let span = cx.spans.get(&e.site);
            cx.diag.error(span, e.message);
        }
    }

    cx.diag.finish()?;
    let Some(program) = program else {
        unreachable!("a missing pipeline block is reported as an error above")
    };
    Ok(Lowered {
        program,
        spans: cx.spans,
        tracked,
    })
}

/// The span of a `package`/`bin` field, kept to report workspace errors there.
#[derive(Clone, Copy)]
struct FieldSpan {
    package: Span,
    bin: Option<Span>,
}

struct Cx {
    diag: Diagnostics,
    spans: Spans,
}

/// A value and where it was written.
struct Located<T> {
    value: T,
    span: Span,
}

impl Cx {
    fn block_name(&mut self, name: &Ident) -> String {
        let text = name.to_string();
        if let Err(message) = spec::check_block_name(&text) {
            self.diag.error(name.span(), message);
        }
        text
    }

    fn unique_names<'a>(&mut self, kind: &str, names: impl Iterator<Item = &'a Ident>) {
        let mut seen: Vec<String> = Vec::new();
        for name in names {
            let text = name.to_string();
            if seen.contains(&text) {
                self.diag.error(
                    name.span(),
                    format!("duplicate {kind} name `{text}`: names must be unique"),
                );
            } else {
                seen.push(text);
            }
        }
    }

    fn docs(&mut self, docs: &syntax::Docs) -> Option<String> {
        for attr in docs.foreign() {
            self.diag.error(
                attr.span(),
                "only doc comments (`///`) are allowed on blocks",
            );
        }
        docs.text()
    }

    fn pipeline(&mut self, block: &PipelineBlock) -> Pipeline {
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

    fn syntax_errors(&mut self, errors: &[syn::Error]) {
        for e in errors {
            self.diag.push(e.clone());
        }
    }

    fn stack(&mut self, block: &StackBlock) -> (Stack, Vec<(String, FieldSpan)>) {
        let name = self.block_name(&block.name);
        self.spans.insert(Site::stack(&name), block.name.span());
        let doc = self.docs(&block.docs);
        self.syntax_errors(&block.errors);
        let mut lambdas_blocks: Vec<&LambdaBlock> = Vec::new();
        let mut api_blocks: Vec<&ApiBlock> = Vec::new();
        let mut misspelt_lambdas: Vec<String> = Vec::new();
        for member in &block.members {
            match member {
                StackMember::Lambda(l) => lambdas_blocks.push(l),
                StackMember::Api(a) => api_blocks.push(a),
                StackMember::Field(field) => self.diag.error(
                    field.name_span(),
                    format!(
                        "a stack has no field `{}`: it holds `lambda NAME {{ ... }}` and `api NAME {{ ... }}` blocks",
                        field.name.text()
                    ),
                ),
                StackMember::Unknown(u) => {
                    let keyword = u.keyword.to_string();
                    if closest(&keyword, ["lambda"]).is_some() {
                        misspelt_lambdas.extend(u.name.as_ref().map(Ident::to_string));
                    }
                    self.diag.error(
                        u.keyword.span(),
                        format!(
                            "unknown block `{keyword}` in stack `{name}`{}",
                            suggestion(&keyword, syntax::STACK_KEYWORDS)
                        ),
                    )
                }
            }
        }
        // Lambdas and APIs share the stack's logical-id namespace.
        let member_names = lambdas_blocks
            .iter()
            .map(|l| &l.name)
            .chain(api_blocks.iter().map(|a| &a.name));
        self.unique_names(&format!("lambda/api in stack `{name}`"), member_names);
        let mut field_spans = Vec::new();
        let lambdas: Vec<Lambda> = lambdas_blocks
            .iter()
            .map(|l| {
                let (lambda, spans) = self.lambda(&name, l);
                field_spans.push((lambda.name.clone(), spans));
                lambda
            })
            .collect();
        // A lambda whose keyword is misspelt still counts as declared: an api naming it
        // is not a second mistake.
        let lambda_names: Vec<&str> = lambdas
            .iter()
            .map(|l| l.name.as_str())
            .chain(misspelt_lambdas.iter().map(String::as_str))
            .collect();
        let apis = api_blocks
            .iter()
            .map(|a| self.api(&name, a, &lambda_names))
            .collect();
        (
            Stack {
                name,
                doc,
                lambdas,
                apis,
            },
            field_spans,
        )
    }

    fn lambda(&mut self, stack: &str, block: &LambdaBlock) -> (Lambda, FieldSpan) {
        let name = self.block_name(&block.name);
        self.spans
            .insert(Site::lambda(stack, &name), block.name.span());
        let doc = self.docs(&block.docs);
        self.syntax_errors(&block.fields.errors);
        let what = format!("lambda `{name}`");
        let mut f = Fields::new(
            &mut self.diag,
            what,
            block.name.span(),
            &block.fields.fields,
        );
        let package = f.required_str("package");
        let bin = f.str("bin");
        let spans = FieldSpan {
            package: package
                .as_ref()
                .map(|p| p.span)
                .unwrap_or(block.name.span()),
            bin: bin.as_ref().map(|b| b.span),
        };
        let description = f.str("description").map(|d| d.value).or(doc);
        let memory = f
            .int("memory", "a memory size in MB")
            .map(|m| {
                if !spec::MEMORY_RANGE_MB.contains(&m.value) {
                    f.diag.error(
                        m.span,
                        format!("memory must be between 128 and 10240 MB, found {}", m.value),
                    );
                }
                m.value as u32
            })
            .unwrap_or(spec::DEFAULT_MEMORY_MB);
        let timeout = f
            .duration("timeout")
            .map(|t| {
                if !spec::TIMEOUT_RANGE_SECS.contains(&t.value.as_secs()) {
                    f.diag.error(
                        t.span,
                        format!(
                            "timeout must be between 1s and 900s (15min), found {}",
                            t.value
                        ),
                    );
                }
                t.value
            })
            .unwrap_or(spec::DEFAULT_TIMEOUT);
        let architecture = f
            .ident("architecture")
            .and_then(|a| {
                f.named(
                    a,
                    "architecture",
                    Architecture::NAMES,
                    Architecture::from_name,
                )
            })
            .unwrap_or(Architecture::X86_64);
        let environment = f.environment("environment").unwrap_or_default();
        let alarm = f
            .group("alarm", |g| {
                let defaults = Alarm::default();
                let threshold = g.int("threshold", "a number of errors").map(|t| t.value);
                let evaluation_periods = g
                    .int("evaluation_periods", "a number of periods")
                    .map(|e| {
                        if e.value == 0 {
                            g.diag.error(e.span, "evaluation_periods must be at least 1");
                        }
                        e.value
                    });
                let period = g.duration("period").map(|p| {
                    let s = p.value.as_secs();
                    if !(s == 10 || s == 30 || (s >= 60 && s % 60 == 0)) || s > 86_400 {
                        g.diag.error(p.span, format!("an alarm period must be 10s, 30s or a whole number of minutes up to 1 day, found {}", p.value));
                    }
                    p.value
                });
                Alarm {
                    threshold: threshold.map(|t| t.min(u32::MAX as u64) as u32).unwrap_or(defaults.threshold),
                    evaluation_periods: evaluation_periods.map(|e| e.min(u32::MAX as u64) as u32).unwrap_or(defaults.evaluation_periods),
                    period: period.unwrap_or(defaults.period),
                }
            })
            .unwrap_or_default();
        let deployment = f
            .ident("deployment")
            .and_then(|d| {
                f.named(
                    d,
                    "deployment config",
                    DeploymentConfig::NAMES,
                    DeploymentConfig::from_name,
                )
            })
            .unwrap_or(DeploymentConfig::Linear10PercentEvery1Minute);
        f.finish();
        (
            Lambda {
                name,
                package: package.map(|p| p.value).unwrap_or_default(),
                bin: bin.map(|b| b.value).unwrap_or_default(),
                description,
                memory,
                timeout,
                architecture,
                environment,
                alarm,
                deployment,
            },
            spans,
        )
    }

    fn api(&mut self, stack: &str, block: &ApiBlock, lambdas: &[&str]) -> Api {
        let name = self.block_name(&block.name);
        self.spans
            .insert(Site::api(stack, &name), block.name.span());
        let doc = self.docs(&block.docs);
        self.syntax_errors(&block.fields.errors);
        let what = format!("api `{name}`");
        let mut f = Fields::new(
            &mut self.diag,
            what,
            block.name.span(),
            &block.fields.fields,
        );
        let handler = f.required_ident("handler").map(|h| {
            let text = h.value.to_string();
            if !lambdas.contains(&text.as_str()) {
                let hint = did_you_mean_or(&text, lambdas, || match lambdas {
                    [] => format!("; stack `{stack}` has no lambda"),
                    _ => format!("; its lambdas are {}", list(lambdas)),
                });
                f.diag.error(
                    h.span,
                    format!("no lambda `{text}` in stack `{stack}`{hint}"),
                );
            }
            text
        });
        let description = f.str("description").map(|d| d.value).or(doc);
        let binary_media_types = f
            .str_list("binary_media_types")
            .map(|l| {
                for (t, span) in &l.value {
                    if !t.contains('/') {
                        f.diag.error(
                            *span,
                            format!(
                                "expected a media type such as `image/png` or `*/*`, found `{t}`"
                            ),
                        );
                    }
                }
                l.value.into_iter().map(|(s, _)| s).collect()
            })
            .unwrap_or_default();
        let cors = f.group("cors", |g| {
            let origins = g.required_str_list("origins").map(|l| {
                if l.value.is_empty() {
                    g.diag
                        .error(l.span, "expected at least one origin, or `\"*\"`");
                }
                for (o, span) in &l.value {
                    if let Err(m) = spec::check_cors_origin(o) {
                        g.diag.error(*span, m);
                    }
                }
                l.value.into_iter().map(|(s, _)| s).collect()
            });
            let methods = g.required_str_list("methods").map(|l| {
                if l.value.is_empty() {
                    g.diag
                        .error(l.span, "expected at least one method, or `\"*\"`");
                }
                for (m, span) in &l.value {
                    if m != "*" && !spec::HTTP_METHODS.contains(&m.as_str()) {
                        let hint = suggestion(m, spec::HTTP_METHODS);
                        g.diag
                            .error(*span, format!("unknown HTTP method `{m}`{hint}"));
                    }
                }
                l.value.into_iter().map(|(s, _)| s).collect()
            });
            let headers = g.str_list("headers").map(|l| {
                for (h, span) in &l.value {
                    let ok = h == "*"
                        || (!h.is_empty()
                            && h.bytes()
                                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
                    if !ok {
                        g.diag
                            .error(*span, format!("expected an HTTP header name, found `{h}`"));
                    }
                }
                l.value.into_iter().map(|(s, _)| s).collect()
            });
            Cors {
                origins: origins.unwrap_or_default(),
                methods: methods.unwrap_or_default(),
                headers,
            }
        });
        let stage_name = f
            .str("stage_name")
            .map(|s| {
                let ok = !s.value.is_empty()
                    && s.value.len() <= 128
                    && s.value
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
                if !ok {
                    f.diag.error(
                        s.span,
                        "expected a stage name of letters, digits, `-` and `_`",
                    );
                }
                s.value
            })
            .unwrap_or_else(|| spec::DEFAULT_API_STAGE.to_owned());
        f.finish();
        Api {
            name,
            handler: handler.unwrap_or_default(),
            description,
            binary_media_types,
            cors,
            stage_name,
        }
    }

    fn stage(&mut self, block: &StageBlock, stacks: &[&str], wave: Option<&WaveBlock>) -> Stage {
        let name = self.block_name(&block.name);
        self.spans.insert(Site::stage(&name), block.name.span());
        for field in StageField::ALL {
            let written = block
                .fields
                .fields
                .iter()
                .find(|f| f.name.text() == field.name());
            if let Some(written) = written {
                self.spans
                    .insert(Site::stage_field(&name, field), written.value_span());
            }
        }
        let doc = self.docs(&block.docs);
        self.syntax_errors(&block.fields.errors);
        let what = format!("stage `{name}`");
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
        let environment = f.environment("environment").unwrap_or_default();
        let approval = match wave {
            Some(w) => {
                if let Some(field) = f.take("approval") {
                    f.diag.error(
                        field.name_span(),
                        format!("a stage inside a wave has no approval of its own: it belongs on wave `{}`, which releases all its stages at once", w.name),
                    );
                }
                None
            }
            None => f.approval(),
        };
        let selected = f.list("stacks", |g, item| match item {
            Value::Ident(i) => {
                let text = i.to_string();
                if !stacks.contains(&text.as_str()) {
                    let hint = did_you_mean_or(&text, stacks, || {
                        format!("; the stacks are {}", list(stacks))
                    });
                    g.diag.error(i.span(), format!("no stack `{text}`{hint}"));
                }
                Some((text, i.span()))
            }
            other => {
                g.diag.error(
                    other.span(),
                    format!("expected the name of a stack, found {}", other.describe()),
                );
                None
            }
        });
        let stacks_of_stage = match selected {
            Some(list) => {
                let mut names: Vec<String> = Vec::new();
                for (n, span) in list {
                    if names.contains(&n) {
                        f.diag.error(span, format!("stack `{n}` is listed twice"));
                    } else {
                        names.push(n);
                    }
                }
                names
            }
            None => stacks.iter().map(|s| s.to_string()).collect(),
        };
        let pre = f.commands("pre");
        let verify = f.commands("verify");
        let protect = f.bool("protect").unwrap_or(false);
        f.finish();
        Stage {
            name,
            doc,
            account: account.unwrap_or_default(),
            region: region.unwrap_or_default(),
            environment,
            approval,
            stacks: stacks_of_stage,
            pre,
            verify,
            protect,
            wave: wave.map(|w| w.name.to_string()),
        }
    }

    /// Wave and stage names share one namespace: both become pipeline stage names (and
    /// stage names, stack name prefixes).
    fn wave_names(&mut self, waves: &[&WaveBlock], stages: &[(Option<&WaveBlock>, &StageBlock)]) {
        let mut seen: Vec<String> = stages.iter().map(|(_, s)| s.name.to_string()).collect();
        for wave in waves {
            let text = wave.name.to_string();
            if seen.contains(&text) {
                self.diag.error(
                    wave.name.span(),
                    format!("duplicate name `{text}`: waves and stages share one namespace (both name pipeline stages)"),
                );
            } else {
                seen.push(text);
            }
        }
    }

    /// A `wave` block: its approval and `pre` steps (its stages are lowered as stages).
    fn wave(&mut self, block: &WaveBlock) -> Wave {
        let name = self.block_name(&block.name);
        self.spans.insert(Site::wave(&name), block.name.span());
        let fields = block.fields();
        for field in StageField::ALL {
            if let Some(written) = fields.iter().find(|f| f.name.text() == field.name()) {
                self.spans
                    .insert(Site::wave_field(&name, field), written.value_span());
            }
        }
        let doc = self.docs(&block.docs);
        self.syntax_errors(&block.errors);
        let mut stages = 0;
        for member in &block.members {
            match member {
                WaveMember::Stage(_) => stages += 1,
                WaveMember::Field(_) => {}
                WaveMember::Unknown(u) => {
                    let keyword = u.keyword.to_string();
                    self.diag.error(
                        u.keyword.span(),
                        format!(
                            "unknown block `{keyword}` in wave `{name}`{}",
                            suggestion(&keyword, syntax::WAVE_KEYWORDS)
                        ),
                    )
                }
            }
        }
        if stages == 0 {
            self.diag.error(
                block.name.span(),
                format!("wave `{name}` has no stage: a wave deploys one or more `stage NAME {{ ... }}` blocks side by side"),
            );
        }
        let what = format!("wave `{name}`");
        let mut f = Fields::new(&mut self.diag, what, block.name.span(), &fields);
        let approval = f.approval();
        let pre = f.commands("pre");
        f.finish();
        Wave {
            name,
            doc,
            approval,
            pre,
        }
    }

    /// A `verify` step reads the stage's stack outputs: a stage whose stacks have none
    /// (no lambda, no api) has nothing to verify against.
    fn verify_has_outputs(
        &mut self,
        stage: &Stage,
        block: &StageBlock,
        stacks: &[(Stack, Vec<(String, FieldSpan)>)],
    ) {
        if stage.verify.is_empty() {
            return;
        }
        let has_outputs = stacks
            .iter()
            .filter(|(s, _)| stage.stacks.contains(&s.name))
            .any(|(s, _)| !s.lambdas.is_empty() || !s.apis.is_empty());
        if !has_outputs {
            let span = block
                .fields
                .fields
                .iter()
                .find(|f| f.name.text() == "verify")
                .map(|f| f.name_span())
                .unwrap_or(block.name.span());
            self.diag.error(
                span,
                format!("stage `{}` has `verify` steps but its stacks have no outputs to check (no lambda, no api)", stage.name),
            );
        }
    }

    /// Resolves every lambda's package and binary against the workspace; a lambda with
    /// no `bin` gets the package's only binary (the program's own binary left out, when the
    /// package is the program's).
    fn packages(
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
                if let Some(dependency) = local
                    .aws_in_lambda_build
                    .as_ref()
                    .filter(|_| ws.is_program(local))
                {
                    self.diag
                        .error(span.package, sdk_in_lambda_build(local, dependency));
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
/// build would compile the AWS SDK (see `lambda_build`).
fn sdk_in_lambda_build(package: &LocalPackage, dependency: &str) -> String {
    format!(
        "package `{name}` is this program's own package, and its Lambda build would compile the AWS SDK: \
         a default build of `{name}` has `{dependency}` with its `aws` feature, which a program does not need \
         (its engine gets it when the program builds it): drop the feature, or move `{dependency}` and `pipewright-macros` to `[target.'cfg(not(pipewright_lambda))'.dependencies]` \
         (pipewright's Lambda builds set that cfg), or put the pipeline in a package of its own",
        name = package.name
    )
}

/// Reads the fields of one block or group: each read names a field the block knows;
/// [`Fields::finish`] reports the fields nobody asked for, with the closest known name.
struct Fields<'a, 'd> {
    diag: &'d mut Diagnostics,
    what: String,
    block_span: Span,
    fields: &'a [Field],
    known: Vec<&'static str>,
    missing: Vec<(&'static str, &'static str)>,
}

impl<'a, 'd> Fields<'a, 'd> {
    fn new(diag: &'d mut Diagnostics, what: String, block_span: Span, fields: &'a [Field]) -> Self {
        Fields {
            diag,
            what,
            block_span,
            fields,
            known: Vec::new(),
            missing: Vec::new(),
        }
    }

    /// The field named `name`; a second one is reported as a duplicate.
    fn take(&mut self, name: &'static str) -> Option<&'a Field> {
        self.known.push(name);
        let mut matching = self.fields.iter().filter(|f| f.name.text() == name);
        let first = matching.next();
        for dup in matching {
            self.diag.error(
                dup.name_span(),
                format!(
                    "duplicate field `{name}` in {}: it is already set above",
                    self.what
                ),
            );
        }
        if let Some(f) = first {
            if let FieldName::Str(s) = &f.name {
                self.diag.error(
                    s.span(),
                    format!("write the field name without quotes: `{name}`"),
                );
            }
        }
        first
    }

    /// Records a missing required field; reported by [`Fields::finish`] unless a
    /// misspelling of it is there (then the unknown field's "did you mean" says it all).
    fn missing(&mut self, name: &'static str, example: &'static str) {
        self.missing.push((name, example));
    }

    /// Whether a required field is there; records it as missing (and known) otherwise.
    fn present(&mut self, name: &'static str, example: &'static str) -> bool {
        if self.fields.iter().any(|f| f.name.text() == name) {
            return true;
        }
        self.missing(name, example);
        self.known.push(name);
        false
    }

    fn wrong_type(&mut self, field: &Field, expected: &str) {
        self.diag.error(
            field.value_span(),
            format!(
                "`{}` expects {expected}, found {}",
                field.name.text(),
                field.value.describe()
            ),
        );
    }

    fn finish(self) {
        let mut misspelt = Vec::new();
        for field in self.fields {
            let text = field.name.text();
            if !self.known.contains(&text.as_str()) {
                misspelt.extend(closest(&text, self.known.iter().copied()));
                let hint = suggestion(&text, &self.known);
                self.diag.error(
                    field.name_span(),
                    format!("unknown field `{text}` in {}{hint}", self.what),
                );
            }
        }
        for (name, example) in self.missing {
            if !misspelt.contains(&name) {
                self.diag.error(
                    self.block_span,
                    format!(
                        "missing field `{name}` in {}: expected `{name}: {example}`",
                        self.what
                    ),
                );
            }
        }
    }

    fn str(&mut self, name: &'static str) -> Option<Located<String>> {
        let field = self.take(name)?;
        match &field.value {
            Value::Str(s) => Some(Located {
                value: s.value(),
                span: s.span(),
            }),
            _ => {
                self.wrong_type(field, "a string");
                None
            }
        }
    }

    fn required_str(&mut self, name: &'static str) -> Option<Located<String>> {
        if !self.present(name, "\"...\"") {
            return None;
        }
        self.str(name)
    }

    fn check(&mut self, value: Located<String>, rule: fn(&str) -> Result<(), String>) -> String {
        if let Err(message) = rule(&value.value) {
            self.diag.error(value.span, message);
        }
        value.value
    }

    fn check_region(&mut self, region: Located<String>) -> String {
        if let Err(message) = spec::check_region(&region.value) {
            let regions: Vec<&str> = spec::REGIONS.iter().map(|(r, _)| *r).collect();
            // 38 regions are too many to list.
            let hint = did_you_mean_or(&region.value, &regions, String::new);
            self.diag.error(region.span, format!("{message}{hint}"));
        }
        region.value
    }

    fn int(&mut self, name: &'static str, expected: &str) -> Option<Located<u64>> {
        let field = self.take(name)?;
        match &field.value {
            Value::Int(i) => {
                let span = i.lit.span();
                if i.is_negative() {
                    self.diag.error(field.value_span(), format!("`{name}` expects {expected}, a positive integer; found a negative number"));
                    return None;
                }
                if !i.lit.suffix().is_empty() {
                    self.diag.error(
                        span,
                        format!(
                            "`{name}` expects {expected}, a plain integer; remove the suffix `{}`",
                            i.lit.suffix()
                        ),
                    );
                    return None;
                }
                match i.lit.base10_parse::<u64>() {
                    Ok(value) => Some(Located { value, span }),
                    Err(_) => {
                        self.diag
                            .error(span, format!("`{name}`: integer too large"));
                        None
                    }
                }
            }
            _ => {
                self.wrong_type(field, expected);
                None
            }
        }
    }

    fn duration(&mut self, name: &'static str) -> Option<Located<Duration>> {
        let field = self.take(name)?;
        match &field.value {
            Value::Int(i) => {
                let span = i.lit.span();
                if i.is_negative() {
                    self.diag.error(
                        field.value_span(),
                        format!(
                            "`{name}` expects a duration such as `30s`; found a negative number"
                        ),
                    );
                    return None;
                }
                let digits = i.lit.base10_digits();
                let Ok(value) = digits.parse::<u64>() else {
                    self.diag
                        .error(span, format!("`{name}`: duration too large"));
                    return None;
                };
                match Duration::from_value_and_unit(value, i.lit.suffix()) {
                    Ok(d) => Some(Located { value: d, span }),
                    Err(message) => {
                        self.diag.error(span, message);
                        None
                    }
                }
            }
            Value::Float(f) => {
                self.diag.error(
                    f.span(),
                    "expected a whole number with a unit: `30s`, `5min` or `1h`",
                );
                None
            }
            _ => {
                self.wrong_type(field, "a duration such as `30s`, `5min` or `1h`");
                None
            }
        }
    }

    fn bool(&mut self, name: &'static str) -> Option<bool> {
        let field = self.take(name)?;
        match &field.value {
            Value::Bool(b) => Some(b.value),
            _ => {
                self.wrong_type(field, "`true` or `false`");
                None
            }
        }
    }

    fn ident(&mut self, name: &'static str) -> Option<Located<Ident>> {
        let field = self.take(name)?;
        match &field.value {
            Value::Ident(i) => Some(Located {
                value: i.clone(),
                span: i.span(),
            }),
            _ => {
                self.wrong_type(field, "a name");
                None
            }
        }
    }

    fn required_ident(&mut self, name: &'static str) -> Option<Located<Ident>> {
        if !self.present(name, "Name") {
            return None;
        }
        self.ident(name)
    }

    /// An identifier that must be one of a closed set of names.
    fn named<T>(
        &mut self,
        ident: Located<Ident>,
        kind: &str,
        names: &[&str],
        lookup: fn(&str) -> Option<T>,
    ) -> Option<T> {
        let text = ident.value.to_string();
        let found = lookup(&text);
        if found.is_none() {
            let hint = suggestion(&text, names);
            self.diag
                .error(ident.span, format!("unknown {kind} `{text}`{hint}"));
        }
        found
    }

    fn list<T>(
        &mut self,
        name: &'static str,
        mut item: impl FnMut(&mut Self, &Value) -> Option<T>,
    ) -> Option<Vec<T>> {
        let field = self.take(name)?;
        match &field.value {
            Value::List(l) => Some(l.items.iter().filter_map(|v| item(self, v)).collect()),
            _ => {
                self.wrong_type(field, "a list `[...]`");
                None
            }
        }
    }

    fn str_list(&mut self, name: &'static str) -> Option<Located<Vec<(String, Span)>>> {
        let span = self
            .fields
            .iter()
            .find(|f| f.name.text() == name)
            .map(|f| f.value_span());
        let items = self.list(name, |f, v| match v {
            Value::Str(s) => Some((s.value(), s.span())),
            other => {
                f.diag.error(
                    other.span(),
                    format!(
                        "`{name}` expects a list of strings, found {} in it",
                        other.describe()
                    ),
                );
                None
            }
        })?;
        Some(Located {
            value: items,
            span: span.unwrap_or(self.block_span),
        })
    }

    fn required_str_list(&mut self, name: &'static str) -> Option<Located<Vec<(String, Span)>>> {
        if !self.present(name, "[\"...\"]") {
            return None;
        }
        self.str_list(name)
    }

    /// A nested field group, read by `read` and checked for unknown fields.
    fn group<T>(
        &mut self,
        name: &'static str,
        read: impl FnOnce(&mut Fields<'a, '_>) -> T,
    ) -> Option<T> {
        let field = self.take(name)?;
        match &field.value {
            Value::Group(g) => {
                let what = format!("`{name}` of {}", self.what);
                let mut inner = Fields::new(self.diag, what, g.span(), &g.fields);
                let value = read(&mut inner);
                inner.finish();
                Some(value)
            }
            _ => {
                self.wrong_type(field, "a group `{ field: value, ... }`");
                None
            }
        }
    }

    fn required_group<T>(
        &mut self,
        name: &'static str,
        read: impl FnOnce(&mut Fields<'a, '_>) -> T,
    ) -> Option<T> {
        if !self.present(name, "{ ... }") {
            return None;
        }
        self.group(name, read)
    }

    /// An environment map `{ NAME: "value" }`, names checked.
    fn environment(&mut self, name: &'static str) -> Option<Vec<(String, String)>> {
        let field = self.take(name)?;
        let Value::Group(g) = &field.value else {
            self.wrong_type(field, "a map `{ NAME: \"value\", ... }`");
            return None;
        };
        let mut vars: Vec<(String, String)> = Vec::new();
        for entry in &g.fields {
            let key = entry.name.text();
            if let Err(message) = spec::check_environment_variable(&key) {
                self.diag.error(entry.name_span(), message);
            }
            if vars.iter().any(|(k, _)| *k == key) {
                self.diag
                    .error(entry.name_span(), format!("duplicate variable `{key}`"));
                continue;
            }
            match &entry.value {
                Value::Str(s) => vars.push((key, s.value())),
                other => self.diag.error(
                    other.span(),
                    format!(
                        "environment values are strings: write `\"...\"`, found {}",
                        other.describe()
                    ),
                ),
            }
        }
        Some(vars)
    }

    /// A list of shell commands (`pre`, `verify`): none empty.
    fn commands(&mut self, name: &'static str) -> Vec<String> {
        self.str_list(name)
            .map(|l| {
                for (cmd, span) in &l.value {
                    if cmd.trim().is_empty() {
                        self.diag.error(*span, "empty command");
                    }
                }
                l.value.into_iter().map(|(s, _)| s).collect()
            })
            .unwrap_or_default()
    }

    /// `approval`: a name, or a group `{ name, comment, notify, notify_topic, when }`.
    fn approval(&mut self) -> Option<Approval> {
        let field = self.take("approval")?;
        match &field.value {
            Value::Str(s) => Some(Approval::named(s.value())),
            Value::Group(g) => {
                let what = format!("the approval of {}", self.what);
                let mut inner = Fields::new(self.diag, what, g.span(), &g.fields);
                let approval = inner.approval_group();
                inner.finish();
                approval
            }
            _ => {
                self.wrong_type(
                    field,
                    "a name `\"...\"` or a group `{ name: \"...\", ... }`",
                );
                None
            }
        }
    }

    fn approval_group(&mut self) -> Option<Approval> {
        let name = self.required_str("name").map(|n| n.value);
        let comment = self.str("comment").map(|c| {
            if c.value.trim().is_empty() {
                self.diag.error(c.span, "the comment is empty: say what the approver should check, or leave `comment` out");
            }
            c.value
        });
        let emails = self.emails("notify");
        let topic = self.topic_arn("notify_topic");
        let notify = match (emails, topic) {
            (Some(_), Some(t)) => {
                self.diag.error(t.span, "`notify` and `notify_topic` both say whom to tell: keep one (`notify` makes a topic for those addresses, `notify_topic` uses yours)");
                None
            }
            (Some(emails), None) => Some(NotifyTarget::Emails(emails)),
            (None, Some(t)) => Some(NotifyTarget::Topic(t.value)),
            (None, None) => None,
        };
        let when = self
            .ident("when")
            .and_then(|w| {
                self.named(
                    w,
                    "approval condition",
                    ApprovalWhen::NAMES,
                    ApprovalWhen::from_name,
                )
            })
            .unwrap_or(ApprovalWhen::Always);
        Some(Approval {
            name: name?,
            comment,
            notify,
            when,
        })
    }

    /// A list of email addresses, at least one.
    fn emails(&mut self, name: &'static str) -> Option<Vec<String>> {
        let list = self.str_list(name)?;
        if list.value.is_empty() {
            self.diag.error(
                list.span,
                format!("`{name}` is empty: expected at least one email address"),
            );
        }
        for (address, span) in &list.value {
            if let Err(m) = spec::check_email(address) {
                self.diag.error(*span, m);
            }
        }
        Some(list.value.into_iter().map(|(s, _)| s).collect())
    }

    /// An SNS topic ARN.
    fn topic_arn(&mut self, name: &'static str) -> Option<Located<String>> {
        let topic = self.str(name)?;
        if let Err(m) = spec::check_sns_topic_arn(&topic.value) {
            self.diag.error(topic.span, m);
        }
        Some(topic)
    }

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
