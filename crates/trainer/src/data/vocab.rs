//! Token ids and vocabularies: the special tokens, a vocabulary of words
//! (or characters) and its encoder, and the pair of vocabularies a
//! translation run keeps in `vocab.json`.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

/// Padding.
pub const PAD: usize = 0;
/// Start of sentence.
pub const BOS: usize = 1;
/// End of sentence.
pub const EOS: usize = 2;
/// Unknown word.
pub const UNK: usize = 3;
/// The special tokens, by id: what every vocabulary, of words, characters or subwords, starts with.
pub const SPECIALS: [&str; 4] = ["<pad>", "<bos>", "<eos>", "<unk>"];

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
        let mut tokens: Vec<String> = SPECIALS.map(String::from).to_vec();
        tokens.extend(words);
        Self { tokens }
    }

    /// The words of `sentences` that occur at least `min_count` times, most
    /// frequent first (ties in alphabetical order, so the ids do not depend
    /// on the order of the sentences).
    ///
    /// # Example
    ///
    /// ```
    /// use trainer::data::Vocabulary;
    /// let sentences = [vec!["je", "t'", "aime"], vec!["il", "l'", "aime"]];
    /// let vocab = Vocabulary::from_sentences(&sentences, 2);
    /// assert_eq!(vocab.tokens, ["<pad>", "<bos>", "<eos>", "<unk>", "aime"]);
    /// ```
    pub fn from_sentences<S: AsRef<[T]>, T: AsRef<str>>(sentences: &[S], min_count: usize) -> Self {
        let mut counts: HashMap<&str, usize> = HashMap::new();
        for sentence in sentences {
            for word in sentence.as_ref() {
                *counts.entry(word.as_ref()).or_insert(0) += 1;
            }
        }
        let mut words: Vec<(&str, usize)> = counts.into_iter().filter(|&(_, n)| n >= min_count).collect();
        words.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        Self::new(words.into_iter().map(|(w, _)| w.to_string()))
    }

    /// This vocabulary with at most `size` tokens, specials included: the
    /// first words, which [`from_sentences`](Self::from_sentences) orders
    /// most frequent first; the rest will read as `<unk>`.
    ///
    /// # Example
    ///
    /// ```
    /// use trainer::data::Vocabulary;
    /// let vocab = Vocabulary::new(["le", "la", "les"].map(String::from)).capped(6);
    /// assert_eq!(vocab.tokens, ["<pad>", "<bos>", "<eos>", "<unk>", "le", "la"]);
    /// ```
    pub fn capped(mut self, size: usize) -> Self {
        self.tokens.truncate(size.max(4));
        self
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

    /// An encoder from words to ids; build it once for many sentences.
    pub fn encoder(&self) -> Encoder<'_> {
        Encoder {
            ids: self
                .tokens
                .iter()
                .enumerate()
                .skip(4)
                .map(|(i, w)| (w.as_str(), i))
                .collect(),
        }
    }
}

/// Words to ids for one [`Vocabulary`].
#[derive(Clone, Debug)]
pub struct Encoder<'a> {
    ids: HashMap<&'a str, usize>,
}

impl Encoder<'_> {
    /// The id of each word, [`UNK`] for words outside the vocabulary.
    pub fn encode<T: AsRef<str>>(&self, words: &[T]) -> Vec<usize> {
        words
            .iter()
            .map(|w| self.ids.get(w.as_ref()).copied().unwrap_or(UNK))
            .collect()
    }

    /// The words of `words` outside the vocabulary, in order, each once.
    pub fn unknown<'w, T: AsRef<str>>(&self, words: &'w [T]) -> Vec<&'w str> {
        let mut unknown: Vec<&str> = Vec::new();
        for word in words.iter().map(AsRef::as_ref) {
            if !self.ids.contains_key(word) && !unknown.contains(&word) {
                unknown.push(word);
            }
        }
        unknown
    }
}

/// The source and target vocabularies of a run, `vocab.json` in its
/// directory.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Vocabularies {
    /// What the encoder reads.
    pub source: Vocabulary,
    /// What the decoder writes.
    pub target: Vocabulary,
}
