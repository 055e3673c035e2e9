//! The checks that stand in front of `rspolib`, so that a malformed catalog is an error naming its
//! file (and, for a `.po`, its line) instead of a panic or an allocation of gigabytes.
//!
//! `rspolib` 0.1.2 reads well-formed catalogs well and writes them back with their comments, flags
//! and order, which [`super::catalog`] needs; no other crate does both `.po` and `.mo`. But it
//! trusts its input (docs/translate.md, "Malformed catalogs"):
//!
//! - its `.po` parser unwraps a missing state transition (`msgstr` with no `msgid` before it, two
//!   `msgstr`, a string continuing a comment, a comment after `msgctxt`), slices strings that are a
//!   lone `"` or start with a multi-byte character, allocates `N + 1` strings for `msgstr[N]`
//!   whatever `N`, and reports a bad escape without its line;
//! - its `.mo` parser allocates every string at the length the file declares, and reads past the
//!   end of the file without noticing.
//!
//! [`check_po`] is a grammar of the `.po` format as GNU gettext writes it, restricted to what
//! `rspolib` reads correctly: UTF-8 text; comments (`#`, `#.`, `#:`, `#,`, `#|`, `#~|`) only
//! between entries; each entry `[msgctxt] msgid (msgstr | msgid_plural msgstr[0] msgstr[1] ...)`,
//! each keyword followed by one string on its line and any number of continuation strings on the
//! next ones; obsolete entries (`#~ `) obsolete on every line; the escapes `\n \t \r \b \f \v \" \\`.
//! [`check_mo`] checks a `.mo` file's header and tables against its length before anything is
//! allocated. [`read_po`] and [`read_mo`] run the check and then `rspolib`, whose panics, should a
//! case slip past the checks, become errors naming the file (the workspace unwinds on panic).

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;

use crate::TrainError;

/// The escapes `rspolib` decodes; it refuses GNU's others (`\a`, octal, hexadecimal) without
/// naming a line, so they are refused here with one.
const ESCAPES: [char; 8] = ['n', 't', 'r', 'b', 'f', 'v', '"', '\\'];

/// The bytes of a `.mo` header: magic number, revision, number of strings, the offsets of the two
/// tables, and the hash table's size and offset, 4 bytes each.
pub const MO_HEADER: u64 = 28;

/// Reads the `.po` catalog at `path`: [`check_po`], then `rspolib`.
///
/// # Errors
///
/// `TrainError::Input` if the file cannot be read or is malformed: `FILE:LINE: what is wrong`.
pub fn read_po(path: &Path) -> Result<rspolib::POFile, TrainError> {
    let bytes = std::fs::read(path).map_err(|e| TrainError::Input(format!("{}: cannot read: {e}", path.display())))?;
    let text = check_po(path, &bytes)?;
    // rspolib reads its argument as a path when a file of that name exists, so a catalog whose
    // whole text names a file would be read from that file, unchecked. A last line of spaces,
    // which it skips as blank, makes the text too long to be a path.
    let padded;
    let text = if Path::new(text).is_file() {
        padded = format!("{text}\n{}", " ".repeat(4096));
        padded.as_str()
    } else {
        text
    };
    match catch_unwind(AssertUnwindSafe(|| rspolib::pofile(text))) {
        Ok(Ok(file)) => Ok(file),
        Ok(Err(e)) => Err(TrainError::Input(format!("{}: {e}", path.display()))),
        Err(panic) => Err(reader_failed(path, panic.as_ref())),
    }
}

/// Reads the `.mo` catalog at `path`: [`check_mo`], then `rspolib`.
///
/// # Errors
///
/// `TrainError::Input` if the file cannot be read or is malformed: `FILE: what is wrong`.
pub fn read_mo(path: &Path) -> Result<rspolib::MOFile, TrainError> {
    let bytes = std::fs::read(path).map_err(|e| TrainError::Input(format!("{}: cannot read: {e}", path.display())))?;
    check_mo(path, &bytes)?;
    match catch_unwind(AssertUnwindSafe(|| rspolib::mofile(bytes))) {
        Ok(Ok(file)) => Ok(file),
        Ok(Err(e)) => Err(TrainError::Input(format!("{}: {e}", path.display()))),
        Err(panic) => Err(reader_failed(path, panic.as_ref())),
    }
}

/// The error of a panic inside `rspolib` that the checks let through.
fn reader_failed(path: &Path, panic: &(dyn std::any::Any + Send)) -> TrainError {
    let message = panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_default();
    TrainError::Input(format!(
        "{}: the gettext reader (rspolib) failed on this file ({message}); the checks before it \
         missed what is wrong with it: please report it with the file",
        path.display()
    ))
}

/// `bytes` as text if they are a `.po` catalog `rspolib` reads correctly (see the
/// [module](self)); `path` only names the file in the error.
///
/// # Errors
///
/// `TrainError::Input("FILE:LINE: what is wrong")` for the first malformed line.
///
/// # Example
///
/// ```
/// use std::path::Path;
/// use trainer::data::gettext_check::check_po;
/// let good = b"msgid \"Open\"\nmsgstr \"Ouvrir\"\n";
/// assert!(check_po(Path::new("a.po"), good).is_ok());
/// let error = check_po(Path::new("b.po"), b"msgstr \"x\"\n").unwrap_err();
/// assert_eq!(error.to_string(), "b.po:1: unexpected `msgstr`: expected a comment, msgctxt or msgid");
/// ```
pub fn check_po<'a>(path: &Path, bytes: &'a [u8]) -> Result<&'a str, TrainError> {
    let at = |line: usize, what: String| TrainError::Input(format!("{}:{line}: {what}", path.display()));
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let good = &bytes[..e.valid_up_to()];
        let line = 1 + good.iter().filter(|&&b| b == b'\n').count();
        at(
            line,
            format!(
                "not UTF-8 (byte 0x{:02x}); convert the catalog with `msgconv --to-code=UTF-8`",
                bytes[e.valid_up_to()]
            ),
        )
    })?;
    let mut grammar = Grammar::default();
    // As rspolib splits and trims them; it strips byte-order marks from the first line only.
    for (index, line) in text.lines().enumerate() {
        let line = if index == 0 {
            line.trim_start_matches('\u{feff}')
        } else {
            line
        };
        let kind = classify(line).map_err(|what| at(index + 1, what))?;
        grammar.next(index + 1, kind).map_err(|what| at(index + 1, what))?;
    }
    grammar.end().map_err(|(line, what)| at(line, what))?;
    Ok(text)
}

/// What one line of a `.po` file is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Line {
    /// Blank (rspolib skips it).
    Blank,
    /// `#`, `#.`, `#:`, `#,`, `#~|`: a comment before an entry.
    Comment,
    /// `#| msgctxt "..."`, `#| msgid "..."`, `#| msgid_plural "..."`: the previous message.
    Previous,
    /// `#| "..."`: a string continuing the previous message.
    PreviousMore,
    /// A keyword and its string, obsolete (`#~ `) or not.
    Keyword {
        keyword: Keyword,
        obsolete: bool,
        empty: bool,
    },
    /// A string continuing the last keyword's.
    More { obsolete: bool, empty: bool },
}

/// The keywords of an entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Keyword {
    Context,
    Id,
    IdPlural,
    Str,
    StrPlural(usize),
}

impl std::fmt::Display for Keyword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Keyword::Context => write!(f, "msgctxt"),
            Keyword::Id => write!(f, "msgid"),
            Keyword::IdPlural => write!(f, "msgid_plural"),
            Keyword::Str => write!(f, "msgstr"),
            Keyword::StrPlural(n) => write!(f, "msgstr[{n}]"),
        }
    }
}

/// At most this many characters of a line are quoted in an error.
const QUOTED: usize = 24;

/// `text` cut to [`QUOTED`] characters, for an error message.
fn quoted(text: &str) -> String {
    match text.char_indices().nth(QUOTED) {
        Some((end, _)) => format!("{}...", &text[..end]),
        None => text.to_string(),
    }
}

/// What `line` is, as rspolib would read it, or why rspolib would fail on it.
fn classify(line: &str) -> Result<Line, String> {
    let line = line.trim();
    let Some(first) = line.split_ascii_whitespace().next() else {
        return Ok(Line::Blank);
    };
    match first {
        // rspolib skips an obsolete entry's previous message whole.
        "#~|" => Ok(Line::Comment),
        "#~" if first.len() == line.len() => Err("`#~` with nothing after it".into()),
        // The byte after `#~` is the ASCII space or tab that ended the token.
        "#~" => match line[3..].trim() {
            rest if rest.starts_with('#') => Err(format!(
                "`{}`: an obsolete `#~` line holds a keyword or a string, not a comment",
                quoted(line)
            )),
            rest => entry_line(rest, true),
        },
        "#" | "#." | "#:" | "#," => Ok(Line::Comment),
        _ if first.starts_with("##") => Ok(Line::Comment),
        "#|" => previous(line),
        _ if first.starts_with('#') => Err(format!(
            "`{}`: a comment starts with `#` and a space, or with `#.`, `#:`, `#,`, `#|` or `#~`",
            quoted(first)
        )),
        _ => entry_line(line, false),
    }
}

/// A `#|` line: the previous message, as `msgmerge` keeps it beside a fuzzy entry.
fn previous(line: &str) -> Result<Line, String> {
    let mut tokens = line.split_ascii_whitespace().skip(1);
    let Some(keyword) = tokens.next() else {
        return Err("`#|` with nothing after it".into());
    };
    if keyword.starts_with('"') {
        let quote = line.find('"').expect("the token starts with a quote");
        string(&line[quote..])?;
        return Ok(Line::PreviousMore);
    }
    if !matches!(keyword, "msgctxt" | "msgid" | "msgid_plural") {
        return Err(format!(
            "`#| {}`: a previous message is `#| msgctxt`, `#| msgid` or `#| msgid_plural`",
            quoted(keyword)
        ));
    }
    // rspolib finds the string one character after `#|` and the keyword: one space between.
    if !line[3..].starts_with(keyword) {
        return Err(format!("write one space between `#|` and `{keyword}`"));
    }
    if tokens.next().is_none() {
        return Err(format!("`#| {keyword}` without its string"));
    }
    string(line[3 + keyword.len()..].trim_start())?;
    Ok(Line::Previous)
}

/// A keyword line or a continuation string (`line` trimmed, not empty, `#~ ` taken off).
fn entry_line(line: &str, obsolete: bool) -> Result<Line, String> {
    if line.starts_with('"') {
        let empty = string(line)?;
        return Ok(Line::More { obsolete, empty });
    }
    let first = line.split_ascii_whitespace().next().unwrap_or_default();
    let keyword = match first {
        "msgctxt" => Keyword::Context,
        "msgid" => Keyword::Id,
        "msgid_plural" => Keyword::IdPlural,
        "msgstr" => Keyword::Str,
        _ if first.starts_with("msgstr[") => Keyword::StrPlural(plural_index(first)?),
        _ => {
            return Err(format!(
                "`{}`: expected a keyword (msgctxt, msgid, msgid_plural, msgstr, msgstr[N]), a string in \
                 quotes or a comment",
                quoted(first)
            ));
        }
    };
    let rest = line[first.len()..].trim_start();
    if rest.is_empty() {
        return Err(format!("`{keyword}` without its string"));
    }
    let empty = string(rest)?;
    Ok(Line::Keyword {
        keyword,
        obsolete,
        empty,
    })
}

/// `N` of a `msgstr[N]` token.
fn plural_index(token: &str) -> Result<usize, String> {
    let digits = token.strip_prefix("msgstr[").and_then(|t| t.strip_suffix(']'));
    match digits {
        // Nine digits at most: a larger index is wrong anyway (they count from 0 up), and parses.
        Some(d) if !d.is_empty() && d.len() <= 9 && d.bytes().all(|b| b.is_ascii_digit()) => {
            Ok(d.parse().expect("nine digits parse"))
        }
        _ => Err(format!("`{}`: expected `msgstr[N]`, N a number", quoted(token))),
    }
}

/// Checks that `text` is one string in double quotes, with known escapes and no control
/// character; whether it is empty.
fn string(text: &str) -> Result<bool, String> {
    let mut chars = text.char_indices();
    if chars.next().map(|(_, c)| c) != Some('"') {
        return Err(format!("expected a string in double quotes, found `{}`", quoted(text)));
    }
    let mut empty = true;
    while let Some((at, c)) = chars.next() {
        match c {
            '"' if at + 1 == text.len() => return Ok(empty),
            '"' => {
                return Err(format!(
                    "text after the closing quote: `{}` (a quote inside a string is written \\\")",
                    quoted(&text[at + 1..])
                ));
            }
            '\\' => match chars.next() {
                Some((_, e)) if ESCAPES.contains(&e) => {}
                Some((_, e)) => {
                    return Err(format!(
                        "`\\{e}`: an escape this reader does not know (it knows \\n \\t \\r \\b \\f \\v \\\" \\\\)"
                    ));
                }
                None => break,
            },
            '\t' => {}
            c if c.is_ascii_control() => {
                return Err(format!(
                    "a control character (U+{:04X}) in a string; write it as an escape",
                    u32::from(c)
                ));
            }
            _ => {}
        }
        empty = false;
    }
    Err(format!("`{}`: the string has no closing quote", quoted(text)))
}

/// Where the grammar of entries stands, after the lines read so far.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum State {
    /// Between entries: comments, `msgctxt` or `msgid` may come.
    #[default]
    Between,
    /// After a `#|` line: its continuation may come too.
    Previous,
    /// After `msgctxt`.
    Context,
    /// After `msgid`.
    Id,
    /// After `msgid_plural`.
    IdPlural,
    /// After `msgstr`: the entry is complete.
    Str,
    /// After `msgstr[N - 1]`: the entry is complete, `msgstr[N]` may come.
    Plural(usize),
}

impl State {
    /// What may come next, for an error message.
    fn expected(self) -> String {
        match self {
            State::Between => "a comment, msgctxt or msgid".into(),
            State::Previous => "a comment, a string continuing the `#|` line, msgctxt or msgid".into(),
            State::Context => "msgid or a string continuing msgctxt".into(),
            State::Id => "msgstr, msgid_plural or a string continuing msgid".into(),
            State::IdPlural => "msgstr[0] or a string continuing msgid_plural".into(),
            State::Str => "a string continuing msgstr, a comment, msgctxt or msgid".into(),
            State::Plural(n) => format!(
                "msgstr[{n}], a string continuing msgstr[{}], a comment, msgctxt or msgid",
                n - 1
            ),
        }
    }

    /// Whether the entry read so far is complete (or there is none).
    fn complete(self) -> bool {
        !matches!(self, State::Context | State::Id | State::IdPlural)
    }
}

/// The grammar of entries, fed one line at a time.
#[derive(Debug, Default)]
struct Grammar {
    state: State,
    /// The line of the entry's first keyword.
    start: usize,
    /// Whether the entry's first keyword was obsolete (`#~ `).
    obsolete: bool,
    /// Whether its `msgid` is empty so far (the header's is).
    empty_id: bool,
}

impl Grammar {
    fn next(&mut self, number: usize, line: Line) -> Result<(), String> {
        let unexpected = |found: String, state: State| format!("unexpected {found}: expected {}", state.expected());
        match line {
            Line::Blank => {}
            Line::Comment | Line::Previous if !self.state.complete() => {
                return Err(format!(
                    "a comment inside the entry that starts at line {}; comments go before its msgctxt or msgid",
                    self.start
                ));
            }
            Line::Comment => self.state = State::Between,
            Line::Previous => self.state = State::Previous,
            Line::PreviousMore if self.state == State::Previous => {}
            Line::PreviousMore => return Err(unexpected("a `#|` string".into(), self.state)),
            Line::Keyword {
                keyword,
                obsolete,
                empty,
            } => {
                let starts = matches!(keyword, Keyword::Context | Keyword::Id) && self.state.complete();
                let state = match (keyword, self.state) {
                    (Keyword::Context, _) if starts => State::Context,
                    (Keyword::Id, _) if starts => State::Id,
                    (Keyword::Id, State::Context) => State::Id,
                    (Keyword::IdPlural, State::Id) if self.empty_id => {
                        return Err("msgid_plural after an empty msgid: the header (msgid \"\") has no plural".into());
                    }
                    (Keyword::IdPlural, State::Id) => State::IdPlural,
                    (Keyword::Str, State::Id) => State::Str,
                    (Keyword::StrPlural(0), State::IdPlural) => State::Plural(1),
                    (Keyword::StrPlural(n), State::Plural(next)) if n == next => State::Plural(n + 1),
                    (keyword, state) => return Err(unexpected(format!("`{keyword}`"), state)),
                };
                if starts {
                    self.start = number;
                    self.obsolete = obsolete;
                } else if obsolete != self.obsolete {
                    return Err(self.mixed());
                }
                if keyword == Keyword::Id {
                    self.empty_id = empty;
                }
                self.state = state;
            }
            Line::More { obsolete, empty } => {
                if matches!(self.state, State::Between | State::Previous) {
                    return Err(unexpected("a string".into(), self.state));
                }
                if obsolete != self.obsolete {
                    return Err(self.mixed());
                }
                if self.state == State::Id {
                    self.empty_id &= empty;
                }
            }
        }
        Ok(())
    }

    fn mixed(&self) -> String {
        format!(
            "the entry that starts at line {} mixes obsolete (`#~ `) lines and others",
            self.start
        )
    }

    /// At the end of the file: the entry that starts at the line, if the file ends inside it.
    fn end(&self) -> Result<(), (usize, String)> {
        if self.state.complete() {
            return Ok(());
        }
        Err((
            self.start,
            format!(
                "the file ends inside the entry that starts here: expected {}",
                self.state.expected()
            ),
        ))
    }
}

/// Checks that `bytes` are a `.mo` file whose strings all lie inside it (see the
/// [module](self)); `path` only names the file in the error.
///
/// # Errors
///
/// `TrainError::Input("FILE: what is wrong")`: not a `.mo` file, an unknown revision, a table or
/// a string past the end of the file, strings whose lengths add up to more than the file.
///
/// # Example
///
/// ```
/// use std::path::Path;
/// use trainer::data::gettext_check::check_mo;
/// // A header of no strings, little-endian.
/// let mut empty = Vec::new();
/// for word in [0x950412de_u32, 0, 0, 28, 28, 0, 28] {
///     empty.extend(word.to_le_bytes());
/// }
/// assert!(check_mo(Path::new("empty.mo"), &empty).is_ok());
/// let error = check_mo(Path::new("text.mo"), b"not a catalog at all, at least 28 bytes").unwrap_err();
/// assert_eq!(
///     error.to_string(),
///     "text.mo: not a .mo file: it starts with the bytes 6e 6f 74 20, not with gettext's magic number \
///      (de 12 04 95, or 95 04 12 de big-endian)"
/// );
/// ```
pub fn check_mo(path: &Path, bytes: &[u8]) -> Result<(), TrainError> {
    let fail = |what: String| TrainError::Input(format!("{}: {what}", path.display()));
    let size = bytes.len() as u64;
    if size < MO_HEADER {
        return Err(fail(format!(
            "{size} bytes: too short for a .mo file, whose header alone is {MO_HEADER}"
        )));
    }
    let word = |at: u64| -> [u8; 4] {
        let at = usize::try_from(at).expect("checked to lie in the file");
        bytes[at..at + 4].try_into().expect("four bytes")
    };
    let big_endian = match u32::from_le_bytes(word(0)) {
        rspolib::MAGIC => false,
        rspolib::MAGIC_SWAPPED => true,
        _ => {
            let [a, b, c, d] = word(0);
            return Err(fail(format!(
                "not a .mo file: it starts with the bytes {a:02x} {b:02x} {c:02x} {d:02x}, not with gettext's magic \
                 number (de 12 04 95, or 95 04 12 de big-endian)"
            )));
        }
    };
    let read = |at: u64| -> u64 {
        let word = word(at);
        u64::from(if big_endian {
            u32::from_be_bytes(word)
        } else {
            u32::from_le_bytes(word)
        })
    };
    let revision = read(4);
    if revision > 1 {
        return Err(fail(format!("revision {revision}, where this reader knows 0 and 1")));
    }
    let count = read(8);
    let mut total = 0;
    for (table, what) in [(read(12), "original strings"), (read(16), "translations")] {
        // u64: none of these sums of u32s overflows.
        if table + 8 * count > size {
            return Err(fail(format!(
                "the table of {what} ({count} entries of 8 bytes at byte {table}) runs past the end of the file \
                 ({size} bytes)"
            )));
        }
        for i in 0..count {
            let (length, offset) = (read(table + 8 * i), read(table + 8 * i + 4));
            // Room for the terminating NUL, as GNU's and Python's readers want it.
            if offset + length >= size {
                return Err(fail(format!(
                    "string {i} of the {what} (length {length} at byte {offset}) runs past the end of the file \
                     ({size} bytes)"
                )));
            }
            total += length;
        }
    }
    // Each string is read into its own buffer: strings that overlap would make the reader allocate
    // more than the file, as many times over as they overlap.
    if total > size {
        return Err(fail(format!(
            "its strings' lengths add up to {total} bytes, more than the file's {size}: a .mo file's strings do not \
             overlap"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn po(text: &str) -> Result<(), String> {
        check_po(Path::new("t.po"), text.as_bytes())
            .map(|_| ())
            .map_err(|e| e.to_string())
    }

    fn error(text: &str) -> String {
        po(text).unwrap_err()
    }

    #[test]
    fn well_formed_catalogs_pass_and_parse() {
        let text = concat!(
            "\u{feff}# A header comment.\n",
            "msgid \"\"\n",
            "msgstr \"\"\n",
            "\"Content-Type: text/plain; charset=UTF-8\\n\"\n",
            "\n",
            "#. Extracted.\n",
            "#: src/a.c:1 src/b.c:2\n",
            "#, fuzzy, c-format\n",
            "#| msgctxt \"old\"\n",
            "#| msgid \"Old \"\n",
            "#| \"text\"\n",
            "msgctxt \"menu\"\n",
            "msgid \"\"\n",
            "\"Open\\t\\\"it\\\"\"\n",
            "msgstr \"Ouvrir\\n\"\n",
            "\r\n",
            "##, not a flag\n",
            "#\n",
            "msgid \"one\"\n",
            "msgid_plural \"many\"\n",
            "msgstr[0] \"un\"\n",
            "  msgstr[1]   \"plusieurs\"  \n",
            "\"\"\n",
            "#~| msgid \"gone before\"\n",
            "#~ msgid \"gone\"\n",
            "#~ msgstr \"parti\"\n",
        );
        assert_eq!(po(text), Ok(()));
        let file = rspolib::pofile(text).unwrap();
        assert_eq!(file.entries.len(), 3);
        assert_eq!(file.entries[0].msgid, "Open\t\"it\"");
        assert_eq!(file.entries[0].previous_msgid.as_deref(), Some("Old text"));
        assert_eq!(file.entries[1].msgstr_plural, ["un", "plusieurs"]);
        assert!(file.entries[2].obsolete);
        assert_eq!(po(""), Ok(()));
    }

    #[test]
    fn the_repros_of_rspolibs_panics_name_their_line() {
        let cases = [
            (
                "msgstr \"x\"\n",
                "t.po:1: unexpected `msgstr`: expected a comment, msgctxt or msgid",
            ),
            (
                "msgid_plural \"x\"\n",
                "t.po:1: unexpected `msgid_plural`: expected a comment, msgctxt or msgid",
            ),
            (
                "\"x\"\n",
                "t.po:1: unexpected a string: expected a comment, msgctxt or msgid",
            ),
            (
                "msgid \"a\"\nmsgstr \"b\"\nmsgstr \"c\"\n",
                "t.po:3: unexpected `msgstr`: expected a string continuing msgstr, a comment, msgctxt or msgid",
            ),
            (
                "msgid \"a\"\nmsgid_plural \"b\"\nmsgstr[0] \"c\"\nmsgstr \"d\"\n",
                "t.po:4: unexpected `msgstr`: expected msgstr[1], a string continuing msgstr[0], a comment, msgctxt \
                 or msgid",
            ),
            (
                "msgctxt \"a\"\n# c\nmsgid \"b\"\nmsgstr \"\"\n",
                "t.po:2: a comment inside the entry that starts at line 1; comments go before its msgctxt or msgid",
            ),
            (
                "msgid \"a\"\nmsgid_plural \"b\"\nmsgstr[99999999] \"c\"\n",
                "t.po:3: unexpected `msgstr[99999999]`: expected msgstr[0] or a string continuing msgid_plural",
            ),
            (
                "msgid \"\"\nmsgstr \"\"\n\"",
                "t.po:3: `\"`: the string has no closing quote",
            ),
            (
                "msgid \u{e9}\"\nmsgstr \"\"\n",
                "t.po:1: expected a string in double quotes, found `\u{e9}\"`",
            ),
            ("msgid \"a\"\nmsgstr[0]\n", "t.po:2: `msgstr[0]` without its string"),
            ("#| msgid \"\n", "t.po:1: `\"`: the string has no closing quote"),
            (
                "msgid \"\"\nmsgid_plural \"p\"\nmsgstr[0] \"\"\n",
                "t.po:2: msgid_plural after an empty msgid: the header (msgid \"\") has no plural",
            ),
        ];
        for (text, expected) in cases {
            assert_eq!(error(text), expected, "{text:?}");
        }
    }

    #[test]
    fn escapes_encodings_and_strings_are_checked() {
        let cases = [
            (
                "msgid \"a\\x41\"\nmsgstr \"\"\n",
                "t.po:1: `\\x`: an escape this reader does not know (it knows \\n \\t \\r \\b \\f \\v \\\" \\\\)",
            ),
            (
                "msgid \"a\\\"\nmsgstr \"\"\n",
                "t.po:1: `\"a\\\"`: the string has no closing quote",
            ),
            (
                "msgid \"a\" \"b\"\nmsgstr \"\"\n",
                "t.po:1: text after the closing quote: ` \"b\"` (a quote inside a string is written \\\")",
            ),
            (
                "msgid \"a\u{1}\"\nmsgstr \"\"\n",
                "t.po:1: a control character (U+0001) in a string; write it as an escape",
            ),
            (
                "msgid \"a\"\nmsgstr[x] \"\"\n",
                "t.po:2: `msgstr[x]`: expected `msgstr[N]`, N a number",
            ),
            (
                "msgid\"a\"\n",
                "t.po:1: `msgid\"a\"`: expected a keyword (msgctxt, msgid, msgid_plural, msgstr, msgstr[N]), a string in quotes or a comment",
            ),
            (
                "#foo\n",
                "t.po:1: `#foo`: a comment starts with `#` and a space, or with `#.`, `#:`, `#,`, `#|` or `#~`",
            ),
            ("#~\n", "t.po:1: `#~` with nothing after it"),
            ("#|  msgid \"a\"\n", "t.po:1: write one space between `#|` and `msgid`"),
            (
                "#| msgstr \"a\"\n",
                "t.po:1: `#| msgstr`: a previous message is `#| msgctxt`, `#| msgid` or `#| msgid_plural`",
            ),
            (
                "# c\n#| \"a\"\n",
                "t.po:2: unexpected a `#|` string: expected a comment, msgctxt or msgid",
            ),
            (
                "#~ msgid \"a\"\nmsgstr \"b\"\n",
                "t.po:2: the entry that starts at line 1 mixes obsolete (`#~ `) lines and others",
            ),
            (
                "\n\nmsgid \"a\"\n",
                "t.po:3: the file ends inside the entry that starts here: expected msgstr, msgid_plural or a string \
                 continuing msgid",
            ),
        ];
        for (text, expected) in cases {
            assert_eq!(error(text), expected, "{text:?}");
        }
        let latin1 = b"msgid \"a\"\nmsgstr \"caf\xe9\"\n";
        assert_eq!(
            check_po(Path::new("t.po"), latin1).unwrap_err().to_string(),
            "t.po:2: not UTF-8 (byte 0xe9); convert the catalog with `msgconv --to-code=UTF-8`"
        );
    }

    /// A little-endian `.mo` file of `count` strings whose tables are `originals` and
    /// `translations` (length, offset), followed by `tail`.
    fn mo(count: u32, originals: &[(u32, u32)], translations: &[(u32, u32)], tail: &[u8]) -> Vec<u8> {
        let table = 28;
        let second = table + 8 * originals.len() as u32;
        let mut bytes = Vec::new();
        for word in [rspolib::MAGIC, 0, count, table, second, 0, 0] {
            bytes.extend(word.to_le_bytes());
        }
        for (length, offset) in originals.iter().chain(translations) {
            bytes.extend(length.to_le_bytes());
            bytes.extend(offset.to_le_bytes());
        }
        bytes.extend(tail);
        bytes
    }

    fn mo_error(bytes: &[u8]) -> String {
        check_mo(Path::new("t.mo"), bytes).unwrap_err().to_string()
    }

    #[test]
    fn a_mo_file_whose_strings_lie_inside_it_reads() {
        // Strings at 44 and 48: "abc\0" and "xyz\0".
        let bytes = mo(1, &[(3, 44)], &[(3, 48)], b"abc\0xyz\0");
        check_mo(Path::new("t.mo"), &bytes).unwrap();
        let file = rspolib::mofile(bytes).unwrap();
        assert_eq!(file.entries[0].msgid, "abc");
        assert_eq!(file.entries[0].msgstr.as_deref(), Some("xyz"));
    }

    #[test]
    fn a_mo_file_is_checked_against_its_length_before_reading() {
        // The 44-byte file that made rspolib allocate until the memory ran out.
        let crafted = mo(1, &[(0xffff_fff0, 0xffff_ffff)], &[(0, 0)], b"");
        assert_eq!(crafted.len(), 44);
        assert_eq!(
            mo_error(&crafted),
            "t.mo: string 0 of the original strings (length 4294967280 at byte 4294967295) runs past the end of the \
             file (44 bytes)"
        );
        assert_eq!(
            mo_error(&mo(1, &[(1 << 30, 0)], &[(0, 0)], b"")),
            "t.mo: string 0 of the original strings (length 1073741824 at byte 0) runs past the end of the file (44 \
             bytes)"
        );
        assert_eq!(
            mo_error(&mo(1_000_000, &[], &[], b"")),
            "t.mo: the table of original strings (1000000 entries of 8 bytes at byte 28) runs past the end of the \
             file (28 bytes)"
        );
        // Two strings over the same 40 bytes, twice: 160 bytes declared in a file of 102.
        let overlapping = mo(2, &[(40, 60), (40, 60)], &[(40, 60), (40, 60)], &[b'a'; 42]);
        assert_eq!(
            mo_error(&overlapping),
            "t.mo: its strings' lengths add up to 160 bytes, more than the file's 102: a .mo file's strings do not \
             overlap"
        );
        // A string that ends at the last byte has no room for its NUL.
        assert_eq!(
            mo_error(&mo(1, &[(1, 44)], &[(0, 44)], b"a")),
            "t.mo: string 0 of the original strings (length 1 at byte 44) runs past the end of the file (45 bytes)"
        );
        assert_eq!(
            mo_error(&[0xde, 0x12, 0x04, 0x95]),
            "t.mo: 4 bytes: too short for a .mo file, whose header alone is 28"
        );
        let mut revision = mo(0, &[], &[], b"");
        revision[4] = 2;
        assert_eq!(mo_error(&revision), "t.mo: revision 2, where this reader knows 0 and 1");
    }
}
