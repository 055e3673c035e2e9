//! Subword vocabularies, on Hugging Face's `tokenizers`: BPE (Sennrich et al. 2016) and unigram
//! (Kudo 2018), trained on a run's training split when it starts and saved in the run directory as
//! the library's own JSON, which Python's `tokenizers.Tokenizer.from_file` loads too.
//!
//! The pipeline is SentencePiece's: the text is normalised with NFKC (no-break spaces become
//! spaces, `…` becomes `...`; case is kept, since a translator cannot undo lower-casing on its
//! output), then split at whitespace, each word's pieces starting with `▁` where a space was
//! (`Metaspace`). So a word is a whitespace-separated chunk, `%s` stays one word, and decoding puts
//! the spaces back where the `▁` are: plain text, detokenised.
//!
//! The special tokens have the ids of the word vocabularies ([`crate::data::vocab`]): `<pad>` 0,
//! `<bos>` 1, `<eos>` 2, `<unk>` 3. Text that spells a special token (`<unk>` in a message) is read
//! as characters, not as the token. A character training never saw becomes `<unk>`.
//!
//! BPE training is deterministic: the same text gives the same `tokenizer.json`. Unigram training
//! is not, bit for bit (the library's hash maps and float sums): the saved file is the vocabulary,
//! and a run never trains it again.

use std::collections::BTreeSet;
use std::path::Path;

use tokenizers::models::bpe::{BPE, BpeTrainerBuilder};
use tokenizers::models::unigram::{Unigram, UnigramTrainerBuilder};
use tokenizers::models::{ModelWrapper, TrainerWrapper};
use tokenizers::normalizers::NFKC;
use tokenizers::pre_tokenizers::metaspace::{Metaspace, PrependScheme};
use tokenizers::tokenizer::{NormalizedString, Normalizer};
use tokenizers::{AddedToken, Tokenizer};

use crate::TrainError;
use crate::data::vocab::{BOS, EOS, PAD, SPECIALS, UNK};

/// The mark of a word's first piece, where a space was: U+2581, as SentencePiece writes it.
pub const WORD_START: char = '\u{2581}';

/// The subword models.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SubwordModel {
    /// Byte-pair encoding: the most frequent pair of pieces merged, again and again.
    Bpe,
    /// The unigram language model: the pieces that best explain the text, pruned to the size.
    Unigram,
}

impl SubwordModel {
    fn name(self) -> &'static str {
        match self {
            SubwordModel::Bpe => "BPE",
            SubwordModel::Unigram => "unigram",
        }
    }
}

/// A trained subword vocabulary.
#[derive(Clone)]
pub struct Subwords {
    tokenizer: Tokenizer,
}

impl std::fmt::Debug for Subwords {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Subwords({} pieces)", self.len())
    }
}

/// A text as pieces: their ids, the pieces, and the word each belongs to.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Pieces {
    /// The ids.
    pub ids: Vec<usize>,
    /// The pieces as the vocabulary writes them (`▁Impossible`, `<unk>`).
    pub pieces: Vec<String>,
    /// For each piece, the index of its word in `words`.
    pub word_of: Vec<usize>,
    /// The words: each word's pieces joined, without the `▁`.
    pub words: Vec<String>,
}

impl Pieces {
    /// The pieces of `pieces`, grouped into words: a piece that starts with `▁` starts a word.
    fn grouped(ids: Vec<usize>, pieces: Vec<String>) -> Self {
        let mut words: Vec<String> = Vec::new();
        let mut word_of = Vec::with_capacity(pieces.len());
        for piece in &pieces {
            match piece.strip_prefix(WORD_START) {
                Some(rest) => words.push(rest.to_string()),
                None if words.is_empty() => words.push(piece.clone()),
                None => words.last_mut().expect("a word").push_str(piece),
            }
            word_of.push(words.len() - 1);
        }
        Self {
            ids,
            pieces,
            word_of,
            words,
        }
    }
}

/// `text` as NFKC leaves it: what the vocabulary sees.
pub fn normalised(text: &str) -> String {
    let mut normalized = NormalizedString::from(text);
    match NFKC.normalize(&mut normalized) {
        Ok(()) => normalized.get().to_string(),
        Err(_) => text.to_string(),
    }
}

impl Subwords {
    /// Trains a `model` vocabulary of `vocab_size` entries (the four special tokens included) on
    /// `sentences`.
    ///
    /// # Errors
    ///
    /// `TrainError::Input` when `vocab_size` cannot hold every character of the text and the
    /// special tokens (the message says how many it needs), or when the library refuses to train.
    ///
    /// # Example
    ///
    /// ```
    /// use trainer::data::subword::{SubwordModel, Subwords};
    /// let text = ["Open the file", "Close the file", "Open the window", "Close the window"];
    /// let vocab = Subwords::train(SubwordModel::Bpe, 40, &text)?;
    /// let pieces = vocab.encode("Open the window");
    /// assert_eq!(pieces.words, ["Open", "the", "window"]);
    /// assert_eq!(vocab.decode(&pieces.ids), "Open the window");
    /// let refused = Subwords::train(SubwordModel::Bpe, 10, &text).unwrap_err();
    /// assert!(refused.to_string().starts_with("config: invalid `vocab_size`: 10 is too small"));
    /// # Ok::<(), trainer::TrainError>(())
    /// ```
    pub fn train<S: AsRef<str> + Sync>(
        model: SubwordModel,
        vocab_size: usize,
        sentences: &[S],
    ) -> Result<Self, TrainError> {
        // Every character of the (normalised) text, and the word-start mark, must have a piece of
        // its own, beside the special tokens: neither trainer refuses a size below that reliably
        // (BPE exceeds it silently; unigram refuses below the alphabet only, and overshoots above).
        let mut alphabet: BTreeSet<char> = sentences
            .iter()
            .flat_map(|s| {
                normalised(s.as_ref())
                    .chars()
                    .filter(|c| !c.is_whitespace())
                    .collect::<Vec<_>>()
            })
            .collect();
        alphabet.insert(WORD_START);
        let least = alphabet.len() + SPECIALS.len();
        if vocab_size < least {
            return TrainError::invalid(
                "vocab_size",
                format!(
                    "{vocab_size} is too small: the training text has {} distinct characters, which with the \
                     word-start mark and the {} special tokens need {least}; ask for at least {least}",
                    alphabet.len() - 1,
                    SPECIALS.len()
                ),
            );
        }
        let failed =
            |e: tokenizers::Error| TrainError::Input(format!("cannot train the {} vocabulary: {e}", model.name()));
        let specials: Vec<AddedToken> = SPECIALS.iter().map(|s| AddedToken::from(*s, true)).collect();
        let unk = SPECIALS[UNK].to_string();
        let (wrapped, mut trainer): (ModelWrapper, TrainerWrapper) = match model {
            SubwordModel::Bpe => (
                BPE::builder().unk_token(unk).build().map_err(failed)?.into(),
                BpeTrainerBuilder::new()
                    .vocab_size(vocab_size)
                    .min_frequency(2)
                    .special_tokens(specials)
                    .show_progress(false)
                    .build()
                    .into(),
            ),
            SubwordModel::Unigram => (
                Unigram::default().into(),
                UnigramTrainerBuilder::default()
                    .vocab_size(u32::try_from(vocab_size).unwrap_or(u32::MAX))
                    .special_tokens(specials)
                    .unk_token(Some(unk))
                    .show_progress(false)
                    .build()
                    .map_err(|e| failed(e.into()))?
                    .into(),
            ),
        };
        let metaspace = Metaspace::new(WORD_START, PrependScheme::Always, true);
        let mut tokenizer = Tokenizer::new(wrapped);
        tokenizer.with_normalizer(Some(NFKC)).map_err(failed)?;
        tokenizer.with_pre_tokenizer(Some(metaspace.clone()));
        tokenizer.with_decoder(Some(metaspace));
        tokenizer.train(&mut trainer, sentences.iter()).map_err(failed)?;
        let vocab = Self::ready(tokenizer, "the trained vocabulary")?;
        if vocab.len() > vocab_size {
            return TrainError::invalid(
                "vocab_size",
                format!(
                    "{vocab_size} is too small for the training text: the {} vocabulary came out at {} pieces",
                    model.name(),
                    vocab.len()
                ),
            );
        }
        Ok(vocab)
    }

    /// Checks the special tokens' ids and reads text that spells one as characters.
    fn ready(mut tokenizer: Tokenizer, what: &str) -> Result<Self, TrainError> {
        for (id, token) in SPECIALS.iter().enumerate() {
            let found = tokenizer.token_to_id(token);
            if found != Some(id as u32) {
                return Err(TrainError::Input(format!(
                    "{what}: the special token {token} has id {found:?}, expected {id}"
                )));
            }
        }
        tokenizer.set_encode_special_tokens(true);
        Ok(Self { tokenizer })
    }

    /// Writes the vocabulary to `path` as the library's JSON, atomically ([`crate::files::write`]).
    ///
    /// # Errors
    ///
    /// If the file cannot be written.
    pub fn save(&self, path: &Path) -> Result<(), TrainError> {
        let json = self
            .tokenizer
            .to_string(false)
            .map_err(|e| TrainError::Io(format!("{}: cannot serialise the vocabulary: {e}", path.display())))?;
        crate::files::write(path, json.as_bytes(), "subword vocabulary")
    }

    /// Reads a vocabulary [`save`](Self::save)d to `path`.
    ///
    /// # Errors
    ///
    /// `TrainError::Input` naming the path when it is missing, is not the library's JSON, or does
    /// not have the special tokens at their ids.
    pub fn load(path: &Path) -> Result<Self, TrainError> {
        let named = |problem: String| {
            TrainError::Input(format!(
                "{}: not a subword vocabulary this program can read: {problem}",
                path.display()
            ))
        };
        if !path.is_file() {
            return Err(TrainError::Input(format!(
                "{}: the run's subword vocabulary is missing",
                path.display()
            )));
        }
        let tokenizer = Tokenizer::from_file(path).map_err(|e| named(e.to_string()))?;
        Self::ready(tokenizer, &path.display().to_string())
    }

    /// Entries, the special tokens included.
    pub fn len(&self) -> usize {
        self.tokenizer.get_vocab_size(true)
    }

    /// Whether the vocabulary has no entry (never, once trained or loaded).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// `text` as pieces, grouped into its words: the text's whitespace-separated words as written
    /// (a word with an unknown character reads as written, its piece as `<unk>`).
    pub fn encode(&self, text: &str) -> Pieces {
        let Ok(encoding) = self.tokenizer.encode(text, false) else {
            // Encoding fails only on a broken pipeline; read the text as one unknown piece.
            return Pieces::grouped(vec![UNK], vec![SPECIALS[UNK].to_string()]);
        };
        // The unigram model may spell literal `<eos>` text with the special token's own piece: a
        // source must never hold one, so it reads as unknown.
        let ids: Vec<usize> = encoding
            .get_ids()
            .iter()
            .map(|&id| match id as usize {
                PAD | BOS | EOS => UNK,
                id => id,
            })
            .collect();
        let pieces: Vec<String> = ids.iter().map(|&id| self.piece(id)).collect();
        // Each word's text is the span of the text its pieces cover (byte offsets into `text`); a
        // piece of no text (the mark of a second space) joins the next word, or the last.
        let mut spans: Vec<(usize, usize)> = Vec::new();
        let mut word_of = Vec::with_capacity(ids.len());
        let mut last_id = None;
        for (&(start, end), &word) in encoding.get_offsets().iter().zip(encoding.get_word_ids()) {
            if word != last_id || spans.is_empty() {
                spans.push((start, end));
                last_id = word;
            }
            let span = spans.last_mut().expect("a span");
            span.0 = span.0.min(start);
            span.1 = span.1.max(end);
            word_of.push(spans.len() - 1);
        }
        let mut words: Vec<String> = spans
            .iter()
            .map(|&(start, end)| text.get(start..end).unwrap_or_default().trim().to_string())
            .collect();
        // Blank words (no text of their own) are merged into a neighbour.
        let mut renumber: Vec<usize> = Vec::with_capacity(words.len());
        let mut kept = Vec::with_capacity(words.len());
        for word in &words {
            renumber.push(kept.len());
            if !word.is_empty() {
                kept.push(word.clone());
            }
        }
        if kept.is_empty() {
            return Pieces::grouped(ids, pieces);
        }
        let last = kept.len() - 1;
        for w in &mut word_of {
            *w = renumber[*w].min(last);
        }
        words = kept;
        Pieces {
            ids,
            pieces,
            word_of,
            words,
        }
    }

    /// The pieces of generated `ids` (the special tokens but `<unk>` left out), grouped into words.
    pub fn pieces(&self, ids: &[usize]) -> Pieces {
        let ids: Vec<usize> = ids
            .iter()
            .copied()
            .filter(|&id| ![PAD, BOS, EOS].contains(&id))
            .collect();
        let pieces = ids.iter().map(|&id| self.piece(id)).collect();
        Pieces::grouped(ids, pieces)
    }

    /// Generated `ids` as plain text: the pieces joined, `▁` made a space (none at the start); the
    /// special tokens but `<unk>` left out.
    pub fn decode(&self, ids: &[usize]) -> String {
        let ids: Vec<u32> = ids
            .iter()
            .filter(|&&id| ![PAD, BOS, EOS].contains(&id))
            .map(|&id| id as u32)
            .collect();
        self.tokenizer.decode(&ids, false).unwrap_or_default()
    }

    fn piece(&self, id: usize) -> String {
        self.tokenizer
            .id_to_token(id as u32)
            .unwrap_or_else(|| SPECIALS[UNK].to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text() -> Vec<String> {
        let mut lines = Vec::new();
        for verb in ["Open", "Close", "Save", "Print", "Delete"] {
            for thing in ["the file", "the window", "all files", "the document", "this folder"] {
                lines.push(format!("{verb} {thing}"));
                lines.push(format!("Cannot {} {thing}.", verb.to_lowercase()));
            }
        }
        lines
    }

    #[test]
    fn both_models_round_trip_and_keep_the_special_ids() {
        for model in [SubwordModel::Bpe, SubwordModel::Unigram] {
            let vocab = Subwords::train(model, 60, &text()).unwrap();
            assert!(vocab.len() <= 60, "{model:?}: {}", vocab.len());
            let pieces = vocab.encode("Cannot print this folder.");
            assert_eq!(pieces.words, ["Cannot", "print", "this", "folder."], "{model:?}");
            assert_eq!(pieces.word_of.len(), pieces.ids.len());
            assert_eq!(vocab.decode(&pieces.ids), "Cannot print this folder.", "{model:?}");
            // A character training never saw is <unk>, and decoding shows it.
            let unseen = vocab.encode("Open  the zèbre");
            assert!(unseen.ids.contains(&UNK), "{model:?}: {unseen:?}");
            // Words read as written, an unknown character and all; a second space makes no word.
            assert_eq!(unseen.words, ["Open", "the", "zèbre"], "{model:?}");
            assert_eq!(unseen.word_of.len(), unseen.ids.len());
            assert!(vocab.decode(&unseen.ids).contains("<unk>"), "{model:?}");
            // Text that spells a special token is read as characters.
            assert!(!vocab.encode("<eos>").ids.contains(&EOS), "{model:?}");
            // Generated ids: bos, eos and pad are not part of the text.
            let mut generated = vec![BOS];
            generated.extend(&pieces.ids);
            generated.extend([EOS, PAD]);
            assert_eq!(vocab.decode(&generated), "Cannot print this folder.");
            assert_eq!(vocab.pieces(&generated).words, pieces.words);
        }
    }

    #[test]
    fn a_saved_vocabulary_loads_the_same_and_bad_files_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tokenizer.json");
        let vocab = Subwords::train(SubwordModel::Bpe, 60, &text()).unwrap();
        vocab.save(&path).unwrap();
        let loaded = Subwords::load(&path).unwrap();
        assert_eq!(loaded.encode("Save all files").ids, vocab.encode("Save all files").ids);
        // BPE is deterministic: the same text, the same file.
        let again = dir.path().join("again.json");
        Subwords::train(SubwordModel::Bpe, 60, &text())
            .unwrap()
            .save(&again)
            .unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), std::fs::read(&again).unwrap());

        let missing = Subwords::load(&dir.path().join("none.json")).unwrap_err().to_string();
        assert_eq!(
            missing,
            format!(
                "{}: the run's subword vocabulary is missing",
                dir.path().join("none.json").display()
            )
        );
        let json = std::fs::read_to_string(&path).unwrap();
        std::fs::write(&path, &json[..json.len() / 2]).unwrap();
        let corrupt = Subwords::load(&path).unwrap_err().to_string();
        assert!(
            corrupt.starts_with(&format!(
                "{}: not a subword vocabulary this program can read: EOF while parsing",
                path.display()
            )),
            "{corrupt}"
        );
    }

    #[test]
    fn a_size_too_small_for_the_alphabet_is_refused_with_the_size_needed() {
        // "ab cd": 4 characters, the word-start mark and 4 special tokens: 9 at least.
        for model in [SubwordModel::Bpe, SubwordModel::Unigram] {
            let error = Subwords::train(model, 8, &["ab cd", "cd ab"]).unwrap_err().to_string();
            assert_eq!(
                error,
                "config: invalid `vocab_size`: 8 is too small: the training text has 4 distinct characters, \
                 which with the word-start mark and the 4 special tokens need 9; ask for at least 9"
            );
        }
    }
}
