//! The `{ field: value, ... }` body of a block: its fields, their names and their
//! values (strings, integers and durations, names, lists and groups).

use proc_macro2::{Span, TokenStream, TokenTree};
use quote::{ToTokens, TokenStreamExt};
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{braced, bracketed, token, Ident, LitBool, LitFloat, LitInt, LitStr, Token};

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
