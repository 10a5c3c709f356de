//! A lambda's `events`: each a group whose first field says its kind (a queue, a schedule,
//! a topic, a bucket, a table's stream), checked against the block it names and the limits
//! of its event source.

use pipewright::spec::{self, event_limits, BucketEvent, Event, MemberKind, StartingPosition};
use syn::spanned::Spanned as _;

use super::context::Located;
use super::fields::Fields;
use super::wiring::{either, Members};
use crate::diagnostics::did_you_mean_or;
use crate::syntax::Value;

/// The kinds of event, as the first field of an event group names them.
const EVENT_KINDS: &[&str] = &["queue", "schedule", "topic", "bucket", "stream"];

impl Fields<'_, '_> {
    /// `events: [{ KIND: ..., ... }, ...]`, each with the span of what it names (the queue,
    /// topic, bucket or table; the schedule's expression).
    pub(super) fn events(&mut self, members: &Members<'_>) -> Vec<Located<Event>> {
        let what = self.what.clone();
        self.list("events", |f, value| {
            let Value::Group(group) = value else {
                f.diag.error(
                    value.span(),
                    format!(
                        "an event is a group such as `{{ queue: Jobs }}`, found {}",
                        value.describe()
                    ),
                );
                return None;
            };
            let Some(first) = group.fields.first() else {
                f.diag.error(
                    group.span(),
                    format!(
                        "empty event: start it with its kind, {}",
                        either(EVENT_KINDS)
                    ),
                );
                return None;
            };
            let kind = first.name.text();
            if !EVENT_KINDS.contains(&kind.as_str()) {
                let hint = did_you_mean_or(&kind, EVENT_KINDS, String::new);
                f.diag.error(
                    first.name_span(),
                    format!(
                        "an event starts with its kind, {}, found `{kind}`{hint}",
                        either(EVENT_KINDS)
                    ),
                );
                return None;
            }
            let what = format!("the {kind} event of {what}");
            let mut g = Fields::new(f.diag, what, group.span(), &group.fields);
            let event = match kind.as_str() {
                "queue" => g.queue_event(members),
                "schedule" => g.schedule_event(),
                "topic" => g.topic_event(members),
                "bucket" => g.bucket_event(members),
                _ => g.stream_event(members),
            };
            g.finish();
            event
        })
        .unwrap_or_default()
    }

    /// The block named by the event's first field, of `kind`.
    fn event_source(
        &mut self,
        field: &'static str,
        kind: MemberKind,
        members: &Members<'_>,
    ) -> Option<Located<String>> {
        let ident = self.ident(field)?;
        let name = ident.value.to_string();
        let (name, _) = members.resolve(self.diag, &name, ident.span, &[kind])?;
        Some(Located {
            value: name,
            span: ident.span,
        })
    }

    /// `{ queue: NAME, batch_size, window }`.
    fn queue_event(&mut self, members: &Members<'_>) -> Option<Located<Event>> {
        let queue = self.event_source("queue", MemberKind::Queue, members);
        let batch_size = self.int_in(
            "batch_size",
            "a number of messages",
            widen(event_limits::QUEUE_BATCH_SIZE_RANGE),
        );
        let window = self
            .duration_in("window", event_limits::WINDOW_RANGE_SECS)
            .map(|w| w.value);
        let queue = queue?;
        let fifo = members
            .queues
            .iter()
            .any(|q| q.name == queue.value && q.fifo);
        let most_without_window = u64::from(event_limits::QUEUE_BATCH_SIZE_WITHOUT_WINDOW);
        if let Some(size) = batch_size
            .as_ref()
            .filter(|s| s.value > most_without_window)
        {
            if fifo {
                self.diag.error(
                    size.span,
                    format!(
                        "queue `{}` is FIFO: a batch holds at most {most_without_window} messages, found {}",
                        queue.value, size.value
                    ),
                );
            } else if window.is_none() {
                self.diag.error(
                    size.span,
                    format!("a batch of more than {most_without_window} messages needs a `window` to gather it: add `window: 5s` (up to 5min)"),
                );
            }
        }
        Some(Located {
            value: Event::Queue {
                queue: queue.value,
                batch_size: batch_size
                    .map(|s| s.value as u32)
                    .unwrap_or(event_limits::DEFAULT_QUEUE_BATCH_SIZE),
                window,
            },
            span: queue.span,
        })
    }

    /// `{ schedule: "rate(...)" | "cron(...)" }`.
    fn schedule_event(&mut self) -> Option<Located<Event>> {
        let expression = self.str("schedule")?;
        let span = expression.span;
        let expression = self.check(expression, spec::check_schedule_expression);
        Some(Located {
            value: Event::Schedule { expression },
            span,
        })
    }

    /// `{ topic: NAME }`.
    fn topic_event(&mut self, members: &Members<'_>) -> Option<Located<Event>> {
        let topic = self.event_source("topic", MemberKind::Topic, members)?;
        Some(Located {
            value: Event::Topic { topic: topic.value },
            span: topic.span,
        })
    }

    /// `{ bucket: NAME, on: [Created, Removed], prefix, suffix }`.
    fn bucket_event(&mut self, members: &Members<'_>) -> Option<Located<Event>> {
        let bucket = self.event_source("bucket", MemberKind::Bucket, members);
        let on = self.list("on", |g, value| match value {
            Value::Ident(i) => g.named(
                Located {
                    value: i.clone(),
                    span: i.span(),
                },
                "bucket event",
                BucketEvent::NAMES,
                BucketEvent::from_name,
            ),
            other => {
                g.diag.error(
                    other.span(),
                    format!(
                        "expected `Created` or `Removed`, found {}",
                        other.describe()
                    ),
                );
                None
            }
        });
        let written_on = self.fields.iter().find(|f| f.name.text() == "on");
        if let Some(Value::List(list)) = written_on.map(|f| &f.value) {
            if list.items.is_empty() {
                self.diag.error(
                    list.span(),
                    "`on` is empty: expected `[Created]`, `[Removed]` or both",
                );
            }
        }
        let prefix = self.str("prefix").map(|p| p.value);
        let suffix = self.str("suffix").map(|s| s.value);
        let bucket = bucket?;
        Some(Located {
            value: Event::Bucket {
                bucket: bucket.value,
                on: on.unwrap_or_else(|| vec![BucketEvent::Created]),
                prefix,
                suffix,
            },
            span: bucket.span,
        })
    }

    /// `{ stream: TABLE, batch_size, start }`: the table must have a stream.
    fn stream_event(&mut self, members: &Members<'_>) -> Option<Located<Event>> {
        let table = self.event_source("stream", MemberKind::Table, members);
        let batch_size = self
            .int_in(
                "batch_size",
                "a number of records",
                widen(event_limits::STREAM_BATCH_SIZE_RANGE),
            )
            .map(|s| s.value as u32)
            .unwrap_or(event_limits::DEFAULT_STREAM_BATCH_SIZE);
        let start = self
            .named_ident(
                "start",
                "starting position",
                StartingPosition::NAMES,
                StartingPosition::from_name,
            )
            .unwrap_or(event_limits::DEFAULT_STARTING_POSITION);
        let table = table?;
        let has_stream = members
            .tables
            .iter()
            .any(|t| t.name == table.value && t.stream.is_some());
        if !has_stream {
            self.diag.error(
                table.span,
                format!(
                    "table `{}` has no stream: add `stream: NewAndOldImages` (or `KeysOnly`, `NewImage`, `OldImage`) to it",
                    table.value
                ),
            );
        }
        Some(Located {
            value: Event::Stream {
                table: table.value,
                batch_size,
                start,
            },
            span: table.span,
        })
    }
}

fn widen(range: std::ops::RangeInclusive<u32>) -> std::ops::RangeInclusive<u64> {
    u64::from(*range.start())..=u64::from(*range.end())
}
