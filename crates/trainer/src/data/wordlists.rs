//! Labelled words for the word-language classifier ("which language is this
//! word?"), read from word lists with one word a line, such as the lists
//! Debian ships in `/usr/share/dict`:
//!
//! | package       | file                               |
//! |---------------|------------------------------------|
//! | `wamerican`   | `/usr/share/dict/american-english` |
//! | `wfrench`     | `/usr/share/dict/french`           |
//! | `wngerman`    | `/usr/share/dict/ngerman`          |
//! | `wspanish`    | `/usr/share/dict/spanish`          |
//! | `witalian`    | `/usr/share/dict/italian`          |
//! | `wportuguese` | `/usr/share/dict/portuguese`       |
//! | `wdutch`      | `/usr/share/dict/dutch`            |
//! | `wpolish`     | `/usr/share/dict/polish`           |
//!
//! Each list is named on the command line as `LANG=FILE` ([`WordList`]), as
//! many as wanted (at least two), and [`read_word_lists`] turns them into
//! train, validation and test splits ([`WordSplits`]). A sample of five
//! small lists written for this project ships in `data/words-sample`.
//!
//! # Rules
//!
//! **Lines.** A file is read as bytes and split on `\n`; each line must be
//! UTF-8 (the lists above are in Debian bookworm), and the first line that is
//! not stops the reading with an error naming the file and the line number.
//! A UTF-8 byte-order mark at the start of the file is ignored. Each line is
//! trimmed of white space (which takes a `\r` too); blank lines are skipped
//! and counted nowhere.
//!
//! **Malformed words.** A trimmed line is lower-cased with Unicode's rules
//! ([`str::to_lowercase`]: `Straße` → `straße`, `ÉTÉ` → `été`). It is kept
//! only if every character, before and after lower-casing, is alphabetic
//! ([`char::is_alphabetic`]) and the lower-cased word has between 2 and
//! `max_len` characters (Unicode scalar values, not bytes). Anything else is
//! skipped and counted in [`WordSplits::dropped_malformed`], one count a
//! line: possessives such as `apple's` (the apostrophe is not a letter, so
//! the whole line goes, not just the suffix), `e-mail`, `42`, words with a
//! space, one-letter words and words longer than `max_len`. Words are not
//! Unicode-normalised, so a letter spelt with a combining accent (which is
//! not alphabetic) makes the word malformed; Debian's lists use precomposed
//! letters.
//!
//! **Duplicates.** A word that appears more than once in one list (`Apple`
//! and `apple` both become `apple`) is kept once and counted nowhere.
//!
//! **Shared words.** A word (after the rules above) found in more than one
//! list has no single answer, so it is dropped from every list it is in;
//! [`WordSplits::dropped_shared`] counts such distinct words (`radio` in the
//! Spanish and the Italian lists counts 1). Words dropped as malformed take
//! no part in this: a word too long for `max_len` in one list is not shared.
//!
//! **Cap.** With `per_language: Some(n)`, a language with more than `n`
//! words keeps `n` of them, drawn with the seed, so that the classes are
//! balanced and training time is bounded.
//!
//! **Split.** Each language's words are split on their own (stratified), so
//! every split has the same class balance: its words, sorted, are shuffled
//! with the seed (the same shuffle draws the cap), then the first tenth
//! (rounded down) is the validation split, the next tenth the test split and
//! the rest the training split; a language with at least 3 words gives at
//! least 1 word to each of validation and test, and one with fewer gives
//! all to training. The three splits are then each shuffled, so languages
//! are interleaved.
//!
//! **Determinism.** The same lists, arguments and seed give the same splits:
//! one random generator, seeded with `seed`, shuffles each language in the
//! order the lists were given and then the training, validation and test
//! splits, always starting from sorted words. Language ids are the lists'
//! positions in the order given. (Since shared words and the generator's
//! stream depend on every list, adding or removing a list changes the splits
//! of the others.)
//!
//! # Example
//!
//! ```
//! use std::path::Path;
//! use trainer::data::wordlists::{WordList, read_word_lists};
//! let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/words-sample");
//! let lists = ["en", "fr", "de", "es", "it"]
//!     .iter()
//!     .map(|l| format!("{l}={}", sample.join(format!("{l}.txt")).display()).parse())
//!     .collect::<Result<Vec<WordList>, _>>()?;
//! let splits = read_word_lists(&lists, None, 24, 7)?;
//! assert_eq!(splits.languages, ["en", "fr", "de", "es", "it"]);
//! // 150 words a list; "radio" is in both es and it, so neither keeps it.
//! assert_eq!((splits.train.len(), splits.valid.len(), splits.test.len()), (602, 73, 73));
//! assert_eq!((splits.dropped_shared, splits.dropped_malformed), (1, 4));
//! println!("{}", splits.balance());
//! # Ok::<(), trainer::TrainError>(())
//! ```

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::str::FromStr;

use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;

use crate::TrainError;
use crate::run_dir::RunDir;

/// The form a [`WordList`] argument takes, for error messages.
const EXPECTED: &str = "expected LANG=FILE, such as fr=/usr/share/dict/french";

/// One `LANG=FILE` argument.
///
/// # Example
///
/// ```
/// use trainer::data::wordlists::WordList;
/// let list: WordList = "fr=/usr/share/dict/french".parse()?;
/// assert_eq!(list.language, "fr");
/// assert_eq!(list.path, std::path::Path::new("/usr/share/dict/french"));
/// # Ok::<(), trainer::TrainError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct WordList {
    /// The language's name, the classifier's label: non-empty, of `a-z`,
    /// `0-9`, `_` and `-`.
    pub language: String,
    /// The word list: UTF-8, one word a line.
    pub path: PathBuf,
}

impl WordList {
    /// `LANG=FILE`, as the user wrote it, to name the list in messages.
    fn label(&self) -> String {
        format!("{}={}", self.language, self.path.display())
    }
}

impl FromStr for WordList {
    type Err = TrainError;

    /// Parses `LANG=FILE`, splitting at the first `=` (so the file's name
    /// may hold one).
    ///
    /// # Errors
    ///
    /// [`TrainError::Input`], naming the argument and saying the expected
    /// form, when there is no `=`, the language is empty or holds anything
    /// but `a-z`, `0-9`, `_` and `-`, or the file is empty.
    fn from_str(argument: &str) -> Result<Self, TrainError> {
        let Some((language, path)) = argument.split_once('=') else {
            return Err(input(format!("`{argument}`: no `=`; {EXPECTED}")));
        };
        if language.is_empty() {
            return Err(input(format!("`{argument}`: the language is empty; {EXPECTED}")));
        }
        if !language
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
        {
            return Err(input(format!(
                "`{argument}`: the language `{language}` may use only a-z, 0-9, `_` and `-`; {EXPECTED}"
            )));
        }
        if path.is_empty() {
            return Err(input(format!("`{argument}`: the file is empty; {EXPECTED}")));
        }
        Ok(Self {
            language: language.to_owned(),
            path: PathBuf::from(path),
        })
    }
}

/// A labelled word.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct LabelledWord {
    /// The word, normalised by the [module's rules](self#rules).
    pub word: String,
    /// Its language: an index into [`WordSplits::languages`].
    pub language: usize,
}

/// The words of every list, split.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WordSplits {
    /// The languages' names, in the order the lists were given; a
    /// [`LabelledWord::language`] indexes this.
    pub languages: Vec<String>,
    /// About 80% of each language's words, shuffled.
    pub train: Vec<LabelledWord>,
    /// About 10% of each language's words, shuffled.
    pub valid: Vec<LabelledWord>,
    /// About 10% of each language's words, shuffled.
    pub test: Vec<LabelledWord>,
    /// Distinct words dropped because more than one list has them.
    pub dropped_shared: usize,
    /// Lines skipped as malformed or too short or long, over all lists.
    pub dropped_malformed: usize,
}

impl WordSplits {
    /// A small table of each language's word count in each split and its
    /// share of that split, with a total row; no trailing newline. Words
    /// whose language is not an index into [`languages`](Self::languages)
    /// are left out. A split with no words shows `-` for its shares.
    ///
    /// # Example
    ///
    /// ```
    /// use std::path::Path;
    /// use trainer::data::wordlists::{WordList, read_word_lists};
    /// let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/words-sample");
    /// let lists = ["en", "de"]
    ///     .iter()
    ///     .map(|l| format!("{l}={}", sample.join(format!("{l}.txt")).display()).parse())
    ///     .collect::<Result<Vec<WordList>, _>>()?;
    /// let table = read_word_lists(&lists, None, 24, 7)?.balance();
    /// assert_eq!(
    ///     table,
    ///     "\
    /// language  train       %  valid       %   test       %
    /// en          120   50.0%     15   50.0%     15   50.0%
    /// de          120   50.0%     15   50.0%     15   50.0%
    /// total       240  100.0%     30  100.0%     30  100.0%"
    /// );
    /// # Ok::<(), trainer::TrainError>(())
    /// ```
    pub fn balance(&self) -> String {
        let splits = [&self.train, &self.valid, &self.test];
        let mut counts = vec![[0usize; 3]; self.languages.len()];
        for (split, words) in splits.iter().enumerate() {
            for word in *words {
                if let Some(row) = counts.get_mut(word.language) {
                    row[split] += 1;
                }
            }
        }
        let totals: [usize; 3] = std::array::from_fn(|split| counts.iter().map(|row| row[split]).sum());
        let name_width = self
            .languages
            .iter()
            .map(|l| l.chars().count())
            .chain(["language".len()])
            .max()
            .unwrap_or(0);
        let count_width = totals.iter().map(|t| t.to_string().len()).chain([5]).max().unwrap_or(5);
        let share = |count: usize, total: usize| {
            if total == 0 {
                "-".to_owned()
            } else {
                format!("{:.1}%", 100.0 * count as f64 / total as f64)
            }
        };
        let mut lines = Vec::with_capacity(self.languages.len() + 2);
        let mut header = format!("{:<name_width$}", "language");
        for name in ["train", "valid", "test"] {
            header.push_str(&format!("  {name:>count_width$}  {:>6}", "%"));
        }
        lines.push(header);
        let rows = self.languages.iter().map(String::as_str).zip(counts.iter().copied());
        for (name, row) in rows.chain([("total", totals)]) {
            let mut line = format!("{name:<name_width$}");
            for (count, total) in row.iter().zip(totals) {
                line.push_str(&format!("  {count:>count_width$}  {:>6}", share(*count, total)));
            }
            lines.push(line);
        }
        lines.join("\n")
    }
}

/// Reads the lists, normalises, drops duplicates, drops words found in
/// several lists, caps each language at `per_language` words (drawn with the
/// seed, so classes are balanced and training time bounded), and splits
/// 80/10/10 by word with the seed. The [module docs](self#rules) give the
/// rules; the language ids are the lists' positions in `lists`.
///
/// # Errors
///
/// [`TrainError::Input`] when:
/// - fewer than two lists are given (`at least two languages are needed,
///   got 1`);
/// - two lists name the same language;
/// - `max_len` is below 2 or `per_language` is `Some(0)`;
/// - a list cannot be read (`fr=/x/y: cannot read: No such file or
///   directory (os error 2)`);
/// - a line is not UTF-8 (`fr=/x/y:3: not valid UTF-8: …`, naming the first
///   such line);
/// - a list has no usable words once malformed and shared words are gone.
///
/// # Example
///
/// ```
/// use std::path::Path;
/// use trainer::data::wordlists::{WordList, read_word_lists};
/// let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/words-sample");
/// let lists = ["en", "fr", "de"]
///     .iter()
///     .map(|l| format!("{l}={}", sample.join(format!("{l}.txt")).display()).parse())
///     .collect::<Result<Vec<WordList>, _>>()?;
/// // At most 100 words a language: 80 to train, 10 to validate, 10 to test.
/// let splits = read_word_lists(&lists, Some(100), 24, 1)?;
/// assert_eq!((splits.train.len(), splits.valid.len(), splits.test.len()), (240, 30, 30));
/// assert!(splits.train.iter().all(|w| w.language < 3 && w.word == w.word.to_lowercase()));
/// assert_eq!(splits, read_word_lists(&lists, Some(100), 24, 1)?, "the same seed, the same splits");
/// # Ok::<(), trainer::TrainError>(())
/// ```
pub fn read_word_lists(
    lists: &[WordList],
    per_language: Option<usize>,
    max_len: usize,
    seed: u64,
) -> Result<WordSplits, TrainError> {
    if lists.len() < 2 {
        return Err(input(format!("at least two languages are needed, got {}", lists.len())));
    }
    for (index, list) in lists.iter().enumerate() {
        if let Some(first) = lists[..index].iter().find(|other| other.language == list.language) {
            return Err(input(format!(
                "the language `{}` is given twice: {} and {}",
                list.language,
                first.label(),
                list.label()
            )));
        }
    }
    if max_len < 2 {
        return Err(input(format!(
            "max_len is {max_len}, but words have at least 2 characters: it must be at least 2"
        )));
    }
    if per_language == Some(0) {
        return Err(input(
            "per_language is 0: each language needs at least one word".to_owned(),
        ));
    }

    let read = lists
        .iter()
        .map(|list| read_list(list, max_len))
        .collect::<Result<Vec<_>, _>>()?;
    // How many lists hold each word. Only looked up and counted, never
    // iterated for order, so a HashMap keeps the output deterministic.
    let mut holders: HashMap<&str, usize> = HashMap::new();
    for list in &read {
        for word in &list.words {
            *holders.entry(word.as_str()).or_default() += 1;
        }
    }
    let dropped_shared = holders.values().filter(|&&n| n > 1).count();

    let mut rng = StdRng::seed_from_u64(seed);
    let (mut train, mut valid, mut test) = (Vec::new(), Vec::new(), Vec::new());
    for (language, (list, found)) in lists.iter().zip(&read).enumerate() {
        // Sorted (a BTreeSet), so the shuffle alone decides the order.
        let mut words: Vec<&String> = found.words.iter().filter(|w| holders[w.as_str()] == 1).collect();
        if words.is_empty() {
            return Err(input(format!(
                "{}: no usable words (malformed or of the wrong length: {} lines, also in another list: {} words)",
                list.label(),
                found.malformed,
                found.words.len()
            )));
        }
        words.shuffle(&mut rng);
        if let Some(cap) = per_language {
            words.truncate(cap);
        }
        let held_out = held_out(words.len());
        let labelled = |word: &&String| LabelledWord {
            word: (*word).clone(),
            language,
        };
        valid.extend(words[..held_out].iter().map(labelled));
        test.extend(words[held_out..2 * held_out].iter().map(labelled));
        train.extend(words[2 * held_out..].iter().map(labelled));
    }
    train.shuffle(&mut rng);
    valid.shuffle(&mut rng);
    test.shuffle(&mut rng);
    Ok(WordSplits {
        languages: lists.iter().map(|l| l.language.clone()).collect(),
        train,
        valid,
        test,
        dropped_shared,
        dropped_malformed: read.iter().map(|r| r.malformed).sum(),
    })
}

/// The words of one list by the rules, before shared words are dropped.
struct ReadList {
    /// Normalised words, each once, sorted.
    words: BTreeSet<String>,
    /// Lines skipped as malformed or of the wrong length.
    malformed: usize,
}

/// The five word lists of Debian's `wamerican wfrench wngerman wspanish
/// witalian` packages, the classify task's default.
pub fn debian_word_lists() -> Vec<WordList> {
    [
        ("en", "american-english"),
        ("fr", "french"),
        ("de", "ngerman"),
        ("es", "spanish"),
        ("it", "italian"),
    ]
    .into_iter()
    .map(|(language, file)| WordList {
        language: language.to_string(),
        path: Path::new("/usr/share/dict").join(file),
    })
    .collect()
}

/// Writes the splits into the run directory, `word<TAB>language` a line,
/// each file atomically.
///
/// # Errors
///
/// If a file cannot be written.
pub fn save_splits(run: &RunDir, splits: &WordSplits) -> Result<(), TrainError> {
    for (name, words) in [
        ("train", &splits.train),
        ("valid", &splits.valid),
        ("test", &splits.test),
    ] {
        let text: String = words
            .iter()
            .map(|w| format!("{}\t{}\n", w.word, splits.languages[w.language]))
            .collect();
        run.write_split(name, &text)?;
    }
    Ok(())
}

/// Reads one split a classify run saved ([`save_splits`]).
///
/// # Errors
///
/// If the file is missing, or a line is not `word<TAB>language` with a
/// language of the run; the message names the file and the line.
pub fn read_split(run: &RunDir, split: &str, languages: &[String]) -> Result<Vec<LabelledWord>, TrainError> {
    let (path, text) = run.read_split(split)?;
    text.lines()
        .enumerate()
        .map(|(number, line)| {
            let parsed = line.split_once('\t').and_then(|(word, language)| {
                let language = languages.iter().position(|l| l == language)?;
                (!word.is_empty()).then(|| LabelledWord {
                    word: word.to_string(),
                    language,
                })
            });
            parsed.ok_or_else(|| {
                TrainError::Input(format!(
                    "{}:{}: expected `word<TAB>language`, the language one of {}",
                    path.display(),
                    number + 1,
                    languages.join(", ")
                ))
            })
        })
        .collect()
}

/// Reads one list by the [module's rules](self#rules).
fn read_list(list: &WordList, max_len: usize) -> Result<ReadList, TrainError> {
    let bytes = std::fs::read(&list.path).map_err(|e| {
        let hint = if debian_word_lists().contains(list) {
            " (the default word lists come from Debian's packages: apt-get install wamerican wfrench wngerman \
             wspanish witalian; or give --words LANG=FILE)"
        } else {
            ""
        };
        input(format!("{}: cannot read: {e}{hint}", list.label()))
    })?;
    let mut words = BTreeSet::new();
    let mut malformed = 0;
    for (index, line) in bytes.split(|&b| b == b'\n').enumerate() {
        let line = std::str::from_utf8(line)
            .map_err(|e| input(format!("{}:{}: not valid UTF-8: {e}", list.label(), index + 1)))?;
        let line = if index == 0 {
            line.trim_start_matches('\u{feff}')
        } else {
            line
        };
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        match normalise(line, max_len) {
            Some(word) => {
                words.insert(word);
            }
            None => malformed += 1,
        }
    }
    Ok(ReadList { words, malformed })
}

/// A trimmed, non-empty line lower-cased, or `None` when it is malformed or
/// of the wrong length.
fn normalise(line: &str, max_len: usize) -> Option<String> {
    if !line.chars().all(char::is_alphabetic) {
        return None;
    }
    let word = line.to_lowercase();
    let len = word.chars().count();
    (word.chars().all(char::is_alphabetic) && (2..=max_len).contains(&len)).then_some(word)
}

/// How many of a language's `n` words go to each of validation and test: a
/// tenth, rounded down, but at least 1 when there are at least 3 words.
fn held_out(n: usize) -> usize {
    if n < 3 { 0 } else { (n / 10).max(1) }
}

/// An input error.
fn input(message: String) -> TrainError {
    TrainError::Input(message)
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;
    use std::path::Path;

    use super::*;

    const SAMPLE: [&str; 5] = ["en", "fr", "de", "es", "it"];

    fn sample(languages: &[&str]) -> Vec<WordList> {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/words-sample");
        languages
            .iter()
            .map(|l| WordList {
                language: (*l).to_owned(),
                path: dir.join(format!("{l}.txt")),
            })
            .collect()
    }

    /// Each language's word count in train, valid and test.
    fn per_language(splits: &WordSplits) -> Vec<[usize; 3]> {
        let mut counts = vec![[0; 3]; splits.languages.len()];
        for (split, words) in [&splits.train, &splits.valid, &splits.test].iter().enumerate() {
            for word in *words {
                counts[word.language][split] += 1;
            }
        }
        counts
    }

    fn all_words(splits: &WordSplits) -> Vec<&LabelledWord> {
        splits.train.iter().chain(&splits.valid).chain(&splits.test).collect()
    }

    /// Writes files into a temporary directory and names them `LANG=FILE`.
    fn write_lists(dir: &tempfile::TempDir, files: &[(&str, &[u8])]) -> Vec<WordList> {
        files
            .iter()
            .map(|(language, text)| {
                let path = dir.path().join(format!("{language}.txt"));
                std::fs::write(&path, text).unwrap();
                WordList {
                    language: (*language).to_owned(),
                    path,
                }
            })
            .collect()
    }

    fn error(result: Result<WordSplits, TrainError>) -> String {
        match result.unwrap_err() {
            TrainError::Input(message) => message,
            other => panic!("expected an input error, got {other:?}"),
        }
    }

    #[test]
    fn the_sample_gives_the_hand_counted_words() {
        let splits = read_word_lists(&sample(&SAMPLE), None, 24, 7).unwrap();
        assert_eq!(splits.languages, SAMPLE);
        // From data/words-sample/README.md, counted line by line: en.txt has
        // 156 lines: 150 words, `Water` (a second `water`), 4 malformed lines
        // (`apple's`, `e-mail`, `42`, the one-letter `a`) and a blank line;
        // fr.txt and de.txt have 150 words each; es.txt and it.txt have 150
        // each with `radio` in both, which both lose.
        let totals: Vec<usize> = per_language(&splits).iter().map(|c| c.iter().sum()).collect();
        assert_eq!(totals, [150, 150, 150, 149, 149]);
        assert_eq!(splits.dropped_malformed, 4);
        assert_eq!(splits.dropped_shared, 1);
        let words: Vec<&LabelledWord> = all_words(&splits);
        let has = |word: &str, language: usize| words.iter().any(|w| w.word == word && w.language == language);
        assert!(!words.iter().any(|w| w.word == "radio"), "shared by es and it");
        assert_eq!(
            words.iter().filter(|w| w.word == "water").count(),
            1,
            "`Water` and `water`"
        );
        assert!(has("height", 0), "the line `  height  ` is trimmed");
        assert!(has("apple", 0) && has("english", 0), "kept, lower-cased");
        assert!(
            !words
                .iter()
                .any(|w| w.word.contains(['\'', '-']) || w.word == "42" || w.word == "a")
        );
        assert!(
            has("straße", 2) && has("größe", 2) && has("mädchen", 2),
            "German nouns, lower-cased"
        );
        assert!(has("cœur", 1) && has("château", 1) && has("niño", 3) && has("città", 4));
    }

    #[test]
    fn splits_are_80_10_10_in_every_language() {
        let splits = read_word_lists(&sample(&SAMPLE), None, 24, 7).unwrap();
        // 150 words: 15 (a tenth) to valid, 15 to test, 120 to train; 149
        // words: 14, 14 and 121.
        assert_eq!(
            per_language(&splits),
            [
                [120, 15, 15],
                [120, 15, 15],
                [120, 15, 15],
                [121, 14, 14],
                [121, 14, 14]
            ]
        );
        assert_eq!(splits.train.len(), 3 * 120 + 2 * 121);
        assert_eq!(
            (splits.valid.len(), splits.test.len()),
            (3 * 15 + 2 * 14, 3 * 15 + 2 * 14)
        );
    }

    #[test]
    fn splits_are_disjoint_and_each_word_has_one_label() {
        let splits = read_word_lists(&sample(&SAMPLE), None, 24, 7).unwrap();
        let words = all_words(&splits);
        let distinct: HashSet<&str> = words.iter().map(|w| w.word.as_str()).collect();
        assert_eq!(
            distinct.len(),
            words.len(),
            "no word twice, in one split or across splits"
        );
        assert_eq!(words.len(), 748, "150 * 3 + 149 * 2");
    }

    #[test]
    fn splits_are_shuffled_across_languages() {
        let splits = read_word_lists(&sample(&SAMPLE), None, 24, 7).unwrap();
        for words in [&splits.train, &splits.valid, &splits.test] {
            let first: HashSet<usize> = words[..20].iter().map(|w| w.language).collect();
            assert!(first.len() > 1, "the first 20 words are not all of one language");
        }
    }

    #[test]
    fn the_same_seed_gives_the_same_splits() {
        let lists = sample(&SAMPLE);
        let a = read_word_lists(&lists, Some(100), 24, 42).unwrap();
        assert_eq!(a, read_word_lists(&lists, Some(100), 24, 42).unwrap());
        let b = read_word_lists(&lists, Some(100), 24, 43).unwrap();
        assert_ne!(a.train, b.train, "another seed, another shuffle");
    }

    #[test]
    fn the_cap_draws_that_many_words_a_language_with_the_seed() {
        let lists = sample(&SAMPLE);
        let all = read_word_lists(&lists, None, 24, 7).unwrap();
        let capped = read_word_lists(&lists, Some(100), 24, 7).unwrap();
        // 100 words: 10 to valid, 10 to test, 80 to train.
        assert_eq!(per_language(&capped), vec![[80, 10, 10]; 5]);
        assert_eq!((capped.dropped_shared, capped.dropped_malformed), (1, 4));
        let every: HashSet<&LabelledWord> = all_words(&all).into_iter().collect();
        assert!(
            all_words(&capped).iter().all(|w| every.contains(w)),
            "a subset of the words"
        );
        let reseeded = read_word_lists(&lists, Some(100), 24, 8).unwrap();
        let drawn = |splits| all_words(splits).into_iter().collect::<HashSet<_>>();
        assert_ne!(drawn(&capped), drawn(&reseeded), "drawn with the seed");
        // A cap above every list's size changes nothing.
        assert_eq!(read_word_lists(&lists, Some(1000), 24, 7).unwrap(), all);
    }

    #[test]
    fn words_longer_than_max_len_are_malformed() {
        let splits = read_word_lists(&sample(&SAMPLE), None, 6, 7).unwrap();
        // Words of more than 6 letters among each file's lower-cased,
        // de-duplicated words, counted with a Python one-liner apart from
        // this module (data/words-sample/README.md): en 30, fr 34, de 39,
        // es 39, it 51 (`radio` has 5, so it is still shared).
        let totals: Vec<usize> = per_language(&splits).iter().map(|c| c.iter().sum()).collect();
        assert_eq!(totals, [150 - 30, 150 - 34, 150 - 39, 149 - 39, 149 - 51]);
        assert_eq!(splits.dropped_malformed, 4 + 30 + 34 + 39 + 39 + 51);
        assert!(all_words(&splits).iter().all(|w| w.word.chars().count() <= 6));
    }

    #[test]
    fn normalisation_follows_the_rules() {
        let dir = tempfile::tempdir().unwrap();
        let lists = write_lists(
            &dir,
            &[
                (
                    "x",
                    "\u{feff}Apple\r\napple\napple's\nco-op\nx\n\n  ÉTÉ  \nStraße\nnew york\n42\nl33t\nabcdefgh\n"
                        .as_bytes(),
                ),
                ("y", b"zebra\n"),
            ],
        );
        let splits = read_word_lists(&lists, None, 7, 0).unwrap();
        let mut x: Vec<&str> = all_words(&splits)
            .iter()
            .filter(|w| w.language == 0)
            .map(|w| w.word.as_str())
            .collect();
        x.sort_unstable();
        // Kept: apple (the byte-order mark and `\r` go; twice, kept once),
        // été, straße. Malformed: apple's, co-op, x, new york, 42, l33t and
        // abcdefgh (8 letters, over max_len 7); the blank line counts nowhere.
        assert_eq!(x, ["apple", "straße", "été"]);
        assert_eq!(splits.dropped_malformed, 7);
        assert_eq!(normalise("Ä", 5), None, "one letter");
        assert_eq!(normalise("ÖL", 2), Some("öl".to_owned()));
    }

    #[test]
    fn small_languages_keep_their_words_for_training() {
        let dir = tempfile::tempdir().unwrap();
        let lists = write_lists(
            &dir,
            &[("a", b"one\n"), ("b", b"two\nthree\n"), ("c", b"four\nfive\nsix\n")],
        );
        let splits = read_word_lists(&lists, None, 24, 0).unwrap();
        assert_eq!(per_language(&splits), [[1, 0, 0], [2, 0, 0], [1, 1, 1]]);
        // A tenth rounded down, at least 1 from 3 words on.
        let held: Vec<usize> = [0, 1, 2, 3, 9, 10, 19, 20, 149, 150].map(held_out).to_vec();
        assert_eq!(held, [0, 0, 0, 1, 1, 1, 1, 2, 14, 15]);
    }

    #[test]
    fn a_missing_list_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let mut lists = write_lists(&dir, &[("en", b"word\n")]);
        let missing = dir.path().join("missing.txt");
        lists.push(WordList {
            language: "fr".to_owned(),
            path: missing.clone(),
        });
        // The system's own words for the failure, as std reports them
        // ("No such file or directory (os error 2)" on Linux).
        let cause = std::fs::read(&missing).unwrap_err();
        assert_eq!(
            error(read_word_lists(&lists, None, 24, 0)),
            format!("fr={}: cannot read: {cause}", missing.display())
        );
        #[cfg(target_os = "linux")]
        assert_eq!(cause.to_string(), "No such file or directory (os error 2)");
    }

    #[test]
    fn a_line_that_is_not_utf8_is_named() {
        let dir = tempfile::tempdir().unwrap();
        // Line 3 is "été" in Latin-1: 0xE9 is not UTF-8 on its own.
        let lists = write_lists(&dir, &[("en", b"word\n"), ("fr", b"mot\nlivre\n\xe9t\xe9\n\xff\n")]);
        assert_eq!(
            error(read_word_lists(&lists, None, 24, 0)),
            format!(
                "fr={}:3: not valid UTF-8: invalid utf-8 sequence of 1 bytes from index 0",
                lists[1].path.display()
            )
        );
    }

    #[test]
    fn a_list_with_no_usable_words_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let lists = write_lists(&dir, &[("en", b"word\n"), ("fr", b"42\napple's\n\n")]);
        assert_eq!(
            error(read_word_lists(&lists, None, 24, 0)),
            format!(
                "fr={}: no usable words (malformed or of the wrong length: 2 lines, also in another list: 0 words)",
                lists[1].path.display()
            )
        );
        let dir = tempfile::tempdir().unwrap();
        let lists = write_lists(&dir, &[("es", b"radio\nperro\n"), ("it", b"Radio\nradio\n")]);
        assert_eq!(
            error(read_word_lists(&lists, None, 24, 0)),
            format!(
                "it={}: no usable words (malformed or of the wrong length: 0 lines, also in another list: 1 words)",
                lists[1].path.display()
            )
        );
    }

    #[test]
    fn bad_arguments_are_refused() {
        let lists = sample(&["en", "fr"]);
        assert_eq!(
            error(read_word_lists(&lists[..1], None, 24, 0)),
            "at least two languages are needed, got 1"
        );
        assert_eq!(
            error(read_word_lists(&[], None, 24, 0)),
            "at least two languages are needed, got 0"
        );
        let twice = [lists[0].clone(), lists[1].clone(), lists[1].clone()];
        let fr = lists[1].path.display();
        assert_eq!(
            error(read_word_lists(&twice, None, 24, 0)),
            format!("the language `fr` is given twice: fr={fr} and fr={fr}")
        );
        assert_eq!(
            error(read_word_lists(&lists, None, 1, 0)),
            "max_len is 1, but words have at least 2 characters: it must be at least 2"
        );
        assert_eq!(
            error(read_word_lists(&lists, Some(0), 24, 0)),
            "per_language is 0: each language needs at least one word"
        );
    }

    #[test]
    fn word_list_arguments_parse() {
        let list: WordList = "fr=/usr/share/dict/french".parse().unwrap();
        assert_eq!(
            list,
            WordList {
                language: "fr".to_owned(),
                path: PathBuf::from("/usr/share/dict/french"),
            }
        );
        let list: WordList = "pt-br_2=a=b.txt".parse().unwrap();
        assert_eq!(
            (list.language.as_str(), list.path.as_path()),
            ("pt-br_2", Path::new("a=b.txt"))
        );
        let message = |argument: &str| argument.parse::<WordList>().unwrap_err().to_string();
        let expected = "expected LANG=FILE, such as fr=/usr/share/dict/french";
        assert_eq!(message("french"), format!("`french`: no `=`; {expected}"));
        assert_eq!(
            message("=words.txt"),
            format!("`=words.txt`: the language is empty; {expected}")
        );
        assert_eq!(
            message("FR=words.txt"),
            format!("`FR=words.txt`: the language `FR` may use only a-z, 0-9, `_` and `-`; {expected}")
        );
        assert_eq!(
            message("fr x=words.txt"),
            format!("`fr x=words.txt`: the language `fr x` may use only a-z, 0-9, `_` and `-`; {expected}")
        );
        assert_eq!(message("fr="), format!("`fr=`: the file is empty; {expected}"));
    }

    #[test]
    fn balance_is_a_table_of_counts_and_shares() {
        let word = |language| LabelledWord {
            word: String::new(),
            language,
        };
        let splits = WordSplits {
            languages: vec!["en".to_owned(), "portuguese".to_owned()],
            train: [0, 0, 0, 1].map(word).to_vec(),
            valid: [1].map(word).to_vec(),
            test: Vec::new(),
            dropped_shared: 0,
            dropped_malformed: 0,
        };
        // en has 3 of the 4 training words (75.0%), portuguese 1 (25.0%) and
        // the one validation word (100.0%); the test split is empty.
        assert_eq!(
            splits.balance(),
            "\
language    train       %  valid       %   test       %
en              3   75.0%      0    0.0%      0       -
portuguese      1   25.0%      1  100.0%      0       -
total           4  100.0%      1  100.0%      0       -"
        );
        let splits = read_word_lists(&sample(&SAMPLE), None, 24, 7).unwrap();
        // 120 / 602 = 19.9%, 121 / 602 = 20.1%, 15 / 73 = 20.5%, 14 / 73 = 19.2%.
        assert_eq!(
            splits.balance(),
            "\
language  train       %  valid       %   test       %
en          120   19.9%     15   20.5%     15   20.5%
fr          120   19.9%     15   20.5%     15   20.5%
de          120   19.9%     15   20.5%     15   20.5%
es          121   20.1%     14   19.2%     14   19.2%
it          121   20.1%     14   19.2%     14   19.2%
total       602  100.0%     73  100.0%     73  100.0%"
        );
    }
}
