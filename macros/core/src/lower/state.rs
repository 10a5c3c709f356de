//! The stateful blocks of a stack: `table`, `queue`, `bucket` and `topic`, with their
//! defaults (tables and buckets retained, point-in-time recovery on, SQS's timeouts) and
//! ranges.

use pipewright::spec::{
    state_limits, Bucket, DeadLetter, Index, Key, KeyType, Queue, Removal, StreamView, Table, Topic,
};

use super::context::Cx;
use super::fields::Fields;
use crate::syntax::{BucketBlock, QueueBlock, TableBlock, TopicBlock};

const SECONDS_PER_DAY: u64 = 86_400;

impl Cx {
    pub(super) fn table(&mut self, block: &TableBlock) -> Table {
        let name = self.block_name(&block.name);
        let doc = self.docs(&block.docs);
        self.syntax_errors(&block.fields.errors);
        let what = format!("table `{name}`");
        let mut f = Fields::new(
            &mut self.diag,
            what,
            block.name.span(),
            &block.fields.fields,
        );
        let partition_key = if f.present("partition_key", r#"{ name: "pk", type: String }"#) {
            f.group("partition_key", |k| k.key()).flatten()
        } else {
            None
        };
        let sort_key = f.group("sort_key", |k| k.key()).flatten();
        let indexes = f.indexes();
        let ttl = f.str("ttl").map(|ttl| {
            if ttl.value.is_empty() {
                f.diag.error(
                    ttl.span,
                    "`ttl` names the attribute holding the expiry time: it cannot be empty",
                );
            }
            ttl.value
        });
        let stream = f.named_ident(
            "stream",
            "stream view",
            StreamView::NAMES,
            StreamView::from_name,
        );
        let recovery = f.bool("recovery").unwrap_or(true);
        let removal = f.removal();
        f.finish();
        Table {
            name,
            doc,
            // A missing or malformed key was reported: the program is not used.
            partition_key: partition_key.unwrap_or_else(|| Key {
                name: String::new(),
                kind: KeyType::String,
            }),
            sort_key,
            indexes,
            ttl,
            stream,
            recovery,
            removal,
        }
    }

    pub(super) fn queue(&mut self, block: &QueueBlock) -> Queue {
        let name = self.block_name(&block.name);
        let doc = self.docs(&block.docs);
        self.syntax_errors(&block.fields.errors);
        let what = format!("queue `{name}`");
        let mut f = Fields::new(
            &mut self.diag,
            what,
            block.name.span(),
            &block.fields.fields,
        );
        let visibility_timeout = f
            .duration_in(
                "visibility_timeout",
                state_limits::VISIBILITY_TIMEOUT_RANGE_SECS,
            )
            .map(|v| v.value)
            .unwrap_or(state_limits::DEFAULT_VISIBILITY_TIMEOUT);
        let retention = f
            .duration_in("retention", state_limits::RETENTION_RANGE_SECS)
            .map(|r| r.value)
            .unwrap_or(state_limits::DEFAULT_RETENTION);
        let fifo = f.bool("fifo").unwrap_or(false);
        let dead_letter = f.group("dead_letter", |g| {
            let range = state_limits::MAX_RECEIVES_RANGE;
            let wider = u64::from(*range.start())..=u64::from(*range.end());
            if !g.present("max_receives", "5") {
                return None;
            }
            let max_receives = g.int_in("max_receives", "a number of receives", wider)?;
            Some(DeadLetter {
                max_receives: u32::try_from(max_receives.value).unwrap_or(u32::MAX),
            })
        });
        f.finish();
        Queue {
            name,
            doc,
            visibility_timeout,
            retention,
            fifo,
            dead_letter: dead_letter.flatten(),
        }
    }

    pub(super) fn bucket(&mut self, block: &BucketBlock) -> Bucket {
        let name = self.block_name(&block.name);
        let doc = self.docs(&block.docs);
        self.syntax_errors(&block.fields.errors);
        let what = format!("bucket `{name}`");
        let mut f = Fields::new(
            &mut self.diag,
            what,
            block.name.span(),
            &block.fields.fields,
        );
        let versioned = f.bool("versioned").unwrap_or(false);
        let expire_after = f.duration("expire_after").map(|e| {
            let secs = e.value.as_secs();
            // S3 lifecycle rules count expiry in whole days.
            if secs == 0 || secs % SECONDS_PER_DAY != 0 {
                let days = secs.div_ceil(SECONDS_PER_DAY).max(1);
                f.diag.error(
                    e.span,
                    format!(
                        "`expire_after` is a whole number of days, at least one: write `{days}d`, found {}",
                        e.value
                    ),
                );
            }
            e.value
        });
        let removal = f.removal();
        f.finish();
        Bucket {
            name,
            doc,
            versioned,
            expire_after,
            removal,
        }
    }

    pub(super) fn topic(&mut self, block: &TopicBlock) -> Topic {
        let name = self.block_name(&block.name);
        let doc = self.docs(&block.docs);
        self.syntax_errors(&block.fields.errors);
        let what = format!("topic `{name}`");
        let mut f = Fields::new(
            &mut self.diag,
            what,
            block.name.span(),
            &block.fields.fields,
        );
        let fifo = f.bool("fifo").unwrap_or(false);
        f.finish();
        Topic { name, doc, fifo }
    }
}

impl Fields<'_, '_> {
    /// A key group `{ name: "...", type: String | Number | Binary }`.
    fn key(&mut self) -> Option<Key> {
        let name = self.required_str("name").map(|n| {
            if n.value.is_empty() {
                self.diag
                    .error(n.span, "a key names an attribute: it cannot be empty");
            }
            n.value
        });
        let kind = if self.present("type", "String") {
            self.named_ident("type", "key type", KeyType::NAMES, KeyType::from_name)
        } else {
            None
        };
        Some(Key {
            name: name?,
            kind: kind?,
        })
    }

    /// `indexes: [{ name, partition_key, sort_key }, ...]`, names unique.
    fn indexes(&mut self) -> Vec<Index> {
        let indexes = self
            .group_list("indexes", "an index", |g| {
                let name = g.required_str("name");
                let partition_key = g.required_group("partition_key", |k| k.key()).flatten();
                let sort_key = g.group("sort_key", |k| k.key()).flatten();
                Some((name?, partition_key?, sort_key))
            })
            .unwrap_or_default();
        let mut names: Vec<String> = Vec::new();
        for (name, ..) in &indexes {
            if names.contains(&name.value) {
                self.diag.error(
                    name.span,
                    format!("duplicate index `{}` in {}", name.value, self.what),
                );
            }
            names.push(name.value.clone());
        }
        indexes
            .into_iter()
            .map(|(name, partition_key, sort_key)| Index {
                name: name.value,
                partition_key,
                sort_key,
            })
            .collect()
    }

    /// `removal: Retain | Destroy`, default `Retain`: data is never lost silently.
    fn removal(&mut self) -> Removal {
        self.named_ident(
            "removal",
            "removal policy",
            Removal::NAMES,
            Removal::from_name,
        )
        .unwrap_or(Removal::Retain)
    }
}
