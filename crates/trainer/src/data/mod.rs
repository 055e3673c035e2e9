//! Data: where sentences and words come from, how they become tokens and
//! ids, and how they are split.
//!
//! - [`vocab`]: special tokens, vocabularies and their encoders.
//! - [`tokenize`]: the one word tokenizer every reader and test calls.
//! - [`subword`]: subword vocabularies (BPE, unigram), trained on a run's
//!   training text.
//! - [`french`]: the built-in English-French corpus, generated from a French
//!   grammar.
//! - [`tatoeba`]: Tatoeba-format files of sentence pairs.
//! - [`gettext`]: the French translations of software messages in gettext
//!   catalogs (`.mo`, `.po`), such as every Debian machine's.
//! - [`catalog`]: a catalog filled with a model's suggestions.
//! - [`codec`]: a translation run's text as ids and back, over words or
//!   subwords.
//! - [`corpus`]: a translation corpus split into training, validation and
//!   test sets, and its vocabularies.
//! - [`wordlists`]: word lists by language, for the classify task.
//! - [`reverse`]: the synthetic reversal task.

pub mod catalog;
pub mod codec;
pub mod corpus;
pub mod french;
pub mod gettext;
pub mod gettext_check;
pub mod reverse;
pub mod subword;
pub mod tatoeba;
pub mod tokenize;
pub mod vocab;
pub mod wordlists;

pub use vocab::{BOS, EOS, Encoder, PAD, Pair, UNK, Vocabularies, Vocabulary};
