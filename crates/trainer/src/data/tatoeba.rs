//! English-French sentence pairs in the tab-separated format of Tatoeba
//! exports, the file the PyTorch translation tutorial uses:
//! `english<TAB>french[<TAB>attribution]`, one pair a line, tokenized by
//! [`crate::data::tokenize`].

use std::path::Path;

use crate::TrainError;
use crate::data::tokenize::tokenize;

/// One sentence pair: each side as written, and its word tokens
/// ([`tokenize`]). Word vocabularies read the tokens; subword vocabularies and
/// the scores of detokenised text read the text.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct SentencePair {
    /// English tokens.
    pub english: Vec<String>,
    /// French tokens.
    pub french: Vec<String>,
    /// The English as written.
    pub english_text: String,
    /// The French as written.
    pub french_text: String,
}

impl SentencePair {
    /// The pair of `english` and `french`, as written, and their tokens.
    ///
    /// # Example
    ///
    /// ```
    /// use trainer::data::tatoeba::SentencePair;
    /// let pair = SentencePair::new("I love you.", "Je t'aime.");
    /// assert_eq!(pair.french, ["je", "t'", "aime", "."]);
    /// assert_eq!(pair.french_text, "Je t'aime.");
    /// ```
    pub fn new(english: &str, french: &str) -> Self {
        Self {
            english: tokenize(english),
            french: tokenize(french),
            english_text: english.trim().to_string(),
            french_text: french.trim().to_string(),
        }
    }
}

/// Which pairs to keep.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Filter {
    /// Keep pairs whose two sides have at most this many tokens.
    pub max_len: Option<usize>,
    /// Keep pairs whose English side starts with one of these, compared
    /// without apostrophes (the tutorial's `"i m "` matches `i'm`).
    pub english_prefixes: Vec<String>,
}

impl Filter {
    /// The PyTorch tutorial's filter: at most 10 tokens, English starting
    /// with "i am", "he is", "she is", "you are", "we are", "they are" (or
    /// their contractions).
    pub fn tutorial() -> Self {
        let prefixes = [
            "i am ", "i m ", "he is", "he s ", "she is", "she s ", "you are", "you re ", "we are", "we re ",
            "they are", "they re ",
        ];
        Self {
            max_len: Some(10),
            english_prefixes: prefixes.map(String::from).to_vec(),
        }
    }

    /// Whether `pair` passes.
    pub fn keeps(&self, pair: &SentencePair) -> bool {
        let short = self
            .max_len
            .is_none_or(|max| pair.english.len() <= max && pair.french.len() <= max);
        let english = pair.english.join(" ").replace("' ", " ").replace('\'', " ");
        let prefixed =
            self.english_prefixes.is_empty() || self.english_prefixes.iter().any(|p| english.starts_with(p.as_str()));
        short && prefixed
    }
}

/// Reads a Tatoeba-format file, keeping the pairs `filter` accepts.
///
/// # Errors
///
/// If the file cannot be read, or a line lacks a tab or has an empty side;
/// the message names the file and the line.
pub fn read_pairs(path: &Path, filter: &Filter) -> Result<Vec<SentencePair>, TrainError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| TrainError::Input(format!("{}: cannot read: {e}", path.display())))?;
    let mut pairs = Vec::new();
    for (number, line) in text.lines().enumerate() {
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() {
            continue;
        }
        let mut fields = line.split('\t');
        let (english, french) = (fields.next().unwrap_or_default(), fields.next());
        let Some(french) = french else {
            return Err(TrainError::Input(format!(
                "{}:{}: expected `english<TAB>french[<TAB>attribution]`, found no tab",
                path.display(),
                number + 1
            )));
        };
        let pair = SentencePair::new(english, french);
        if pair.english.is_empty() || pair.french.is_empty() {
            let side = if pair.english.is_empty() { "English" } else { "French" };
            return Err(TrainError::Input(format!(
                "{}:{}: the {side} sentence is empty",
                path.display(),
                number + 1
            )));
        }
        if filter.keeps(&pair) {
            pairs.push(pair);
        }
    }
    Ok(pairs)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("data/tatoeba-sample.tsv")
    }

    #[test]
    fn the_shipped_sample_reads_whole_and_filters() {
        let all = read_pairs(&sample(), &Filter::default()).unwrap();
        assert_eq!(all.len(), 20, "every line of the sample");
        assert_eq!(
            all[0].french,
            ["je", "t'", "aime", "."],
            "the attribution column is ignored"
        );
        // The tutorial's filter keeps the sample's 10 "i am/he is/..." pairs,
        // counted by hand: lines 5-8, 13, 14 ("i'm"), 17-20.
        let tutorial = read_pairs(&sample(), &Filter::tutorial()).unwrap();
        assert_eq!(tutorial.len(), 10, "{tutorial:?}");
        let short = read_pairs(
            &sample(),
            &Filter {
                max_len: Some(4),
                ..Filter::default()
            },
        )
        .unwrap();
        assert!(short.iter().all(|p| p.english.len() <= 4 && p.french.len() <= 4));
        // Counted by hand: lines 1-4, 7, 8, 14, 20 have at most 4 tokens a side.
        assert_eq!(short.len(), 8);
    }

    #[test]
    fn a_malformed_line_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bad.tsv");
        std::fs::write(&path, "I love you.\tJe t'aime.\nno tab here\n").unwrap();
        let error = read_pairs(&path, &Filter::default()).unwrap_err().to_string();
        assert_eq!(
            error,
            format!(
                "{}:2: expected `english<TAB>french[<TAB>attribution]`, found no tab",
                path.display()
            )
        );
        std::fs::write(&path, "I love you.\t \n").unwrap();
        let error = read_pairs(&path, &Filter::default()).unwrap_err().to_string();
        assert_eq!(error, format!("{}:1: the French sentence is empty", path.display()));
    }
}
