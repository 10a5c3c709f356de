//! What the fuzz targets share: the macro's entry point as the compiler calls it, and
//! the token-level mutator of the `programs` target.

use std::path::PathBuf;
use std::sync::OnceLock;

use pipewright_macros_core::{expand, Context};
use proc_macro2::{Delimiter, Spacing, TokenStream, TokenTree};

/// The context of a program compiled as the `deploy` binary of `fixture/`, a workspace
/// with the `service` package the test programs name (the project's own workspace would
/// do too, at a tenth of the speed: reading its manifests and hashing its sources on
/// every input took most of the time).
fn context() -> &'static Context {
    static CONTEXT: OnceLock<Context> = OnceLock::new();
    CONTEXT.get_or_init(|| Context {
        manifest_dir: Some(
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("fixture")
                .canonicalize()
                .expect("fuzz/fixture"),
        ),
        bin_name: Some("deploy".into()),
    })
}

/// One input: the text of a `pipeline! { ... }` body. Text that the Rust lexer
/// rejects never reaches a macro; the rest is expanded as the compiler would.
pub fn run(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(stream) = text.parse::<TokenStream>() else {
        return;
    };
    std::hint::black_box(expand(stream, context()));
}

/// A flat token of a program: its text, and whether it is glued to the next one (the
/// first of `::`, `->`, `'a`).
#[derive(Clone, Debug, PartialEq)]
pub struct Token {
    /// The token as written; delimiters are tokens of their own.
    pub text: String,
    /// No space between this token and the next.
    pub joint: bool,
}

/// The tokens of `stream`, with its delimiters as tokens (`{`, `}`, ...).
pub fn flatten(stream: TokenStream, out: &mut Vec<Token>) {
    for tree in stream {
        match tree {
            TokenTree::Group(g) => {
                let (open, close) = match g.delimiter() {
                    Delimiter::Brace => ("{", "}"),
                    Delimiter::Bracket => ("[", "]"),
                    Delimiter::Parenthesis => ("(", ")"),
                    Delimiter::None => ("", ""),
                };
                out.push(Token {
                    text: open.into(),
                    joint: false,
                });
                flatten(g.stream(), out);
                out.push(Token {
                    text: close.into(),
                    joint: false,
                });
            }
            TokenTree::Punct(p) => out.push(Token {
                text: p.as_char().to_string(),
                joint: p.spacing() == Spacing::Joint,
            }),
            other => out.push(Token {
                text: other.to_string(),
                joint: false,
            }),
        }
    }
}

/// The text of flat tokens.
pub fn unflatten(tokens: &[Token]) -> String {
    let mut s = String::new();
    for t in tokens {
        s.push_str(&t.text);
        if !t.joint {
            s.push(' ');
        }
    }
    s
}

/// Words and values the language reads, for insertions and replacements: keywords,
/// field names, enum variants, and literals at and past the limits of each check.
pub const VOCABULARY: &[&str] = &[
    "pipeline",
    "stack",
    "stage",
    "lambda",
    "api",
    "account",
    "region",
    "source",
    "repo",
    "branch",
    "connection",
    "synth",
    "commands",
    "install",
    "output",
    "self_mutation",
    "cross_account_keys",
    "codebuild",
    "compute",
    "privileged",
    "image",
    "policy",
    "actions",
    "resources",
    "package",
    "bin",
    "description",
    "memory",
    "timeout",
    "architecture",
    "environment",
    "alarm",
    "threshold",
    "evaluation_periods",
    "period",
    "deployment",
    "binary_media_types",
    "cors",
    "origins",
    "methods",
    "headers",
    "handler",
    "stacks",
    "approval",
    "verify",
    "value",
    "qualifier",
    "stage_name",
    "deploy",
    "Name",
    "Small",
    "Medium",
    "Large",
    "X2Large",
    "X86_64",
    "Arm64",
    "AllAtOnce",
    "Linear10PercentEvery1Minute",
    "Canary10Percent5Minutes",
    "true",
    "false",
    "r#type",
    "_",
    "0",
    "1",
    "-1",
    "-0",
    "128",
    "10240",
    "10241",
    "4294967295",
    "4294967296",
    "18446744073709551615",
    "18446744073709551616",
    "340282366920938463463374607431768211456",
    "0x10",
    "0b1",
    "1_000",
    "1.5",
    "1e9",
    "-1.0",
    "0s",
    "1s",
    "60s",
    "900s",
    "901s",
    "1ms",
    "60ms",
    "5min",
    "1h",
    "24h",
    "1d",
    "307445734561825860min",
    "5124095576030431h",
    "18446744073709551615s",
    "18446744073709551615h",
    "1u8",
    "1i64",
    "\"\"",
    "\"*\"",
    "\" \"",
    "\"service\"",
    "\"111111111111\"",
    "\"us-west-2\"",
    "\"a/b\"",
    "\"../x\"",
    "\"/abs\"",
    "\"é\"",
    "\"\\u{0}\"",
    "r\"raw\"",
    "b\"bytes\"",
    "'c'",
    "'a",
    ":",
    ",",
    ";",
    "-",
    "=",
    "==",
    "#",
    "!",
    "::",
    "/// doc",
    "#[doc = \"x\"]",
    "#[cfg(x)]",
    "{",
    "}",
    "[",
    "]",
    "(",
    ")",
    "{ }",
    "[ ]",
];

/// A xorshift generator seeded by libFuzzer: the same seed, the same mutation.
struct Rng(u64);

impl Rng {
    fn new(seed: u32) -> Self {
        Rng(u64::from(seed) << 1 | 1)
    }

    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        if n == 0 {
            0
        } else {
            (self.0 % n as u64) as usize
        }
    }
}

fn opens(t: &Token) -> bool {
    matches!(t.text.as_str(), "{" | "[" | "(")
}

fn closes(t: &Token) -> bool {
    matches!(t.text.as_str(), "}" | "]" | ")")
}

/// Where the group opened at `at` closes (the index of its closing delimiter), when
/// `at` opens one.
fn group_end(tokens: &[Token], at: usize) -> Option<usize> {
    if !opens(&tokens[at]) {
        return None;
    }
    let mut depth = 0usize;
    for (i, t) in tokens.iter().enumerate().skip(at) {
        if opens(t) {
            depth += 1;
        } else if closes(t) {
            depth -= 1;
            if depth == 0 {
                return Some(i);
            }
        }
    }
    None
}

/// Where the group closed at `at` opens, when `at` closes one.
fn group_start(tokens: &[Token], at: usize) -> Option<usize> {
    if !closes(&tokens[at]) {
        return None;
    }
    let mut depth = 0usize;
    for i in (0..=at).rev() {
        if closes(&tokens[i]) {
            depth += 1;
        } else if opens(&tokens[i]) {
            depth -= 1;
            if depth == 0 {
                return Some(i);
            }
        }
    }
    None
}

/// A random token range: one token, or a whole group `{ ... }` / `[ ... ]` when a
/// delimiter is drawn, so that a field group, a block or a list moves as one and the
/// delimiters stay balanced.
fn range(tokens: &[Token], rng: &mut Rng) -> (usize, usize) {
    let at = rng.below(tokens.len());
    if let Some(end) = group_end(tokens, at) {
        (at, end + 1)
    } else if let Some(start) = group_start(tokens, at) {
        (start, at + 1)
    } else {
        (at, at + 1)
    }
}

/// A random token that is no delimiter, if one is found in a few draws.
fn single(tokens: &[Token], rng: &mut Rng) -> Option<usize> {
    (0..4)
        .map(|_| rng.below(tokens.len()))
        .find(|&i| !opens(&tokens[i]) && !closes(&tokens[i]))
}

fn word(rng: &mut Rng) -> Token {
    Token {
        text: VOCABULARY[rng.below(VOCABULARY.len())].to_owned(),
        joint: false,
    }
}

/// Mutates a program token by token: removes, inserts, replaces, duplicates, moves or
/// wraps tokens and whole groups, keeping delimiters balanced unless a delimiter itself is
/// inserted or removed. `None` when the input does not lex: the caller then mutates its
/// bytes instead.
pub fn mutate_tokens(data: &[u8], seed: u32) -> Option<String> {
    let text = std::str::from_utf8(data).ok()?;
    let stream: TokenStream = text.parse().ok()?;
    let mut tokens = Vec::new();
    flatten(stream, &mut tokens);
    let mut rng = Rng::new(seed);
    for _ in 0..1 + rng.below(3) {
        if tokens.is_empty() {
            tokens.push(word(&mut rng));
            continue;
        }
        match rng.below(8) {
            // Remove a token or a group.
            0 => {
                let (a, b) = range(&tokens, &mut rng);
                tokens.drain(a..b);
            }
            // Insert a word of the language.
            1 => {
                let at = rng.below(tokens.len() + 1);
                tokens.insert(at, word(&mut rng));
            }
            // Replace a token.
            2 => {
                if let Some(at) = single(&tokens, &mut rng) {
                    tokens[at] = word(&mut rng);
                }
            }
            // Duplicate a token or a group in place (a repeated field, block or item).
            3 => {
                let (a, b) = range(&tokens, &mut rng);
                let copy: Vec<Token> = tokens[a..b].to_vec();
                tokens.splice(b..b, copy);
            }
            // Copy a token or a group elsewhere (a field into another block).
            4 => {
                let (a, b) = range(&tokens, &mut rng);
                let copy: Vec<Token> = tokens[a..b].to_vec();
                let at = rng.below(tokens.len() + 1);
                tokens.splice(at..at, copy);
            }
            // Move a token or a group.
            5 => {
                let (a, b) = range(&tokens, &mut rng);
                let moved: Vec<Token> = tokens.drain(a..b).collect();
                let at = rng.below(tokens.len() + 1);
                tokens.splice(at..at, moved);
            }
            // Wrap a token or a group in a list or a group (nesting grows).
            6 => {
                let (a, b) = range(&tokens, &mut rng);
                let (open, close) = if rng.below(2) == 0 {
                    ("[", "]")
                } else {
                    ("{", "}")
                };
                tokens.insert(
                    b,
                    Token {
                        text: close.into(),
                        joint: false,
                    },
                );
                tokens.insert(
                    a,
                    Token {
                        text: open.into(),
                        joint: false,
                    },
                );
            }
            // Swap two tokens.
            _ => {
                if let (Some(a), Some(b)) = (single(&tokens, &mut rng), single(&tokens, &mut rng)) {
                    tokens.swap(a, b);
                }
            }
        }
    }
    Some(unflatten(&tokens))
}

/// Crosses two programs over, token-wise: a token or a whole group of `other` replaces
/// one of `data` (a field, a block or a list of one program in another). `None` when
/// either does not lex.
pub fn crossover_tokens(data: &[u8], other: &[u8], seed: u32) -> Option<String> {
    let lex = |bytes: &[u8]| -> Option<Vec<Token>> {
        let stream: TokenStream = std::str::from_utf8(bytes).ok()?.parse().ok()?;
        let mut tokens = Vec::new();
        flatten(stream, &mut tokens);
        Some(tokens)
    };
    let (mut tokens, other) = (lex(data)?, lex(other)?);
    if other.is_empty() {
        return None;
    }
    let mut rng = Rng::new(seed);
    let (a, b) = range(&other, &mut rng);
    let piece = other[a..b].iter().cloned();
    if tokens.is_empty() {
        tokens.extend(piece);
    } else {
        let (c, d) = range(&tokens, &mut rng);
        tokens.splice(c..d, piece);
    }
    Some(unflatten(&tokens))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flat_tokens_lex_back_to_the_same_stream() {
        let src = "pipeline P { a: 60s, b: [\"x\", -1], c: r#type, d: x::y } /// doc\n stack S {}";
        let mut tokens = Vec::new();
        flatten(src.parse().unwrap(), &mut tokens);
        let back: TokenStream = unflatten(&tokens).parse().unwrap();
        assert_eq!(
            back.to_string(),
            src.parse::<TokenStream>().unwrap().to_string()
        );
    }

    #[test]
    fn group_moves_as_one() {
        let mut tokens = Vec::new();
        flatten("a { b [ c ] } d".parse().unwrap(), &mut tokens);
        assert_eq!(group_end(&tokens, 1), Some(6));
        assert_eq!(group_end(&tokens, 3), Some(5));
        assert_eq!(group_end(&tokens, 0), None);
        assert_eq!(group_start(&tokens, 6), Some(1));
        assert_eq!(group_start(&tokens, 5), Some(3));
        assert_eq!(group_start(&tokens, 4), None);
    }

    #[test]
    fn mutations_change_the_program_and_mostly_still_lex() {
        let src = b"pipeline P { account: \"1\", synth: { commands: [\"a\"] } } stack S { lambda L { memory: 128 } }";
        let mut changed = 0;
        let mut lexes = 0;
        for seed in 0..1000 {
            let out = mutate_tokens(src, seed).unwrap();
            assert_eq!(out, mutate_tokens(src, seed).unwrap(), "deterministic");
            let original = std::str::from_utf8(src).unwrap().parse::<TokenStream>();
            if out.parse::<TokenStream>().map(|s| s.to_string()).ok()
                != original.map(|s| s.to_string()).ok()
            {
                changed += 1;
            }
            if out.parse::<TokenStream>().is_ok() {
                lexes += 1;
            }
        }
        assert!(
            changed > 900,
            "{changed} of 1000 mutations changed the program"
        );
        assert!(lexes > 850, "{lexes} of 1000 mutations lex");
    }

    #[test]
    fn crossover_moves_a_group_between_programs() {
        let a = b"stack S { lambda L { memory: 128 } }";
        let b = b"stage P { account: \"1\", stacks: [S] }";
        let crossed: Vec<String> = (0..200)
            .map(|seed| crossover_tokens(a, b, seed).unwrap())
            .collect();
        assert!(crossed
            .iter()
            .any(|c| c.contains("[ S ]") && c.contains("lambda")));
        assert!(crossed
            .iter()
            .any(|c| c.contains("{ account : \"1\" , stacks : [ S ] }")));
        assert_eq!(crossover_tokens(a, b"\"unterminated", 0), None);
    }
}
