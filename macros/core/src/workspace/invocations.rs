//! The line each macro invocation of a source file starts on.
//!
//! Inside a proc macro, a file parsed from text has no locations: the compiler gives every
//! token of `TokenStream::from_str` the macro's call site. The lines of a function's
//! declarations, which the messages cite, come from this scan of the text instead: a lexer
//! that knows Rust's comments and literals, so that a `links!` in a comment or a string is
//! not taken for one.

/// One invocation of a macro: the line of its name (1-based) and the text between its
/// delimiters.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Invocation<'a> {
    pub(super) line: usize,
    pub(super) body: &'a str,
}

/// What the scan of a source text found.
pub(super) struct Scan<'a> {
    /// Every invocation of the macro, in the order written, nested ones too.
    pub(super) invocations: Vec<Invocation<'a>>,
    /// Whether the text declares a file module (`mod NAME;`).
    pub(super) file_modules: bool,
}

/// Every invocation `NAME!(...)`, `NAME![...]` or `NAME! { ... }` of `text` (paths such as
/// `krate::NAME!` included), and whether it declares a file module.
pub(super) fn scan<'a>(text: &'a str, name: &str) -> Scan<'a> {
    let mut lexer = Lexer {
        text,
        pos: 0,
        line: 1,
    };
    let mut tokens = Vec::new();
    while let Some(token) = lexer.next_token() {
        tokens.push(token);
    }
    let is_word =
        |token: &Token, word: &str| token.kind == Kind::Ident && text[token.range.clone()] == *word;
    let mut found = Scan {
        invocations: Vec::new(),
        file_modules: false,
    };
    for (i, window) in tokens.windows(3).enumerate() {
        let [first, second, third] = window else {
            continue;
        };
        if is_word(first, "mod") && second.kind == Kind::Ident && third.kind == Kind::Punct(';') {
            found.file_modules = true;
        }
        let is_call = is_word(first, name)
            && second.kind == Kind::Punct('!')
            && matches!(third.kind, Kind::Open(_));
        if !is_call {
            continue;
        }
        if let Some(close) = matching_close(&tokens[i + 2..]) {
            found.invocations.push(Invocation {
                line: first.line,
                body: &text[third.range.end..close.range.start],
            });
        }
    }
    found
}

/// The token closing the group `tokens[0]` opens.
fn matching_close(tokens: &[Token]) -> Option<&Token> {
    let mut depth = 0usize;
    for token in tokens {
        match token.kind {
            Kind::Open(_) => depth += 1,
            Kind::Close(_) => {
                depth -= 1;
                if depth == 0 {
                    return Some(token);
                }
            }
            _ => {}
        }
    }
    None
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Ident,
    /// A string, character, byte or number literal, or a lifetime.
    Literal,
    Punct(char),
    Open(char),
    Close(char),
}

struct Token {
    kind: Kind,
    range: std::ops::Range<usize>,
    line: usize,
}

/// Rust's tokens, without comments and whitespace. Enough of the lexical grammar to tell
/// code from comments and literals; what is not valid Rust yields some tokens and no panic.
struct Lexer<'a> {
    text: &'a str,
    pos: usize,
    line: usize,
}

impl Lexer<'_> {
    fn rest(&self) -> &str {
        &self.text[self.pos..]
    }

    fn peek(&self, n: usize) -> Option<char> {
        self.rest().chars().nth(n)
    }

    /// Moves past `len` bytes, counting lines.
    fn advance(&mut self, len: usize) {
        let len = len.min(self.text.len() - self.pos);
        self.line += self.text[self.pos..self.pos + len].matches('\n').count();
        self.pos += len;
    }

    fn next_token(&mut self) -> Option<Token> {
        self.skip_trivia();
        let c = self.peek(0)?;
        let (start, line) = (self.pos, self.line);
        let kind = if is_ident_start(c) {
            self.word()
        } else if c.is_ascii_digit() {
            let digits = self.rest().find(|c: char| !is_ident_char(c));
            self.advance(digits.unwrap_or(self.rest().len()));
            Kind::Literal
        } else if c == '"' {
            self.quoted('"');
            Kind::Literal
        } else if c == '\'' {
            self.quote_or_lifetime();
            Kind::Literal
        } else {
            self.advance(c.len_utf8());
            match c {
                '(' | '[' | '{' => Kind::Open(c),
                ')' | ']' | '}' => Kind::Close(c),
                _ => Kind::Punct(c),
            }
        };
        Some(Token {
            kind,
            range: start..self.pos,
            line,
        })
    }

    /// Whitespace and comments (block comments nest).
    fn skip_trivia(&mut self) {
        loop {
            let rest = self.rest();
            if rest.starts_with("//") {
                self.advance(rest.find('\n').unwrap_or(rest.len()));
            } else if rest.starts_with("/*") {
                self.block_comment();
            } else if let Some(c) = rest.chars().next().filter(|c| c.is_whitespace()) {
                self.advance(c.len_utf8());
            } else {
                return;
            }
        }
    }

    fn block_comment(&mut self) {
        let mut depth = 0usize;
        while !self.rest().is_empty() {
            if self.rest().starts_with("/*") {
                depth += 1;
                self.advance(2);
            } else if self.rest().starts_with("*/") {
                depth -= 1;
                self.advance(2);
                if depth == 0 {
                    return;
                }
            } else {
                let c = self.peek(0).map_or(1, char::len_utf8);
                self.advance(c);
            }
        }
    }

    /// An identifier or keyword, or the literal it prefixes (`b"..."`, `r#"..."#`, `b'x'`,
    /// `c"..."`), or a raw identifier (`r#type`).
    fn word(&mut self) -> Kind {
        let len = self.rest().find(|c: char| !is_ident_char(c));
        let word_len = len.unwrap_or(self.rest().len());
        // The prefixes of literals, as `'static` text: reading one moves the lexer.
        let prefix = match &self.rest()[..word_len] {
            "r" => "r",
            "br" => "br",
            "cr" => "cr",
            "b" => "b",
            "c" => "c",
            _ => "",
        };
        let after = self.rest()[word_len..].chars().next();
        match (prefix, after) {
            ("r" | "br" | "cr", Some('"' | '#')) if self.raw_string(word_len) => Kind::Literal,
            ("b" | "c", Some('"')) => {
                self.advance(word_len);
                self.quoted('"');
                Kind::Literal
            }
            ("b", Some('\'')) => {
                self.advance(word_len);
                self.quoted('\'');
                Kind::Literal
            }
            ("r", Some('#')) => {
                // A raw identifier: `r#` and the identifier.
                self.advance(2);
                let ident = self.rest().find(|c: char| !is_ident_char(c));
                self.advance(ident.unwrap_or(self.rest().len()));
                Kind::Ident
            }
            _ => {
                self.advance(word_len);
                Kind::Ident
            }
        }
    }

    /// `r"..."`, `r#"..."#` and so on after a prefix of `prefix_len` bytes; false (nothing
    /// read) when the hashes are not followed by a quote.
    fn raw_string(&mut self, prefix_len: usize) -> bool {
        let after_prefix = &self.rest()[prefix_len..];
        let hashes = after_prefix.len() - after_prefix.trim_start_matches('#').len();
        if !after_prefix[hashes..].starts_with('"') {
            return false;
        }
        let closing = format!("\"{}", "#".repeat(hashes));
        let body_start = prefix_len + hashes + 1;
        let body_len = self.rest()[body_start..].find(&closing);
        let total = match body_len {
            Some(len) => body_start + len + closing.len(),
            None => self.rest().len(),
        };
        self.advance(total);
        true
    }

    /// A literal from its opening `quote` to the closing one, escapes skipped.
    fn quoted(&mut self, quote: char) {
        self.advance(1);
        let mut chars = self.rest().char_indices();
        let mut end = self.rest().len();
        while let Some((i, c)) = chars.next() {
            if c == '\\' {
                chars.next();
            } else if c == quote {
                end = i + 1;
                break;
            }
        }
        self.advance(end);
    }

    /// `'x'`, `'\n'` (a character) or `'a` (a lifetime or label).
    fn quote_or_lifetime(&mut self) {
        let escaped = self.peek(1) == Some('\\');
        let one_char = self.peek(2) == Some('\'') && self.peek(1).is_some();
        if escaped || one_char {
            self.quoted('\'');
        } else {
            self.advance(1);
        }
    }
}

fn is_ident_start(c: char) -> bool {
    c == '_' || c.is_alphabetic()
}

fn is_ident_char(c: char) -> bool {
    c == '_' || c.is_alphanumeric()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines_and_bodies(text: &str) -> Vec<(usize, String)> {
        scan(text, "links")
            .invocations
            .into_iter()
            .map(|i| (i.line, i.body.trim().to_owned()))
            .collect()
    }

    #[test]
    fn finds_each_invocation_with_its_line() {
        let text = "use pipewright_links::links;\n\
                    links! { struct A { x: Table(X, Read) } }\n\
                    fn main() {\n    pipewright_links::links!(\n        struct B {}\n    );\n}\n\
                    mod m { links![struct C {}]; }\n";
        assert_eq!(
            lines_and_bodies(text),
            [
                (2, "struct A { x: Table(X, Read) }".to_owned()),
                (4, "struct B {}".to_owned()),
                (8, "struct C {}".to_owned()),
            ]
        );
    }

    #[test]
    fn comments_and_literals_hold_no_invocation() {
        let text = r####"// links! { struct InALineComment {} }
/* links! { /* nested */ struct InABlockComment {} } */
/// links! { struct InADocComment {} }
const S: &str = "links! { struct InAString {} } \" links!{}";
const R: &str = r#"links! { " struct InARawString {} }"#;
const B: &[u8] = b"links!{}";
const C: char = '{';
const Q: char = '\'';
fn f<'a>(x: &'a str) -> &'a str { x }
let r#type = links! { struct Real { brace: Table(X, Read) } };
"####;
        assert_eq!(
            lines_and_bodies(text),
            [(10, "struct Real { brace: Table(X, Read) }".to_owned())]
        );
    }

    #[test]
    fn knows_whether_a_file_declares_file_modules() {
        let declares = |text: &str| scan(text, "links").file_modules;
        assert!(declares("mod a;"));
        assert!(declares("#[path = \"x.rs\"] pub(crate) mod r#type;"));
        assert!(declares("mod inline { mod nested; }"));
        assert!(!declares("mod inline { fn f() {} }"));
        assert!(!declares(
            "// mod commented;\nconst S: &str = \"mod in_a_string;\";"
        ));
    }

    #[test]
    fn other_macros_and_unbalanced_text_are_not_invocations() {
        assert!(lines_and_bodies("unlinks! {} links != 3; my_links!()").is_empty());
        assert!(lines_and_bodies("links! { struct Open {").is_empty());
        // Text that is not Rust yields no panic.
        for text in ["'", "r#", "r##\"", "b'", "\"", "/* /*", "links!"] {
            lines_and_bodies(text);
        }
    }
}
