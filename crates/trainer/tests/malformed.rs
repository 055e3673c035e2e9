//! Malformed gettext catalogs through the program: `attn translate --po` and `attn train translate
//! --data` exit 2 with an error naming the file and, for a `.po`, the line; nothing is written to
//! `--out`; a `.mo` whose strings claim gigabytes is refused before anything is allocated
//! (`data::gettext_check`, docs/translate.md "Malformed catalogs"). About a second in all.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use common::{attn, text};

/// Catalogs on which rspolib 0.1.2 panicked or named no line: the file's text, and the line and
/// message of the error.
const MALFORMED: [(&str, &[u8], usize, &str); 8] = [
    (
        "msgstr-first.po",
        b"msgstr \"x\"\n",
        1,
        "unexpected `msgstr`: expected a comment, msgctxt or msgid",
    ),
    (
        "plural-first.po",
        b"msgid_plural \"x\"\nmsgstr[0] \"y\"\n",
        1,
        "unexpected `msgid_plural`: expected a comment, msgctxt or msgid",
    ),
    (
        "string-first.po",
        b"\"Open\"\nmsgid \"a\"\nmsgstr \"b\"\n",
        1,
        "unexpected a string: expected a comment, msgctxt or msgid",
    ),
    (
        "two-msgstr.po",
        b"# two translations\nmsgid \"Open\"\nmsgstr \"Ouvrir\"\nmsgstr \"Ouvre\"\n",
        4,
        "unexpected `msgstr`: expected a string continuing msgstr, a comment, msgctxt or msgid",
    ),
    (
        "plural-then-msgstr.po",
        b"msgid \"a file\"\nmsgid_plural \"files\"\nmsgstr[0] \"un fichier\"\nmsgstr \"fichiers\"\n",
        4,
        "unexpected `msgstr`: expected msgstr[1], a string continuing msgstr[0], a comment, msgctxt or msgid",
    ),
    (
        "escape.po",
        b"msgid \"Open\"\nmsgstr \"Ouvrir\\q\"\n",
        2,
        "`\\q`: an escape this reader does not know (it knows \\n \\t \\r \\b \\f \\v \\\" \\\\)",
    ),
    (
        "latin1.po",
        b"msgid \"Coffee\"\nmsgstr \"Caf\xe9\"\n",
        2,
        "not UTF-8 (byte 0xe9); convert the catalog with `msgconv --to-code=UTF-8`",
    ),
    (
        "huge-plural-index.po",
        b"msgid \"a\"\nmsgid_plural \"b\"\nmsgstr[0] \"c\"\nmsgstr[999999999] \"d\"\n",
        4,
        "unexpected `msgstr[999999999]`: expected msgstr[1], a string continuing msgstr[0], a comment, msgctxt or \
         msgid",
    ),
];

fn sample() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data/gettext-sample")
}

/// A translation run trained on the gettext sample in a fraction of a second.
fn trained(dir: &Path) -> PathBuf {
    let run = dir.join("run");
    let sample = sample();
    let out = attn(&[
        "train",
        "translate",
        "--run-dir",
        run.to_str().unwrap(),
        "--data",
        sample.to_str().unwrap(),
        "--epochs",
        "1",
        "--d-embed",
        "8",
        "--d-hidden",
        "8",
    ]);
    assert!(out.status.success(), "{}", text(&out));
    run
}

fn assert_refused(out: &Output, expected: &str) {
    assert_eq!(out.status.code(), Some(2), "{}", text(out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains(&format!("error: {expected}\n")),
        "expected `{expected}`:\n{}",
        text(out)
    );
}

#[test]
fn translate_po_names_the_line_of_a_malformed_catalog_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let run = trained(dir.path());
    for (name, bytes, line, what) in MALFORMED {
        let input = dir.path().join(name);
        std::fs::write(&input, bytes).unwrap();
        let output = dir.path().join(format!("out-{name}"));
        let out = attn(&[
            "translate",
            "--run",
            run.to_str().unwrap(),
            "--po",
            input.to_str().unwrap(),
            "--out",
            output.to_str().unwrap(),
        ]);
        assert_refused(&out, &format!("{}:{line}: {what}", input.display()));
        assert!(!output.exists(), "{name}: nothing is written to --out");
    }
}

#[test]
fn train_translate_names_the_line_of_a_malformed_catalog_alone_or_in_a_directory() {
    let dir = tempfile::tempdir().unwrap();
    for (name, bytes, line, what) in MALFORMED {
        let file = dir.path().join(name);
        std::fs::write(&file, bytes).unwrap();
        let run = dir.path().join(format!("run-{name}"));
        let out = attn(&[
            "train",
            "translate",
            "--run-dir",
            run.to_str().unwrap(),
            "--data",
            file.to_str().unwrap(),
        ]);
        assert_refused(&out, &format!("{}:{line}: {what}", file.display()));
        // Beside well-formed catalogs, it is the one named.
        let catalogs = dir.path().join(format!("catalogs-{name}"));
        common::copy_dir(&sample(), &catalogs);
        std::fs::write(catalogs.join(name), bytes).unwrap();
        let out = attn(&[
            "train",
            "translate",
            "--run-dir",
            run.to_str().unwrap(),
            "--data",
            catalogs.to_str().unwrap(),
        ]);
        assert_refused(&out, &format!("{}:{line}: {what}", catalogs.join(name).display()));
    }
}

/// A little-endian `.mo` header of one string and its two table entries: 44 bytes.
fn one_string_mo(length: u32, offset: u32) -> Vec<u8> {
    let mut bytes = Vec::new();
    for word in [0x9504_12de_u32, 0, 1, 28, 36, 0, 0, length, offset, 0, 0] {
        bytes.extend(word.to_le_bytes());
    }
    bytes
}

/// `attn` under a 4 GiB address space (a training on the sample needs less than one), so that a
/// reader that believed a declared length aborts at once instead of taking the machine's memory.
fn attn_capped(args: &[&str]) -> Output {
    Command::new("sh")
        .arg("-c")
        .arg("ulimit -v 4194304 && exec \"$0\" \"$@\"")
        .arg(env!("CARGO_BIN_EXE_attn"))
        .args(args)
        .env("RUST_LOG", "warn")
        .output()
        .expect("sh runs attn")
}

#[test]
fn a_mo_file_that_declares_gigabytes_is_refused_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            "crafted.mo",
            one_string_mo(0xffff_fff0, 0xffff_ffff),
            "string 0 of the original strings (length 4294967280 at byte 4294967295) runs past the end of the \
             file (44 bytes)",
        ),
        (
            "gibibyte.mo",
            one_string_mo(1 << 30, 28),
            "string 0 of the original strings (length 1073741824 at byte 28) runs past the end of the file (44 \
             bytes)",
        ),
        (
            // rspolib's own message for it printed `{magic_number_le}`.
            "not-a-catalog.mo",
            b"# a text file, not a compiled catalog\n".to_vec(),
            "not a .mo file: it starts with the bytes 23 20 61 20, not with gettext's magic number (de 12 04 95, or \
             95 04 12 de big-endian)",
        ),
    ];
    for (name, bytes, what) in cases {
        let file = dir.path().join(name);
        std::fs::write(&file, &bytes).unwrap();
        let catalogs = dir.path().join(format!("catalogs-{name}"));
        common::copy_dir(&sample(), &catalogs);
        std::fs::write(catalogs.join(name), &bytes).unwrap();
        for (data, named) in [(&file, file.clone()), (&catalogs, catalogs.join(name))] {
            let run = dir.path().join("run");
            let start = Instant::now();
            let out = attn_capped(&[
                "train",
                "translate",
                "--run-dir",
                run.to_str().unwrap(),
                "--data",
                data.to_str().unwrap(),
            ]);
            assert_refused(&out, &format!("{}: {what}", named.display()));
            // Refused before any reading or training: a few milliseconds, here a generous bound.
            assert!(start.elapsed() < Duration::from_secs(20), "{:?}", start.elapsed());
        }
    }
}
