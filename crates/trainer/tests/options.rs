//! The `attn` options that reach every model of the workspace: the
//! transformer (`--model transformer`), pre-trained word vectors
//! (`--word-vectors`) and the article's encoder-only layouts
//! (`--encoder-self-attention`), each through the real program, with bad
//! values giving clear errors.

use std::path::Path;
use std::process::Output;

use burn::prelude::*;
use trainer::data::codec::Codec;
use trainer::tasks::seq2seq::Seq2SeqModel;

mod common;
use common::{attn, attn_logging, metric, text};

/// `attn train TASK --run-dir RUN ARGS...`, asserting success.
fn train_ok(task: &str, run: &Path, args: &[&str]) -> Output {
    let mut all = vec!["train", task, "--run-dir", run.to_str().unwrap()];
    all.extend(args);
    let out = attn_logging(&all);
    assert!(out.status.success(), "{}", text(&out));
    out
}

#[test]
fn the_transformer_trains_and_decodes_greedily_and_by_beam() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("reverse");
    train_ok(
        "reverse",
        &run,
        &[
            "--model",
            "transformer",
            "--train-size",
            "600",
            "--epochs",
            "4",
            "--d-model",
            "32",
            "--n-heads",
            "4",
            "--d-ff",
            "64",
            "--n-layers",
            "2",
            "--batch-size",
            "32",
        ],
    );
    let loss = metric(&run, "valid", "Loss");
    assert_eq!(loss.len(), 4);
    assert!(loss[3] < loss[0], "the validation loss falls: {loss:?}");
    let config = std::fs::read_to_string(run.join("config.json")).unwrap();
    assert!(config.contains(r#""model": "transformer""#), "{config}");
    for beam in [None, Some("3")] {
        let mut args = vec!["eval", "--run", run.to_str().unwrap()];
        args.extend(beam.map(|b| ["--beam", b]).into_iter().flatten());
        let out = attn_logging(&args);
        assert!(out.status.success(), "{}", text(&out));
        // A tenth of the training size, as the reverse task holds out.
        assert!(text(&out).contains(": 60 test sentences, BLEU "), "{}", text(&out));
    }
}

#[test]
fn model_flags_belong_to_their_model() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    let run = run.to_str().unwrap();
    for (args, message) in [
        (
            vec!["--model", "transformer", "--attention", "luong-dot"],
            "error: --attention applies to --model rnn, and this run trains --model transformer",
        ),
        (
            vec!["--n-heads", "4"],
            "error: --n-heads applies to --model transformer, and this run trains --model rnn",
        ),
        (
            vec!["--model", "transformer", "--teacher-forcing", "0.5"],
            "error: config: invalid `teacher_forcing`: the transformer trains on every position at once",
        ),
        (
            vec!["--model", "transformer", "--d-model", "30", "--n-heads", "4"],
            "error: config: invalid `n_heads`: must divide d_model=30 (the model width), got 4",
        ),
        (
            vec!["--rnn-dropout", "1"],
            "error: config: invalid `rnn_dropout`: must be in [0, 1), got 1",
        ),
        (
            vec!["--model", "transformer", "--rnn-dropout", "0.2"],
            "error: --rnn-dropout applies to --model rnn, and this run trains --model transformer",
        ),
        (vec!["--model", "lstm"], "invalid value 'lstm' for '--model <MODEL>'"),
        (
            vec!["--max-source-vocab", "3"],
            "error: config: invalid `max_source_vocab`: must be at least 5 (4 special tokens and a word), got 3",
        ),
    ] {
        let mut all = vec!["train", "translate", "--run-dir", run];
        all.extend(&args);
        let out = attn_logging(&all);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", text(&out));
        assert!(text(&out).contains(message), "{args:?}: {}", text(&out));
        assert!(!Path::new(run).exists(), "a refused run writes nothing");
    }
}

/// `attn train translate` at sizes that train in seconds.
const SMALL: [&str; 8] = [
    "--train-size",
    "300",
    "--d-embed",
    "8",
    "--d-hidden",
    "16",
    "--max-len",
    "8",
];

/// Vectors of width 8 for three words of the built-in corpus and one word
/// it does not have, in GloVe's format; row `k` is `k + 0.125 j` for column
/// `j`, exact in binary.
fn write_vectors(path: &Path) {
    let mut text = String::new();
    for (k, word) in ["i", "love", "you", "zebra"].iter().enumerate() {
        let values: Vec<String> = (0..8).map(|j| format!("{}", k as f32 + 0.125 * j as f32)).collect();
        text.push_str(&format!("{word} {}\n", values.join(" ")));
    }
    std::fs::write(path, text).unwrap();
}

/// The trained source embedding of `word` in the RNN run `run`.
fn source_embedding(run: &Path, word: &str) -> Vec<f32> {
    let translator = trainer::training::translator(run, &Device::default()).unwrap();
    let Seq2SeqModel::Rnn(model) = &translator.run.model else {
        panic!("an RNN run")
    };
    let [_, width] = model.source_embedding.weight.dims();
    let weights = model
        .source_embedding
        .weight
        .val()
        .into_data()
        .try_to_vec::<f32>()
        .unwrap();
    let Codec::Words(vocab) = &translator.codecs.source else {
        panic!("a word vocabulary")
    };
    let row = vocab.tokens.iter().position(|t| t == word).unwrap();
    weights[row * width..(row + 1) * width].to_vec()
}

#[test]
fn frozen_word_vectors_initialise_the_embeddings_and_stay() {
    let dir = tempfile::tempdir().unwrap();
    let vectors = dir.path().join("glove.txt");
    write_vectors(&vectors);
    let run = dir.path().join("glove");
    let mut args = SMALL.to_vec();
    args.extend([
        "--epochs",
        "1",
        "--word-vectors",
        vectors.to_str().unwrap(),
        "--word-vectors-mode",
        "frozen",
    ]);
    let out = train_ok("translate", &run, &args);
    // The built-in corpus has "i", "love" and "you" among its English words, not "zebra".
    assert!(
        text(&out).contains(&format!("{}: vectors for 3 of the ", vectors.display())),
        "{}",
        text(&out)
    );
    assert!(text(&out).contains("English words"), "{}", text(&out));
    for (k, word) in ["i", "love", "you"].iter().enumerate() {
        let expected: Vec<f32> = (0..8).map(|j| k as f32 + 0.125 * j as f32).collect();
        // Frozen: exactly the file's values after an epoch of training.
        assert_eq!(source_embedding(&run, word), expected, "{word}");
    }
}

#[test]
fn trainable_word_vectors_move() {
    let dir = tempfile::tempdir().unwrap();
    let vectors = dir.path().join("glove.txt");
    write_vectors(&vectors);
    let run = dir.path().join("glove");
    let mut args = SMALL.to_vec();
    args.extend(["--epochs", "1", "--word-vectors", vectors.to_str().unwrap()]);
    train_ok("translate", &run, &args);
    let file: Vec<f32> = (0..8).map(|j| 1.0 + 0.125 * j as f32).collect();
    assert_ne!(source_embedding(&run, "love"), file, "trainable vectors are updated");
}

#[test]
fn bad_word_vectors_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let vectors = dir.path().join("narrow.txt");
    std::fs::write(&vectors, "i 0.5 0.25\n").unwrap();
    let run = dir.path().join("run");
    let mut args = vec!["train", "translate", "--run-dir", run.to_str().unwrap()];
    args.extend(SMALL);
    args.extend(["--word-vectors", vectors.to_str().unwrap()]);
    let out = attn_logging(&args);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        text(&out).contains(&format!("error: {}:1: `i` has 2 values, expected 8", vectors.display())),
        "{}",
        text(&out)
    );
    let out = attn_logging(&[
        "train",
        "translate",
        "--run-dir",
        run.to_str().unwrap(),
        "--model",
        "transformer",
        "--word-vectors",
        vectors.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        text(&out)
            .contains("config: invalid `word_vectors`: pre-trained vectors initialise the RNN's source embeddings"),
        "{}",
        text(&out)
    );
    let out = attn_logging(&["train", "translate", "--word-vectors-mode", "maybe"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).contains("invalid value 'maybe'"), "{}", text(&out));
}

#[test]
fn the_encoder_only_layouts_and_dropout_train_in_the_translator() {
    let dir = tempfile::tempdir().unwrap();
    // The article's encoder-only layouts, and dropout: each trains, is recorded in config.json,
    // and decodes the same twice (dropout is off outside training).
    for (name, flags, recorded) in [
        (
            "dot",
            ["--encoder-self-attention", "dot"],
            r#""encoder_self_attention": "dot""#,
        ),
        (
            "qkv",
            ["--encoder-self-attention", "qkv"],
            r#""encoder_self_attention": "qkv""#,
        ),
        ("dropout", ["--rnn-dropout", "0.3"], r#""rnn_dropout": 0.3"#),
    ] {
        let run = dir.path().join(name);
        let mut args = SMALL.to_vec();
        args.extend(flags);
        args.extend(["--epochs", "2"]);
        train_ok("translate", &run, &args);
        let loss = metric(&run, "valid", "Loss");
        assert!(loss[1] < loss[0], "{name}: the validation loss falls: {loss:?}");
        let config = std::fs::read_to_string(run.join("config.json")).unwrap();
        assert!(config.contains(recorded), "{config}");
        let translate = || attn_logging(&["translate", "--run", run.to_str().unwrap(), "I love you"]);
        let (first, second) = (translate(), translate());
        assert!(first.status.success(), "{}", text(&first));
        assert_eq!(first.stdout, second.stdout, "{name}");
    }
    // Two heads over a forward encoder of width 15.
    let out = attn_logging(&[
        "train",
        "translate",
        "--run-dir",
        dir.path().join("odd").to_str().unwrap(),
        "--direction",
        "forward",
        "--d-hidden",
        "15",
        "--encoder-self-attention",
        "qkv",
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        text(&out).contains("n_heads=2 must divide the encoder width 15"),
        "{}",
        text(&out)
    );
}

/// The matrices `attn translate` printed: each block of rows under its header line.
fn matrices(stdout: &str) -> Vec<(String, Vec<Vec<f32>>)> {
    let mut blocks: Vec<(String, Vec<Vec<f32>>)> = Vec::new();
    for line in stdout.lines() {
        let fields: Vec<&str> = line.split_whitespace().collect();
        let weights: Option<Vec<f32>> = fields.iter().skip(1).map(|f| f.parse().ok()).collect();
        match (weights, blocks.last_mut()) {
            (Some(row), Some((_, rows))) if !row.is_empty() => rows.push(row),
            _ if line.ends_with(':') => blocks.push((line.to_string(), Vec::new())),
            _ => {}
        }
    }
    blocks
}

#[test]
fn the_transformer_translator_shows_every_head_and_their_average() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("tf");
    train_ok(
        "translate",
        &run,
        &[
            // Measured: validation BLEU 18.4, "I love you" -> "je t' orange", in 3 s.
            "--model",
            "transformer",
            "--train-size",
            "3000",
            "--epochs",
            "6",
            "--d-model",
            "32",
            "--n-heads",
            "2",
            "--d-ff",
            "64",
            "--n-layers",
            "1",
            "--max-len",
            "12",
        ],
    );
    let svg = dir.path().join("heads.svg");
    let out = attn(&[
        "translate",
        "--run",
        run.to_str().unwrap(),
        "I love you",
        "--heatmap",
        svg.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    let blocks = matrices(&stdout);
    let names: Vec<&str> = blocks.iter().map(|(name, _)| name.as_str()).collect();
    assert_eq!(names, ["averaged over 2 heads:", "head 1:", "head 2:"], "{stdout}");
    let (average, one, two) = (&blocks[0].1, &blocks[1].1, &blocks[2].1);
    assert!(!average.is_empty(), "{stdout}");
    for ((a, h1), h2) in average.iter().zip(one).zip(two) {
        assert_eq!(a.len(), 3, "three source words: {stdout}");
        for ((a, h1), h2) in a.iter().zip(h1).zip(h2) {
            // Each printed to two decimals: the mean of two rounded values is within 0.01.
            assert!((a - (h1 + h2) / 2.0).abs() <= 0.01 + 1e-6, "{stdout}");
        }
        assert!((h1.iter().sum::<f32>() - 1.0).abs() <= 0.015, "{stdout}");
    }
    let drawing = std::fs::read_to_string(&svg).unwrap();
    for title in ["head 1", "head 2"] {
        assert!(drawing.contains(title), "{title} missing from the heatmap");
    }
}

/// A catalog to fill: two messages the built-in corpus's model can translate, one already
/// translated, and one of each kind it must leave alone.
const CATALOG: &str = r#"# Translation of a small program.
msgid ""
msgstr ""
"Language: fr\n"
"Content-Type: text/plain; charset=UTF-8\n"

#. A greeting.
#: src/main.c:1
msgid "I love you"
msgstr ""

#: src/main.c:2
msgid "Cannot open %s"
msgstr ""

#: src/main.c:3
msgid "She sees the cat"
msgstr ""

#: src/main.c:4
msgid "one cat"
msgid_plural "%d cats"
msgstr[0] ""
msgstr[1] ""

#: src/main.c:5
msgid "_Open"
msgstr ""

#: src/main.c:6
msgid "We are here"
msgstr "Nous sommes ici"

#, python-format
#: src/main.c:7
msgid "He sees the dog"
msgstr ""
"#;

#[test]
fn a_catalog_gets_fuzzy_suggestions_and_keeps_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    let mut args = SMALL.to_vec();
    args.extend(["--epochs", "2", "--train-size", "2000"]);
    train_ok("translate", &run, &args[2..]);
    let input = dir.path().join("in.po");
    std::fs::write(&input, CATALOG).unwrap();
    let output = dir.path().join("out.po");
    let out = attn(&[
        "translate",
        "--run",
        run.to_str().unwrap(),
        "--po",
        input.to_str().unwrap(),
        "--out",
        output.to_str().unwrap(),
        // A model this small is never sure of itself: take every suggestion here.
        "--min-score",
        "-1000",
    ]);
    assert!(out.status.success(), "{}", text(&out));
    // The python-format entry has no placeholder in its text, but its flag says it is a format
    // string: left alone.
    assert!(
        text(&out).contains("7 entries, 6 untranslated: 2 suggested (marked fuzzy), 4 skipped (1 an accelerator, 2 placeholders, 1 plural)"),
        "{}",
        text(&out)
    );
    assert_eq!(
        std::fs::read_to_string(&input).unwrap(),
        CATALOG,
        "the input is never written"
    );
    let written = std::fs::read_to_string(&output).unwrap();
    let catalog = rspolib::pofile(written.as_str()).unwrap();
    let ids: Vec<&str> = catalog.entries.iter().map(|e| e.msgid.as_str()).collect();
    assert_eq!(
        ids,
        [
            "I love you",
            "Cannot open %s",
            "She sees the cat",
            "one cat",
            "_Open",
            "We are here",
            "He sees the dog"
        ],
        "the order is kept"
    );
    let entry = |id: &str| catalog.entries.iter().find(|e| e.msgid == id).unwrap();
    for suggested in ["I love you", "She sees the cat"] {
        let e = entry(suggested);
        assert!(e.fuzzy(), "{suggested}");
        assert!(!e.msgstr.as_deref().unwrap_or("").is_empty(), "{suggested}");
        // The score, in a translator comment: a mean log-probability, at most 0.
        let comment = e.tcomment.as_deref().unwrap_or("");
        let score: f32 = comment
            .strip_prefix("attn: suggested by the model, mean log-probability per token ")
            .unwrap_or_else(|| panic!("{suggested}: {comment}"))
            .parse()
            .unwrap();
        assert!(score <= 0.0, "{suggested}: {comment}");
    }
    assert_eq!(
        entry("I love you").comment.as_deref(),
        Some("A greeting."),
        "comments are kept"
    );
    assert_eq!(entry("I love you").occurrences, [("src/main.c".into(), "1".into())]);
    for skipped in ["Cannot open %s", "one cat", "_Open", "He sees the dog"] {
        let e = entry(skipped);
        assert!(!e.fuzzy() && e.msgstr.as_deref().unwrap_or("").is_empty(), "{skipped}");
    }
    assert_eq!(entry("We are here").msgstr.as_deref(), Some("Nous sommes ici"));

    // No suggestion is sure enough for a score of 0: every one is left out, and counted.
    let sure = dir.path().join("sure.po");
    let out = attn(&[
        "translate",
        "--run",
        run.to_str().unwrap(),
        "--po",
        input.to_str().unwrap(),
        "--out",
        sure.to_str().unwrap(),
        "--min-score",
        "0",
    ]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("0 suggested (marked fuzzy)"), "{}", text(&out));
    assert!(text(&out).contains("2 scored below --min-score"), "{}", text(&out));

    // Never over its input; a malformed catalog names its line.
    let out = attn(&[
        "translate",
        "--run",
        run.to_str().unwrap(),
        "--po",
        input.to_str().unwrap(),
        "--out",
        input.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("--out names the input catalog"), "{}", text(&out));
    let bad = dir.path().join("bad.po");
    std::fs::write(&bad, "msgid \"Open\"\nmsgstr \"Ouvrir\n").unwrap();
    let out = attn(&[
        "translate",
        "--run",
        run.to_str().unwrap(),
        "--po",
        bad.to_str().unwrap(),
        "--out",
        dir.path().join("bad-out.po").to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("bad.po:2: "), "{}", text(&out));
    assert!(!dir.path().join("bad-out.po").exists(), "nothing written");
}

#[test]
fn the_gettext_sample_trains_with_capped_vocabularies() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("gettext");
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/gettext-sample");
    let out = train_ok(
        "translate",
        &run,
        &[
            "--data",
            sample.to_str().unwrap(),
            "--epochs",
            "1",
            "--d-embed",
            "8",
            "--d-hidden",
            "8",
            "--max-target-vocab",
            "10",
        ],
    );
    // The counts of data/gettext-sample (see the reader's tests), logged before training.
    assert!(
        text(&out).contains("2 catalogs (2 duplicates skipped), 21 messages;"),
        "{}",
        text(&out)
    );
    assert!(text(&out).contains("10 pairs kept"), "{}", text(&out));
    let vocab: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(run.join("vocab.json")).unwrap()).unwrap();
    assert_eq!(vocab["target"]["tokens"].as_array().unwrap().len(), 10, "capped");
    let english = |split: &str| -> Vec<String> {
        std::fs::read_to_string(run.join(format!("splits/{split}.tsv")))
            .unwrap()
            .lines()
            .map(|l| l.split('\t').next().unwrap().to_string())
            .collect()
    };
    let (train, test) = (english("train"), english("test"));
    assert!(
        !test.is_empty() && test.iter().all(|t| !train.contains(t)),
        "no test message in training"
    );
    let out = attn(&["eval", "--run", run.to_str().unwrap(), "--beam", "2"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains(", chrF "), "{}", text(&out));
}

#[test]
fn subword_vocabularies_train_translate_and_score_detokenised_text() {
    let dir = tempfile::tempdir().unwrap();
    for (tokenizer, sharing) in [("bpe", "shared"), ("unigram", "separate")] {
        let run = dir.path().join(tokenizer);
        let out = train_ok(
            "translate",
            &run,
            &[
                "--tokenizer",
                tokenizer,
                "--vocab-size",
                "120",
                "--subword-vocab",
                sharing,
                "--train-size",
                "400",
                "--epochs",
                "1",
                "--d-embed",
                "16",
                "--d-hidden",
                "32",
            ],
        );
        let files: &[&str] = match sharing {
            "shared" => &["tokenizer.json"],
            _ => &["source-tokenizer.json", "target-tokenizer.json"],
        };
        for file in files {
            // The library's own JSON, special tokens first, at the word vocabularies' ids.
            let json: serde_json::Value =
                serde_json::from_str(&std::fs::read_to_string(run.join(file)).unwrap()).unwrap();
            let added = json["added_tokens"].as_array().unwrap();
            let specials: Vec<(&str, u64)> = added
                .iter()
                .map(|t| (t["content"].as_str().unwrap(), t["id"].as_u64().unwrap()))
                .collect();
            assert_eq!(
                specials,
                [("<pad>", 0), ("<bos>", 1), ("<eos>", 2), ("<unk>", 3)],
                "{file}"
            );
        }
        assert!(
            !run.join("vocab.json").exists(),
            "a subword run keeps no word vocabulary"
        );
        assert!(text(&out).contains("vocabularies trained in"), "{}", text(&out));

        let eval = attn(&["eval", "--run", run.to_str().unwrap()]);
        assert!(eval.status.success(), "{}", text(&eval));
        assert!(
            text(&eval).contains("detokenised (sacreBLEU 13a, case kept): BLEU"),
            "{}",
            text(&eval)
        );
        // The sentence as text, and the matrix over its words, or over the model's pieces.
        for over in ["words", "subwords"] {
            let out = attn(&[
                "translate",
                "--run",
                run.to_str().unwrap(),
                "--over",
                over,
                "She sees us.",
            ]);
            assert!(out.status.success(), "{over}: {}", text(&out));
            let stdout = String::from_utf8_lossy(&out.stdout).to_string();
            let across = stdout.lines().nth(2).unwrap_or_default().to_string();
            match over {
                "words" => assert_eq!(across.split_whitespace().collect::<Vec<_>>(), ["She", "sees", "us."]),
                _ => assert!(across.contains('\u{2581}'), "pieces start with the word mark: {stdout}"),
            }
        }
    }

    // A missing or damaged vocabulary is named; so is a size too small for the alphabet. The run's
    // SHA256SUMS names the changed file first; without it (a run of an earlier release), the
    // reader's own error does.
    let run = dir.path().join("bpe");
    let json = std::fs::read_to_string(run.join("tokenizer.json")).unwrap();
    std::fs::write(run.join("tokenizer.json"), &json[..json.len() / 3]).unwrap();
    let out = attn(&["eval", "--run", run.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        text(&out).contains("tokenizer.json: damaged or changed since the run wrote it"),
        "{}",
        text(&out)
    );
    std::fs::remove_file(run.join("SHA256SUMS")).unwrap();
    let out = attn(&["eval", "--run", run.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        text(&out).contains("tokenizer.json: not a subword vocabulary this program can read: EOF while parsing"),
        "{}",
        text(&out)
    );
    std::fs::remove_file(run.join("tokenizer.json")).unwrap();
    let out = attn(&["translate", "--run", run.to_str().unwrap(), "hello"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        text(&out).contains("tokenizer.json: the run's subword vocabulary is missing"),
        "{}",
        text(&out)
    );
    let small = attn(&[
        "train",
        "translate",
        "--run-dir",
        dir.path().join("small").to_str().unwrap(),
        "--tokenizer",
        "bpe",
        "--vocab-size",
        "20",
        "--train-size",
        "400",
    ]);
    assert_eq!(small.status.code(), Some(2), "{}", text(&small));
    assert!(
        text(&small).contains("config: invalid `vocab_size`: 20 is too small: the training text has"),
        "{}",
        text(&small)
    );
    assert!(!dir.path().join("small").exists(), "a refused run leaves no directory");
    // Word-vocabulary options on a subword run are named as such.
    let mixed = attn(&["train", "translate", "--tokenizer", "bpe", "--min-count", "2"]);
    assert_eq!(mixed.status.code(), Some(2), "{}", text(&mixed));
    assert!(
        text(&mixed).contains("--min-count applies to --tokenizer word, and this run's vocabulary is of subwords"),
        "{}",
        text(&mixed)
    );
}
