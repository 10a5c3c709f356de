//! The syntax tree of the `pipeline!` language: one type per construct, each with
//! `impl Parse`.
//!
//! Parsing is lenient where recovery is cheap: a malformed field is recorded as an error
//! and parsing resumes after the next comma, and a block with an unknown keyword is kept
//! as an [`UnknownBlock`], so one compile reports every mistake rather than the first.
//! What the fields mean is checked later, by [`lower`](crate::lower).

use proc_macro2::{Span, TokenStream, TokenTree};
use quote::{ToTokens, TokenStreamExt};
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{braced, bracketed, token, Attribute, Ident, LitBool, LitFloat, LitInt, LitStr, Token};

/// The keywords of the language.
pub mod kw {
    // `custom_keyword!` generates undocumented structs; the keyword is their doc.
    #![allow(missing_docs)]
    syn::custom_keyword!(pipeline);
    syn::custom_keyword!(stack);
    syn::custom_keyword!(stage);
    syn::custom_keyword!(wave);
    syn::custom_keyword!(lambda);
    syn::custom_keyword!(api);
}

/// The keywords allowed at the top level.
pub const TOP_LEVEL_KEYWORDS: &[&str] = &["pipeline", "stack", "stage", "wave"];
/// The keywords allowed inside a `wave` block.
pub const WAVE_KEYWORDS: &[&str] = &["stage"];
/// The keywords allowed inside a `stack` block.
pub const STACK_KEYWORDS: &[&str] = &["lambda", "api"];

/// The whole input of `pipeline! { ... }`.
pub struct Program {
    /// The blocks, in the order written.
    pub items: Vec<Item>,
    /// Syntax errors that parsing recovered from.
    pub errors: Vec<syn::Error>,
}

/// A top-level block.
pub enum Item {
    /// `pipeline NAME { ... }`
    Pipeline(PipelineBlock),
    /// `stack NAME { ... }`
    Stack(StackBlock),
    /// `stage NAME { ... }`
    Stage(StageBlock),
    /// `wave NAME { field: value, ... stage NAME { ... } ... }`
    Wave(WaveBlock),
    /// A block whose keyword the language does not know.
    Unknown(UnknownBlock),
}

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

/// `stack NAME { lambda ... api ... }`
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

/// The doc comments (`///`) on a block.
#[derive(Default)]
pub struct Docs {
    /// The `#[doc]` attributes; other attributes are errors.
    pub attrs: Vec<Attribute>,
}

impl Docs {
    /// The text of the doc comments, lines joined, trimmed; `None` when there are none.
    pub fn text(&self) -> Option<String> {
        let lines: Vec<String> = self
            .attrs
            .iter()
            .filter_map(|a| match &a.meta {
                syn::Meta::NameValue(nv) if nv.path.is_ident("doc") => match &nv.value {
                    syn::Expr::Lit(syn::ExprLit {
                        lit: syn::Lit::Str(s),
                        ..
                    }) => Some(s.value()),
                    _ => None,
                },
                _ => None,
            })
            .map(|line| line.trim().to_owned())
            .collect();
        let text = lines.join(" ").trim().to_owned();
        (!text.is_empty()).then_some(text)
    }

    /// Attributes other than doc comments, which the language does not accept.
    pub fn foreign(&self) -> impl Iterator<Item = &Attribute> {
        self.attrs.iter().filter(|a| !a.path().is_ident("doc"))
    }
}

impl Parse for Docs {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        refuse_expression_values(input)?;
        Ok(Docs {
            attrs: input.call(Attribute::parse_outer)?,
        })
    }
}

/// Refuses, unread, an attribute `#[name = value]` whose value is anything but one
/// literal: syn reads such a value as an expression, recursing once per nested block or
/// operator, and `#[doc = { { ... } }]` a thousand blocks deep overflowed the stack. A doc
/// comment is `#[doc = "..."]`; other attributes are refused anyway.
fn refuse_expression_values(input: ParseStream) -> syn::Result<()> {
    let fork = input.fork();
    while fork.peek(Token![#]) && fork.peek2(token::Bracket) {
        let pound: Token![#] = fork.parse()?;
        let content;
        bracketed!(content in fork);
        if content.call(syn::Path::parse_mod_style).is_err() || !content.peek(Token![=]) {
            continue;
        }
        content.parse::<Token![=]>()?;
        let literal = content.parse::<syn::Lit>().is_ok() && content.is_empty();
        if !literal {
            return Err(syn::Error::new(
                pound.span,
                "only doc comments (`///`) are allowed on blocks",
            ));
        }
    }
    Ok(())
}

/// The `{ field: value, ... }` body of a block.
pub struct FieldList {
    /// The braces.
    pub brace: token::Brace,
    /// The fields, in the order written (duplicates included: lowering reports them).
    pub fields: Vec<Field>,
    /// Syntax errors that parsing recovered from.
    pub errors: Vec<syn::Error>,
}

impl Parse for FieldList {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let content;
        let brace = braced!(content in input);
        let mut fields = Vec::new();
        let mut errors = Vec::new();
        parse_fields(&content, &mut fields, &mut errors, 0);
        Ok(FieldList {
            brace,
            fields,
            errors,
        })
    }
}

/// Parses `field: value` entries separated by commas, recovering from a bad one by
/// skipping to the next comma. `depth`: how many lists and groups enclose them.
fn parse_fields(
    input: ParseStream,
    fields: &mut Vec<Field>,
    errors: &mut Vec<syn::Error>,
    depth: usize,
) {
    while !input.is_empty() {
        match parse_field(input, depth) {
            Ok(field) => {
                fields.push(field);
                if input.is_empty() {
                    break;
                }
                if let Err(e) = input.parse::<Token![,]>() {
                    errors.push(syn::Error::new(e.span(), "expected `,` between fields"));
                    skip_past_comma(input);
                }
            }
            Err(e) => {
                errors.push(e);
                skip_past_comma(input);
            }
        }
    }
}

/// Skips token trees up to and including the next comma at this nesting level.
fn skip_past_comma(input: ParseStream) {
    while !input.is_empty() && !input.peek(Token![,]) {
        if input.parse::<TokenTree>().is_err() {
            return;
        }
    }
    let _ = input.parse::<Option<Token![,]>>();
}

/// Skips token trees up to and including the next brace group (the body of a block).
fn skip_past_block(input: ParseStream) {
    while !input.is_empty() {
        let brace = input.peek(token::Brace);
        if input.parse::<TokenTree>().is_err() || brace {
            return;
        }
    }
}

/// `name: value`, or in a map `"NAME": value`.
#[derive(Clone)]
pub struct Field {
    /// The name (a map key may be a string).
    pub name: FieldName,
    /// The colon.
    pub colon: Token![:],
    /// The value.
    pub value: Value,
}

impl Parse for Field {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        parse_field(input, 0)
    }
}

fn parse_field(input: ParseStream, depth: usize) -> syn::Result<Field> {
    let name = input.parse()?;
    let colon = input
        .parse()
        .map_err(|e| syn::Error::new(e.span(), "expected `:` after the field name"))?;
    let value = parse_value(input, depth)?;
    Ok(Field { name, colon, value })
}

/// The name of a field or map key.
#[derive(Clone)]
pub enum FieldName {
    /// `name`
    Ident(Ident),
    /// `"NAME"` (map keys only)
    Str(LitStr),
}

impl FieldName {
    /// The name as written, without quotes.
    pub fn text(&self) -> String {
        match self {
            FieldName::Ident(i) => syn::ext::IdentExt::unraw(i).to_string(),
            FieldName::Str(s) => s.value(),
        }
    }

    /// Where it was written.
    pub fn span(&self) -> Span {
        match self {
            FieldName::Ident(i) => i.span(),
            FieldName::Str(s) => s.span(),
        }
    }
}

impl Parse for FieldName {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        if input.peek(LitStr) {
            return Ok(FieldName::Str(input.parse()?));
        }
        syn::ext::IdentExt::parse_any(input)
            .map(FieldName::Ident)
            .map_err(|e| syn::Error::new(e.span(), "expected a field name"))
    }
}

/// A value.
#[derive(Clone)]
pub enum Value {
    /// `"text"`
    Str(LitStr),
    /// `42`, `-1`, or a duration `30s` / `5min` / `1h` (an integer with a suffix).
    Int(IntValue),
    /// `1.5` — never valid, kept to say so.
    Float(LitFloat),
    /// `true` / `false`
    Bool(LitBool),
    /// An identifier: an enum variant or the name of a block.
    Ident(Ident),
    /// `[a, b]`
    List(ListValue),
    /// `{ name: value }`: a field group or a map.
    Group(GroupValue),
}

/// An integer literal, maybe negative, maybe with a unit suffix.
#[derive(Clone)]
pub struct IntValue {
    /// A leading minus sign.
    pub minus: Option<Token![-]>,
    /// The literal.
    pub lit: LitInt,
}

impl IntValue {
    /// Whether it is negative: syn reads `-1` either as one negative literal or as `-`
    /// then a literal, depending on where the tokens come from.
    pub fn is_negative(&self) -> bool {
        self.minus.is_some() || self.lit.base10_digits().starts_with('-')
    }
}

/// `[a, b, ...]`
#[derive(Clone)]
pub struct ListValue {
    /// The brackets.
    pub bracket: token::Bracket,
    /// The items.
    pub items: Punctuated<Value, Token![,]>,
}

/// `{ name: value, ... }`
#[derive(Clone)]
pub struct GroupValue {
    /// The braces.
    pub brace: token::Brace,
    /// The entries.
    pub fields: Vec<Field>,
}

/// How deep lists and groups may nest in a value. The deepest value the language has,
/// `codebuild: { policy: [{ actions: [...] }] }`, is four deep; the bound keeps the
/// parser's recursion, and so its stack, small on any input (a few thousand nested
/// brackets overflowed the compiler's 8 MiB stack).
pub const MAX_VALUE_DEPTH: usize = 32;

impl Parse for Value {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        parse_value(input, 0)
    }
}

/// A value enclosed in `depth` lists and groups.
fn parse_value(input: ParseStream, depth: usize) -> syn::Result<Value> {
    if depth >= MAX_VALUE_DEPTH && (input.peek(token::Bracket) || input.peek(token::Brace)) {
        let error = syn::Error::new(
            input.span(),
            format!("lists and groups nest at most {MAX_VALUE_DEPTH} deep"),
        );
        // The group, unread, as one token tree.
        input.parse::<TokenTree>()?;
        return Err(error);
    }
    let lookahead = input.lookahead1();
    if lookahead.peek(LitStr) {
        Ok(Value::Str(input.parse()?))
    } else if lookahead.peek(LitInt) {
        Ok(Value::Int(IntValue {
            minus: None,
            lit: input.parse()?,
        }))
    } else if lookahead.peek(Token![-]) {
        let minus = input.parse()?;
        if input.peek(LitFloat) {
            return Ok(Value::Float(input.parse()?));
        }
        Ok(Value::Int(IntValue {
            minus: Some(minus),
            lit: input.parse()?,
        }))
    } else if lookahead.peek(LitFloat) {
        Ok(Value::Float(input.parse()?))
    } else if lookahead.peek(LitBool) {
        Ok(Value::Bool(input.parse()?))
    } else if lookahead.peek(Ident) {
        Ok(Value::Ident(input.parse()?))
    } else if lookahead.peek(token::Bracket) {
        Ok(Value::List(parse_list(input, depth)?))
    } else if lookahead.peek(token::Brace) {
        Ok(Value::Group(parse_group(input, depth)?))
    } else {
        Err(syn::Error::new(
                input.span(),
                "expected a value: a string, an integer, `true`/`false`, a name, a list `[...]` or a group `{...}`",
            ))
    }
}

impl Parse for ListValue {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        parse_list(input, 0)
    }
}

/// `[a, b, ...]`, itself enclosed in `depth` lists and groups.
fn parse_list(input: ParseStream, depth: usize) -> syn::Result<ListValue> {
    let content;
    let bracket = bracketed!(content in input);
    let mut items = Punctuated::new();
    let mut item = || -> syn::Result<()> {
        items.push_value(parse_value(&content, depth + 1)?);
        if !content.is_empty() {
            items.push_punct(content.parse()?);
        }
        Ok(())
    };
    while !content.is_empty() {
        if let Err(e) = item() {
            // The rest of the list is skipped: tokens left in the brackets would make syn
            // replace every error of the program by "unexpected token".
            while !content.is_empty() && content.parse::<TokenTree>().is_ok() {}
            return Err(e);
        }
    }
    Ok(ListValue { bracket, items })
}

impl Parse for GroupValue {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        parse_group(input, 0)
    }
}

/// `{ name: value, ... }`, itself enclosed in `depth` lists and groups.
fn parse_group(input: ParseStream, depth: usize) -> syn::Result<GroupValue> {
    let content;
    let brace = braced!(content in input);
    let mut fields = Vec::new();
    let mut errors = Vec::new();
    parse_fields(&content, &mut fields, &mut errors, depth + 1);
    match errors.into_iter().reduce(|mut a, b| {
        a.combine(b);
        a
    }) {
        Some(e) => Err(e),
        None => Ok(GroupValue { brace, fields }),
    }
}

impl Value {
    /// What kind of value it is, for "expected X, found Y" messages.
    pub fn describe(&self) -> &'static str {
        match self {
            Value::Str(_) => "a string",
            Value::Int(i) if !i.lit.suffix().is_empty() => "a duration",
            Value::Int(_) => "an integer",
            Value::Float(_) => "a decimal number",
            Value::Bool(_) => "a boolean",
            Value::Ident(_) => "a name",
            Value::List(_) => "a list",
            Value::Group(_) => "a group `{ ... }`",
        }
    }
}

impl ToTokens for Value {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        match self {
            Value::Str(s) => s.to_tokens(tokens),
            Value::Int(i) => {
                i.minus.to_tokens(tokens);
                i.lit.to_tokens(tokens);
            }
            Value::Float(f) => f.to_tokens(tokens),
            Value::Bool(b) => b.to_tokens(tokens),
            Value::Ident(i) => i.to_tokens(tokens),
            Value::List(l) => l.bracket.surround(tokens, |t| l.items.to_tokens(t)),
            Value::Group(g) => g.brace.surround(tokens, |t| t.append_all(&g.fields)),
        }
    }
}

impl ToTokens for FieldName {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        match self {
            FieldName::Ident(i) => i.to_tokens(tokens),
            FieldName::Str(s) => s.to_tokens(tokens),
        }
    }
}

impl ToTokens for Field {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        self.name.to_tokens(tokens);
        self.colon.to_tokens(tokens);
        self.value.to_tokens(tokens);
        <Token![,]>::default().to_tokens(tokens);
    }
}

impl Parse for Program {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let mut items = Vec::new();
        let mut errors = Vec::new();
        while !input.is_empty() {
            match parse_item(input) {
                Ok(item) => items.push(item),
                Err(e) => {
                    errors.push(e);
                    skip_past_block(input);
                }
            }
            // A comma between blocks is harmless; accept it.
            let _ = input.parse::<Option<Token![,]>>();
        }
        Ok(Program { items, errors })
    }
}

fn parse_item(input: ParseStream) -> syn::Result<Item> {
    let docs: Docs = input.parse()?;
    let lookahead = input.lookahead1();
    if lookahead.peek(kw::pipeline) {
        Ok(Item::Pipeline(PipelineBlock {
            docs,
            keyword: input.parse()?,
            name: block_name(input, "pipeline")?,
            fields: input.parse()?,
        }))
    } else if lookahead.peek(kw::stack) {
        let keyword = input.parse()?;
        let name = block_name(input, "stack")?;
        let content;
        braced!(content in input);
        let mut members = Vec::new();
        let mut errors = Vec::new();
        while !content.is_empty() {
            match parse_stack_member(&content) {
                Ok(member) => members.push(member),
                Err(e) => {
                    errors.push(e);
                    skip_past_block(&content);
                }
            }
            let _ = content.parse::<Option<Token![,]>>();
        }
        Ok(Item::Stack(StackBlock {
            docs,
            keyword,
            name,
            members,
            errors,
        }))
    } else if lookahead.peek(kw::stage) {
        Ok(Item::Stage(StageBlock {
            docs,
            keyword: input.parse()?,
            name: block_name(input, "stage")?,
            fields: input.parse()?,
        }))
    } else if lookahead.peek(kw::wave) {
        Ok(Item::Wave(parse_wave(input, docs)?))
    } else if input.peek(Ident) {
        Ok(Item::Unknown(parse_unknown(input)?))
    } else {
        Err(syn::Error::new(input.span(), "expected a block: `pipeline NAME { ... }`, `stack NAME { ... }`, `stage NAME { ... }` or `wave NAME { ... }`"))
    }
}

/// `wave NAME { ... }`: its fields and stages, recovering from a bad member.
fn parse_wave(input: ParseStream, docs: Docs) -> syn::Result<WaveBlock> {
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

fn parse_stack_member(input: ParseStream) -> syn::Result<StackMember> {
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
            "expected `lambda NAME { ... }` or `api NAME { ... }`",
        ))
    }
}

/// An unknown keyword, its name if any, and its body (skipped).
fn parse_unknown(input: ParseStream) -> syn::Result<UnknownBlock> {
    let keyword: Ident = syn::ext::IdentExt::parse_any(input)?;
    let name = if input.peek(Ident) {
        Some(input.parse()?)
    } else {
        None
    };
    skip_past_block(input);
    Ok(UnknownBlock { keyword, name })
}

fn block_name(input: ParseStream, keyword: &str) -> syn::Result<Ident> {
    if input.peek(token::Brace) {
        return Err(syn::Error::new(
            input.span(),
            format!("expected a name after `{keyword}`, as in `{keyword} MyName {{ ... }}`"),
        ));
    }
    input.parse().map_err(|e| {
        syn::Error::new(
            e.span(),
            format!("expected a name after `{keyword}`, as in `{keyword} MyName {{ ... }}`"),
        )
    })
}

impl FieldList {
    /// The span of the whole body, for errors about what is missing from it.
    pub fn span(&self) -> Span {
        self.brace.span.join()
    }
}

impl ListValue {
    /// The span of the whole list.
    pub fn span(&self) -> Span {
        self.bracket.span.join()
    }
}

impl GroupValue {
    /// The span of the whole group.
    pub fn span(&self) -> Span {
        self.brace.span.join()
    }
}

impl Field {
    /// The span of the field name.
    pub fn name_span(&self) -> Span {
        self.name.span()
    }

    /// The span of the value.
    pub fn value_span(&self) -> Span {
        self.value.span()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(src: &str) -> Program {
        syn::parse_str(src).expect("parses")
    }

    #[test]
    fn parses_every_value_kind() {
        let p = parse(
            r#"
            /// The pipeline.
            pipeline P { a: "s", b: 1, c: 30s, d: -2, e: true, f: Name, g: [1, 2,], h: { X: "y" }, }
            stack S { lambda L { memory: 128 } api A { handler: L } }
            stage St { account: "111111111111" }
        "#,
        );
        assert!(p.errors.is_empty());
        assert_eq!(p.items.len(), 3);
        let Item::Pipeline(pipeline) = &p.items[0] else {
            panic!("pipeline first")
        };
        assert_eq!(pipeline.docs.text().as_deref(), Some("The pipeline."));
        let kinds: Vec<_> = pipeline
            .fields
            .fields
            .iter()
            .map(|f| f.value.describe())
            .collect();
        assert_eq!(
            kinds,
            [
                "a string",
                "an integer",
                "a duration",
                "an integer",
                "a boolean",
                "a name",
                "a list",
                "a group `{ ... }`"
            ]
        );
        let Item::Stack(stack) = &p.items[1] else {
            panic!("stack second")
        };
        assert!(matches!(stack.members[0], StackMember::Lambda(_)));
        assert!(matches!(stack.members[1], StackMember::Api(_)));
    }

    #[test]
    fn recovers_from_bad_fields_and_unknown_blocks() {
        let p = parse(
            r#"
            pipline P { a: 1 }
            stage S { a: , b: 2, c 3, d: 4 }
        "#,
        );
        assert!(matches!(p.items[0], Item::Unknown(_)));
        let Item::Stage(stage) = &p.items[1] else {
            panic!("stage")
        };
        let names: Vec<_> = stage.fields.fields.iter().map(|f| f.name.text()).collect();
        assert_eq!(names, ["b", "d"]);
        assert_eq!(stage.fields.errors.len(), 2);
    }
}
