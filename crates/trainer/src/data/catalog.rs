//! Filling a gettext catalog with a model's suggestions (`attn translate --po`): every
//! untranslated entry the model can handle gets its translation, marked `fuzzy` for a translator to
//! review, with the model's score in a translator comment; the entries left untranslated are
//! counted by why. The catalog is read and written with `rspolib`, as [`super::gettext`] reads the
//! catalogs a model trains on, and checked first ([`super::gettext_check`]): a malformed catalog is
//! an error naming its line, and nothing is written.
//!
//! A suggestion is written only when a translator can trust it:
//! - the message has no placeholder, by pattern (`%s`, `%(name)r`, `{0}`) or by the entry's own
//!   `*-format` flag, no markup, no accelerator, a single line, no plural and no context;
//! - the output holds no `<unk>` and no word three times in a row (`tous tous tous`), the marks of
//!   a model that lost its way;
//! - its score, the mean log-probability per token, is at least the `--min-score` asked for.

use std::collections::BTreeMap;
use std::path::Path;

use rspolib::{POEntry, POFile};

use crate::TrainError;
use crate::data::gettext::{is_format_flag, normalise, unsuitable};
use crate::data::gettext_check::{check_po, read_po};
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

/// The `--min-score` of `attn translate --po` when none is given: on the validation split of the
/// gettext corpus, the lowest score whose suggestions scored at least 20 chrF above all of them
/// together (63.8 against 39.0, a quarter of the messages; docs/translate.md, "Suggestions a
/// translator can trust").
pub const DEFAULT_MIN_SCORE: f32 = -0.8;

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
/// If `output` is `input` (it is never overwritten), `input` cannot be read or is malformed
/// (`FILE:LINE: what is wrong`, [`read_po`]), `suggest` fails, or `output` cannot be written (it is written whole or not at
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
    let mut catalog = read_po(input)?;
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
    let text = catalog_text(&catalog);
    // What is written must read back: a writer's slip is refused here, not left to a translator.
    if let Err(error) = check_po(output, text.as_bytes()) {
        return Err(TrainError::Io(format!(
            "{} not written: the catalog made from {} would not read back ({error}); please report it",
            output.display(),
            input.display()
        )));
    }
    crate::files::write(output, text.as_bytes(), "catalog")?;
    Ok(summary)
}

/// The widest line, in columns, that rspolib 0.1.2 writes as it is; it wraps wider ones.
const WRAP: usize = 78;

/// `catalog` as text, as rspolib's `Display` writes it (header, metadata, entries, obsolete entries
/// last), except that an entry with a comment line wider than [`WRAP`] is written unwrapped:
/// rspolib wraps such a line without its `# ` or `#. `, into lines that no longer read.
fn catalog_text(catalog: &POFile) -> String {
    let mut text = match catalog.header.as_deref() {
        None | Some("") => "#\n".to_string(),
        Some(header) => header
            .lines()
            .map(|line| {
                if line.is_empty() {
                    "#\n".into()
                } else {
                    format!("# {line}\n")
                }
            })
            .collect(),
    };
    text.push_str(&rspolib::po_metadata_entry_to_string(
        &catalog.metadata_as_entry(),
        catalog.metadata_is_fuzzy,
    ));
    text.push('\n');
    let (live, obsolete): (Vec<&POEntry>, Vec<&POEntry>) = catalog.entries.iter().partition(|e| !e.obsolete);
    for entry in live.into_iter().chain(obsolete) {
        // Bytes bound columns from above (a wide character takes three or four), so this errs on
        // the safe side; the prefix and a space take two columns more.
        let wide = [&entry.tcomment, &entry.comment]
            .into_iter()
            .flatten()
            .flat_map(|comment| comment.lines())
            .any(|line| line.len() + 2 > WRAP);
        let width = if wide { usize::MAX / 4 } else { WRAP };
        text.push_str(&entry.to_string_with_wrapwidth(width));
        text.push('\n');
    }
    text.pop();
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_comments_keep_their_marks_and_the_catalog_reads_back() {
        let dir = tempfile::tempdir().unwrap();
        let (input, output) = (dir.path().join("in.po"), dir.path().join("out.po"));
        let long = "a translator comment well over the seventy-eight columns that rspolib wraps at";
        let catalog = format!(
            "# The header.\nmsgid \"\"\nmsgstr \"Language: fr\\n\"\n\n# {long}\n#. {long}\nmsgid \"Open the              file\"\nmsgstr \"\"\n\n#~ msgid \"Gone\"\n#~ msgstr \"Parti\"\n"
        );
        std::fs::write(&input, &catalog).unwrap();
        let options = FillOptions {
            max_words: 12,
            min_score: -1.0,
        };
        let summary = fill(&input, &output, options, |_| {
            Ok(Suggestion {
                text: "ouvrir le fichier".into(),
                words: vec!["ouvrir".into(), "le".into(), "fichier".into()],
                score: -0.25,
            })
        })
        .unwrap();
        assert_eq!(summary.suggested, 1);
        let written = std::fs::read_to_string(&output).unwrap();
        assert!(written.starts_with("# The header.\n"), "{written}");
        assert!(written.contains(&format!("\n# {long}\n")), "{written}");
        assert!(written.contains(&format!("\n#. {long}\n")), "{written}");
        let read = read_po(&output).unwrap();
        assert_eq!(read.metadata["Language"], "fr");
        assert_eq!(read.entries[0].msgstr.as_deref(), Some("ouvrir le fichier"));
        assert!(read.entries[1].obsolete);
    }
}
