//! What the fuzz targets share: the macro's entry point as the compiler calls it, and
//! the token-level mutator of the `programs` target.

use std::ffi::CString;
use std::path::PathBuf;
use std::sync::atomic::{AtomicPtr, AtomicUsize, Ordering};
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
        package_name: Some("backend-pipeline".into()),
    })
}

/// The stack the fuzzers run on (`scripts/fuzz` sets it with `ulimit -s`, in KiB). The
/// compiler runs a macro on an 8 MiB stack, and runs the debug build of it, whose frames
/// are several times those of this optimized build (nested lists overflowed 8 MiB at
/// 4,000 levels there, at 10,000-15,000 levels here): on a quarter of the size, a
/// recursion that would overflow there overflows here too.
pub const STACK_KIB: usize = 2048;

/// The input being run, for the SIGSEGV handler to save.
static INPUT: AtomicPtr<u8> = AtomicPtr::new(std::ptr::null_mut());
static INPUT_LEN: AtomicUsize = AtomicUsize::new(0);
/// Where the SIGSEGV handler saves it: `<-artifact_prefix>stack-overflow`.
static OVERFLOW_PATH: OnceLock<CString> = OnceLock::new();

/// One input: the text of a `pipeline! { ... }` body. Text that the Rust lexer
/// rejects never reaches a macro; the rest is expanded as the compiler would.
pub fn run(data: &[u8]) {
    INPUT.store(data.as_ptr().cast_mut(), Ordering::Relaxed);
    INPUT_LEN.store(data.len(), Ordering::Relaxed);
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(stream) = text.parse::<TokenStream>() else {
        return;
    };
    std::hint::black_box(expand(stream, context()));
}

/// Makes a stack overflow a reported crash, with its input saved. The fuzzer's `main` is
/// libFuzzer's, not Rust's, so the standard library's overflow handler (a signal stack
/// and a SIGSEGV handler on it) is never installed, and libFuzzer's own handler ran on
/// the exhausted stack: the process died of a second fault, with no report and no crash
/// file. (Nor can libFuzzer's handler be reached on a signal stack: the overflow is often
/// inside `malloc`, and its report allocates, which deadlocked.) This installs a handler
/// on a signal stack of its own, which libFuzzer (setting up its handlers after the
/// target's `init`) hands SIGSEGV to; it writes the input to
/// `<-artifact_prefix>stack-overflow` with system calls only and exits with libFuzzer's
/// crash status, 77.
pub fn catch_stack_overflows() {
    const SIGNAL_STACK: usize = 1 << 20;
    let prefix = std::env::args()
        .find_map(|a| a.strip_prefix("-artifact_prefix=").map(str::to_owned))
        .unwrap_or_default();
    OVERFLOW_PATH.get_or_init(|| CString::new(format!("{prefix}stack-overflow")).unwrap());

    extern "C" fn on_segv(_: libc::c_int, _: *mut libc::siginfo_t, _: *mut libc::c_void) {
        let say = |bytes: &[u8]| {
            // SAFETY: write(2) is async-signal-safe; the buffer is valid.
            unsafe { libc::write(2, bytes.as_ptr().cast(), bytes.len()) };
        };
        say(b"==pipewright-fuzz: SIGSEGV: a stack overflow (or a bad memory access)\n");
        if let Some(path) = OVERFLOW_PATH.get() {
            let (input, len) = (
                INPUT.load(Ordering::Relaxed),
                INPUT_LEN.load(Ordering::Relaxed),
            );
            // SAFETY: open/write/close are async-signal-safe; the input is libFuzzer's
            // buffer of the unit being run, alive until it returns.
            unsafe {
                let fd = libc::open(
                    path.as_ptr(),
                    libc::O_WRONLY | libc::O_CREAT | libc::O_TRUNC,
                    0o644,
                );
                if fd >= 0 && !input.is_null() {
                    libc::write(fd, input.cast(), len);
                    libc::close(fd);
                    say(b"==pipewright-fuzz: the input is saved as ");
                    say(path.as_bytes());
                    say(b"\n");
                }
            }
        }
        // SAFETY: _exit(2) is async-signal-safe.
        unsafe { libc::_exit(77) };
    }

    let stack: &'static mut [u8] = Box::leak(vec![0u8; SIGNAL_STACK].into_boxed_slice());
    // SAFETY: the signal stack is leaked, so it lives as long as the process; the
    // structures are zero-initialized C structs filled in before use.
    unsafe {
        let mut ss: libc::stack_t = std::mem::zeroed();
        ss.ss_sp = stack.as_mut_ptr().cast();
        ss.ss_size = SIGNAL_STACK;
        assert_eq!(
            libc::sigaltstack(&ss, std::ptr::null_mut()),
            0,
            "sigaltstack"
        );
        let mut action: libc::sigaction = std::mem::zeroed();
        action.sa_sigaction = on_segv as *const () as usize;
        action.sa_flags = libc::SA_SIGINFO | libc::SA_ONSTACK;
        libc::sigemptyset(&mut action.sa_mask);
        for signal in [libc::SIGSEGV, libc::SIGBUS] {
            assert_eq!(
                libc::sigaction(signal, &action, std::ptr::null_mut()),
                0,
                "sigaction"
            );
        }
    }
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
            // Wrap a token or a group in lists or groups: once, or up to thousands of
            // times (deep nesting, which coverage alone does not lead to).
            6 => {
                let (a, b) = range(&tokens, &mut rng);
                let (open, close) = if rng.below(2) == 0 {
                    ("[", "]")
                } else {
                    ("{", "}")
                };
                let scale = 1 << rng.below(13);
                let levels = 1 + rng.below(scale);
                let delimiter = |text: &str| Token {
                    text: text.into(),
                    joint: false,
                };
                tokens.splice(b..b, std::iter::repeat_n(delimiter(close), levels));
                tokens.splice(a..a, std::iter::repeat_n(delimiter(open), levels));
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
        // Wrapping nests up to 4,096 levels deep, and the debug build's lexer recurses
        // once per level: a stack of the size the fuzzer's release build is given would
        // not do.
        let (changed, lexes, deepest) = std::thread::Builder::new()
            .stack_size(256 << 20)
            .spawn(|| {
                let src = b"pipeline P { account: \"1\", synth: { commands: [\"a\"] } } stack S { lambda L { memory: 128 } }";
                let original = std::str::from_utf8(src).unwrap().parse::<TokenStream>();
                let original = original.unwrap().to_string();
                let (mut changed, mut lexes, mut deepest) = (0, 0, 0);
                for seed in 0..1000 {
                    let out = mutate_tokens(src, seed).unwrap();
                    assert_eq!(out, mutate_tokens(src, seed).unwrap(), "deterministic");
                    if let Ok(stream) = out.parse::<TokenStream>() {
                        lexes += 1;
                        if stream.to_string() != original {
                            changed += 1;
                        }
                    } else {
                        changed += 1;
                    }
                    let depth = out.split(' ').fold((0i32, 0i32), |(d, max), t| match t {
                        "{" | "[" | "(" => (d + 1, max.max(d + 1)),
                        "}" | "]" | ")" => (d - 1, max),
                        _ => (d, max),
                    });
                    deepest = deepest.max(depth.1);
                }
                (changed, lexes, deepest)
            })
            .unwrap()
            .join()
            .unwrap();
        assert!(
            changed > 900,
            "{changed} of 1000 mutations changed the program"
        );
        assert!(lexes > 850, "{lexes} of 1000 mutations lex");
        assert!(deepest > 1000, "the deepest nesting is only {deepest}");
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
