//! How a translation run turns each side's text into token ids and back: a vocabulary of words
//! (the article's: [`crate::data::tokenize`] and a [`Vocabulary`]) or of subwords
//! ([`crate::data::subword`]). The model sees ids only; what a person reads (words, plain text)
//! and what the attention matrices are drawn over come from here.
//!
//! A run keeps its codecs in its directory: word vocabularies in `vocab.json` (both sides, as
//! [`Vocabularies`]), a shared subword vocabulary in `tokenizer.json`, separate ones in
//! `source-tokenizer.json` and `target-tokenizer.json`.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::TrainError;
use crate::data::subword::{SubwordModel, Subwords};
use crate::data::tatoeba::SentencePair;
use crate::data::tokenize::{detokenize, tokenize};
use crate::data::{Pair, UNK, Vocabularies, Vocabulary};
use crate::run_dir::{RunDir, read_json, write_json};

/// The tokens a run's vocabularies are made of, by name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum TokenizerName {
    /// Words, lower-cased, as the article's model reads them; words outside the vocabulary are
    /// `<unk>`.
    Word,
    /// Byte-pair encoding subwords, case kept.
    Bpe,
    /// Unigram language model subwords, case kept.
    Unigram,
}

impl TokenizerName {
    /// The subword model, for `bpe` and `unigram`.
    pub fn subwords(self) -> Option<SubwordModel> {
        match self {
            TokenizerName::Word => None,
            TokenizerName::Bpe => Some(SubwordModel::Bpe),
            TokenizerName::Unigram => Some(SubwordModel::Unigram),
        }
    }
}

/// Whether the two sides share one subword vocabulary.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum VocabSharing {
    /// One vocabulary, trained on both sides' text (`tokenizer.json`).
    Shared,
    /// One for each side (`source-tokenizer.json`, `target-tokenizer.json`).
    Separate,
}

/// One side's text as the model reads it.
#[derive(Clone, Debug)]
pub enum Codec {
    /// Word tokens and their vocabulary.
    Words(Vocabulary),
    /// Subword pieces.
    Subwords(Arc<Subwords>),
}

/// A text as a model reads it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Encoded {
    /// Token ids.
    pub ids: Vec<usize>,
    /// The tokens: words, or pieces.
    pub tokens: Vec<String>,
    /// For each token, the index of its word in `words`.
    pub word_of: Vec<usize>,
    /// The words (for words, the tokens themselves).
    pub words: Vec<String>,
    /// Words the vocabulary does not have, read as `<unk>` (whole words; of subwords, the words
    /// holding an unknown piece).
    pub unknown: Vec<String>,
}

/// Generated ids as a person reads them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Decoded {
    /// The tokens: words, or pieces.
    pub tokens: Vec<String>,
    /// For each token, the index of its word in `words`.
    pub word_of: Vec<usize>,
    /// The words.
    pub words: Vec<String>,
    /// Plain text: words detokenised as French is written, or pieces joined.
    pub text: String,
}

impl Codec {
    /// Ids, the four special tokens included.
    pub fn len(&self) -> usize {
        match self {
            Codec::Words(vocab) => vocab.len(),
            Codec::Subwords(subwords) => subwords.len(),
        }
    }

    /// Whether it has no id (never).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether its tokens are subwords.
    pub fn is_subwords(&self) -> bool {
        matches!(self, Codec::Subwords(_))
    }

    /// `text` as the model reads it.
    pub fn encode(&self, text: &str) -> Encoded {
        match self {
            Codec::Words(vocab) => {
                let words = tokenize(text);
                let encoder = vocab.encoder();
                Encoded {
                    ids: encoder.encode(&words),
                    unknown: encoder.unknown(&words).into_iter().map(String::from).collect(),
                    word_of: (0..words.len()).collect(),
                    tokens: words.clone(),
                    words,
                }
            }
            Codec::Subwords(subwords) => {
                let pieces = subwords.encode(text);
                let mut unknown: Vec<String> = pieces
                    .ids
                    .iter()
                    .zip(&pieces.word_of)
                    .filter(|(id, _)| **id == UNK)
                    .map(|(_, &w)| pieces.words[w].clone())
                    .collect();
                unknown.dedup();
                Encoded {
                    ids: pieces.ids,
                    tokens: pieces.pieces,
                    word_of: pieces.word_of,
                    words: pieces.words,
                    unknown,
                }
            }
        }
    }

    /// The ids of one side of a corpus pair: its word tokens, or its text as pieces.
    pub fn ids(&self, tokens: &[String], text: &str) -> Vec<usize> {
        match self {
            Codec::Words(vocab) => vocab.encoder().encode(tokens),
            Codec::Subwords(subwords) => subwords.encode(text).ids,
        }
    }

    /// Generated `ids` (no start or end token) as a person reads them; `capital` upper-cases the
    /// first letter of a word-level output, whose vocabulary is lower-cased.
    pub fn decode(&self, ids: &[usize], capital: bool) -> Decoded {
        match self {
            Codec::Words(vocab) => {
                let words: Vec<String> = vocab.decode(ids).into_iter().map(String::from).collect();
                Decoded {
                    text: detokenize(&words, capital),
                    word_of: (0..words.len()).collect(),
                    tokens: words.clone(),
                    words,
                }
            }
            Codec::Subwords(subwords) => {
                let pieces = subwords.pieces(ids);
                Decoded {
                    text: subwords.decode(ids),
                    tokens: pieces.pieces,
                    word_of: pieces.word_of,
                    words: pieces.words,
                }
            }
        }
    }
}

/// A translation run's two codecs.
#[derive(Clone, Debug)]
pub struct Codecs {
    /// English.
    pub source: Codec,
    /// French.
    pub target: Codec,
    /// Whether the two sides share one subword vocabulary.
    pub sharing: VocabSharing,
}

impl Codecs {
    /// Word vocabularies.
    pub fn words(vocab: Vocabularies) -> Self {
        Self {
            source: Codec::Words(vocab.source),
            target: Codec::Words(vocab.target),
            sharing: VocabSharing::Separate,
        }
    }

    /// Subword vocabularies of `model`, `vocab_size` entries each, trained on the text of `train`.
    ///
    /// # Errors
    ///
    /// As [`Subwords::train`].
    pub fn train_subwords(
        train: &[SentencePair],
        model: SubwordModel,
        vocab_size: usize,
        sharing: VocabSharing,
    ) -> Result<Self, TrainError> {
        let english: Vec<&str> = train.iter().map(|p| p.english_text.as_str()).collect();
        let french: Vec<&str> = train.iter().map(|p| p.french_text.as_str()).collect();
        Ok(match sharing {
            VocabSharing::Shared => {
                let both: Vec<&str> = english.iter().chain(&french).copied().collect();
                let shared = Arc::new(Subwords::train(model, vocab_size, &both)?);
                Self {
                    source: Codec::Subwords(Arc::clone(&shared)),
                    target: Codec::Subwords(shared),
                    sharing,
                }
            }
            VocabSharing::Separate => Self {
                source: Codec::Subwords(Arc::new(Subwords::train(model, vocab_size, &english)?)),
                target: Codec::Subwords(Arc::new(Subwords::train(model, vocab_size, &french)?)),
                sharing,
            },
        })
    }

    /// The ids of `pairs`; also returns how many tokens are `<unk>`.
    pub fn encode(&self, pairs: &[SentencePair]) -> (Vec<Pair>, usize) {
        let encoded: Vec<Pair> = pairs
            .iter()
            .map(|p| Pair {
                source: self.source.ids(&p.english, &p.english_text),
                target: self.target.ids(&p.french, &p.french_text),
            })
            .collect();
        let unknown = encoded
            .iter()
            .flat_map(|p| p.source.iter().chain(&p.target))
            .filter(|&&id| id == UNK)
            .count();
        (encoded, unknown)
    }

    /// Writes the codecs into `run`: `vocab.json` for words, the tokenizer files for subwords.
    ///
    /// # Errors
    ///
    /// If a file cannot be written.
    pub fn save(&self, run: &RunDir) -> Result<(), TrainError> {
        match (&self.source, &self.target) {
            (Codec::Words(source), Codec::Words(target)) => write_json(
                &run.vocab_path(),
                &Vocabularies {
                    source: source.clone(),
                    target: target.clone(),
                },
            ),
            (Codec::Subwords(source), Codec::Subwords(target)) => match self.sharing {
                VocabSharing::Shared => source.save(&run.tokenizer_path(None)),
                VocabSharing::Separate => {
                    source.save(&run.tokenizer_path(Some("source")))?;
                    target.save(&run.tokenizer_path(Some("target")))
                }
            },
            _ => Err(TrainError::Input(
                "a run's two sides are both words or both subwords".into(),
            )),
        }
    }

    /// Reads the codecs a run saved with `tokenizer` and `sharing`.
    ///
    /// # Errors
    ///
    /// A missing or damaged file, named.
    pub fn load(run: &RunDir, tokenizer: TokenizerName, sharing: VocabSharing) -> Result<Self, TrainError> {
        if tokenizer == TokenizerName::Word {
            return Ok(Self::words(read_json(&run.vocab_path())?));
        }
        Ok(match sharing {
            VocabSharing::Shared => {
                let shared = Arc::new(Subwords::load(&run.tokenizer_path(None))?);
                Self {
                    source: Codec::Subwords(Arc::clone(&shared)),
                    target: Codec::Subwords(shared),
                    sharing,
                }
            }
            VocabSharing::Separate => Self {
                source: Codec::Subwords(Arc::new(Subwords::load(&run.tokenizer_path(Some("source")))?)),
                target: Codec::Subwords(Arc::new(Subwords::load(&run.tokenizer_path(Some("target")))?)),
                sharing,
            },
        })
    }
}
