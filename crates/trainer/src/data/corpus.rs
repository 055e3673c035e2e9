//! The translation task's data: the built-in English-French corpus
//! ([`crate::data::french`]) or a Tatoeba file ([`crate::data::tatoeba`]), split into
//! training, validation and test sets with no English sentence in two of
//! them, and the word vocabularies of its training split.
//!
//! A run keeps its splits in its directory (`splits/train.tsv`, ...), one
//! tokenized pair a line, so that `attn eval` and `--resume` read exactly
//! the sentences the run was made with, whatever happens to the data file.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;

use crate::TrainError;
use crate::data::tatoeba::{Filter, SentencePair, read_pairs};
use crate::data::{Pair, UNK, Vocabularies, Vocabulary};
use crate::run_dir::RunDir;

/// The three splits of a corpus.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Splits {
    /// Training pairs.
    pub train: Vec<SentencePair>,
    /// Validation pairs, scored every epoch.
    pub valid: Vec<SentencePair>,
    /// Test pairs, scored by `attn eval`.
    pub test: Vec<SentencePair>,
}

impl Splits {
    /// The splits by name, in order.
    pub fn named(&self) -> [(&'static str, &[SentencePair]); 3] {
        [("train", &self.train), ("valid", &self.valid), ("test", &self.test)]
    }
}

/// The built-in corpus: `train_size` training pairs and a tenth of that for
/// validation and for test, generated from `seed`; pairs longer than
/// `max_len` tokens on either side are dropped.
///
/// # Example
///
/// ```
/// let splits = trainer::data::corpus::builtin(42, 100, 16);
/// assert_eq!((splits.train.len(), splits.valid.len(), splits.test.len()), (100, 10, 10));
/// ```
pub fn builtin(seed: u64, train_size: usize, max_len: usize) -> Splits {
    let held_out = (train_size / 10).max(1);
    tracing::info!("generating {} pairs of the built-in corpus", train_size + 2 * held_out);
    let generated = crate::data::french::generate(seed, train_size + 2 * held_out);
    let filter = Filter {
        max_len: Some(max_len),
        english_prefixes: Vec::new(),
    };
    let mut pairs: Vec<SentencePair> = generated
        .into_iter()
        .map(|pair| SentencePair::new(&pair.english, &pair.french))
        .filter(|pair| filter.keeps(pair))
        .collect();
    // The generator's sentences are distinct and already in random order.
    let held_out = held_out.min(pairs.len() / 3);
    let test = pairs.split_off(pairs.len() - held_out);
    let valid = pairs.split_off(pairs.len() - held_out);
    Splits {
        train: pairs,
        valid,
        test,
    }
}

/// A Tatoeba file, filtered, without repeated pairs, split 80/10/10 by
/// English sentence (all translations of one English sentence go to the
/// same split) in an order drawn from `seed`.
///
/// # Errors
///
/// As [`read_pairs`]; or too few pairs are left to split.
pub fn from_file(path: &Path, filter: &Filter, seed: u64) -> Result<Splits, TrainError> {
    split_by_english(read_pairs(path, filter)?, seed).map_err(|e| TrainError::Input(format!("{}: {e}", path.display())))
}

/// `pairs` without repeats, split 80/10/10 by English sentence: all
/// translations of one English sentence go to the same split, the sentences
/// dealt in an order drawn from `seed`, so no test sentence is seen in
/// training.
///
/// # Errors
///
/// If fewer than 3 distinct English sentences are left (one per split); the
/// message says how many.
pub fn split_by_english(pairs: Vec<SentencePair>, seed: u64) -> Result<Splits, TrainError> {
    let mut seen = HashSet::new();
    let mut groups: Vec<Vec<SentencePair>> = Vec::new();
    let mut group_of: HashMap<Vec<String>, usize> = HashMap::new();
    for pair in pairs {
        if !seen.insert(pair.clone()) {
            continue;
        }
        let next = groups.len();
        let group = *group_of.entry(pair.english.clone()).or_insert(next);
        if group == next {
            groups.push(Vec::new());
        }
        groups[group].push(pair);
    }
    if groups.len() < 3 {
        return Err(TrainError::Input(format!(
            "{} distinct English sentence{} left after filtering; at least 3 are needed (one per split)",
            groups.len(),
            if groups.len() == 1 { "" } else { "s" }
        )));
    }
    groups.shuffle(&mut StdRng::seed_from_u64(seed));
    let held_out = (groups.len() / 10).max(1);
    let test: Vec<SentencePair> = groups
        .split_off(groups.len() - held_out)
        .into_iter()
        .flatten()
        .collect();
    let valid: Vec<SentencePair> = groups
        .split_off(groups.len() - held_out)
        .into_iter()
        .flatten()
        .collect();
    Ok(Splits {
        train: groups.into_iter().flatten().collect(),
        valid,
        test,
    })
}

/// The vocabularies of the training split: words seen at least `min_count`
/// times, the most frequent first, at most `caps` tokens (source, target;
/// specials included) when given.
pub fn vocabularies(train: &[SentencePair], min_count: usize, caps: (Option<usize>, Option<usize>)) -> Vocabularies {
    let english: Vec<&[String]> = train.iter().map(|p| p.english.as_slice()).collect();
    let french: Vec<&[String]> = train.iter().map(|p| p.french.as_slice()).collect();
    let cap = |vocab: Vocabulary, size: Option<usize>| match size {
        Some(size) => vocab.capped(size),
        None => vocab,
    };
    Vocabularies {
        source: cap(Vocabulary::from_sentences(&english, min_count), caps.0),
        target: cap(Vocabulary::from_sentences(&french, min_count), caps.1),
    }
}

/// Token ids of `pairs`; words outside the vocabularies become `<unk>`.
/// Also returns how many tokens did.
pub fn encode(pairs: &[SentencePair], vocab: &Vocabularies) -> (Vec<Pair>, usize) {
    let (source, target) = (vocab.source.encoder(), vocab.target.encoder());
    let encoded: Vec<Pair> = pairs
        .iter()
        .map(|p| Pair {
            source: source.encode(&p.english),
            target: target.encode(&p.french),
        })
        .collect();
    let unknown = encoded
        .iter()
        .flat_map(|p| p.source.iter().chain(&p.target))
        .filter(|&&id| id == UNK)
        .count();
    (encoded, unknown)
}

/// Writes the splits into the run directory, each file atomically: one pair
/// a line, `english<TAB>french`, as written (the word tokens follow from the
/// text; runs before 0.3.1 wrote the tokens, which read back the same).
///
/// # Errors
///
/// If a file cannot be written.
pub fn save_splits(run: &RunDir, splits: &Splits) -> Result<(), TrainError> {
    for (name, pairs) in splits.named() {
        let text: String = pairs
            .iter()
            .map(|p| format!("{}\t{}\n", p.english_text, p.french_text))
            .collect();
        run.write_split(name, &text)?;
    }
    Ok(())
}

/// Reads one split a run saved.
///
/// # Errors
///
/// If the file is missing or a line is not two tab-separated sentences;
/// the message names the file and the line.
pub fn read_split(run: &RunDir, split: &str) -> Result<Vec<SentencePair>, TrainError> {
    let (path, text) = run.read_split(split)?;
    text.lines()
        .enumerate()
        .map(|(number, line)| {
            let pair = line
                .split_once('\t')
                .map(|(english, french)| SentencePair::new(english, french));
            match pair {
                Some(pair) if !pair.english.is_empty() && !pair.french.is_empty() => Ok(pair),
                _ => Err(TrainError::Input(format!(
                    "{}:{}: expected `english<TAB>french`",
                    path.display(),
                    number + 1
                ))),
            }
        })
        .collect()
}

/// Reads the splits a run saved.
///
/// # Errors
///
/// As [`read_split`].
pub fn read_splits(run: &RunDir) -> Result<Splits, TrainError> {
    Ok(Splits {
        train: read_split(run, "train")?,
        valid: read_split(run, "valid")?,
        test: read_split(run, "test")?,
    })
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;

    fn sample() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("data/tatoeba-sample.tsv")
    }

    #[test]
    fn no_english_sentence_is_in_two_splits() {
        for splits in [
            builtin(7, 2000, 16),
            from_file(&sample(), &Filter::default(), 7).unwrap(),
        ] {
            let english = |pairs: &[SentencePair]| pairs.iter().map(|p| p.english.clone()).collect::<HashSet<_>>();
            let (train, valid, test) = (english(&splits.train), english(&splits.valid), english(&splits.test));
            assert!(train.is_disjoint(&valid) && train.is_disjoint(&test) && valid.is_disjoint(&test));
            assert!(!valid.is_empty() && !test.is_empty());
        }
    }

    #[test]
    fn the_file_is_split_eighty_ten_ten_by_seed() {
        // The sample has 20 distinct English sentences: 2 go to validation
        // and 2 to test (a tenth each), the same 2 for the same seed.
        let a = from_file(&sample(), &Filter::default(), 1).unwrap();
        assert_eq!((a.train.len(), a.valid.len(), a.test.len()), (16, 2, 2));
        assert_eq!(a, from_file(&sample(), &Filter::default(), 1).unwrap());
        let b = from_file(&sample(), &Filter::default(), 2).unwrap();
        assert_ne!(a.test, b.test, "another seed, another split");
    }

    #[test]
    fn too_little_data_is_an_error_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("two.tsv");
        std::fs::write(&path, "I love you.\tJe t'aime.\nI love you.\tJe t'adore.\n").unwrap();
        let error = from_file(&path, &Filter::default(), 1).unwrap_err().to_string();
        assert_eq!(
            error,
            format!(
                "{}: 1 distinct English sentence left after filtering; at least 3 are needed (one per split)",
                path.display()
            )
        );
    }

    #[test]
    fn rare_words_become_unknown_and_are_counted() {
        let pairs = read_pairs(&sample(), &Filter::default()).unwrap();
        let vocab = vocabularies(&pairs, 2, (None, None));
        let (encoded, unknown) = encode(&pairs, &vocab);
        // Hand count over the sample: every token seen once in its language.
        let once = |side: fn(&SentencePair) -> &Vec<String>| {
            let mut counts: HashMap<&str, usize> = HashMap::new();
            for p in &pairs {
                for w in side(p) {
                    *counts.entry(w).or_insert(0) += 1;
                }
            }
            counts.values().filter(|&&n| n == 1).count()
        };
        assert_eq!(unknown, once(|p| &p.english) + once(|p| &p.french));
        assert!(encoded.iter().flat_map(|p| &p.target).any(|&id| id == UNK));
        let (_, none) = encode(&pairs, &vocabularies(&pairs, 1, (None, None)));
        assert_eq!(none, 0, "min_count 1 keeps every training word");
    }

    #[test]
    fn splits_read_back_as_saved() {
        let dir = tempfile::tempdir().unwrap();
        let run = RunDir::new(dir.path());
        let splits = from_file(&sample(), &Filter::default(), 3).unwrap();
        save_splits(&run, &splits).unwrap();
        assert_eq!(read_splits(&run).unwrap(), splits);
        std::fs::write(run.split_path("test"), "je t' aime\n").unwrap();
        let error = read_split(&run, "test").unwrap_err().to_string();
        assert!(error.ends_with("test.tsv:1: expected `english<TAB>french`"), "{error}");
    }
}
