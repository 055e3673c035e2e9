//! English-French pairs from GNU gettext catalogs: the French translations
//! of installed software's messages, human work that every Debian or Ubuntu
//! machine carries in `/usr/share/locale/fr/LC_MESSAGES/*.mo`.
//!
//! [`read_catalogs`] reads `.mo` and `.po` files (with `rspolib`, behind the
//! checks of [`gettext_check`]: a malformed catalog is an error naming its
//! file and line), keeps the messages a word-level translator can learn
//! from, and counts what each filter dropped:
//!
//! - **plural** entries (`msgid_plural`) and entries with a **context**
//!   (`msgctxt`), whose one English string stands for several French ones;
//! - **untranslated** entries (no or empty `msgstr`, or `fuzzy` in a `.po`);
//! - messages over several **lines**;
//! - **placeholders**: printf's `%s`, `%2$d`, `%(name)s`, Qt's `%1`, and
//!   braces `{0}`, `{name}`;
//! - **markup** (`<b>`) and **entities** (`&amp;`);
//! - **identical** pairs (a name or a command left as it is);
//! - **length**: fewer than 3 or more than 12 English words.
//!
//! Accelerator marks (GTK's `_Open`, Qt's `&Open`) are removed, not
//! dropped, and counted. Both sides are normalised before tokenizing:
//! typographic apostrophes become `'` and no-break spaces (French puts one
//! before `: ; ! ?`) plain ones, so `l’image` and `l'image` are one token
//! sequence.
//!
//! The same English message in several catalogs is one pair: the most
//! frequent translation wins (ties: the smallest), and the messages whose
//! catalogs disagree are counted. Catalogs with the same name up to `-`,
//! `_` and the extension (`iso_639-3.mo`, `iso_639_3.mo`; `app.po`,
//! `app.mo`) are read once.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use regex::Regex;
use sha2::Digest as _;

use crate::TrainError;
use crate::data::gettext_check;
use crate::data::tatoeba::SentencePair;
use crate::run_dir::RunDir;

/// Where Debian and Ubuntu keep the French catalogs.
pub const SYSTEM_CATALOGS: &str = "/usr/share/locale/fr/LC_MESSAGES";

/// The fewest and most English words of a message kept. One- and two-word
/// messages are kept: labels ("Yes", "Open File") are a large share of every
/// catalog, and a model that never saw them suggests sentences for them.
pub const WORDS: (usize, usize) = (1, 12);

static PLACEHOLDER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"%(\d+\$)?[-+ #0']*(\d+|\*)?(\.(\d+|\*))?(hh|h|ll|l|L|q|j|z|t)?[diouxXeEfFgGaAcCsSpnr%]",
        r"|%\(\w+\)[a-zA-Z]",
        r"|%\d",
        r"|\{[^{}\s]*\}",
    ))
    .expect("a valid pattern")
});
static MARKUP: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"</?[A-Za-z][^<>]*>|&[A-Za-z]+;|&#\d+;").expect("a valid pattern"));
static ACCELERATOR: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"[_&](\p{L})").expect("a valid pattern"));

/// What [`read_catalogs`] read and dropped, filter by filter.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GettextCounts {
    /// Catalog files read (duplicates by name not counted).
    pub catalogs: usize,
    /// Catalog files skipped as the same catalog under another name.
    pub duplicate_catalogs: usize,
    /// Messages read, the headers not counted.
    pub messages: usize,
    /// Plural entries.
    pub plural: usize,
    /// Entries with a context.
    pub context: usize,
    /// Untranslated or fuzzy entries.
    pub untranslated: usize,
    /// Messages over several lines.
    pub multiline: usize,
    /// Messages with a placeholder.
    pub placeholders: usize,
    /// Messages with markup or entities.
    pub markup: usize,
    /// Messages whose accelerator marks were removed (kept).
    pub accelerators: usize,
    /// Pairs whose two sides are the same.
    pub identical: usize,
    /// Messages of too few or too many words.
    pub length: usize,
    /// Kept messages that another catalog already had.
    pub repeated: usize,
    /// English messages whose catalogs translate them differently.
    pub disagreements: usize,
    /// Distinct English messages kept.
    pub kept: usize,
    /// Catalog files left out by name (`--hold-out-catalog`).
    pub held_out: usize,
}

impl fmt::Display for GettextCounts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.held_out > 0 {
            write!(f, "{} catalogs held out; ", self.held_out)?;
        }
        write!(
            f,
            "{} catalogs ({} duplicates skipped), {} messages; dropped: {} plural, {} with a context, \
             {} untranslated, {} over several lines, {} with placeholders, {} with markup, {} identical, \
             {} outside {}-{} words; accelerators removed from {}; {} repeated across catalogs, \
             {} translated differently by two catalogs (the most frequent kept); {} pairs kept",
            self.catalogs,
            self.duplicate_catalogs,
            self.messages,
            self.plural,
            self.context,
            self.untranslated,
            self.multiline,
            self.placeholders,
            self.markup,
            self.identical,
            self.length,
            WORDS.0,
            WORDS.1,
            self.accelerators,
            self.repeated,
            self.disagreements,
            self.kept,
        )
    }
}

/// One message as a catalog holds it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// `msgctxt`.
    pub context: Option<String>,
    /// `msgid`.
    pub english: String,
    /// Whether it has a `msgid_plural`.
    pub plural: bool,
    /// `msgstr`, if translated (and not fuzzy).
    pub french: Option<String>,
    /// Whether a `*-format` flag (`c-format`, `python-format`, ...) says it
    /// has placeholders (`.po` only: `.mo` files keep no flags).
    pub formatted: bool,
}

/// Whether a `.po` flag says the message is a format string: `c-format`,
/// `python-brace-format`, ..., but not `no-c-format`.
///
/// # Example
///
/// ```
/// use trainer::data::gettext::is_format_flag;
/// assert!(is_format_flag("python-format") && !is_format_flag("no-c-format") && !is_format_flag("fuzzy"));
/// ```
pub fn is_format_flag(flag: &str) -> bool {
    flag.ends_with("-format") && !flag.starts_with("no-")
}

/// A catalog a run read: its name, size and SHA-256, as `catalogs.tsv` lists them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CatalogFile {
    /// The file's name.
    pub name: String,
    /// Its size in bytes.
    pub bytes: u64,
    /// The SHA-256 of its bytes, in hex.
    pub sha256: String,
}

/// Writes `catalogs.tsv` into `run`: `name<TAB>bytes<TAB>sha256` a catalog, so that the corpora
/// of two machines (whose installed packages differ) can be compared.
///
/// # Errors
///
/// If the file cannot be written.
pub fn save_catalog_list(run: &RunDir, catalogs: &[CatalogFile]) -> Result<(), TrainError> {
    let text: String = catalogs
        .iter()
        .map(|c| format!("{}\t{}\t{}\n", c.name, c.bytes, c.sha256))
        .collect();
    crate::files::write(&run.path().join(CATALOG_LIST), text.as_bytes(), "run file")
}

/// The file of a run that lists the catalogs it read.
pub const CATALOG_LIST: &str = "catalogs.tsv";

/// Whether `data` names gettext catalogs rather than a Tatoeba file:
/// `gettext`, a directory, or a `.mo` or `.po` file.
pub fn names_catalogs(data: &Path) -> bool {
    data == Path::new("gettext") || data.is_dir() || data.extension().is_some_and(|e| e == "mo" || e == "po")
}

/// The catalog files `source` names: `gettext` for [`SYSTEM_CATALOGS`], a
/// directory (its `.mo` and `.po` files), or one `.mo` or `.po` file.
/// Sorted by name; of catalogs with the same name up to `-` and `_` and
/// the extension, the first.
///
/// # Errors
///
/// If the directory cannot be read or holds no catalog; for the system's,
/// the message says which Debian packages provide catalogs.
pub fn catalog_files(source: &Path) -> Result<(Vec<PathBuf>, usize), TrainError> {
    let system = source == Path::new("gettext");
    let dir = if system { Path::new(SYSTEM_CATALOGS) } else { source };
    if !system && dir.is_file() {
        return Ok((vec![dir.to_path_buf()], 0));
    }
    let missing = || {
        let hint = if system {
            " (Debian and Ubuntu install a program's French messages there with the program: \
             `apt-get install coreutils tar bash iso-codes`, for instance; a minimal image may have purged them)"
        } else {
            ""
        };
        TrainError::Input(format!("{}: no .mo or .po catalogs found{hint}", dir.display()))
    };
    let entries = std::fs::read_dir(dir).map_err(|_| missing())?;
    let mut files: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "mo" || e == "po"))
        .collect();
    files.sort();
    let mut names = std::collections::HashSet::new();
    let before = files.len();
    // A catalog's `.mo` and `.po`, and its names with `-` or `_`, are one catalog.
    files.retain(|p| names.insert(p.file_stem().map(|n| n.to_string_lossy().replace('-', "_"))));
    if files.is_empty() {
        return Err(missing());
    }
    let duplicates = before - files.len();
    Ok((files, duplicates))
}

/// The entries of one catalog, `.mo` or `.po`, headers left out. The file is checked before
/// `rspolib` reads it ([`gettext_check`]), so a malformed one is an error, never a panic or an
/// allocation larger than the file.
///
/// # Errors
///
/// If the file cannot be read or is malformed: `FILE:LINE: what is wrong` for a `.po`, `FILE: what
/// is wrong` for a `.mo`.
pub fn read_catalog(path: &Path) -> Result<Vec<Entry>, TrainError> {
    let is_po = path.extension().is_some_and(|e| e == "po");
    let translated = |s: Option<String>| s.filter(|s| !s.is_empty());
    let entries: Vec<Entry> = if is_po {
        let file = gettext_check::read_po(path)?;
        file.entries
            .into_iter()
            .filter(|e| !e.obsolete)
            .map(|e| Entry {
                plural: e.msgid_plural.is_some(),
                french: translated(e.msgstr).filter(|_| !e.flags.iter().any(|f| f == "fuzzy")),
                formatted: e.flags.iter().any(|f| is_format_flag(f)),
                context: e.msgctxt,
                english: e.msgid,
            })
            .collect()
    } else {
        let file = gettext_check::read_mo(path)?;
        file.entries
            .into_iter()
            .map(|e| {
                // rspolib 0.1.2 splits a `.mo` key, `CONTEXT\x04MSGID`, the wrong way round: its
                // `msgid` is the context and its `msgctxt` the message.
                let (context, english) = match e.msgctxt {
                    Some(message) => (Some(e.msgid), message),
                    None => (None, e.msgid),
                };
                Entry {
                    plural: e.msgid_plural.is_some(),
                    french: translated(e.msgstr),
                    formatted: false,
                    context,
                    english,
                }
            })
            .collect()
    };
    Ok(entries.into_iter().filter(|e| !e.english.is_empty()).collect())
}

/// Typographic apostrophes to `'`, no-break and thin spaces to plain ones.
pub fn normalise(text: &str) -> String {
    text.replace(['\u{2019}', '\u{2018}', '\u{02BC}'], "'")
        .replace(['\u{00A0}', '\u{202F}', '\u{2009}'], " ")
}

/// Why a translator could not handle the English `message`, if it cannot:
/// `"several lines"`, `"placeholders"`, `"markup"` or `"an accelerator"`
/// (a suggestion would have to place them). Plurals and contexts are the
/// caller's to check.
///
/// # Example
///
/// ```
/// use trainer::data::gettext::unsuitable;
/// assert_eq!(unsuitable("Cannot open %s"), Some("placeholders"));
/// assert_eq!(unsuitable("Cannot open the file"), None);
/// ```
pub fn unsuitable(message: &str) -> Option<&'static str> {
    match unfit(message) {
        Some(Verdict::Multiline) => Some("several lines"),
        Some(Verdict::Placeholder) => Some("placeholders"),
        Some(_) => Some("markup"),
        None if ACCELERATOR.is_match(message) => Some("an accelerator"),
        None => None,
    }
}

/// The shape filters of one message: several lines, placeholders, markup.
fn unfit(message: &str) -> Option<Verdict> {
    if message.trim().contains(['\n', '\t']) {
        Some(Verdict::Multiline)
    } else if PLACEHOLDER.is_match(message) {
        Some(Verdict::Placeholder)
    } else if MARKUP.is_match(message) {
        Some(Verdict::Markup)
    } else {
        None
    }
}

/// Why a message was dropped, or the pair kept and whether its accelerator
/// marks were removed.
enum Verdict {
    Plural,
    Context,
    Untranslated,
    Multiline,
    Placeholder,
    Markup,
    Identical,
    Length,
    Keep {
        english: String,
        french: String,
        accelerators: bool,
    },
}

fn judge(entry: Entry) -> Verdict {
    if entry.plural {
        return Verdict::Plural;
    }
    if entry.context.is_some() {
        return Verdict::Context;
    }
    let Some(french) = entry.french else {
        return Verdict::Untranslated;
    };
    if entry.formatted {
        return Verdict::Placeholder;
    }
    let english = entry.english;
    // The English decides first: a translation adds no placeholder its message lacks.
    if let Some(verdict) = unfit(&english).or_else(|| unfit(&french)) {
        return verdict;
    }
    let accelerators = ACCELERATOR.is_match(&english) || ACCELERATOR.is_match(&french);
    let clean = |s: &str| normalise(&ACCELERATOR.replace_all(s, "$1")).trim().to_string();
    let (english, french) = (clean(&english), clean(&french));
    if english.to_lowercase() == french.to_lowercase() {
        return Verdict::Identical;
    }
    let words = english.split_whitespace().count();
    if !(WORDS.0..=WORDS.1).contains(&words) {
        return Verdict::Length;
    }
    Verdict::Keep {
        english,
        french,
        accelerators,
    }
}

/// The pairs of the catalogs `source` names (see [`catalog_files`]),
/// filtered, one per English message, tokenized, and the counts of each
/// filter.
///
/// # Errors
///
/// As [`catalog_files`] and [`read_catalog`].
pub fn read_catalogs(
    source: &Path,
    hold_out: &[String],
) -> Result<(Vec<SentencePair>, GettextCounts, Vec<CatalogFile>), TrainError> {
    let (mut files, duplicate_catalogs) = catalog_files(source)?;
    // A catalog's name: its file's, up to the extension, `-` and `_` alike.
    let name = |path: &Path| {
        path.file_stem()
            .map_or(String::new(), |n| n.to_string_lossy().replace('-', "_"))
    };
    for wanted in hold_out {
        if !files.iter().any(|f| name(f) == wanted.replace('-', "_")) {
            return Err(TrainError::Input(format!(
                "--hold-out-catalog {wanted}: {} has no catalog of that name (`coreutils` for coreutils.mo)",
                source.display()
            )));
        }
    }
    let before = files.len();
    files.retain(|f| !hold_out.iter().any(|h| h.replace('-', "_") == name(f)));
    let mut counts = GettextCounts {
        catalogs: files.len(),
        duplicate_catalogs,
        held_out: before - files.len(),
        ..GettextCounts::default()
    };
    let mut read = Vec::with_capacity(files.len());
    for file in &files {
        let bytes =
            std::fs::read(file).map_err(|e| TrainError::Input(format!("{}: cannot read: {e}", file.display())))?;
        read.push(CatalogFile {
            name: file
                .file_name()
                .map_or(String::new(), |n| n.to_string_lossy().into_owned()),
            bytes: bytes.len() as u64,
            sha256: format!("{:x}", sha2::Sha256::digest(&bytes)),
        });
    }
    // English message -> French translation -> catalogs that give it; sorted, so the result does
    // not depend on the order of the files.
    let mut translations: BTreeMap<String, BTreeMap<String, usize>> = BTreeMap::new();
    for file in &files {
        for entry in read_catalog(file)? {
            counts.messages += 1;
            match judge(entry) {
                Verdict::Plural => counts.plural += 1,
                Verdict::Context => counts.context += 1,
                Verdict::Untranslated => counts.untranslated += 1,
                Verdict::Multiline => counts.multiline += 1,
                Verdict::Placeholder => counts.placeholders += 1,
                Verdict::Markup => counts.markup += 1,
                Verdict::Identical => counts.identical += 1,
                Verdict::Length => counts.length += 1,
                Verdict::Keep {
                    english,
                    french,
                    accelerators,
                } => {
                    counts.accelerators += usize::from(accelerators);
                    let seen = translations.entry(english).or_default();
                    counts.repeated += usize::from(!seen.is_empty());
                    *seen.entry(french).or_insert(0) += 1;
                }
            }
        }
    }
    let mut pairs = Vec::with_capacity(translations.len());
    let mut seen: HashMap<Vec<String>, ()> = HashMap::new();
    for (english, frenches) in translations {
        counts.disagreements += usize::from(frenches.len() > 1);
        // The most frequent; among equals, the first in order (BTreeMap: the smallest).
        let (french, _) = frenches
            .iter()
            .fold(None::<(&String, usize)>, |best, (f, &n)| match best {
                Some((_, m)) if m >= n => best,
                _ => Some((f, n)),
            })
            .expect("every English message has a translation");
        let pair = SentencePair::new(&english, french);
        // Two messages may tokenize alike ("Open file" and "Open file."): one pair each English.
        if seen.insert(pair.english.clone(), ()).is_none() {
            pairs.push(pair);
        }
    }
    counts.kept = pairs.len();
    Ok((pairs, counts, read))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::tokenize::tokenize;

    fn entry(english: &str, french: &str) -> Entry {
        Entry {
            context: None,
            english: english.into(),
            plural: false,
            french: Some(french.into()),
            formatted: false,
        }
    }

    fn kept(english: &str, french: &str) -> Option<(String, String)> {
        match judge(entry(english, french)) {
            Verdict::Keep { english, french, .. } => Some((english, french)),
            _ => None,
        }
    }

    #[test]
    fn each_filter_drops_what_it_names() {
        let cases: [(&str, &str, &str); 9] = [
            (
                "Cannot open %s for reading",
                "Impossible d'ouvrir %s en lecture",
                "placeholder",
            ),
            (
                "Cannot open %2$s now",
                "Impossible d'ouvrir %2$s maintenant",
                "placeholder",
            ),
            (
                "Deleted %(count)d old files",
                "%(count)d anciens fichiers supprimés",
                "placeholder",
            ),
            (
                "Open {name} in a new window",
                "Ouvrir {name} dans une fenêtre",
                "placeholder",
            ),
            ("Open %1 in a new window", "Ouvrir %1 dans une fenêtre", "placeholder"),
            (
                "Show the <b>full</b> path",
                "Afficher le chemin <b>complet</b>",
                "markup",
            ),
            ("Copy &amp; paste the text", "Copier &amp; coller le texte", "markup"),
            (
                "Print working directory name",
                "Print working directory name",
                "identical",
            ),
            (
                "Save every open file to the disk before the editor quits and closes its windows",
                "Enregistrer tous les fichiers ouverts avant que l'éditeur ne quitte",
                "length",
            ),
        ];
        for (english, french, why) in cases {
            let verdict = match judge(entry(english, french)) {
                Verdict::Placeholder => "placeholder",
                Verdict::Markup => "markup",
                Verdict::Identical => "identical",
                Verdict::Length => "length",
                _ => "other",
            };
            assert_eq!(verdict, why, "{english}");
        }
        assert!(matches!(
            judge(entry("Two\nlines here now", "Deux\nlignes ici")),
            Verdict::Multiline
        ));
        let plural = Entry {
            plural: true,
            ..entry("one file was removed", "un fichier supprimé")
        };
        assert!(matches!(judge(plural), Verdict::Plural));
        let context = Entry {
            context: Some("menu".into()),
            ..entry("Open the file now", "Ouvrir le fichier")
        };
        assert!(matches!(judge(context), Verdict::Context));
        let untranslated = Entry {
            french: None,
            ..entry("Open the file now", "")
        };
        assert!(matches!(judge(untranslated), Verdict::Untranslated));
        // "100 % done" holds "% d", printf's space-flagged `%d`, as gettext's own c-format
        // check reads it: dropped with the placeholders.
        assert!(matches!(
            judge(entry("The job is 100 % done", "La tâche est faite à 100 %")),
            Verdict::Placeholder
        ));
    }

    #[test]
    fn accelerators_go_and_typography_is_normalised() {
        assert_eq!(
            kept("_Save the current file", "_Enregistrer le fichier courant"),
            Some(("Save the current file".into(), "Enregistrer le fichier courant".into()))
        );
        assert_eq!(
            kept("&Open the image", "&Ouvrir l\u{2019}image"),
            Some(("Open the image".into(), "Ouvrir l'image".into()))
        );
        let (_, french) = kept("Are you sure?", "Êtes-vous sûr\u{202F}?").unwrap();
        assert_eq!(tokenize(&french), ["êtes-vous", "sûr", "?"]);
        assert_eq!(tokenize("l\u{2019}image"), tokenize("l'image"));
    }

    fn sample() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("data/gettext-sample")
    }

    #[test]
    fn the_written_sample_reads_with_each_count() {
        let (pairs, counts, read) = read_catalogs(&sample(), &[]).unwrap();
        assert_eq!(
            read.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(),
            ["editor.po", "image-viewer.mo"]
        );
        // Counted by hand from data/gettext-sample: editor.po's 15 messages and image-viewer.mo's
        // 6 (image-viewer.po and image_viewer.mo are the same catalog).
        let expected = GettextCounts {
            catalogs: 2,
            duplicate_catalogs: 2,
            messages: 21,
            plural: 1,
            context: 1,
            untranslated: 2,
            multiline: 1,
            placeholders: 1,
            markup: 1,
            accelerators: 2,
            identical: 1,
            length: 1,
            repeated: 2,
            disagreements: 1,
            kept: 10,
            held_out: 0,
        };
        assert_eq!(counts, expected);
        let french = |english: &str| {
            let english = tokenize(english);
            pairs.iter().find(|p| p.english == english).map(|p| p.french.join(" "))
        };
        // A tie between the catalogs: the smaller translation.
        assert_eq!(french("Close the current window").unwrap(), "fermer la fenêtre active");
        assert_eq!(french("Open the file").unwrap(), "ouvrir le fichier");
        assert_eq!(french("Zoom in on the picture").unwrap(), "agrandir l' image");
        assert_eq!(french("Are you sure?").unwrap(), "êtes-vous sûr ?");
        assert!(french("Find the next match").is_none(), "untranslated");
        // A one-word label is kept: labels are much of every catalog (`WORDS`).
        assert_eq!(french("Quit").unwrap(), "quitter");
    }

    #[test]
    fn a_mo_file_reads_as_the_po_it_was_compiled_from() {
        let mut from_mo = read_catalog(&sample().join("image-viewer.mo")).unwrap();
        let mut from_po = read_catalog(&sample().join("image-viewer.po")).unwrap();
        from_mo.sort_by(|a, b| a.english.cmp(&b.english));
        from_po.sort_by(|a, b| a.english.cmp(&b.english));
        assert_eq!(from_mo.len(), 6);
        assert_eq!(from_mo, from_po);
    }

    #[test]
    fn no_catalog_and_a_malformed_one_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let error = read_catalogs(dir.path(), &[]).unwrap_err().to_string();
        assert_eq!(error, format!("{}: no .mo or .po catalogs found", dir.path().display()));
        let bad = dir.path().join("bad.po");
        std::fs::write(&bad, "msgid \"Open\"\nmsgstr \"Ouvrir\nmsgid \"x\"\n").unwrap();
        let error = read_catalogs(&bad, &[]).unwrap_err().to_string();
        assert_eq!(
            error,
            format!("{}:2: `\"Ouvrir`: the string has no closing quote", bad.display())
        );
        let mo = dir.path().join("bad.mo");
        std::fs::write(&mo, b"not a catalog").unwrap();
        assert_eq!(
            read_catalogs(&mo, &[]).unwrap_err().to_string(),
            format!(
                "{}: 13 bytes: too short for a .mo file, whose header alone is 28",
                mo.display()
            )
        );
    }

    /// A little-endian `.mo` file of `(key, translation)` strings, as `msgfmt` lays one out:
    /// header, the two tables, then the strings, each ended by a NUL.
    fn mo_file(strings: &[(&str, &str)]) -> Vec<u8> {
        let count = strings.len() as u32;
        let (originals, translations) = (28, 28 + 8 * count);
        let mut data = Vec::new();
        let mut tables = Vec::new();
        let start = 28 + 16 * count;
        for text in strings.iter().map(|s| s.0).chain(strings.iter().map(|s| s.1)) {
            tables.push((text.len() as u32, start + data.len() as u32));
            data.extend(text.as_bytes());
            data.push(0);
        }
        let mut bytes = Vec::new();
        for word in [rspolib::MAGIC, 0, count, originals, translations, 0, 0] {
            bytes.extend(word.to_le_bytes());
        }
        for (length, offset) in tables {
            bytes.extend(length.to_le_bytes());
            bytes.extend(offset.to_le_bytes());
        }
        bytes.extend(data);
        bytes
    }

    #[test]
    fn a_mo_entry_keeps_its_context_and_its_message_apart() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("context.mo");
        let strings = [
            ("", "Content-Type: text/plain; charset=UTF-8\n"),
            ("menu\u{4}Open the file", "Ouvrir le fichier"),
            ("one file\0many files", "un fichier\0des fichiers"),
        ];
        std::fs::write(&path, mo_file(&strings)).unwrap();
        let entries = read_catalog(&path).unwrap();
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[0].context.as_deref(), Some("menu"));
        assert_eq!(entries[0].english, "Open the file");
        assert_eq!(entries[0].french.as_deref(), Some("Ouvrir le fichier"));
        assert_eq!((entries[1].english.as_str(), entries[1].plural), ("one file", true));
    }
}
