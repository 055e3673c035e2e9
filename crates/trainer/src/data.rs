//! Data for the tasks: the synthetic reversal task, and its vocabulary.

use std::collections::HashSet;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};

/// Padding.
pub const PAD: usize = 0;
/// Start of sentence.
pub const BOS: usize = 1;
/// End of sentence.
pub const EOS: usize = 2;
/// Unknown word.
pub const UNK: usize = 3;

/// One source sentence and its target, as token ids (no start or end tokens).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Pair {
    /// Source token ids.
    pub source: Vec<usize>,
    /// Target token ids.
    pub target: Vec<usize>,
}

/// A vocabulary: `<pad> <bos> <eos> <unk>` at ids 0 to 3, then the words.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Vocabulary {
    /// Every token, by id.
    pub tokens: Vec<String>,
}

impl Vocabulary {
    /// The special tokens followed by `words`.
    pub fn new(words: impl IntoIterator<Item = String>) -> Self {
        let mut tokens: Vec<String> = ["<pad>", "<bos>", "<eos>", "<unk>"].map(String::from).to_vec();
        tokens.extend(words);
        Self { tokens }
    }

    /// Number of tokens, specials included.
    pub fn len(&self) -> usize {
        self.tokens.len()
    }

    /// Whether only the specials are there.
    pub fn is_empty(&self) -> bool {
        self.tokens.len() <= 4
    }

    /// The words of `ids`.
    pub fn decode(&self, ids: &[usize]) -> Vec<&str> {
        ids.iter()
            .map(|&id| self.tokens.get(id).map_or("<unk>", String::as_str))
            .collect()
    }
}

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
