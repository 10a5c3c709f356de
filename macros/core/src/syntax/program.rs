//! The whole input of `pipeline! { ... }` and its top-level blocks.

use syn::parse::{Parse, ParseStream};
use syn::{braced, Ident, Token};

use super::blocks::{
    parse_stack_member, parse_unknown, parse_wave, skip_past_block, PipelineBlock, StackBlock,
    StageBlock, UnknownBlock, WaveBlock,
};
use super::docs::Docs;
use super::keywords::kw;
use super::names::block_name;

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::StackMember;

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
    fn parses_the_stateful_blocks_of_a_stack() {
        let p = parse(
            r#"
            stack S {
                /// Orders.
                table Orders { partition_key: { name: "pk", type: String } }
                queue Jobs { retention: 4d }
                bucket Uploads {}
                topic Events {}
                table: 1,
            }
        "#,
        );
        assert!(p.errors.is_empty());
        let Item::Stack(stack) = &p.items[0] else {
            panic!("stack")
        };
        assert!(stack.errors.is_empty());
        let StackMember::Table(table) = &stack.members[0] else {
            panic!("table first")
        };
        assert_eq!(table.docs.text().as_deref(), Some("Orders."));
        assert!(matches!(stack.members[1], StackMember::Queue(_)));
        assert!(matches!(stack.members[2], StackMember::Bucket(_)));
        assert!(matches!(stack.members[3], StackMember::Topic(_)));
        // `table:` is a field (which lowering refuses), not a block.
        assert!(matches!(stack.members[4], StackMember::Field(_)));
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
