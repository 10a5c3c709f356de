//! The `stack` block and what it holds: lambdas and APIs here, the stateful blocks in
//! `state.rs`, the links and events of lambdas in `wiring.rs`.

use pipewright::plan::Site;
use pipewright::spec::{
    self, Alarm, Api, Architecture, Bucket, Cors, DeploymentConfig, Lambda, MemberKind, Queue,
    Resource, Stack, Table, Topic,
};
use syn::Ident;

use super::context::{Cx, FieldSpan};
use super::fields::Fields;
use super::schema_check::Referable;
use super::wiring::{link_spans, model_events, model_links, Members};
use crate::diagnostics::{closest, did_you_mean_or, list, suggestion};
use crate::syntax::{
    self, ApiBlock, BucketBlock, LambdaBlock, QueueBlock, ResourceBlock, StackBlock, StackMember,
    TableBlock, TopicBlock, Value,
};

/// The blocks of a stack, by kind, as written.
#[derive(Default)]
struct MemberBlocks<'a> {
    lambdas: Vec<&'a LambdaBlock>,
    apis: Vec<&'a ApiBlock>,
    tables: Vec<&'a TableBlock>,
    queues: Vec<&'a QueueBlock>,
    buckets: Vec<&'a BucketBlock>,
    topics: Vec<&'a TopicBlock>,
    resources: Vec<&'a ResourceBlock>,
    /// Names of blocks with a misspelt keyword, and whether it looks like `lambda`.
    misspelt: Vec<(String, bool)>,
    /// Every named block with its kind, in the order written.
    named: Vec<(&'a Ident, MemberKind)>,
}

impl<'a> MemberBlocks<'a> {
    /// Sorts a block of the stack by kind, and records its name.
    fn push(&mut self, member: &'a StackMember) {
        let (name, kind) = match member {
            StackMember::Lambda(l) => {
                self.lambdas.push(l);
                (&l.name, MemberKind::Lambda)
            }
            StackMember::Api(a) => {
                self.apis.push(a);
                (&a.name, MemberKind::Api)
            }
            StackMember::Table(t) => {
                self.tables.push(t);
                (&t.name, MemberKind::Table)
            }
            StackMember::Queue(q) => {
                self.queues.push(q);
                (&q.name, MemberKind::Queue)
            }
            StackMember::Bucket(b) => {
                self.buckets.push(b);
                (&b.name, MemberKind::Bucket)
            }
            StackMember::Topic(t) => {
                self.topics.push(t);
                (&t.name, MemberKind::Topic)
            }
            StackMember::Resource(r) => {
                self.resources.push(r);
                (&r.name, MemberKind::Resource)
            }
            StackMember::Field(_) | StackMember::Unknown(_) => return,
        };
        self.named.push((name, kind));
    }
}

impl Cx {
    pub(super) fn stack(&mut self, block: &StackBlock) -> (Stack, Vec<(String, FieldSpan)>) {
        let name = self.block_name(&block.name);
        self.spans.insert(Site::stack(&name), block.name.span());
        let doc = self.docs(&block.docs);
        self.syntax_errors(&block.errors);
        let blocks = self.member_blocks(&name, block);
        self.member_names_unique(&name, &blocks.named);
        let tables: Vec<Table> = blocks.tables.iter().map(|t| self.table(t)).collect();
        let queues: Vec<Queue> = blocks.queues.iter().map(|q| self.queue(q)).collect();
        let buckets: Vec<Bucket> = blocks.buckets.iter().map(|b| self.bucket(b)).collect();
        let topics: Vec<Topic> = blocks.topics.iter().map(|t| self.topic(t)).collect();
        let names: Vec<(String, MemberKind)> = blocks
            .named
            .iter()
            .map(|(ident, kind)| (ident.to_string(), *kind))
            .collect();
        let types = written_types(&blocks.resources);
        let refs = Referable {
            stack: &name,
            names: &names,
            types: &types,
        };
        let resources: Vec<Resource> = blocks
            .resources
            .iter()
            .map(|r| self.resource(r, &refs))
            .collect();
        let members = Members {
            stack: &name,
            names: names.clone(),
            misspelt: blocks.misspelt.iter().map(|(n, _)| n.clone()).collect(),
            tables: &tables,
            queues: &queues,
            resources: &resources,
        };
        let mut field_spans = Vec::new();
        let lambdas: Vec<Lambda> = blocks
            .lambdas
            .iter()
            .map(|l| {
                let (lambda, spans) = self.lambda(&name, l, &members);
                field_spans.push((lambda.name.clone(), spans));
                lambda
            })
            .collect();
        // A lambda whose keyword is misspelt still counts as declared: an api naming it
        // is not a second mistake.
        let lambda_names: Vec<&str> = lambdas
            .iter()
            .map(|l| l.name.as_str())
            .chain(
                blocks
                    .misspelt
                    .iter()
                    .filter(|(_, lambda)| *lambda)
                    .map(|(n, _)| n.as_str()),
            )
            .collect();
        let apis = blocks
            .apis
            .iter()
            .map(|a| self.api(&name, a, &lambda_names))
            .collect();
        (
            Stack {
                name,
                doc,
                lambdas,
                apis,
                tables,
                queues,
                buckets,
                topics,
                resources,
            },
            field_spans,
        )
    }

    /// The blocks of a stack by kind; a field or an unknown block is reported.
    fn member_blocks<'a>(&mut self, name: &str, block: &'a StackBlock) -> MemberBlocks<'a> {
        let mut blocks = MemberBlocks::default();
        for member in &block.members {
            match member {
                StackMember::Field(field) => self.diag.error(
                    field.name_span(),
                    format!(
                        "a stack has no field `{}`: it holds blocks such as `lambda NAME {{ ... }}`, `api NAME {{ ... }}` and `table NAME {{ ... }}`",
                        field.name.text()
                    ),
                ),
                StackMember::Unknown(u) => {
                    let keyword = u.keyword.to_string();
                    blocks.misspelt.extend(u.name.as_ref().map(|n| {
                        (n.to_string(), closest(&keyword, ["lambda"]).is_some())
                    }));
                    self.diag.error(
                        u.keyword.span(),
                        format!(
                            "unknown block `{keyword}` in stack `{name}`{}",
                            suggestion(&keyword, syntax::STACK_KEYWORDS)
                        ),
                    )
                }
                block => blocks.push(block),
            }
        }
        blocks
    }

    /// Every block of a stack has a name of its own: they share the stack's logical ids
    /// (and its outputs).
    fn member_names_unique(&mut self, stack: &str, names: &[(&Ident, MemberKind)]) {
        for (i, (name, _)) in names.iter().enumerate() {
            let first = names[..i].iter().find(|(earlier, _)| earlier == name);
            if let Some((_, kind)) = first {
                self.diag.error(
                    name.span(),
                    format!(
                        "duplicate name `{name}` in stack `{stack}`: {} `{name}` above has it; give every block of a stack its own name",
                        kind.keyword()
                    ),
                );
            }
        }
    }

    fn lambda(
        &mut self,
        stack: &str,
        block: &LambdaBlock,
        members: &Members<'_>,
    ) -> (Lambda, FieldSpan) {
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
        let link_field = block.fields.fields.iter().find(|f| f.name.text() == "link");
        let mut spans = FieldSpan {
            package: package
                .as_ref()
                .map(|p| p.span)
                .unwrap_or(block.name.span()),
            bin: bin.as_ref().map(|b| b.span),
            name: block.name.span(),
            link: link_field.map(|f| f.name_span()),
            links: Vec::new(),
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
        let links = f.links(members);
        let events = f.events(members);
        f.finish();
        let mut lambda = Lambda {
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
            links: Vec::new(),
            events: Vec::new(),
        };
        self.check_wiring(&lambda, &links, &events, &block.fields.fields, members);
        spans.links = link_spans(&links);
        lambda.links = model_links(links);
        lambda.events = model_events(events);
        (lambda, spans)
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
}

/// The type each `resource` block writes (a string literal), before they are checked.
fn written_types(blocks: &[&ResourceBlock]) -> Vec<(String, String)> {
    blocks
        .iter()
        .filter_map(|b| {
            let field = b.fields.fields.iter().find(|f| f.name.text() == "type")?;
            match &field.value {
                Value::Str(s) => Some((b.name.to_string(), s.value())),
                _ => None,
            }
        })
        .collect()
}
