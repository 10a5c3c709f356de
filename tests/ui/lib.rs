//! The `pipeline!` language's compile-time contract, as a test suite: programs that follow
//! the language compile and run (`pass/`), and every rule of the language is a compile
//! error at the offending token (`fail/`, one case per rule, each `.stderr` holding the
//! expected message). Run it with `cargo test -p pipewright-language-suite`.
#![forbid(unsafe_code)]
