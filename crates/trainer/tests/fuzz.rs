//! Property tests of the program's parsers on mutated input (issue 25, "Parsers that cannot be
//! crashed"), each through the path the program takes.
//!
//! The gettext readers: the `.po` and `.mo` files of `data/gettext-sample` (and one `.po` written
//! here with every part of the grammar), changed line by line and byte by byte, go through
//! `read_catalog` and `catalog::fill`. Whatever the input, no panic (not even one caught inside the
//! reader), and an error names the file (and, for a `.po`, the line); a catalog `fill` wrote reads
//! back.
//!
//! The rest of what a user, a client or a damaged disk hands the program: Tatoeba files (`--data`)
//! and a run's `splits/*.tsv`, config files (`--config`, TOML and JSON), a run's `config.json` and
//! `vocab.json`, and the JSON bodies of `attn serve`'s `POST /api/translate`. Whatever the input,
//! no panic; bad input is refused as bad input (`TrainError::Input`, exit status 2, each property
//! running its first refused case through `attn` to see it; over HTTP a 4xx JSON error, never a
//! 5xx) with a message that says where (the file and line, the field); good input goes on to what
//! comes next (splits with pairs to train on, a config that reopens from its run, a run that
//! translates, a translation). They run the library functions `attn` calls, in its order, rather
//! than a process a case, which would try a fraction as many; the server is a real `attn serve`.
//!
//! Harness: `arbtest`, on the stable toolchain. Each property runs for a time budget
//! ([`BUDGET_MS`], 1 s; `ARBTEST_BUDGET_MS` sets another) rather than a number of cases, so CI
//! time is bounded whatever the machine's load; each case's input comes from a fresh random seed,
//! so every run tries new ones, and a failure prints its seed (`ARBTEST_SEED=0x... cargo test
//! --test fuzz NAME` replays it). Measured in the dev profile on the 2-core machine: with the
//! machine busy with other builds, 400 to 700 cases a property in its second (the test binary takes
//! about 2 s, the properties running two at a time); idle, about 2,400 `.po` cases a second, 1,450
//! `.mo` and 1,000 `fill` (each property prints its count; `--nocapture` shows it). A two-minute
//! run of each (`ARBTEST_BUDGET_MS=120000`: 287,000 `.po`, 174,000 `.mo` and 122,000 `fill` cases)
//! found nothing more once `fill`'s unwrapped comments were in. With the five properties of the
//! other parsers (three of them train a tiny run first, under a second each), the binary takes
//! about 6 s on the machine busy with another job; a half-minute run of each (2,100 to 50,000
//! cases) found nothing more once the fixes their regression tests in `tests/hardening.rs` hold
//! were in.

mod common;

use std::cell::Cell;
use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::sync::Once;
use std::time::Duration;

use arbtest::arbitrary::{Result, Unstructured};
use burn::prelude::Device;
use common::{Served, attn, text, train_tiny_rnn};
use serde_json::{Value, json};
use trainer::TrainError;
use trainer::config::{CommonConfig, TrainConfig};
use trainer::data::catalog::{FillOptions, Suggestion, fill};
use trainer::data::codec::TokenizerName;
use trainer::data::gettext::read_catalog;
use trainer::run_dir::RunDir;
use trainer::serve::{MAX_BEAM, MAX_CHARS};
use trainer::task::{Decoding, Task as _, UnknownWords};
use trainer::tasks::Registered as _;
use trainer::tasks::translate::{Translate, TranslateConfig};

/// Milliseconds each property runs for.
const BUDGET_MS: u64 = 1_000;

/// A catalog with every part of the grammar the sample lacks: previous messages, obsolete entries,
/// continuations, escapes, a context, three plural forms.
const GRAMMAR: &str = r#"# Translator comment.
#, fuzzy
msgid ""
msgstr ""
"Content-Type: text/plain; charset=UTF-8\n"
"Plural-Forms: nplurals=3; plural=n%10==1 ? 0 : 1;\n"

#. Extracted comment.
#: src/a.c:1 src/b.c:22
#, c-format
#| msgctxt "old"
#| msgid "Open the "
#| "old file"
msgctxt "menu"
msgid "Open the "
"file\t\"now\"\n"
msgstr "Ouvrir le fichier\\"

msgid "one window"
msgid_plural "%d windows"
msgstr[0] "une fenêtre"
msgstr[1] "%d fenêtres"
msgstr[2] ""
""

#~| msgid "Gone"
#~ msgid "Gone away"
#~ msgstr "Parti"
"#;

/// Lines the `.po` mutations insert: the repros of rspolib's panics and their neighbours.
const LINES: [&str; 32] = [
    "msgid \"x\"",
    "msgstr \"x\"",
    "msgid_plural \"x\"",
    "msgctxt \"x\"",
    "msgstr[0] \"x\"",
    "msgstr[1] \"x\"",
    "msgstr[99999999999] \"x\"",
    "msgstr[18446744073709551615] \"x\"",
    "msgstr[0]",
    "msgstr[0] \"",
    "\"continued\"",
    "\"",
    "\"\\",
    "\"\\a\"",
    "msgid \"é\"",
    "msgid é\"",
    "msgid \"",
    "#",
    "#~",
    "#~ msgid \"x\"",
    "#~ msgstr \"x\"",
    "#~ \"x\"",
    "#| msgid \"x\"",
    "#| \"x\"",
    "#| \"",
    "#| msgid \"",
    "#| msgid é",
    "#, fuzzy",
    "#: a.c:1",
    "\u{feff}msgid \"x\"",
    "msgid \"\"",
    "",
];

/// Values the `.mo` mutations write into header and table words.
const WORDS: [u32; 10] = [
    0,
    1,
    2,
    7,
    28,
    0x7fff_ffff,
    0x8000_0000,
    0x4000_0000,
    0xffff_fff0,
    0xffff_ffff,
];

thread_local! {
    /// Panics on this thread, caught or not.
    static PANICS: Cell<usize> = const { Cell::new(0) };
}

/// Counts every panic, even one `catch_unwind` stops inside the reader, before the usual report.
fn count_panics() {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let report = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            PANICS.with(|n| n.set(n.get() + 1));
            report(info);
        }));
    });
}

/// Runs `property` for the budget: [`BUDGET_MS`] unless `ARBTEST_BUDGET_MS` says otherwise.
fn fuzz(property: impl FnMut(&mut Unstructured<'_>) -> Result<()>) {
    count_panics();
    let test = arbtest::arbtest(property);
    if std::env::var_os("ARBTEST_BUDGET_MS").is_some() {
        test.run();
    } else {
        test.budget_ms(BUDGET_MS).run();
    }
}

/// The sample's files with this extension, as bytes.
fn samples(extension: &str) -> Vec<Vec<u8>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/gettext-sample");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == extension))
        .collect();
    paths.sort();
    assert!(!paths.is_empty(), "the sample has .{extension} files");
    paths.iter().map(|p| std::fs::read(p).unwrap()).collect()
}

/// The `.po` seeds: the sample's and [`GRAMMAR`].
fn po_seeds() -> Vec<Vec<u8>> {
    let mut seeds = samples("po");
    seeds.push(GRAMMAR.as_bytes().to_vec());
    seeds
}

/// One format's line mutations: the whole lines [`mutate_lines`] inserts, the prefixes it puts
/// before a line, the bytes it inserts.
struct LineGrammar<'a> {
    lines: &'a [&'a str],
    prefixes: &'a [&'a [u8]],
    bytes: &'a [u8],
}

/// The `.po` grammar: [`LINES`], the prefixes of obsolete and previous entries, the bytes of escapes
/// and of Latin-1.
const PO: LineGrammar<'static> = LineGrammar {
    lines: &LINES,
    prefixes: &[b"#~ ", b"#| ", b"\"", b"#~| "],
    bytes: b"\"\\#~|[]0 \t\r\xc3\xa9\xe9\xff\x00",
};

/// `seed` changed one to four times, by line (delete, repeat, swap, insert or replace with one of
/// `grammar`'s lines, cut, prefix with one of its prefixes, move, end the file there) or by byte
/// (set, insert one of `grammar`'s bytes, delete).
fn mutate_lines(u: &mut Unstructured<'_>, seed: &[u8], grammar: &LineGrammar<'_>) -> Result<Vec<u8>> {
    let mut lines: Vec<Vec<u8>> = seed.split(|&b| b == b'\n').map(<[u8]>::to_vec).collect();
    for _ in 0..u.int_in_range(1..=4)? {
        let i = u.choose_index(lines.len())?;
        match u.int_in_range(0..=11)? {
            0 => {
                lines.remove(i);
            }
            1 => lines.insert(i, lines[i].clone()),
            2 => {
                let j = u.choose_index(lines.len())?;
                lines.swap(i, j);
            }
            3 => lines.insert(i, u.choose(grammar.lines)?.as_bytes().to_vec()),
            4 => lines[i] = u.choose(grammar.lines)?.as_bytes().to_vec(),
            5 => {
                let cut = u.int_in_range(0..=lines[i].len())?;
                lines[i].truncate(cut);
            }
            6 => {
                let prefix: &[u8] = u.choose(grammar.prefixes)?;
                lines[i].splice(0..0, prefix.iter().copied());
            }
            7 => {
                let j = u.choose_index(lines[i].len() + 1)?;
                let byte = u.arbitrary()?;
                match lines[i].get_mut(j) {
                    Some(b) => *b = byte,
                    None => lines[i].push(byte),
                }
            }
            8 => {
                let j = u.int_in_range(0..=lines[i].len())?;
                let byte = *u.choose(grammar.bytes)?;
                lines[i].insert(j, byte);
            }
            9 => {
                if !lines[i].is_empty() {
                    let j = u.choose_index(lines[i].len())?;
                    lines[i].remove(j);
                }
            }
            10 => lines.truncate(i),
            _ => {
                if lines.len() > 1 {
                    let j = u.choose_index(lines.len())?;
                    let line = lines.remove(i);
                    lines.insert(j.min(lines.len()), line);
                }
            }
        }
        if lines.is_empty() {
            lines.push(Vec::new());
        }
    }
    Ok(lines.join(&b'\n'))
}

/// A `.po` catalog changed by [`mutate_lines`] in its grammar, [`PO`].
fn mutate_po(u: &mut Unstructured<'_>, seed: &[u8]) -> Result<Vec<u8>> {
    mutate_lines(u, seed, &PO)
}

/// Whether `error` begins `PATH:LINE: `, as a `.po` error must.
fn names_a_line(error: &str, path: &Path) -> bool {
    let rest = error.strip_prefix(&format!("{}:", path.display()));
    rest.and_then(|r| r.split_once(": "))
        .is_some_and(|(line, _)| !line.is_empty() && line.bytes().all(|b| b.is_ascii_digit()))
}

#[test]
fn the_po_reader_returns_entries_or_names_the_line_on_mutated_catalogs() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("case.po");
    let seeds = po_seeds();
    let (mut cases, mut refused) = (0, 0);
    let start = std::time::Instant::now();
    fuzz(|u| {
        let seed = u.choose(&seeds)?;
        let bytes = mutate_po(u, seed)?;
        std::fs::write(&path, &bytes).unwrap();
        let panics = PANICS.with(Cell::get);
        let result = read_catalog(&path);
        assert_eq!(
            PANICS.with(Cell::get),
            panics,
            "a panic in the reader on {:?}",
            String::from_utf8_lossy(&bytes)
        );
        if let Err(error) = result {
            let error = error.to_string();
            assert!(
                names_a_line(&error, &path),
                "{error}\non {:?}",
                String::from_utf8_lossy(&bytes)
            );
            refused += 1;
        }
        cases += 1;
        Ok(())
    });
    eprintln!("po reader: {cases} cases ({refused} refused) in {:?}", start.elapsed());
}

/// The bytes that start a little-endian `.mo` file (gettext's magic number, 0x950412de).
const LITTLE_ENDIAN: [u8; 4] = [0xde, 0x12, 0x04, 0x95];

/// `bytes`, a `.mo` file, in the other byte order: its header, tables and hash table swapped.
fn swapped(bytes: &[u8]) -> Vec<u8> {
    let little = bytes.starts_with(&LITTLE_ENDIAN);
    let word = |at: usize| {
        let word: [u8; 4] = bytes[at..at + 4].try_into().unwrap();
        if little {
            u32::from_le_bytes(word)
        } else {
            u32::from_be_bytes(word)
        }
    };
    let at = |i: usize| word(i) as usize;
    let (count, originals, translations, hash_size, hash) = (at(8), at(12), at(16), at(20), at(24));
    let mut words: Vec<usize> = (0..7).map(|i| 4 * i).collect();
    words.extend((0..2 * count).flat_map(|i| [originals + 4 * i, translations + 4 * i]));
    words.extend((0..hash_size).map(|i| hash + 4 * i));
    let mut out = bytes.to_vec();
    for i in words {
        let swapped = if little {
            word(i).to_be_bytes()
        } else {
            word(i).to_le_bytes()
        };
        out[i..i + 4].copy_from_slice(&swapped);
    }
    out
}

/// The `.mo` seeds: the sample's files, in their byte order and in the other.
fn mo_seeds() -> Vec<Vec<u8>> {
    let mut seeds = samples("mo");
    let others: Vec<Vec<u8>> = seeds.iter().map(|s| swapped(s)).collect();
    seeds.extend(others);
    seeds
}

/// `seed` changed one to four times: a header or table word set to one of [`WORDS`] or any value,
/// a table entry copied over another, a byte set, the file cut or lengthened.
fn mutate_mo(u: &mut Unstructured<'_>, seed: &[u8]) -> Result<Vec<u8>> {
    let mut bytes = seed.to_vec();
    let big = !bytes.starts_with(&LITTLE_ENDIAN);
    let count: [u8; 4] = bytes[8..12].try_into().unwrap();
    let count = if big {
        u32::from_be_bytes(count)
    } else {
        u32::from_le_bytes(count)
    } as usize;
    let encode = |w: u32| if big { w.to_be_bytes() } else { w.to_le_bytes() };
    for _ in 0..u.int_in_range(1..=4)? {
        // The header's and the tables' words, where a wrong value matters most.
        let words = (7 + 4 * count).min(bytes.len() / 4);
        match u.int_in_range(0..=5)? {
            0 | 1 if words > 0 => {
                let at = 4 * u.choose_index(words)?;
                let value = if u.arbitrary()? {
                    *u.choose(&WORDS)?
                } else {
                    u.arbitrary()?
                };
                bytes[at..at + 4].copy_from_slice(&encode(value));
            }
            2 if words > 8 => {
                let (from, to) = (4 * u.int_in_range(7..=words - 2)?, 4 * u.int_in_range(7..=words - 2)?);
                let entry: Vec<u8> = bytes[from..from + 8].to_vec();
                bytes[to..to + 8].copy_from_slice(&entry);
            }
            3 if !bytes.is_empty() => {
                let at = u.choose_index(bytes.len())?;
                bytes[at] = u.arbitrary()?;
            }
            4 => {
                let cut = u.int_in_range(0..=bytes.len())?;
                bytes.truncate(cut);
            }
            _ => {
                let more: Vec<u8> = u.arbitrary()?;
                bytes.extend(more.iter().take(64));
            }
        }
    }
    Ok(bytes)
}

#[test]
fn the_mo_reader_returns_entries_or_names_the_file_on_mutated_catalogs() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("case.mo");
    let seeds = mo_seeds();
    for seed in &seeds {
        std::fs::write(&path, seed).unwrap();
        read_catalog(&path).expect("every seed reads");
    }
    let (mut cases, mut refused) = (0, 0);
    let start = std::time::Instant::now();
    fuzz(|u| {
        let seed = u.choose(&seeds)?;
        let bytes = mutate_mo(u, seed)?;
        std::fs::write(&path, &bytes).unwrap();
        let panics = PANICS.with(Cell::get);
        let result = read_catalog(&path);
        assert_eq!(PANICS.with(Cell::get), panics, "a panic in the reader on {bytes:02x?}");
        if let Err(error) = result {
            let error = error.to_string();
            assert!(
                error.starts_with(&format!("{}: ", path.display())),
                "{error}\non {bytes:02x?}"
            );
            refused += 1;
        }
        cases += 1;
        Ok(())
    });
    eprintln!("mo reader: {cases} cases ({refused} refused) in {:?}", start.elapsed());
}

#[test]
fn fill_writes_a_catalog_that_reads_back_or_names_the_line_on_mutated_catalogs() {
    let dir = tempfile::tempdir().unwrap();
    let (input, output) = (dir.path().join("in.po"), dir.path().join("out.po"));
    let seeds = po_seeds();
    let options = FillOptions {
        max_words: 12,
        min_score: f32::NEG_INFINITY,
    };
    let (mut cases, mut refused) = (0, 0);
    let start = std::time::Instant::now();
    fuzz(|u| {
        let seed = u.choose(&seeds)?;
        let bytes = mutate_po(u, seed)?;
        std::fs::write(&input, &bytes).unwrap();
        let _ = std::fs::remove_file(&output);
        let panics = PANICS.with(Cell::get);
        let result = fill(&input, &output, options, |_| {
            Ok(Suggestion {
                text: "une \"suggestion\"\\".into(),
                words: vec!["une".into(), "suggestion".into()],
                score: -0.25,
            })
        });
        assert_eq!(
            PANICS.with(Cell::get),
            panics,
            "a panic on {:?}",
            String::from_utf8_lossy(&bytes)
        );
        match result {
            Ok(_) => {
                let written = std::fs::read_to_string(&output).unwrap();
                assert!(
                    read_catalog(&output).is_ok(),
                    "{}\nwritten from {:?}:\n{written}",
                    read_catalog(&output).unwrap_err(),
                    String::from_utf8_lossy(&bytes)
                );
            }
            Err(error) => {
                let error = error.to_string();
                assert!(
                    names_a_line(&error, &input),
                    "{error}\non {:?}",
                    String::from_utf8_lossy(&bytes)
                );
                assert!(!output.exists(), "nothing written on an error");
                refused += 1;
            }
        }
        cases += 1;
        Ok(())
    });
    eprintln!("fill: {cases} cases ({refused} refused) in {:?}", start.elapsed());
}

/// Lines the TSV mutations insert: pairs with an empty side, no tab or many, an attribution, a
/// byte-order mark, carriage returns, control and combining characters, a pair over `max_len`.
const TSV_LINES: [&str; 24] = [
    "I love you.\tJe t'aime.",
    "I am cold.\tJ'ai froid.\tCC-BY 2.0 (France) Attribution: tatoeba.org #1 (x) & #2 (y)",
    "no tab here",
    "\t",
    "I am here.\t",
    "\tJe suis ici.",
    "I am here.\t \t",
    " \tJe suis ici.",
    "a\tb\tc\td",
    "\u{feff}I am here.\tJe suis ici.",
    "I am here.\r\tJe suis ici.\r",
    "...\t!!!",
    "'\t'",
    "I'm sure.\tJ'en suis sûr.",
    "É\té",
    "\u{0}\t\u{0}",
    "\u{2028}\t\u{2028}",
    "\u{301}\t\u{301}",
    "\u{200b}\t\u{200b}",
    "you are a b c d e f g h i j k l m n o p q\tvous êtes a b c d e f g h i j k l m n o p q",
    "I am here.\tJe suis ici.\n",
    "",
    " ",
    "\r",
];

/// The TSV grammar: [`TSV_LINES`], and the tab, the spaces and the bytes that end a field or are
/// not UTF-8.
const TSV: LineGrammar<'static> = LineGrammar {
    lines: &TSV_LINES,
    prefixes: &[b"\t", b" ", b"\xef\xbb\xbf", b"\r", b"\xe9"],
    bytes: b"\t\r \"'.?!\xc3\xa9\xe9\xff\x00\x0b",
};

/// `data/tatoeba-sample.tsv`: as shipped, with Windows line ends, and with a byte-order mark.
fn tsv_seeds() -> Vec<Vec<u8>> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/tatoeba-sample.tsv");
    let sample = std::fs::read(path).unwrap();
    let crlf = String::from_utf8(sample.clone())
        .unwrap()
        .replace('\n', "\r\n")
        .into_bytes();
    let bom = [b"\xef\xbb\xbf".as_slice(), &sample].concat();
    vec![sample, crlf, bom]
}

/// Whether `error` is bad input (exit status 2) that begins with `path` and a colon, as every error
/// about a file must.
fn names_the_file(error: &TrainError, path: &Path) -> bool {
    matches!(error, TrainError::Input(message) if message.starts_with(&format!("{}:", path.display())))
}

/// Runs `attn` on a case a property refused: exit status 2, `message` after `error: `, no panic.
fn refused_alike(args: &[&str], message: &str) {
    let out = attn(args);
    let output = text(&out);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {output}");
    assert!(
        output.contains(&format!("error: {message}")),
        "{args:?}: {output}\nexpected {message}"
    );
    assert!(!output.contains("panicked"), "{args:?}: {output}");
}

/// The translate task's defaults, reading `path` with `tokenizer` (`attn train translate --data
/// PATH --tokenizer TOKENIZER`), and the common fields.
fn data_config(path: &Path, tokenizer: TokenizerName) -> (TranslateConfig, CommonConfig) {
    let config = TrainConfig::for_task("translate").unwrap();
    let mut section = Translate::section(&config.task).unwrap().clone();
    section.data = Some(path.to_path_buf());
    section.tokenizer = tokenizer;
    // A small subword vocabulary: the sample has a few hundred characters.
    section.vocab_size = 64;
    (section, config.common)
}

/// Tatoeba files (`--data`), mutated by line and byte ([`TSV`]), through what `attn train translate
/// --data` does before it trains: `Task::prepare`, which reads the pairs, splits them and makes the
/// vocabularies (of words, or of BPE or unigram subwords, one case in four each). Either splits
/// with training and validation pairs, every pair with two sides, or bad input naming the file
/// (and the line, where one is wrong). The first refused case is run through `attn` for its exit
/// status 2 and its message. 130 to 230 cases in its second on the 2-core machine busy with
/// another job.
#[test]
fn tatoeba_files_give_splits_or_name_the_file_when_mutated() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("case.tsv");
    let seeds = tsv_seeds();
    for seed in &seeds {
        std::fs::write(&path, seed).unwrap();
        let (section, common) = data_config(&path, TokenizerName::Word);
        assert!(Translate::prepare(&section, &common).is_ok(), "every seed reads");
    }
    let tokenizers = [
        TokenizerName::Word,
        TokenizerName::Word,
        TokenizerName::Bpe,
        TokenizerName::Unigram,
    ];
    let (mut cases, mut refused) = (0, 0);
    let mut first_refused = None;
    let start = std::time::Instant::now();
    fuzz(|u| {
        let seed = u.choose(&seeds)?;
        let bytes = mutate_lines(u, seed, &TSV)?;
        let tokenizer = *u.choose(&tokenizers)?;
        std::fs::write(&path, &bytes).unwrap();
        let (section, common) = data_config(&path, tokenizer);
        let panics = PANICS.with(Cell::get);
        let result = Translate::prepare(&section, &common);
        let case = || format!("{tokenizer:?} on {:?}", String::from_utf8_lossy(&bytes));
        assert_eq!(PANICS.with(Cell::get), panics, "a panic on {}", case());
        match result {
            Ok(data) => {
                let splits = &data.splits;
                assert!(!splits.train.is_empty() && !splits.valid.is_empty(), "{}", case());
                let mut pairs = splits.train.iter().chain(&splits.valid).chain(&splits.test);
                assert!(
                    pairs.all(|p| !p.english.is_empty() && !p.french.is_empty()),
                    "{}",
                    case()
                );
            }
            Err(error) => {
                assert!(names_the_file(&error, &path), "{error}\n{}", case());
                first_refused.get_or_insert((bytes.clone(), tokenizer, error.to_string()));
                refused += 1;
            }
        }
        cases += 1;
        Ok(())
    });
    eprintln!(
        "tatoeba files: {cases} cases ({refused} refused) in {:?}",
        start.elapsed()
    );
    if let Some((bytes, tokenizer, message)) = first_refused {
        std::fs::write(&path, bytes).unwrap();
        let run = dir.path().join("run");
        let (path, run) = (path.to_str().unwrap(), run.to_str().unwrap());
        let mut args = vec!["train", "translate", "--data", path, "--run-dir", run];
        // As `data_config`; `--vocab-size` is refused beside words, where it does nothing.
        match tokenizer {
            TokenizerName::Word => {}
            TokenizerName::Bpe => args.extend(["--tokenizer", "bpe", "--vocab-size", "64"]),
            TokenizerName::Unigram => args.extend(["--tokenizer", "unigram", "--vocab-size", "64"]),
        }
        refused_alike(&args, &message);
    }
}

/// The names of a run's splits.
const SPLITS: [&str; 3] = ["train", "valid", "test"];

/// A run's `splits/*.tsv`, mutated by line and byte ([`TSV`]) from the run's own splits and the
/// Tatoeba sample, through the two paths that read them, past the checksums (checked when a run is
/// opened, and an earlier release's run has none): `attn eval` (`Translator::evaluate` of the run
/// opened once, the test split) and `--resume` (`Task::reload`, the three splits and the
/// vocabularies). Either the test split is scored, or
/// the splits give training and validation pairs (what `prepare` guarantees a fresh run), or bad
/// input naming the split (and the line). 60 to 120 cases in its second on the 2-core machine
/// busy with another job (the test split's cases decode its 40 sentences).
#[test]
fn a_runs_splits_are_read_or_named_when_mutated() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    train_tiny_rnn(&run);
    let device = Device::default();
    let translator = trainer::training::translator(&run, &device).unwrap();
    let (run_dir, config) = TrainConfig::open(&run, Some("translate")).unwrap();
    let section = Translate::section(&config.task).unwrap();
    let originals = SPLITS.map(|split| std::fs::read(run_dir.split_path(split)).unwrap());
    translator.evaluate(Decoding::Greedy, UnknownWords::Replace).unwrap();
    Translate::reload(section, &config.common, &run_dir).unwrap();
    let mut seeds = originals.to_vec();
    seeds.extend(tsv_seeds());
    // An empty split, and one of a single pair.
    seeds.extend([Vec::new(), TSV_LINES[0].as_bytes().to_vec()]);
    let (mut cases, mut refused) = (0, 0);
    let start = std::time::Instant::now();
    fuzz(|u| {
        let split = u.choose_index(SPLITS.len())?;
        let seed = u.choose(&seeds)?;
        let bytes = mutate_lines(u, seed, &TSV)?;
        let path = run_dir.split_path(SPLITS[split]);
        std::fs::write(&path, &bytes).unwrap();
        let panics = PANICS.with(Cell::get);
        let result = if SPLITS[split] == "test" {
            translator.evaluate(Decoding::Greedy, UnknownWords::Replace).map(|_| ())
        } else {
            Translate::reload(section, &config.common, &run_dir).map(|data| {
                assert!(
                    !data.data.train.is_empty() && !data.data.valid.is_empty(),
                    "a resumed run with nothing to train or validate on, from {}:\n{:?}",
                    SPLITS[split],
                    String::from_utf8_lossy(&bytes)
                );
            })
        };
        std::fs::write(&path, &originals[split]).unwrap();
        let case = || format!("{}: {:?}", SPLITS[split], String::from_utf8_lossy(&bytes));
        assert_eq!(PANICS.with(Cell::get), panics, "a panic on {}", case());
        if let Err(error) = result {
            assert!(names_the_file(&error, &path), "{error}\n{}", case());
            refused += 1;
        }
        cases += 1;
        Ok(())
    });
    eprintln!("run splits: {cases} cases ({refused} refused) in {:?}", start.elapsed());
}

/// Values the JSON and TOML mutations write: each type, the edges of the sizes the configs allow
/// (`MAX_WIDTH`, `MAX_LEN`, `MAX_TRAIN_SIZE`) and of the integers serde reads, floats too large or
/// subnormal, the names of tasks, models and releases.
const VALUES: [&str; 44] = [
    "0",
    "1",
    "-1",
    "2",
    "3",
    "4",
    "5",
    "16",
    "1000",
    "1001",
    "65536",
    "65537",
    "1000000",
    "1000001",
    "4294967296",
    "9223372036854775807",
    "18446744073709551615",
    "18446744073709551616",
    "-9223372036854775808",
    "0.5",
    "1.5",
    "-0.0",
    "1e-320",
    "1e308",
    "\"\"",
    "\" \"",
    "\"x\"",
    "\"<unk>\"",
    "\"translate\"",
    "\"classify\"",
    "\"transformer\"",
    "\"bpe\"",
    "\"luong-dot\"",
    "\"fc\"",
    "\"0.1.0\"",
    "\"0.2.0\"",
    "\"9.9.9\"",
    "null",
    "true",
    "[]",
    "[\"\"]",
    "[1]",
    "{}",
    "{\"tokens\": []}",
];

/// [`VALUES`] as JSON.
fn json_values() -> Vec<Value> {
    VALUES.iter().map(|v| serde_json::from_str(v).unwrap()).collect()
}

/// How many nodes `value` has, itself included.
fn nodes(value: &Value) -> usize {
    1 + match value {
        Value::Array(items) => items.iter().map(nodes).sum(),
        Value::Object(fields) => fields.values().map(nodes).sum(),
        _ => 0,
    }
}

/// The `n`th node of `value`, in pre-order (`value` itself is the 0th).
fn nth_node(value: &mut Value, n: usize) -> Option<&mut Value> {
    let Some(mut n) = n.checked_sub(1) else {
        return Some(value);
    };
    let children: Box<dyn Iterator<Item = &mut Value>> = match value {
        Value::Array(items) => Box::new(items.iter_mut()),
        Value::Object(fields) => Box::new(fields.values_mut()),
        _ => return None,
    };
    for child in children {
        let size = nodes(child);
        if n < size {
            return nth_node(child, n);
        }
        n -= size;
    }
    None
}

/// `seed` changed one to three times at nodes drawn from all of its own: replaced with one of
/// `values`; a field removed, renamed to or added as one of `keys`; an item removed, repeated or
/// the list cut; a number moved by one (a float doubled); a string lengthened. Written compact or pretty, then one
/// case in four changed by byte (cut, set, insert, a repeated field).
fn mutate_json(u: &mut Unstructured<'_>, seed: &Value, keys: &[String], values: &[Value]) -> Result<Vec<u8>> {
    let mut value = seed.clone();
    for _ in 0..u.int_in_range(1..=3)? {
        let at = u.choose_index(nodes(&value))?;
        let node = nth_node(&mut value, at).expect("a node of the value");
        let op = u.int_in_range(0..=4)?;
        match node {
            _ if op < 2 => *node = u.choose(values)?.clone(),
            Value::Object(fields) if op == 2 && !fields.is_empty() => {
                let key = fields.keys().nth(u.choose_index(fields.len())?).unwrap().clone();
                let removed = fields.shift_remove(&key).unwrap();
                if u.arbitrary()? {
                    fields.insert(u.choose(keys)?.clone(), removed);
                }
            }
            Value::Array(items) if op == 2 && !items.is_empty() => {
                items.remove(u.choose_index(items.len())?);
            }
            Value::Object(fields) if op == 3 => {
                fields.insert(u.choose(keys)?.clone(), u.choose(values)?.clone());
            }
            Value::Array(items) if op == 3 && !items.is_empty() => {
                let item = items[u.choose_index(items.len())?].clone();
                items.insert(u.choose_index(items.len() + 1)?, item);
            }
            Value::Array(items) => {
                let cut = u.int_in_range(0..=items.len())?;
                items.truncate(cut);
            }
            Value::Number(number) => {
                let moved = match (number.as_i64(), number.as_f64()) {
                    (Some(i), _) => Value::from(i.saturating_add(*u.choose(&[-1, 1])?)),
                    (None, Some(f)) => Value::from(f * 2.0),
                    _ => Value::Null,
                };
                *node = moved;
            }
            Value::String(text) => text.push(*u.choose(&['\'', ' ', '\u{0}', 'é', '\u{feff}'])?),
            _ => *node = u.choose(values)?.clone(),
        }
    }
    let mut bytes = if u.arbitrary()? {
        serde_json::to_vec_pretty(&value).unwrap()
    } else {
        serde_json::to_vec(&value).unwrap()
    };
    if u.ratio(1, 4)? {
        match u.int_in_range(0..=3)? {
            0 => {
                let cut = u.int_in_range(0..=bytes.len())?;
                bytes.truncate(cut);
            }
            1 if !bytes.is_empty() => {
                let at = u.choose_index(bytes.len())?;
                bytes[at] = u.arbitrary()?;
            }
            2 => {
                let at = u.int_in_range(0..=bytes.len())?;
                bytes.insert(at, *u.choose(b"{}[]\",:0-.e \\\xff\x00")?);
            }
            _ => {
                if let Some(at) = bytes.iter().position(|&b| b == b'{') {
                    let field = format!("{}: {},", Value::from(u.choose(keys)?.as_str()), u.choose(values)?);
                    bytes.splice(at + 1..at + 1, field.into_bytes());
                }
            }
        }
    }
    Ok(bytes)
}

/// Whether `error`, if it is about a value of the wrong type or out of its type's range, says
/// whose: the field, or the line and column.
fn says_whose_value(error: &TrainError) -> bool {
    let error = error.to_string();
    let about_a_value = ["invalid type", "invalid value", "unknown variant", "invalid length"];
    !about_a_value.iter().any(|p| error.contains(p)) || error.contains("(field `") || error.contains(" at line ")
}

/// Whether `error` is bad input (exit status 2) naming `what`.
fn names(error: &TrainError, what: &Path) -> bool {
    matches!(error, TrainError::Input(message) if message.contains(&what.display().to_string()))
}

/// Lines the TOML mutations insert beside a field set to one of [`VALUES`]: tables, arrays of
/// tables, dotted and quoted keys, a key with no value, a value with no key, a repeated field, the
/// floats JSON has not (infinities and NaN).
const TOML_LINES: [&str; 18] = [
    "[translate]",
    "[[epochs]]",
    "seq2seq.d_hidden = 8",
    "\"epochs\" = 2",
    "'epochs' = 2",
    "epochs",
    "epochs =",
    "= 2",
    "epochs = 2 # two",
    "epochs = 2\nepochs = 3",
    "epochs = 0x10",
    "epochs = 1_000",
    "started = 1979-05-27T07:32:00Z",
    "learning_rate = nan",
    "grad_clip = -inf",
    "time_budget = inf",
    "label_smoothing = nan",
    "#",
];

/// The TOML grammar: [`TOML_LINES`], and the bytes of strings, tables and comments.
const TOML: LineGrammar<'static> = LineGrammar {
    lines: &TOML_LINES,
    prefixes: &[b"#", b"[", b" ", b"\""],
    bytes: b"=\"'[]{}.,# \t\r0\\\xff\x00",
};

/// `seed`, a TOML config, changed one to three times: a field of `keys` set to one of [`VALUES`]
/// (its line replaced, or the line added), or lines and bytes changed ([`TOML`]).
fn mutate_toml(u: &mut Unstructured<'_>, seed: &[u8], keys: &[String]) -> Result<Vec<u8>> {
    let mut text = seed.to_vec();
    for _ in 0..u.int_in_range(1..=3)? {
        if u.arbitrary()? {
            text = mutate_lines(u, &text, &TOML)?;
            continue;
        }
        let key = u.choose(keys)?;
        let line = format!("{key} = {}", u.choose(&VALUES)?);
        let mut lines: Vec<Vec<u8>> = text.split(|&b| b == b'\n').map(<[u8]>::to_vec).collect();
        let setting = |l: &Vec<u8>| {
            let l = String::from_utf8_lossy(l);
            l.split('=').next().is_some_and(|k| k.trim() == key)
        };
        match lines.iter().position(setting) {
            Some(i) => lines[i] = line.into_bytes(),
            None => lines.push(line.into_bytes()),
        }
        text = lines.join(&b'\n');
    }
    Ok(text)
}

/// A config file of the seeds: its task, its extension and its contents.
struct ConfigSeed {
    task: String,
    extension: &'static str,
    text: Vec<u8>,
}

/// The config seeds: `examples/translate/*.toml`, and every task's defaults written as TOML (no
/// null there: TOML has none); each also as JSON.
fn config_seeds() -> Vec<ConfigSeed> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/translate");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    paths.sort();
    assert!(!paths.is_empty(), "examples/translate has configs");
    let mut tables: Vec<serde_json::Map<String, Value>> = paths
        .iter()
        .map(|p| toml::from_str(&std::fs::read_to_string(p).unwrap()).unwrap())
        .collect();
    for task in trainer::tasks::NAMES {
        let mut fields = TrainConfig::for_task(task).unwrap().to_map();
        fields.retain(|_, v| !v.is_null());
        tables.push(fields);
    }
    let mut seeds = Vec::new();
    for table in tables {
        let task = table["task"].as_str().unwrap().to_string();
        let toml = toml::to_string(&table).unwrap().into_bytes();
        let json = serde_json::to_vec_pretty(&table).unwrap();
        seeds.push(ConfigSeed {
            task: task.clone(),
            extension: "toml",
            text: toml,
        });
        seeds.push(ConfigSeed {
            task,
            extension: "json",
            text: json,
        });
    }
    seeds
}

/// Config files (`--config`), TOML and JSON, mutated field by field ([`mutate_toml`],
/// [`mutate_json`]: every task's fields and one no task has, set to [`VALUES`]) and line by line,
/// from `examples/translate/*.toml` and every task's defaults, through what `attn train TASK
/// --config FILE` does before it reads data: `TrainConfig::from_file` for the task the seed is of,
/// the device it names, `validate`. Either a config whose `config.json` reopens as the same config
/// (`RunDir::open`, as `attn eval` and `--resume` read it), or bad input naming the file, the field
/// (a value of the wrong type too) or the device. The first
/// refused case is run through `attn` for its exit status 2. 220 to 440 cases in its second on the
/// 2-core machine busy with another job.
#[test]
fn config_files_give_a_config_that_reopens_or_are_refused_by_name_when_mutated() {
    let dir = tempfile::tempdir().unwrap();
    let seeds = config_seeds();
    let mut keys: Vec<String> = trainer::tasks::NAMES
        .iter()
        .flat_map(|task| {
            TrainConfig::for_task(task)
                .unwrap()
                .to_map()
                .keys()
                .cloned()
                .collect::<Vec<_>>()
        })
        .collect();
    keys.sort();
    keys.dedup();
    keys.push("no_such_field".into());
    let values = json_values();
    // What `attn train TASK --config FILE` checks before it reads data, in its order.
    let read = |path: &Path, task: &str| {
        let config = TrainConfig::from_file(path, task)?;
        trainer::device::select(config.common.device.as_deref())?;
        config.validate().map(|()| config)
    };
    for seed in &seeds {
        let path = dir.path().join(format!("seed.{}", seed.extension));
        std::fs::write(&path, &seed.text).unwrap();
        assert!(read(&path, &seed.task).is_ok(), "every seed reads");
    }
    let (mut cases, mut refused) = (0, 0);
    let mut first_refused = None;
    let start = std::time::Instant::now();
    fuzz(|u| {
        let seed = u.choose(&seeds)?;
        let bytes = match seed.extension {
            "toml" => mutate_toml(u, &seed.text, &keys)?,
            _ => mutate_json(u, &serde_json::from_slice(&seed.text).unwrap(), &keys, &values)?,
        };
        let path = dir.path().join(format!("case.{}", seed.extension));
        std::fs::write(&path, &bytes).unwrap();
        let panics = PANICS.with(Cell::get);
        let result = read(&path, &seed.task);
        // The task `attn train` is asked for: the one the file names, where it reads.
        let task = match TrainConfig::from_file(&path, &seed.task) {
            Ok(config) => config.task.name().to_string(),
            Err(_) => seed.task.clone(),
        };
        let case = || format!("{}: {:?}", path.display(), String::from_utf8_lossy(&bytes));
        assert_eq!(PANICS.with(Cell::get), panics, "a panic on {}", case());
        match result {
            Ok(config) => {
                let run = dir.path().join("run");
                let _ = std::fs::remove_dir_all(&run);
                std::fs::create_dir(&run).unwrap();
                RunDir::new(&run).write_fields(&config.to_map()).unwrap();
                let reopened = TrainConfig::open(&run, None).map(|(_, c)| c);
                assert_eq!(reopened.as_ref().ok(), Some(&config), "{reopened:?}\nfrom {}", case());
            }
            Err(error) => {
                let field = ["config: ", "unknown device `"];
                let field = matches!(&error, TrainError::Input(m) if field.iter().any(|f| m.starts_with(f)));
                assert!(field || names_the_file(&error, &path), "{error}\n{}", case());
                assert!(says_whose_value(&error), "{error}\n{}", case());
                first_refused.get_or_insert((path.clone(), bytes.clone(), task, error.to_string()));
                refused += 1;
            }
        }
        cases += 1;
        Ok(())
    });
    eprintln!(
        "config files: {cases} cases ({refused} refused) in {:?}",
        start.elapsed()
    );
    if let Some((path, bytes, task, message)) = first_refused {
        std::fs::write(&path, bytes).unwrap();
        let run = dir.path().join("cli-run");
        let (path, run) = (path.to_str().unwrap(), run.to_str().unwrap());
        refused_alike(&["train", &task, "--config", path, "--run-dir", run], &message);
    }
}

/// A run's `config.json` and `vocab.json`, mutated field by field and byte by byte
/// ([`mutate_json`]: the config's fields and the vocabularies' keys, set to [`VALUES`]), from the
/// files of a run trained here, with `SHA256SUMS` written anew (`RunDir::seal`) so that the
/// parsers, not the checksums, see them; then opened as `attn translate` opens a run
/// (`training::open`) and asked for a sentence. Either a translation, or bad input naming the run
/// (and the field or the line of a value of the wrong type), not its checksums. The first refused
/// case is run through `attn translate` for its exit status 2. 65 to 85 cases in its second on the
/// 2-core machine busy with another job (each opens the run and builds its model).
#[test]
fn a_runs_config_and_vocabulary_open_or_are_refused_by_name_when_mutated() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    train_tiny_rnn(&run);
    let device = Device::default();
    let run_dir = RunDir::new(&run);
    let files = [run_dir.config_path(), run_dir.vocab_path()];
    let originals = files.clone().map(|path| std::fs::read(path).unwrap());
    let seeds = originals
        .clone()
        .map(|bytes| serde_json::from_slice::<Value>(&bytes).unwrap());
    let mut keys: Vec<String> = ["source", "target", "tokens", "release", "no_such_field"]
        .map(String::from)
        .to_vec();
    keys.extend(
        TrainConfig::for_task("translate")
            .unwrap()
            .to_map()
            .keys()
            .cloned()
            .collect::<Vec<_>>(),
    );
    let values = json_values();
    let translate = |run: &Path| {
        let open = trainer::training::open(run, &device)?;
        open.translator()?
            .translate("I love you", Decoding::Greedy, UnknownWords::Replace)
            .map(|_| ())
    };
    translate(&run).expect("the run as trained translates");
    let (mut cases, mut refused) = (0, 0);
    let mut first_refused = None;
    let start = std::time::Instant::now();
    fuzz(|u| {
        let file = u.choose_index(files.len())?;
        let bytes = mutate_json(u, &seeds[file], &keys, &values)?;
        std::fs::write(&files[file], &bytes).unwrap();
        run_dir.seal().unwrap();
        let panics = PANICS.with(Cell::get);
        let result = translate(&run);
        std::fs::write(&files[file], &originals[file]).unwrap();
        let case = || format!("{}: {:?}", files[file].display(), String::from_utf8_lossy(&bytes));
        assert_eq!(PANICS.with(Cell::get), panics, "a panic on {}", case());
        if let Err(error) = result {
            assert!(names(&error, &run) && says_whose_value(&error), "{error}\n{}", case());
            assert!(!error.to_string().contains("damaged or changed since"), "{error}");
            first_refused.get_or_insert((file, bytes.clone(), error.to_string()));
            refused += 1;
        }
        cases += 1;
        Ok(())
    });
    eprintln!("run files: {cases} cases ({refused} refused) in {:?}", start.elapsed());
    if let Some((file, bytes, message)) = first_refused {
        std::fs::write(&files[file], bytes).unwrap();
        run_dir.seal().unwrap();
        refused_alike(&["translate", "--run", run.to_str().unwrap(), "I love you"], &message);
    }
}

/// The status and the body of the answer to `POST path` with a JSON `body`, on a connection of
/// its own.
fn post(address: &str, path: &str, body: &[u8]) -> (u16, Vec<u8>) {
    let mut stream = TcpStream::connect(address).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\n\r\n",
        body.len()
    );
    stream.write_all(&[head.as_bytes(), body].concat()).unwrap();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).unwrap();
    let end = answer
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no header end in {:?}", String::from_utf8_lossy(&answer)));
    let status = String::from_utf8_lossy(&answer[..end])
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status in {:?}", String::from_utf8_lossy(&answer)));
    (status, answer[end + 4..].to_vec())
}

/// Whether `body` is what `docs/explorer.md` says `POST /api/translate` takes: a JSON object with
/// a `sentence` of 1 to `MAX_CHARS` characters, not blank, and a `beam` of 1 to `MAX_BEAM` or
/// none, and nothing else.
fn asks_for_a_translation(body: &[u8]) -> bool {
    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Request {
        sentence: String,
        beam: Option<usize>,
    }
    // A `beam` of null is no `beam` to serde's `Option`, and a wrong type to the server.
    let null_beam = serde_json::from_slice::<Value>(body).is_ok_and(|v| v.get("beam") == Some(&Value::Null));
    serde_json::from_slice::<Request>(body).is_ok_and(|r| {
        !null_beam
            && !r.sentence.trim().is_empty()
            && r.sentence.chars().count() <= MAX_CHARS
            && r.beam.is_none_or(|b| (1..=MAX_BEAM).contains(&b))
    })
}

/// The JSON bodies of `POST /api/translate`, mutated field by field and byte by byte
/// ([`mutate_json`]: `sentence`, `beam` and fields the API does not have, set to [`VALUES`], to
/// the sample's sentences and to sentences of the longest length allowed and one more), from
/// requests as `docs/explorer.md` shows them, sent over HTTP to `attn serve` on a run trained here. Every
/// answer is JSON: a translation with an attention row per output word, or a 4xx `{"error": ...}`;
/// a body the API takes is translated (or refused for its sentence, in a message that quotes it).
/// Never a 5xx, and no panic in the server's log. 1,300 to 1,900 cases in its second on the 2-core
/// machine busy with another job.
#[test]
fn the_server_answers_mutated_translate_bodies_with_a_translation_or_a_4xx_error() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    train_tiny_rnn(&run);
    let served = Served::start(&run, &[]);
    let seeds = [
        json!({"sentence": "I love you", "beam": 3}),
        json!({"sentence": "She sees us."}),
        json!({"sentence": "We are eating apples.", "beam": 1}),
        json!({"sentence": "I see you.", "beam": 16}),
    ];
    let keys = ["sentence", "beam", "word", "no_such_field"].map(String::from);
    let mut values = json_values();
    let sample = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("data/tatoeba-sample.tsv"));
    values.extend(sample.unwrap().lines().map(|l| json!(l.split('\t').next().unwrap())));
    let longest = "I love you ".repeat(MAX_CHARS / 11 + 1);
    for chars in [MAX_CHARS, MAX_CHARS + 1] {
        values.push(json!(longest.chars().take(chars).collect::<String>()));
    }
    let (mut cases, mut refused) = (0, 0);
    let start = std::time::Instant::now();
    fuzz(|u| {
        let seed = u.choose(&seeds)?;
        let body = mutate_json(u, seed, &keys, &values)?;
        let (status, answer) = post(&served.address, "/api/translate", &body);
        let case = || {
            format!(
                "{status} {} on {:?}",
                String::from_utf8_lossy(&answer),
                String::from_utf8_lossy(&body)
            )
        };
        let answer: Value = serde_json::from_slice(&answer).unwrap_or_else(|_| panic!("not JSON: {}", case()));
        if status == 200 {
            let (output, attention) = (answer["output"].as_array(), answer["attention"].as_array());
            assert!(
                output.zip(attention).is_some_and(|(o, a)| o.len() == a.len()),
                "{}",
                case()
            );
        } else {
            let error = answer["error"].as_str().unwrap_or_default();
            assert!((400..500).contains(&status) && !error.is_empty(), "{}", case());
            assert!(
                !asks_for_a_translation(&body) || error.starts_with('`'),
                "a request the API takes, refused: {}",
                case()
            );
            refused += 1;
        }
        cases += 1;
        Ok(())
    });
    let log = served.stop();
    eprintln!(
        "translate bodies: {cases} cases ({refused} refused) in {:?}",
        start.elapsed()
    );
    assert!(!log.contains("panicked"), "{log}");
}
