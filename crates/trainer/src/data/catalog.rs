//! Filling a gettext catalog with a model's suggestions (`attn translate
//! --po`): every untranslated entry the model can handle gets its
//! translation, marked fuzzy; the others are counted by why they were left.
//! The catalog is read and written with `rspolib`, as [`super::gettext`]
//! reads the catalogs a model trains on.

use std::collections::BTreeMap;
use std::path::Path;

use crate::TrainError;
use crate::data::gettext::{normalise, unsuitable};
use crate::data::tokenize::{detokenize, tokenize};

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

/// Writes to `output` a copy of the gettext catalog `input` in which every
/// untranslated entry a model can handle has the model's translation,
/// marked `fuzzy` for a translator to review: `suggest` translates a
/// message (its text normalised, [`normalise`]) into output words, which are
/// detokenised into the entry. Plurals, entries with a context, and messages
/// with placeholders, markup, accelerators or several lines, or of more than
/// `max_words` words, stay untranslated. The entries keep their comments and
/// order.
///
/// # Errors
///
/// If `output` is `input` (it is never overwritten), `input` cannot be
/// read or parsed (the message names the line), `suggest` fails, or
/// `output` cannot be written (it is written whole or not at all).
pub fn fill(
    input: &Path,
    output: &Path,
    max_words: usize,
    mut suggest: impl FnMut(&str) -> Result<Vec<String>, TrainError>,
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
        } else if let Some(why) = unsuitable(&entry.msgid) {
            Some(why)
        } else if words == 0 || words > max_words {
            Some("of no words or too many")
        } else {
            None
        };
        if let Some(reason) = reason {
            *skipped.entry(reason).or_insert(0) += 1;
            continue;
        }
        let output = suggest(&normalise(&entry.msgid))?;
        if output.is_empty() {
            *skipped.entry("that the model left empty").or_insert(0) += 1;
            continue;
        }
        let capital = entry.msgid.chars().next().is_some_and(char::is_uppercase);
        entry.msgstr = Some(detokenize(&output, capital));
        if !entry.flags.iter().any(|f| f == "fuzzy") {
            entry.flags.push("fuzzy".into());
        }
        summary.suggested += 1;
    }
    summary.skipped = skipped.into_iter().map(|(why, n)| (why.to_string(), n)).collect();
    crate::files::write(output, catalog.to_string().as_bytes(), "catalog")?;
    Ok(summary)
}
