//! What connects a lambda to the stateful blocks of its stack: its `link`s (an access level
//! per block, and the variable that names it) and its `events`, each checked against the
//! block it names; and the rules across blocks (a queue hides a message at least as long as
//! its consumer runs, a link variable is not also an `environment` variable).

use pipewright::spec::{
    self, Access, Event, Lambda, Link, MemberKind, Queue, Resource, Stack, Stage, Table,
};
use proc_macro2::Span;
use syn::spanned::Spanned as _;

use super::context::{Cx, FieldSpan, LinkSpan, Located};
use super::fields::Fields;
use crate::diagnostics::{did_you_mean_or, Diagnostics};
use crate::syntax::{Field, StageBlock, Value};

/// The kinds of block a `link` can name.
const LINKABLE: &[MemberKind] = &[
    MemberKind::Table,
    MemberKind::Queue,
    MemberKind::Bucket,
    MemberKind::Topic,
    MemberKind::Resource,
];

/// The named blocks of one stack, for the links and events of its lambdas.
pub(super) struct Members<'a> {
    pub(super) stack: &'a str,
    /// Every block of the stack, with its kind.
    pub(super) names: Vec<(String, MemberKind)>,
    /// Blocks whose keyword is misspelt (already reported): naming one is not a second
    /// mistake.
    pub(super) misspelt: Vec<String>,
    pub(super) tables: &'a [Table],
    pub(super) queues: &'a [Queue],
    pub(super) resources: &'a [Resource],
}

impl Members<'_> {
    fn kind_of(&self, name: &str) -> Option<MemberKind> {
        self.names.iter().find(|(n, _)| n == name).map(|(_, k)| *k)
    }

    /// The blocks of these kinds, as "table `Orders`, queue `Jobs`".
    fn described(&self, kinds: &[MemberKind]) -> String {
        let described: Vec<String> = self
            .names
            .iter()
            .filter(|(_, k)| kinds.contains(k))
            .map(|(n, k)| format!("{} `{n}`", k.keyword()))
            .collect();
        described.join(", ")
    }

    fn names_of(&self, kinds: &[MemberKind]) -> Vec<&str> {
        self.names
            .iter()
            .filter(|(_, k)| kinds.contains(k))
            .map(|(n, _)| n.as_str())
            .collect()
    }

    /// The block `name` (written at `span`) names, if it is of one of `kinds`; reports a
    /// name that is no block (with the closest name of those kinds) or a block of another
    /// kind.
    pub(super) fn resolve(
        &self,
        diag: &mut Diagnostics,
        name: &str,
        span: Span,
        kinds: &[MemberKind],
    ) -> Option<(String, MemberKind)> {
        let name = name.to_owned();
        if self.misspelt.contains(&name) {
            return None;
        }
        let wanted = or_list(
            &kinds
                .iter()
                .map(|k| k.keyword().to_owned())
                .collect::<Vec<_>>(),
        );
        match self.kind_of(&name) {
            Some(kind) if kinds.contains(&kind) => return Some((name, kind)),
            Some(kind) => diag.error(
                span,
                format!("`{name}` is a {}, not a {wanted}", kind.keyword()),
            ),
            None => {
                let candidates = self.names_of(kinds);
                let hint = did_you_mean_or(&name, &candidates, || match &candidates[..] {
                    [] => format!("; stack `{}` has no {wanted}", self.stack),
                    _ => format!("; the stack has {}", self.described(kinds)),
                });
                diag.error(
                    span,
                    format!("no {wanted} `{name}` in stack `{}`{hint}", self.stack),
                );
            }
        }
        None
    }
}

/// "a, b or c".
fn or_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

/// "`a`, `b` or `c`".
pub(super) fn either(items: &[&str]) -> String {
    or_list(&items.iter().map(|i| format!("`{i}`")).collect::<Vec<_>>())
}

/// One link as written: what it grants, the kind of the block, and where it was written.
pub(super) struct WrittenLink {
    link: Link,
    kind: MemberKind,
    span: LinkSpan,
}

impl Fields<'_, '_> {
    /// `link: { NAME: ACCESS, ... }`: each name a table, queue, bucket or topic of the stack,
    /// each access a level its kind has.
    pub(super) fn links(&mut self, members: &Members<'_>) -> Vec<WrittenLink> {
        let Some(field) = self.take("link") else {
            return Vec::new();
        };
        let Value::Group(group) = &field.value else {
            self.wrong_type(field, "a group `{ Name: Access, ... }`");
            return Vec::new();
        };
        let mut links: Vec<WrittenLink> = Vec::new();
        let mut seen: Vec<String> = Vec::new();
        for entry in &group.fields {
            // A name may be written as a string, which need not be an identifier.
            let (name, span) = (entry.name.text(), entry.name_span());
            if seen.contains(&name) {
                self.diag
                    .error(span, format!("`{name}` is linked twice: keep one entry"));
                continue;
            }
            seen.push(name.clone());
            let Some((target, kind)) = members.resolve(self.diag, &name, span, LINKABLE) else {
                continue;
            };
            if let Some(access) = self.access(entry, &target, kind) {
                links.push(WrittenLink {
                    span: LinkSpan {
                        target: target.clone(),
                        name: span,
                        access: entry.value_span(),
                    },
                    link: Link { target, access },
                    kind,
                });
            }
        }
        links
    }

    /// The access level of one link entry, one of those its block's kind has; for a
    /// `resource`, its list of IAM actions.
    fn access(&mut self, entry: &Field, target: &str, kind: MemberKind) -> Option<Access> {
        if kind == MemberKind::Resource {
            return self.actions(entry, target);
        }
        let levels = kind.access_levels();
        let Value::Ident(level) = &entry.value else {
            self.diag.error(
                entry.value_span(),
                format!(
                    "expected an access level, {}, found {}",
                    either(levels),
                    entry.value.describe()
                ),
            );
            return None;
        };
        let text = level.to_string();
        if !levels.contains(&text.as_str()) {
            let hint = did_you_mean_or(&text, levels, String::new);
            self.diag.error(
                level.span(),
                format!(
                    "{} `{target}` takes {}, not `{text}`{hint}",
                    kind.keyword(),
                    either(levels)
                ),
            );
            return None;
        }
        Access::from_name(&text)
    }

    /// `Cache: ["elasticache:Connect", ...]`: the IAM actions a link to a `resource` grants,
    /// at least one, each `service:Action`.
    fn actions(&mut self, entry: &Field, target: &str) -> Option<Access> {
        let Value::List(list) = &entry.value else {
            self.diag.error(
                entry.value_span(),
                format!(
                    "resource `{target}` is linked with a list of IAM actions such as `[\"service:Action\"]`, found {}",
                    entry.value.describe()
                ),
            );
            return None;
        };
        if list.items.is_empty() {
            self.diag.error(
                list.span(),
                format!("the link to resource `{target}` grants no action: list at least one, such as `[\"service:Action\"]`"),
            );
            return None;
        }
        let mut actions = Vec::new();
        for item in &list.items {
            match item {
                Value::Str(s) => match spec::check_iam_action(&s.value()) {
                    Ok(()) => actions.push(s.value()),
                    Err(message) => self.diag.error(s.span(), message),
                },
                other => self.diag.error(
                    other.span(),
                    format!(
                        "expected an IAM action such as `\"service:Action\"`, found {}",
                        other.describe()
                    ),
                ),
            }
        }
        (actions.len() == list.items.len()).then_some(Access::Actions(actions))
    }
}

/// The environment variables written in a block's `environment` map, with their spans.
fn environment_keys(fields: &[Field]) -> Vec<(String, Span)> {
    let Some(Value::Group(group)) = fields
        .iter()
        .find(|f| f.name.text() == "environment")
        .map(|f| &f.value)
    else {
        return Vec::new();
    };
    group
        .fields
        .iter()
        .map(|entry| (entry.name.text(), entry.name_span()))
        .collect()
}

impl Cx {
    /// The rules between a lambda and the blocks it is wired to: a queue it consumes hides
    /// a received message at least as long as the function may run (AWS refuses the
    /// mapping otherwise), and its own variables do not take a link variable's name.
    pub(super) fn check_wiring(
        &mut self,
        lambda: &Lambda,
        links: &[WrittenLink],
        events: &[Located<Event>],
        fields: &[Field],
        members: &Members<'_>,
    ) {
        self.check_one_event_per_source(lambda, events);
        for event in events {
            let Event::Queue { queue, .. } = &event.value else {
                continue;
            };
            let Some(queue) = members.queues.iter().find(|q| q.name == *queue) else {
                continue;
            };
            if queue.visibility_timeout < lambda.timeout {
                self.diag.error(
                    event.span,
                    format!(
                        "the visibility timeout of queue `{}` ({}) is shorter than the timeout of lambda `{}` ({}): set `visibility_timeout: {}` or more on the queue",
                        queue.name, queue.visibility_timeout, lambda.name, lambda.timeout, lambda.timeout
                    ),
                );
            }
        }
        for (key, span) in environment_keys(fields) {
            let clash = links.iter().find(|l| {
                let arn = members.resources.iter().find(|r| r.name == l.link.target);
                link_variables(&l.link.target, l.kind, arn).contains(&key)
            });
            if let Some(link) = clash {
                self.diag.error(
                    span,
                    format!(
                        "`{key}` is set by the link to {} `{}`: rename this variable",
                        link.kind.keyword(),
                        link.link.target
                    ),
                );
            }
        }
    }

    /// A second event of one lambda from the same queue, table stream or topic: its mapping
    /// or subscription would be the first one again (and the same logical id).
    fn check_one_event_per_source(&mut self, lambda: &Lambda, events: &[Located<Event>]) {
        let mut seen: Vec<(&str, &str)> = Vec::new();
        for event in events {
            let source = match &event.value {
                Event::Queue { queue, .. } => ("queue", queue.as_str()),
                Event::Stream { table, .. } => ("the stream of table", table.as_str()),
                Event::Topic { topic } => ("topic", topic.as_str()),
                Event::Schedule { .. } | Event::Bucket { .. } => continue,
            };
            if seen.contains(&source) {
                self.diag.error(
                    event.span,
                    format!(
                        "lambda `{}` already has an event from {} `{}`: give it one event per source",
                        lambda.name, source.0, source.1
                    ),
                );
            }
            seen.push(source);
        }
    }

    /// A stage's `environment` reaches every lambda of its stacks: none of its variables
    /// may take the name of a link variable of one of them.
    pub(super) fn stage_link_variables(
        &mut self,
        stage: &Stage,
        block: &StageBlock,
        stacks: &[(Stack, Vec<(String, FieldSpan)>)],
    ) {
        let stacks: Vec<&Stack> = stacks
            .iter()
            .map(|(s, _)| s)
            .filter(|s| stage.stacks.contains(&s.name))
            .collect();
        for (key, span) in environment_keys(&block.fields.fields) {
            let clash = stacks.iter().find_map(|stack| {
                stack.lambdas.iter().find_map(|lambda| {
                    lambda.links.iter().find_map(|link| {
                        let kind = stack.kind_of(&link.target)?;
                        let resource = stack.resource(&link.target);
                        link_variables(&link.target, kind, resource)
                            .contains(&key)
                            .then_some((stack, lambda, kind, link))
                    })
                })
            });
            if let Some((stack, lambda, kind, link)) = clash {
                self.diag.error(
                    span,
                    format!(
                        "`{key}` is set by the link of lambda `{}` (stack `{}`) to {} `{}`: rename this variable",
                        lambda.name,
                        stack.name,
                        kind.keyword(),
                        link.target
                    ),
                );
            }
        }
    }
}

/// The variables a link to `block` sets: its link variable, and `NAME_ARN` for a `resource`
/// whose type has an ARN attribute.
fn link_variables(block: &str, kind: MemberKind, resource: Option<&Resource>) -> Vec<String> {
    let arn = resource
        .filter(|r| r.arn_attribute.is_some())
        .map(|_| spec::arn_variable(block));
    spec::link_variable(block, kind)
        .into_iter()
        .chain(arn)
        .collect()
}

/// Where each link was written.
pub(super) fn link_spans(links: &[WrittenLink]) -> Vec<LinkSpan> {
    links.iter().map(|l| l.span.clone()).collect()
}

/// The links as the model has them.
pub(super) fn model_links(links: Vec<WrittenLink>) -> Vec<Link> {
    links.into_iter().map(|l| l.link).collect()
}

/// The events as the model has them.
pub(super) fn model_events(events: Vec<Located<Event>>) -> Vec<Event> {
    events.into_iter().map(|e| e.value).collect()
}
