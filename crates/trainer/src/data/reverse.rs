//! The reversal task's data: random sequences of symbols, each paired with
//! its reverse, generated from the seed (nothing to download).

use std::collections::HashSet;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::data::{Pair, Vocabulary};

/// The reversal task's symbols, `a`, `b`, ... (then `s26`, `s27`, ...).
pub fn reverse_vocabulary(symbols: usize) -> Vocabulary {
    Vocabulary::new((0..symbols).map(|i| {
        if i < 26 {
            ((b'a' + i as u8) as char).to_string()
        } else {
            format!("s{i}")
        }
    }))
}

/// The splits of the reversal task: distinct random sequences of 2 to
/// `max_len` symbols, each paired with its reverse; the same seed gives the
/// same splits, and no sequence is in two splits.
pub fn reverse_splits(seed: u64, train_size: usize, symbols: usize, max_len: usize) -> [Vec<Pair>; 3] {
    let mut rng = StdRng::seed_from_u64(seed);
    let held_out = (train_size / 10).max(1);
    let total = train_size + 2 * held_out;
    let mut seen = HashSet::new();
    let mut pairs = Vec::with_capacity(total);
    // The space of sequences is far larger than `total` for the sizes the
    // task is meant for; the attempt bound stops a too-small space.
    for _ in 0..total * 100 {
        if pairs.len() == total {
            break;
        }
        let len = rng.random_range(2..=max_len);
        let source: Vec<usize> = (0..len).map(|_| 4 + rng.random_range(0..symbols)).collect();
        if seen.insert(source.clone()) {
            let target = source.iter().rev().copied().collect();
            pairs.push(Pair { source, target });
        }
    }
    let test = pairs.split_off(pairs.len().saturating_sub(held_out));
    let valid = pairs.split_off(pairs.len().saturating_sub(held_out));
    [pairs, valid, test]
}
