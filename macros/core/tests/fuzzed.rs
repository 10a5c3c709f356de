//! Inputs that fuzzing (`scripts/fuzz`, README.md "Fuzzing") or its triage found to crash
//! the macro or to lose its errors; each test failed before the fix it names.

use pipewright_macros_core::syntax::MAX_VALUE_DEPTH;
use pipewright_macros_core::{synthesize, Context};
use proc_macro2::TokenStream;

/// No workspace: these inputs fail before it matters.
fn context() -> Context {
    Context {
        manifest_dir: None,
        bin_name: None,
        package_name: None,
    }
}

/// The messages of every error the macro reports for `source`.
fn errors(source: &str) -> Vec<String> {
    let input: TokenStream = source.parse().expect("the input lexes");
    match synthesize(input, &context()) {
        Ok(_) => panic!("`{source}` was accepted"),
        Err(e) => e.into_iter().map(|e| e.to_string()).collect(),
    }
}

/// On the compiler's stack (8 MiB, the size rustc runs macros on), as the compiler would.
fn on_compiler_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new()
        .stack_size(8 << 20)
        .spawn(f)
        .unwrap()
        .join()
        .unwrap()
}

/// `account: [[[[...]]]]`, `depth` lists deep.
fn nested_lists(depth: usize) -> String {
    format!(
        "pipeline P {{ account: {}{}, region: 1 }}",
        "[".repeat(depth),
        "]".repeat(depth)
    )
}

/// 5,000 nested brackets overflowed the stack (the parser of values recursed once per
/// level: about 2 KiB each in a debug build, the build a proc macro runs as), which kills
/// the compiler; values now nest at most `MAX_VALUE_DEPTH` deep.
#[test]
fn deeply_nested_values_are_an_error_not_a_stack_overflow() {
    let messages = on_compiler_stack(|| errors(&nested_lists(5000)));
    let limit = format!("lists and groups nest at most {MAX_VALUE_DEPTH} deep");
    assert!(messages.contains(&limit), "{messages:?}");
    // The other mistakes are still reported.
    assert!(
        messages.contains(&"`region` expects a string, found an integer".to_owned()),
        "{messages:?}"
    );

    // Groups count as lists do.
    let groups = format!(
        "pipeline P {{ codebuild: {}{} }}",
        "{ a: ".repeat(5000),
        "}".repeat(5000)
    );
    let messages = on_compiler_stack(move || errors(&groups));
    assert!(messages.contains(&limit), "{messages:?}");
}

/// The input the `programs` fuzzer found overflowing the stack (in 39,370 inputs, half a
/// minute, before either fix): the large test program with `#[doc = { { ... } }]`, 1,050
/// blocks deep, before a stack. syn read the attribute's value as an expression, one
/// recursion per block; a value that is not a literal is now refused unread.
#[test]
fn the_fuzzers_stack_overflow_is_an_error() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fuzzed/stack-overflow-doc-attribute-blocks");
    let source = std::fs::read_to_string(path).unwrap();
    let messages = on_compiler_stack(move || errors(&source));
    let refused = "only doc comments (`///`) are allowed on blocks".to_owned();
    assert!(messages.contains(&refused), "{messages:?}");
    // The rest of the program is still checked.
    assert!(
        messages.contains(&"no stack `Storefront`; the stacks are `Backoffice`".to_owned()),
        "{messages:?}"
    );

    // Deeper, and with operators (a unary minus recursed the same way).
    let blocks = format!(
        "#[doc = {}{}] stack S {{}}",
        "{ ".repeat(5000),
        "} ".repeat(5000)
    );
    let minus = format!("#[doc = {}1] stack S {{}}", "- ".repeat(20000));
    for source in [blocks, minus] {
        let messages = on_compiler_stack(move || errors(&source));
        assert!(messages.contains(&refused), "{messages:?}");
    }
    // A doc comment is still one.
    let documented = errors("/// Ships.\n#[doc = \"More.\"] stack S {}");
    assert!(!documented.contains(&refused), "{documented:?}");
}

/// The bound is past anything the language uses: at the limit the value is read (and
/// rejected for what it is, not for its depth), one more level is the error.
#[test]
fn values_nest_up_to_the_limit() {
    let at_limit = errors(&nested_lists(MAX_VALUE_DEPTH));
    assert!(
        at_limit.contains(&"`account` expects a string, found a list".to_owned()),
        "{at_limit:?}"
    );
    assert!(!at_limit.iter().any(|m| m.contains("nest at most")));
    let past = errors(&nested_lists(MAX_VALUE_DEPTH + 1));
    assert!(past.iter().any(|m| m.contains("nest at most")), "{past:?}");
}

/// A bad item in a list left tokens inside the brackets, and syn then replaced every
/// error of the program by one "unexpected token, expected `]`": the item's own error and
/// the program's other mistakes were lost.
#[test]
fn an_error_inside_a_list_keeps_every_other_error() {
    let messages = errors(
        r#"pipeline P { account: [ : ], region: 1 }
           stack S { lambda L { package: "service", environment: [1 2], memory: "x" } }"#,
    );
    for expected in [
        "expected a value: a string, an integer, `true`/`false`, a name, a list `[...]` or a group `{...}`",
        "`region` expects a string, found an integer",
        "expected `,`",
        "`memory` expects a memory size in MB, found a string",
    ] {
        assert!(
            messages.contains(&expected.to_owned()),
            "missing {expected:?} in {messages:?}"
        );
    }
    assert!(
        !messages.iter().any(|m| m.starts_with("unexpected token")),
        "{messages:?}"
    );
}
