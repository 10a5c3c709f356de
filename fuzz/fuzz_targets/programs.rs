//! The test programs, mutated: the corpus starts from the body of every `pipeline!`
//! invocation of the project (`scripts/fuzz` writes it). A mutation is token-level
//! (tokens and whole groups removed, inserted, replaced, duplicated, moved or wrapped in
//! brackets; words of the language inserted) or, when the input does not lex and one time
//! in four, libFuzzer's own byte-level mutation. Crossover splices a token or a group of
//! one program into another.
#![no_main]

use libfuzzer_sys::{fuzz_crossover, fuzz_mutator, fuzz_target, fuzzer_mutate};

fuzz_target!(
    init: pipewright_macros_fuzz::catch_stack_overflows(),
    |data: &[u8]| pipewright_macros_fuzz::run(data)
);

fuzz_mutator!(|data: &mut [u8], size: usize, max_size: usize, seed: u32| {
    if !seed.is_multiple_of(4) {
        if let Some(mutated) = pipewright_macros_fuzz::mutate_tokens(&data[..size], seed) {
            if mutated.len() <= max_size {
                data[..mutated.len()].copy_from_slice(mutated.as_bytes());
                return mutated.len();
            }
        }
    }
    fuzzer_mutate(data, size, max_size)
});

fuzz_crossover!(|data1: &[u8], data2: &[u8], out: &mut [u8], seed: u32| {
    match pipewright_macros_fuzz::crossover_tokens(data1, data2, seed) {
        Some(crossed) if crossed.len() <= out.len() => {
            out[..crossed.len()].copy_from_slice(crossed.as_bytes());
            crossed.len()
        }
        // Bytes: the first half of one input, then the second half of the other.
        _ => {
            let (head, tail) = (&data1[..data1.len() / 2], &data2[data2.len() / 2..]);
            let n = (head.len() + tail.len()).min(out.len());
            let joined: Vec<u8> = head.iter().chain(tail).copied().take(n).collect();
            out[..n].copy_from_slice(&joined);
            n
        }
    }
});
