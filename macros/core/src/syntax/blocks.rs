//! The blocks of the language: `pipeline`, `stack` (with its `lambda` and `api` blocks,
//! and the stateful blocks of `state.rs`), `stage` and `wave`, and a block with an unknown
//! keyword.

use proc_macro2::{Span, TokenTree};
use syn::parse::ParseStream;
use syn::{braced, token, Ident, Token};

use super::docs::Docs;
use super::fields::{Field, FieldList};
use super::keywords::kw;
use super::names::block_name;
use super::state::{BucketBlock, QueueBlock, ResourceBlock, TableBlock, TopicBlock};

/// `wave NAME { field: value, ..., stage NAME { ... } ... }`: stages deployed side by side.
pub struct WaveBlock {
    /// Doc comments.
    pub docs: Docs,
    /// The keyword.
    pub keyword: kw::wave,
    /// The block's name.
    pub name: Ident,
    /// The braces of its body.
    pub brace: token::Brace,
    /// Its fields and stages, in the order written.
    pub members: Vec<WaveMember>,
    /// Syntax errors that parsing recovered from.
    pub errors: Vec<syn::Error>,
}

/// What a `wave` block holds.
pub enum WaveMember {
    /// A `field: value`.
    Field(Field),
    /// `stage NAME { ... }`
    Stage(StageBlock),
    /// A block with an unknown keyword.
    Unknown(UnknownBlock),
}

impl WaveBlock {
    /// The span of the whole body, for errors about what is missing from it.
    pub fn span(&self) -> Span {
        self.brace.span.join()
    }

    /// Its fields, in the order written.
    pub fn fields(&self) -> Vec<Field> {
        self.members
            .iter()
            .filter_map(|m| match m {
                WaveMember::Field(f) => Some(f.clone()),
                _ => None,
            })
            .collect()
    }
}

/// `pipeline NAME { field: value, ... }`
pub struct PipelineBlock {
    /// Doc comments.
    pub docs: Docs,
    /// The keyword.
    pub keyword: kw::pipeline,
    /// The block's name.
    pub name: Ident,
    /// Its fields.
    pub fields: FieldList,
}

/// `stack NAME { lambda ... api ... table ... queue ... bucket ... topic ... }`
pub struct StackBlock {
    /// Doc comments.
    pub docs: Docs,
    /// The keyword.
    pub keyword: kw::stack,
    /// The block's name.
    pub name: Ident,
    /// Its members.
    pub members: Vec<StackMember>,
    /// Syntax errors that parsing recovered from.
    pub errors: Vec<syn::Error>,
}

/// What a `stack` block holds.
pub enum StackMember {
    /// `lambda NAME { ... }`
    Lambda(LambdaBlock),
    /// `api NAME { ... }`
    Api(ApiBlock),
    /// `table NAME { ... }`
    Table(TableBlock),
    /// `queue NAME { ... }`
    Queue(QueueBlock),
    /// `bucket NAME { ... }`
    Bucket(BucketBlock),
    /// `topic NAME { ... }`
    Topic(TopicBlock),
    /// `resource NAME { ... }`
    Resource(ResourceBlock),
    /// A `field: value` (stacks have no fields; reported by lowering).
    Field(Field),
    /// A block with an unknown keyword.
    Unknown(UnknownBlock),
}

/// `lambda NAME { field: value, ... }`
pub struct LambdaBlock {
    /// Doc comments.
    pub docs: Docs,
    /// The keyword.
    pub keyword: kw::lambda,
    /// The block's name.
    pub name: Ident,
    /// Its fields.
    pub fields: FieldList,
}

/// `api NAME { field: value, ... }`
pub struct ApiBlock {
    /// Doc comments.
    pub docs: Docs,
    /// The keyword.
    pub keyword: kw::api,
    /// The block's name.
    pub name: Ident,
    /// Its fields.
    pub fields: FieldList,
}

/// `stage NAME { field: value, ... }`
pub struct StageBlock {
    /// Doc comments.
    pub docs: Docs,
    /// The keyword.
    pub keyword: kw::stage,
    /// The block's name.
    pub name: Ident,
    /// Its fields.
    pub fields: FieldList,
}

/// A block with a keyword the language does not know, kept to report it with a
/// suggestion and go on.
pub struct UnknownBlock {
    /// The unknown keyword.
    pub keyword: Ident,
    /// The block's name, if one was written.
    pub name: Option<Ident>,
}

/// Skips token trees up to and including the next brace group (the body of a block).
pub(super) fn skip_past_block(input: ParseStream) {
    while !input.is_empty() {
        let brace = input.peek(token::Brace);
        if input.parse::<TokenTree>().is_err() || brace {
            return;
        }
    }
}

/// `wave NAME { ... }`: its fields and stages, recovering from a bad member.
pub(super) fn parse_wave(input: ParseStream, docs: Docs) -> syn::Result<WaveBlock> {
    let keyword = input.parse()?;
    let name = block_name(input, "wave")?;
    let content;
    let brace = braced!(content in input);
    let mut members = Vec::new();
    let mut errors = Vec::new();
    while !content.is_empty() {
        match parse_wave_member(&content) {
            Ok(member) => members.push(member),
            Err(e) => {
                errors.push(e);
                skip_past_block(&content);
            }
        }
        let _ = content.parse::<Option<Token![,]>>();
    }
    Ok(WaveBlock {
        docs,
        keyword,
        name,
        brace,
        members,
        errors,
    })
}

fn parse_wave_member(input: ParseStream) -> syn::Result<WaveMember> {
    let docs: Docs = input.parse()?;
    if input.peek(kw::stage) && !input.peek2(Token![:]) {
        Ok(WaveMember::Stage(StageBlock {
            docs,
            keyword: input.parse()?,
            name: block_name(input, "stage")?,
            fields: input.parse()?,
        }))
    } else if input.peek(Ident) && input.peek2(Token![:]) {
        let field = input.parse()?;
        if !input.is_empty() && !input.peek(Token![,]) {
            return Err(syn::Error::new(
                input.span(),
                "expected `,` after the field",
            ));
        }
        Ok(WaveMember::Field(field))
    } else if input.peek(Ident) {
        Ok(WaveMember::Unknown(parse_unknown(input)?))
    } else {
        Err(syn::Error::new(
            input.span(),
            "expected a field `name: value` or `stage NAME { ... }`",
        ))
    }
}

pub(super) fn parse_stack_member(input: ParseStream) -> syn::Result<StackMember> {
    if let Some(state) = parse_state_block(input)? {
        return Ok(state);
    }
    let docs: Docs = input.parse()?;
    if input.peek(kw::lambda) && !input.peek2(Token![:]) {
        Ok(StackMember::Lambda(LambdaBlock {
            docs,
            keyword: input.parse()?,
            name: block_name(input, "lambda")?,
            fields: input.parse()?,
        }))
    } else if input.peek(kw::api) && !input.peek2(Token![:]) {
        Ok(StackMember::Api(ApiBlock {
            docs,
            keyword: input.parse()?,
            name: block_name(input, "api")?,
            fields: input.parse()?,
        }))
    } else if input.peek(Ident) && input.peek2(Token![:]) {
        let field = input.parse()?;
        if !input.is_empty() {
            input.parse::<Token![,]>()?;
        }
        Ok(StackMember::Field(field))
    } else if input.peek(Ident) {
        Ok(StackMember::Unknown(parse_unknown(input)?))
    } else {
        Err(syn::Error::new(
            input.span(),
            "expected a block such as `lambda NAME { ... }`, `api NAME { ... }` or `table NAME { ... }`",
        ))
    }
}

/// A `table`, `queue`, `bucket`, `topic` or `resource` block (docs included) when one comes next;
/// `None`, nothing read, otherwise.
fn parse_state_block(input: ParseStream) -> syn::Result<Option<StackMember>> {
    let ahead = input.fork();
    ahead.parse::<Docs>()?;
    if ahead.peek2(Token![:]) {
        return Ok(None);
    }
    Ok(Some(if ahead.peek(kw::table) {
        StackMember::Table(input.parse()?)
    } else if ahead.peek(kw::queue) {
        StackMember::Queue(input.parse()?)
    } else if ahead.peek(kw::bucket) {
        StackMember::Bucket(input.parse()?)
    } else if ahead.peek(kw::topic) {
        StackMember::Topic(input.parse()?)
    } else if ahead.peek(kw::resource) {
        StackMember::Resource(input.parse()?)
    } else {
        return Ok(None);
    }))
}

/// An unknown keyword, its name if any, and its body (skipped).
pub(super) fn parse_unknown(input: ParseStream) -> syn::Result<UnknownBlock> {
    let keyword: Ident = syn::ext::IdentExt::parse_any(input)?;
    let name = if input.peek(Ident) {
        Some(input.parse()?)
    } else {
        None
    };
    skip_past_block(input);
    Ok(UnknownBlock { keyword, name })
}
