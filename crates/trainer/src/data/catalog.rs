//! Filling a gettext catalog with a model's suggestions (`attn translate --po`): every
//! untranslated entry the model can handle gets its translation, marked `fuzzy` for a translator to
//! review, with the model's score in a translator comment; the entries left untranslated are
//! counted by why. The catalog is read and written with `rspolib`, as [`super::gettext`] reads the
//! catalogs a model trains on.
//!
//! A suggestion is written only when a translator can trust it:
//! - the message has no placeholder, by pattern (`%s`, `%(name)r`, `{0}`) or by the entry's own
//!   `*-format` flag, no markup, no accelerator, a single line, no plural and no context;
//! - the output holds no `<unk>` and no word three times in a row (`tous tous tous`), the marks of
//!   a model that lost its way;
//! - its score, the mean log-probability per token, is at least the `--min-score` asked for.

use std::collections::BTreeMap;
use std::path::Path;

use crate::TrainError;
use crate::data::gettext::{is_format_flag, normalise, unsuitable};
use crate::data::tokenize::tokenize;

/// What [`fill`] did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CatalogSummary {
    /// Entries in the catalog (the header not counted).
    pub entries: usize,
    /// Untranslated entries.
    pub untranslated: usize,
    /// Untranslated entries that got a suggestion, marked `fuzzy`.
    pub suggested: usize,
    /// Untranslated entries left as they were, by reason.
    pub skipped: Vec<(String, usize)>,
}

impl std::fmt::Display for CatalogSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let skipped: usize = self.skipped.iter().map(|(_, n)| n).sum();
        write!(
            f,
            "{} entries, {} untranslated: {} suggested (marked fuzzy), {skipped} skipped",
            self.entries, self.untranslated, self.suggested
        )?;
        if !self.skipped.is_empty() {
            let reasons: Vec<String> = self.skipped.iter().map(|(why, n)| format!("{n} {why}")).collect();
            write!(f, " ({})", reasons.join(", "))?;
        }
        Ok(())
    }
}

/// A model's translation of one message.
#[derive(Clone, Debug, PartialEq)]
pub struct Suggestion {
    /// The translation as plain text.
    pub text: String,
    /// Its words.
    pub words: Vec<String>,
    /// The mean log-probability per token, end token included (at most 0; the closer to 0, the
    /// surer the model).
    pub score: f32,
}

/// The `--min-score` of `attn translate --po` when none is given: the mean log-probability per
/// token below which most suggestions were wrong on the validation split of the gettext corpus
/// (docs/translate.md, "Suggestions a translator can trust").
pub const DEFAULT_MIN_SCORE: f32 = -0.5;

/// How [`fill`] decides.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FillOptions {
    /// Messages of more words are left untranslated.
    pub max_words: usize,
    /// Suggestions scored below this are left out.
    pub min_score: f32,
}

/// The translator comment of a suggestion: the model and its score, for a translator to weigh it.
pub fn score_comment(score: f32) -> String {
    format!("attn: suggested by the model, mean log-probability per token {score:.3}")
}

/// Why `suggestion` must not be written, if it must not: it holds `<unk>`, or a word three times
/// in a row.
///
/// # Example
///
/// ```
/// use trainer::data::catalog::untrustworthy;
/// assert_eq!(untrustworthy(&["tous", "tous", "tous"].map(String::from)), Some("with a word repeated three times"));
/// assert_eq!(untrustworthy(&["le", "<unk>"].map(String::from)), Some("with <unk> in the suggestion"));
/// assert_eq!(untrustworthy(&["nous", "nous", "voyons"].map(String::from)), None);
/// ```
pub fn untrustworthy(words: &[String]) -> Option<&'static str> {
    if words.iter().any(|w| w.contains("<unk>")) {
        return Some("with <unk> in the suggestion");
    }
    let lower: Vec<String> = words.iter().map(|w| w.to_lowercase()).collect();
    if lower.windows(3).any(|w| w[0] == w[1] && w[1] == w[2]) {
        return Some("with a word repeated three times");
    }
    None
}

/// Writes to `output` a copy of the gettext catalog `input` in which every untranslated entry a
/// model can handle and trust has the model's translation, marked `fuzzy`, with the score in a
/// translator comment ([`score_comment`]): `suggest` translates a message (its text normalised,
/// [`normalise`]). The entries keep their comments and order. See the [module](self) for what is
/// left untranslated.
///
/// # Errors
///
/// If `output` is `input` (it is never overwritten), `input` cannot be read or parsed (the message
/// names the line), `suggest` fails, or `output` cannot be written (it is written whole or not at
/// all).
pub fn fill(
    input: &Path,
    output: &Path,
    options: FillOptions,
    mut suggest: impl FnMut(&str) -> Result<Suggestion, TrainError>,
) -> Result<CatalogSummary, TrainError> {
    let same = match (input.canonicalize(), output.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => input == output,
    };
    if same {
        return Err(TrainError::Input(format!(
            "{}: --out names the input catalog, which is never written over; choose another file",
            output.display()
        )));
    }
    let text = std::fs::read_to_string(input)
        .map_err(|e| TrainError::Input(format!("{}: cannot read: {e}", input.display())))?;
    let mut catalog =
        rspolib::pofile(text.as_str()).map_err(|e| TrainError::Input(format!("{}: {e}", input.display())))?;
    let mut summary = CatalogSummary::default();
    let mut skipped: BTreeMap<&str, usize> = BTreeMap::new();
    for entry in catalog.entries.iter_mut().filter(|e| !e.obsolete) {
        summary.entries += 1;
        let translated =
            entry.msgstr.as_deref().is_some_and(|s| !s.is_empty()) || entry.msgstr_plural.iter().any(|s| !s.is_empty());
        if translated {
            continue;
        }
        summary.untranslated += 1;
        let words = tokenize(&entry.msgid).len();
        let reason = if entry.msgid_plural.is_some() {
            Some("plural")
        } else if entry.msgctxt.is_some() {
            Some("with a context")
        } else if entry.flags.iter().any(|f| is_format_flag(f)) {
            Some("placeholders")
        } else if let Some(why) = unsuitable(&entry.msgid) {
            Some(why)
        } else if words == 0 || words > options.max_words {
            Some("of no words or too many")
        } else {
            None
        };
        if let Some(reason) = reason {
            *skipped.entry(reason).or_insert(0) += 1;
            continue;
        }
        let suggestion = suggest(&normalise(&entry.msgid))?;
        let refused = if suggestion.words.is_empty() {
            Some("that the model left empty")
        } else if let Some(why) = untrustworthy(&suggestion.words) {
            Some(why)
        } else if suggestion.score < options.min_score {
            Some("scored below --min-score")
        } else {
            None
        };
        if let Some(reason) = refused {
            *skipped.entry(reason).or_insert(0) += 1;
            continue;
        }
        entry.msgstr = Some(suggestion.text);
        if !entry.flags.iter().any(|f| f == "fuzzy") {
            entry.flags.push("fuzzy".into());
        }
        let comment = score_comment(suggestion.score);
        entry.tcomment = Some(match entry.tcomment.take() {
            Some(earlier) if !earlier.is_empty() => format!("{earlier}\n{comment}"),
            _ => comment,
        });
        summary.suggested += 1;
    }
    summary.skipped = skipped.into_iter().map(|(why, n)| (why.to_string(), n)).collect();
    crate::files::write(output, catalog.to_string().as_bytes(), "catalog")?;
    Ok(summary)
}
