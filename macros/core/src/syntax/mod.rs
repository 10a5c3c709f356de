//! The syntax tree of the `pipeline!` language: one type per construct, each with
//! `impl Parse`.
//!
//! Parsing is lenient where recovery is cheap: a malformed field is recorded as an error
//! and parsing resumes after the next comma, and a block with an unknown keyword is kept
//! as an [`UnknownBlock`], so one compile reports every mistake rather than the first.
//! What the fields mean is checked later, by [`lower`](crate::lower).
//!
//! One file per construct group: the keywords ([`kw`]), the program and its top-level
//! items ([`Program`]), the blocks ([`PipelineBlock`], [`StackBlock`], [`StageBlock`],
//! [`WaveBlock`], ...), the stateful blocks of a stack ([`TableBlock`], [`QueueBlock`],
//! [`BucketBlock`], [`TopicBlock`], [`ResourceBlock`]), their doc comments ([`Docs`]), and their `{ field: value, ... }`
//! bodies ([`FieldList`], [`Field`], [`Value`]).
//!
//! And the other side of a `link`: the `links! { ... }` declaration of `pipewright-links` in a
//! function's code ([`LinksDeclaration`]), which the macro checks against the lambda's links.

mod blocks;
mod docs;
mod fields;
mod keywords;
mod links;
mod names;
mod program;
mod state;

pub use blocks::{
    ApiBlock, LambdaBlock, PipelineBlock, StackBlock, StackMember, StageBlock, UnknownBlock,
    WaveBlock, WaveMember,
};
pub use docs::Docs;
pub use fields::{
    Field, FieldList, FieldName, GroupValue, IntValue, ListValue, Value, MAX_VALUE_DEPTH,
};
pub use keywords::{kw, STACK_KEYWORDS, TOP_LEVEL_KEYWORDS, WAVE_KEYWORDS};
pub use links::{is_links_macro, DeclaredLink, LinksDeclaration};
pub use program::{Item, Program};
pub use state::{BucketBlock, QueueBlock, ResourceBlock, TableBlock, TopicBlock};
