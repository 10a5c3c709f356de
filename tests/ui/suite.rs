//! The language's compile-time contract: programs that follow DSL.md compile and run
//! (`tests/ui/pass`), and every rule of DSL.md is a compile error at the offending token
//! (`tests/ui/fail`, one case per rule, each `.stderr` holding the expected message).
//!
//! The `.stderr` files are tied to the fixed toolchain. Regenerate with
//! `TRYBUILD=overwrite cargo test -p pipewright-language-suite` and read the diff.

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.pass("pass/*.rs");
    cases.compile_fail("fail/*.rs");
}
