//! Arbitrary token streams: any bytes that are UTF-8 and lex as Rust tokens, as the body
//! of `pipeline! { ... }`, through the macro's expansion.
#![no_main]

libfuzzer_sys::fuzz_target!(
    init: pipewright_macros_fuzz::catch_stack_overflows(),
    |data: &[u8]| pipewright_macros_fuzz::run(data)
);
