//! Property tests of the gettext readers on mutated catalogs: the `.po` and `.mo` files of
//! `data/gettext-sample` (and one `.po` written here with every part of the grammar), changed line
//! by line and byte by byte, go through `read_catalog` and `catalog::fill`. Whatever the input, no
//! panic (not even one caught inside the reader), and an error names the file (and, for a `.po`,
//! the line); a catalog `fill` wrote reads back.
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
//! found nothing more once `fill`'s unwrapped comments were in.

use std::cell::Cell;
use std::path::{Path, PathBuf};
use std::sync::Once;

use arbtest::arbitrary::{Result, Unstructured};
use trainer::data::catalog::{FillOptions, Suggestion, fill};
use trainer::data::gettext::read_catalog;

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

/// `seed` changed one to four times, by line (delete, repeat, swap, insert or replace with one of
/// [`LINES`], cut, prefix with `#~ ` or `#| `) or by byte (set, insert, delete).
fn mutate_po(u: &mut Unstructured<'_>, seed: &[u8]) -> Result<Vec<u8>> {
    let mut lines: Vec<Vec<u8>> = seed.split(|&b| b == b'\n').map(<[u8]>::to_vec).collect();
    for _ in 0..u.int_in_range(1..=4)? {
        let i = u.choose_index(lines.len())?;
        match u.int_in_range(0..=10)? {
            0 => {
                lines.remove(i);
            }
            1 => lines.insert(i, lines[i].clone()),
            2 => {
                let j = u.choose_index(lines.len())?;
                lines.swap(i, j);
            }
            3 => lines.insert(i, u.choose(&LINES)?.as_bytes().to_vec()),
            4 => lines[i] = u.choose(&LINES)?.as_bytes().to_vec(),
            5 => {
                let cut = u.int_in_range(0..=lines[i].len())?;
                lines[i].truncate(cut);
            }
            6 => {
                let prefix: &[u8] = u.choose(&[b"#~ ".as_slice(), b"#| ", b"\"", b"#~| "])?;
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
                let byte = *u.choose(b"\"\\#~|[]0 \t\r\xc3\xa9\xe9\xff\x00")?;
                lines[i].insert(j, byte);
            }
            9 => {
                if !lines[i].is_empty() {
                    let j = u.choose_index(lines[i].len())?;
                    lines[i].remove(j);
                }
            }
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
