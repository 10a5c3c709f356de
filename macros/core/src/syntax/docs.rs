//! The doc comments on a block, and the refusal of any other attribute.

use syn::parse::{Parse, ParseStream};
use syn::{bracketed, token, Attribute, Token};

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
