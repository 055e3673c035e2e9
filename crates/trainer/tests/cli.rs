//! The `attn` program end to end, as a user runs it: a real process, real
//! files, a real SIGKILL.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

mod common;
use common::{
    Served, attn, copy_dir, metric, resumed_to_the_end, sample_words, start_reverse_to_stop, text, tiny_translate_args,
};

/// A run small enough for seconds: 200 sequences, 2 epochs.
const SMALL: [&str; 8] = [
    "--train-size",
    "200",
    "--epochs",
    "2",
    "--d-hidden",
    "16",
    "--d-embed",
    "8",
];

/// `attn train reverse --run-dir RUN ARGS...`.
fn train(run: &Path, args: &[&str]) -> Output {
    let mut all = vec!["train", "reverse", "--run-dir", run.to_str().unwrap()];
    all.extend(args);
    attn(&all)
}

/// [`train`] at the [`SMALL`] sizes.
fn train_small(run: &Path, extra: &[&str]) -> Output {
    train(run, &[&SMALL[..], extra].concat())
}

/// [`train`], asserting success, and one metric of every epoch.
fn train_ok(run: &Path, args: &[&str], split: &str, name: &str) -> Vec<f64> {
    let out = train(run, args);
    assert!(out.status.success(), "{}", text(&out));
    metric(run, split, name)
}

#[test]
fn a_run_writes_its_directory_and_evaluates() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    let out = train_small(&run, &[]);
    assert!(out.status.success(), "{}", text(&out));
    for file in [
        "config.json",
        "vocab.json",
        "metrics.csv",
        "model.bpk",
        "summary.json",
        "checkpoint/model-2.bpk",
    ] {
        assert!(run.join(file).exists(), "{file} is missing");
    }
    // The plain renderer: one line per epoch and split.
    assert!(text(&out).contains("epoch 2/2 valid: Accuracy"), "{}", text(&out));
    let csv = std::fs::read_to_string(run.join("metrics.csv")).unwrap();
    assert!(csv.starts_with("epoch,split,metric,value\n1,train,Loss,"), "{csv}");
    // The curves, redrawn after each epoch: loss and token accuracy, train and valid, and BLEU, which
    // only validation computes (metrics.csv has the same five series); 2 epochs.
    let svg = std::fs::read_to_string(run.join("curves.svg")).unwrap();
    for caption in ["Loss", "Accuracy", "BLEU"] {
        assert!(svg.contains(&format!(">\n{caption}\n</text>")), "{caption} missing");
    }
    assert!(svg.contains(" — 2 epochs\n</text>"));
    assert_eq!(svg.matches("<circle").count(), 2 * 5);
    assert!(std::fs::read(run.join("curves.png")).unwrap().starts_with(b"\x89PNG"));
    let eval = attn(&["eval", "--run", run.to_str().unwrap()]);
    assert!(eval.status.success(), "{}", text(&eval));
    assert!(text(&eval).contains("test sentences, BLEU "), "{}", text(&eval));
    let curves = format!(
        "training curves: {}, {}",
        run.join("curves.png").display(),
        run.join("curves.svg").display()
    );
    assert!(text(&eval).contains(&curves), "{}", text(&eval));
}

#[test]
fn the_same_seed_gives_the_same_metrics() {
    let dir = tempfile::tempdir().unwrap();
    let metrics = |name: &str, seed: &str| {
        let run = dir.path().join(name);
        let out = train_small(&run, &["--seed", seed]);
        assert!(out.status.success(), "{}", text(&out));
        std::fs::read_to_string(run.join("metrics.csv")).unwrap()
    };
    let first = metrics("a", "7");
    assert_eq!(first, metrics("b", "7"));
    assert_ne!(first, metrics("c", "8"));
}

#[test]
fn a_config_file_is_read_and_the_command_line_overrides_it() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("run.toml");
    std::fs::write(
        &config,
        "task = \"reverse\"\nepochs = 1\ntrain_size = 200\nd_hidden = 16\nlearning_rate = 0.01\ncell = \"lstm\"\n",
    )
    .unwrap();
    let run = dir.path().join("run");
    let out = attn(&[
        "train",
        "reverse",
        "--config",
        config.to_str().unwrap(),
        "--run-dir",
        run.to_str().unwrap(),
        "--d-hidden",
        "12",
    ]);
    assert!(out.status.success(), "{}", text(&out));
    let saved: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(run.join("config.json")).unwrap()).unwrap();
    assert_eq!(saved["epochs"], 1);
    assert_eq!(saved["learning_rate"], 0.01);
    assert_eq!(saved["d_hidden"], 12, "the command line wins");
    assert_eq!(saved["cell"], "lstm");
}

fn wait_for(path: &Path, limit: Duration) -> bool {
    let start = Instant::now();
    while start.elapsed() < limit {
        if path.exists() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    false
}

#[test]
fn resume_continues_after_a_sigkill() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    let mut child = start_reverse_to_stop(&run);
    // Kill it as soon as the first epoch's checkpoint lands, mid-way through
    // the second epoch at the latest. Burn writes the three files from three
    // threads, so wait for all of them: with only some, the resume would
    // (rightly) start over.
    let files = ["model", "optim", "scheduler"].map(|name| run.join(format!("checkpoint/{name}-1.bpk")));
    assert!(
        files.iter().all(|file| wait_for(file, Duration::from_secs(120))),
        "no complete checkpoint appeared"
    );
    child.kill().unwrap(); // SIGKILL on Unix
    child.wait().unwrap();
    assert!(!run.join("model.bpk").exists(), "the run was killed before it finished");

    let out = attn(&["train", "reverse", "--resume", run.to_str().unwrap()]);
    resumed_to_the_end(&out, &run, 4);
    // The curves have every epoch: those before the kill from the metric logs, the rest from the
    // resumed run: 4 epochs of five series (see a_run_writes_its_directory_and_evaluates).
    let svg = std::fs::read_to_string(run.join("curves.svg")).unwrap();
    assert!(svg.contains(" — 4 epochs\n</text>"));
    assert_eq!(svg.matches("<circle").count(), 4 * 5);
}

#[test]
fn a_finished_run_resumes_only_to_train_longer() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    assert!(train_small(&run, &[]).status.success());
    let out = attn(&["train", "reverse", "--resume", run.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out).contains("the run has trained 2 epochs of 2; pass --epochs with more"),
        "{}",
        text(&out)
    );
    let out = attn(&["train", "reverse", "--resume", run.to_str().unwrap(), "--epochs", "3"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        run_dir_config(&run).contains("\"epochs\": 3"),
        "config.json follows the run"
    );
}

#[test]
fn a_damaged_checkpoint_is_skipped_on_resume() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    let out = train_small(&run, &[]);
    assert!(out.status.success(), "{}", text(&out));
    // Truncate the last epoch's model checkpoint, as a crash mid-write on a
    // file system without atomic renames could.
    let last = run.join("checkpoint/model-2.bpk");
    let bytes = std::fs::read(&last).unwrap();
    std::fs::write(&last, &bytes[..bytes.len() / 2]).unwrap();
    // A crash comes before the run's checksums list that checkpoint (they are written when the
    // training ends): take it out of SHA256SUMS as the crash would have left it unlisted.
    let sums = std::fs::read_to_string(run.join("SHA256SUMS")).unwrap();
    let unlisted: String = sums
        .lines()
        .filter(|l| !l.ends_with("checkpoint/model-2.bpk"))
        .map(|l| format!("{l}\n"))
        .collect();
    assert_ne!(sums, unlisted, "SHA256SUMS listed the checkpoint");
    std::fs::write(run.join("SHA256SUMS"), unlisted).unwrap();
    let out = attn(&["train", "reverse", "--resume", run.to_str().unwrap(), "--epochs", "3"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("resuming at epoch 2 of 3"), "{}", text(&out));
}

fn run_dir_config(run: &Path) -> String {
    std::fs::read_to_string(run.join("config.json")).unwrap()
}

#[test]
fn bad_input_gets_a_clear_message_and_a_non_zero_status() {
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| -> PathBuf { dir.path().join(name) };

    let out = attn(&["train", "reverse", "--learning-rat", "0.1"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out).contains("unexpected argument '--learning-rat'"),
        "{}",
        text(&out)
    );

    std::fs::write(path("typo.toml"), "task = \"reverse\"\nlearning_rat = 0.1\n").unwrap();
    let out = attn(&["train", "reverse", "--config", path("typo.toml").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).contains("unknown field `learning_rat`"), "{}", text(&out));
    assert!(text(&out).contains("typo.toml"), "{}", text(&out));

    std::fs::write(path("type.json"), r#"{"task": "reverse", "epochs": "ten"}"#).unwrap();
    let out = attn(&["train", "reverse", "--config", path("type.json").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out).contains("type.json: invalid type: string \"ten\", expected usize"),
        "{}",
        text(&out)
    );

    let out = attn(&["train", "reverse", "--config", path("absent.toml").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).contains("absent.toml: cannot read"), "{}", text(&out));

    let out = attn(&[
        "train",
        "reverse",
        "--run-dir",
        path("r").to_str().unwrap(),
        "--label-smoothing",
        "1.5",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out).contains("config: invalid `label_smoothing`: must be in [0, 1), got 1.5"),
        "{}",
        text(&out)
    );

    let out = attn(&["train", "reverse", "--resume", path("nowhere").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out).contains("not a run directory (no config.json)"),
        "{}",
        text(&out)
    );

    let out = attn(&["eval", "--run", path("nowhere").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));

    // A run directory from another task, and one of a task this version does not know.
    std::fs::create_dir_all(path("other")).unwrap();
    std::fs::write(path("other/config.json"), r#"{"task": "translate"}"#).unwrap();
    let out = attn(&["train", "reverse", "--resume", path("other").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out).contains(&format!(
            "{}: holds a `translate` run, not `reverse`",
            path("other").display()
        )),
        "{}",
        text(&out)
    );
    std::fs::write(path("other/config.json"), r#"{"task": "summarize"}"#).unwrap();
    let out = attn(&["train", "reverse", "--resume", path("other").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out).contains(
            "config.json: written by release 0.1.0: unknown task `summarize`; expected one of reverse, translate, classify"
        ),
        "{}",
        text(&out)
    );
    // A run of a later release, in a format this one cannot read.
    std::fs::write(
        path("other/config.json"),
        r#"{"release": "9.9.0", "task": "reverse", "attention_span": 3}"#,
    )
    .unwrap();
    let out = attn(&["eval", "--run", path("other").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out).contains(&format!(
            // Fields it lacks take the values of earlier releases; one this release
            // does not know is refused.
            "config.json: written by attn 9.9.0, which this release ({}) cannot read: unknown field `attention_span` for task `reverse`",
            env!("CARGO_PKG_VERSION")
        )),
        "{}",
        text(&out)
    );

    let out = attn(&["train", "reverse", "--device", "cuda"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).contains("unknown device `cuda`"), "{}", text(&out));
}

#[test]
fn a_truncated_model_is_reported_by_eval() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    assert!(train_small(&run, &[]).status.success());
    let model = run.join("model.bpk");
    let bytes = std::fs::read(&model).unwrap();
    std::fs::write(&model, &bytes[..bytes.len() / 3]).unwrap();
    let out = attn(&["eval", "--run", run.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out).contains("model.bpk: damaged or changed since the run wrote it"),
        "{}",
        text(&out)
    );
    // A run without checksums (an earlier release's) is still read, and the reader names it.
    std::fs::remove_file(run.join("SHA256SUMS")).unwrap();
    let out = attn(&["eval", "--run", run.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out).contains("no SHA256SUMS: the run was written by a release that kept no checksums"),
        "{}",
        text(&out)
    );
    assert!(text(&out).contains("model.bpk: damaged model file"), "{}", text(&out));
}

#[test]
fn early_stopping_and_scheduled_teacher_forcing_run() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    let out = train_small(
        &run,
        &[
            "--early-stopping",
            "1",
            "--teacher-forcing",
            "1",
            "--teacher-forcing-end",
            "0.5",
        ],
    );
    assert!(out.status.success(), "{}", text(&out));
    let saved: serde_json::Value = serde_json::from_str(&run_dir_config(&run)).unwrap();
    assert_eq!(
        (saved["early_stopping"].as_u64(), saved["teacher_forcing_end"].as_f64()),
        (Some(1), Some(0.5))
    );
}

#[test]
fn a_time_budget_ends_training_after_the_last_epoch_that_fits() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    // 6 ms: the first epoch alone (13 batches and a validation) takes longer, so the next one
    // would end past it, whatever the machine.
    let mut args = common::tiny_translate_args(&run, "50");
    args.extend(["--d-hidden", "16", "--d-embed", "8", "--time-budget", "0.0001"].map(String::from));
    let out = common::attn_logging(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("stopping after epoch 1: another epoch would end past --time-budget"),
        "{}",
        text(&out)
    );
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(run.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["epochs"], 1);
    let saved: serde_json::Value = serde_json::from_str(&run_dir_config(&run)).unwrap();
    assert_eq!(saved["time_budget"].as_f64(), Some(0.0001));
    let out = attn(&["train", "reverse", "--time-budget", "0"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out).contains("config: invalid `time_budget`: must be a positive number of minutes, got 0"),
        "{}",
        text(&out)
    );
}

#[test]
fn batches_by_length_train_and_are_saved() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    let mut args = common::tiny_translate_args(&run, "3");
    args.extend(["--d-hidden", "32", "--d-embed", "16", "--batching", "by-length"].map(String::from));
    let out = attn(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(out.status.success(), "{}", text(&out));
    let saved: serde_json::Value = serde_json::from_str(&run_dir_config(&run)).unwrap();
    assert_eq!(saved["batching"], "by-length");
    // It learns: the validation loss falls epoch after epoch, as with random batches.
    let valid = common::metric(&run, "valid", "Loss");
    assert_eq!(valid.len(), 3);
    assert!(valid[2] < valid[0], "{valid:?}");
    let out = attn(&["train", "translate", "--batching", "sorted"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out).contains("invalid value 'sorted' for '--batching <BATCHING>'"),
        "{}",
        text(&out)
    );
}

#[test]
fn an_existing_run_is_never_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    assert!(train_small(&run, &[]).status.success());
    let before = run_dir_config(&run);
    let model = std::fs::read(run.join("model.bpk")).unwrap();
    let out = train_small(&run, &["--seed", "9"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out).contains("the run directory exists and is not empty"),
        "{}",
        text(&out)
    );
    assert_eq!(run_dir_config(&run), before);
    assert_eq!(std::fs::read(run.join("model.bpk")).unwrap(), model);

    let out = attn(&["train", "reverse", "--resume", run.to_str().unwrap(), "--seed", "3"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out).contains("only --epochs and --device can change, not --seed"),
        "{}",
        text(&out)
    );
}

#[test]
fn help_reads_well() {
    let out = attn(&["train", "--help"]);
    assert!(out.status.success());
    for task in ["reverse", "translate", "classify"] {
        assert!(text(&out).contains(task), "{task} missing from:\n{}", text(&out));
    }
    let out = attn(&["train", "reverse", "--help"]);
    assert!(out.status.success());
    let help = text(&out);
    // Each flag ends with the task's default.
    assert!(help.contains("Epochs to train [default: 10]"), "{help}");
    for option in [
        "--config",
        "--resume",
        "--seed",
        "--schedule",
        "--label-smoothing",
        "--device",
        "--devices",
    ] {
        assert!(help.contains(option), "{option} missing from:\n{help}");
    }
}

#[test]
fn schedules_shape_the_learning_rate() {
    let dir = tempfile::tempdir().unwrap();
    let rates = |name: &str, extra: &[&str]| {
        let args = [
            &[
                "--train-size",
                "200",
                "--epochs",
                "4",
                "--d-hidden",
                "16",
                "--d-embed",
                "8",
            ][..],
            extra,
        ]
        .concat();
        train_ok(&dir.path().join(name), &args, "train", "Learning Rate")
    };
    let constant = rates("constant", &[]);
    assert!(constant.iter().all(|&lr| (lr - 0.003).abs() < 1e-9), "{constant:?}");
    // 7 steps an epoch (200 / 32): warm-up over the first 7, then cosine decay.
    let cosine = rates(
        "cosine",
        &[
            "--schedule",
            "warmup-cosine",
            "--warmup-steps",
            "7",
            "--label-smoothing",
            "0.1",
        ],
    );
    assert!(
        cosine[0] < cosine[1] && cosine[1] > cosine[2] && cosine[2] > cosine[3],
        "{cosine:?}"
    );
    let noam = rates("noam", &["--schedule", "noam", "--warmup-steps", "7"]);
    // The peak is the learning rate, at step 7, the end of the warm-up (session::schedule): the
    // first epoch's steps 1..=7 climb linearly to it, so their mean is 0.003 · 4/7; the second's,
    // 8..=14, fall as 0.003 · (7/s)^0.5. Each epoch's value in metrics.csv is its steps' mean.
    let second: f64 = (8..=14).map(|s| 0.003 * (7.0 / s as f64).sqrt()).sum::<f64>() / 7.0;
    assert!((noam[0] - 0.003 * 4.0 / 7.0).abs() < 1e-9, "{noam:?}");
    assert!((noam[1] - second).abs() < 1e-9, "{noam:?}");
    assert!(noam[1] > noam[2] && noam[2] > noam[3], "{noam:?}");
}

#[test]
fn two_devices_match_one_device_on_the_same_global_batch() {
    // 64 sequences of exactly 2 symbols (so both halves hold as many tokens):
    // one device takes them as one batch of 64, two devices as two batches
    // of 32 whose gradients Burn sums. Summing doubles the gradient; Adam's
    // step is invariant to that scale up to its epsilon (1e-5 against
    // gradient magnitudes ~1e-2), so the losses agree to ~1e-3 relative
    // (measured: 1e-4). Clipping is off: it is not scale-invariant.
    let dir = tempfile::tempdir().unwrap();
    let losses = |name: &str, extra: &[&str]| {
        let common = [
            "--train-size",
            "64",
            "--max-len",
            "2",
            "--epochs",
            "3",
            "--grad-clip",
            "0",
            "--d-hidden",
            "16",
        ];
        let args = [&common[..], &["--d-embed", "8", "--seed", "5"], extra].concat();
        train_ok(&dir.path().join(name), &args, "valid", "Loss")
    };
    let one = losses("one", &["--batch-size", "64"]);
    let two = losses("two", &["--batch-size", "32", "--devices", "2"]);
    assert_eq!(one.len(), 3);
    for (a, b) in one.iter().zip(&two) {
        assert!(
            (a - b).abs() <= 1e-3 * a.abs(),
            "one device {one:?}, two devices {two:?}"
        );
    }
}

/// `attn train translate` at sizes that train in seconds, for `epochs` epochs.
fn train_translate(run: &Path, epochs: &str, extra: &[&str]) -> Output {
    let mut args = tiny_translate_args(run, epochs);
    args.extend(["--d-embed", "16", "--d-hidden", "32"].map(String::from));
    args.extend(extra.iter().map(|a| (*a).to_string()));
    attn(&args.iter().map(String::as_str).collect::<Vec<_>>())
}

#[test]
fn translate_trains_decodes_prints_the_matrix_and_draws_it() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("translate");
    let out = train_translate(&run, "3", &[]);
    assert!(out.status.success(), "{}", text(&out));
    let loss = metric(&run, "valid", "Loss");
    assert_eq!(loss.len(), 3, "one validation loss per epoch");
    assert!(loss[2] < loss[0], "the validation loss falls: {loss:?}");
    let bleu = metric(&run, "valid", "BLEU");
    assert_eq!(bleu.len(), 3, "one validation BLEU per epoch");
    assert!(bleu.iter().all(|b| (0.0..=100.0).contains(b)), "{bleu:?}");
    for split in ["train", "valid", "test"] {
        assert!(run.join(format!("splits/{split}.tsv")).exists(), "{split} split saved");
    }

    let eval = attn(&["eval", "--run", run.to_str().unwrap(), "--beam", "2"]);
    assert!(eval.status.success(), "{}", text(&eval));
    // The test split is a tenth of the training size.
    assert!(text(&eval).contains(": 40 test sentences, BLEU "), "{}", text(&eval));

    let png = dir.path().join("love.png");
    let out = attn(&[
        "translate",
        "--run",
        run.to_str().unwrap(),
        "I love you",
        "--heatmap",
        png.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    let lines: Vec<&str> = stdout.lines().collect();
    // The translation as text (detokenised), then the matrix over its words, one row each.
    assert!(lines[0].starts_with("i love you -> "), "{stdout}");
    let output_words = lines[3..].iter().take_while(|l| !l.is_empty()).count();
    assert!(output_words > 0, "{stdout}");
    assert_eq!(
        lines[2].split_whitespace().collect::<Vec<_>>(),
        ["i", "love", "you"],
        "source words across:\n{stdout}"
    );
    for row in &lines[3..3 + output_words] {
        let weights: Vec<f32> = row.split_whitespace().skip(1).map(|w| w.parse().unwrap()).collect();
        assert_eq!(weights.len(), 3, "{row}");
        // Three weights rounded to two decimals sum to one within 0.015.
        assert!((weights.iter().sum::<f32>() - 1.0).abs() <= 0.015, "{row}");
    }
    let bytes = std::fs::read(&png).unwrap();
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "a PNG file");

    let svg = dir.path().join("love.svg");
    let out = attn(&[
        "translate",
        "--run",
        run.to_str().unwrap(),
        "I love zebras",
        "she sees us",
        "--beam",
        "3",
        "--heatmap",
        svg.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("warning: `I love zebras`: not in the training vocabulary, read as <unk>: zebras"),
        "{}",
        text(&out)
    );
    assert!(std::fs::read_to_string(&svg).unwrap().contains("<svg"));
}

#[test]
fn translate_reads_tatoeba_files_and_names_bad_lines() {
    let dir = tempfile::tempdir().unwrap();
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/tatoeba-sample.tsv");
    let run = dir.path().join("tatoeba");
    let out = train_translate(&run, "1", &["--data", sample.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out));
    // 20 distinct English sentences: 16 / 2 / 2 (see `translation` tests).
    let lines = |split: &str| {
        std::fs::read_to_string(run.join(format!("splits/{split}.tsv")))
            .unwrap()
            .lines()
            .count()
    };
    assert_eq!((lines("train"), lines("valid"), lines("test")), (16, 2, 2));

    let bad = dir.path().join("bad.tsv");
    std::fs::write(&bad, "I love you.\tJe t'aime.\nno tab here\n").unwrap();
    let out = train_translate(&dir.path().join("bad"), "1", &["--data", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        text(&out).contains(&format!(
            "error: {}:2: expected `english<TAB>french[<TAB>attribution]`, found no tab",
            bad.display()
        )),
        "{}",
        text(&out)
    );
    assert!(
        !dir.path().join("bad").exists(),
        "bad data leaves no run directory behind"
    );

    // Each task takes its own flags only.
    let out = attn(&["train", "reverse", "--data", sample.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        text(&out).contains("unexpected argument '--data' found"),
        "{}",
        text(&out)
    );
}

#[test]
fn classify_beats_chance_on_the_sample_and_draws_its_attention() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("classify");
    let mut args = vec![
        "train",
        "classify",
        "--run-dir",
        run.to_str().unwrap(),
        "--epochs",
        "15",
    ];
    let words = sample_words();
    args.extend(words.iter().map(String::as_str));
    let out = attn(&args);
    assert!(out.status.success(), "{}", text(&out));
    let accuracy = metric(&run, "valid", "Accuracy");
    assert_eq!(accuracy.len(), 15);
    // Five balanced languages: chance is 20%; the bar is twice that, under
    // the 67.12% validation (and 64.38% test) accuracy this seed measured
    // with the task's defaults of release 0.3.0 (`attn train classify --epochs 15`
    // on the sample; 54.79% and 46.58% with release 0.2.0's).
    assert!(accuracy[14] > 40.0, "validation accuracy {accuracy:?}");

    let eval = attn(&["eval", "--run", run.to_str().unwrap()]);
    assert!(eval.status.success(), "{}", text(&eval));
    let report = String::from_utf8_lossy(&eval.stdout).to_string();
    // The sample's test split: 15 words of each 150-word list, 14 of each
    // 149-word one (the wordlists tests count them).
    assert!(report.contains(": 73 test words, accuracy "), "{report}");
    let test_accuracy: f64 = report
        .split("accuracy ")
        .nth(1)
        .and_then(|s| s.split('%').next())
        .unwrap()
        .parse()
        .unwrap();
    assert!(test_accuracy > 40.0, "{report}");
    assert!(
        report.contains("confusion (rows: true language, columns: predicted)"),
        "{report}"
    );

    let png = dir.path().join("maps.png");
    let out = attn(&[
        "classify",
        "--run",
        run.to_str().unwrap(),
        "Maison",
        "søster",
        "--attention",
        png.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    let first = stdout.lines().next().unwrap();
    assert!(first.starts_with("maison: "), "lower-cased: {stdout}");
    let probabilities: Vec<f64> = first["maison: ".len()..]
        .split(", ")
        .map(|p| p.split_whitespace().nth(1).unwrap().parse().unwrap())
        .collect();
    assert_eq!(probabilities.len(), 5, "{first}");
    assert!((probabilities.iter().sum::<f64>() - 1.0).abs() < 0.01, "{first}");
    assert!(
        probabilities.windows(2).all(|w| w[0] >= w[1]),
        "most probable first: {first}"
    );
    assert_eq!(&std::fs::read(&png).unwrap()[..8], b"\x89PNG\r\n\x1a\n");

    // A character no sample list has (ø) is reported.
    assert!(
        text(&out).contains("warning: `søster`: characters not in the training words, read as <unk>: ø"),
        "{}",
        text(&out)
    );

    let out = attn(&["translate", "--run", run.to_str().unwrap(), "I love you"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out).contains("holds a classify run, which has no translator"),
        "{}",
        text(&out)
    );
    let out = attn(&["eval", "--run", run.to_str().unwrap(), "--beam", "2"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn classify_names_a_missing_word_list() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nowhere.txt");
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/words-sample/en.txt");
    let run = dir.path().join("run");
    let out = attn(&[
        "train",
        "classify",
        "--run-dir",
        run.to_str().unwrap(),
        "--words",
        &format!("en={}", sample.display()),
        "--words",
        &format!("xx={}", missing.display()),
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        text(&out).contains(&format!("error: xx={}: cannot read: ", missing.display())),
        "{}",
        text(&out)
    );
    assert!(!run.exists(), "nothing is written");
    let out = attn(&["train", "classify", "--words", "french"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out).contains("`french`: no `=`; expected LANG=FILE"),
        "{}",
        text(&out)
    );
    let out = attn(&["train", "translate", "--words", &format!("en={}", sample.display())]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out).contains("unexpected argument '--words' found"),
        "{}",
        text(&out)
    );
}

#[test]
fn classify_checks_its_ngram_and_end_marker_options() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    let words = sample_words();
    let train = |extra: &[&str]| {
        let mut args = vec!["train", "classify", "--run-dir", run.to_str().unwrap()];
        args.extend(words.iter().map(String::as_str));
        args.extend(extra);
        attn(&args)
    };
    let out = train(&["--ngram-logit-buckets", "0"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        text(&out).contains("ngram_logit_buckets") && text(&out).contains("got 0"),
        "{}",
        text(&out)
    );
    let out = train(&["--end-marker", "maybe"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        text(&out).contains("invalid value 'maybe' for '--end-marker"),
        "{}",
        text(&out)
    );
    assert!(!run.exists(), "nothing is written");
    // All three as release 0.2.0 had them is its model, and is recorded as given.
    let out = train(&[
        "--end-marker",
        "false",
        "--ngram-logits",
        "0",
        "--ngram-hash",
        "base-257",
        "--epochs",
        "1",
    ]);
    assert!(out.status.success(), "{}", text(&out));
    let config: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(run.join("config.json")).unwrap()).unwrap();
    assert_eq!(config["end_marker"], serde_json::Value::Bool(false));
    assert_eq!(config["ngram_logits"], serde_json::json!(0));
    assert_eq!(config["ngram_hash"], serde_json::json!("base-257"));
}

#[test]
fn runs_of_release_0_1_still_evaluate() {
    // Copies: `attn eval` writes nothing, but a test must not be able to change the fixtures.
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/release-0.1.0");
    let dir = tempfile::tempdir().unwrap();
    // What release 0.1.0's `attn eval` printed for these runs (tests/data/release-0.1.0/README.md).
    for (task, expected) in [
        (
            "reverse",
            "20 test sentences, BLEU 1.22, exact match 0.00%, token accuracy 2.88%",
        ),
        (
            "translate",
            "30 test sentences, BLEU 0.30, exact match 0.00%, token accuracy 2.42%",
        ),
    ] {
        let run = dir.path().join(task);
        copy_dir(&fixtures.join(task), &run);
        let out = attn(&["eval", "--run", run.to_str().unwrap()]);
        assert!(out.status.success(), "{}", text(&out));
        // This release adds chrF and the share of <unk> after BLEU; the rest is as 0.1.0 printed.
        let stdout = String::from_utf8_lossy(&out.stdout);
        let (head, tail) = expected.split_once(", exact match").unwrap();
        assert!(
            stdout.starts_with(&format!("{}: {head}, chrF ", run.display())),
            "{stdout}"
        );
        assert!(stdout.contains(&format!(", exact match{tail}, <unk> ")), "{stdout}");
    }
    let out = attn(&[
        "translate",
        "--run",
        dir.path().join("translate").to_str().unwrap(),
        "I love you",
    ]);
    assert!(out.status.success(), "{}", text(&out));
}

#[test]
fn a_closed_stdout_ends_attn_quietly() {
    // `attn eval | head -0`: the reader is gone before attn prints.
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/release-0.1.0");
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("reverse");
    copy_dir(&fixtures.join("reverse"), &run);
    let mut child = Command::new(env!("CARGO_BIN_EXE_attn"))
        .args(["eval", "--run", run.to_str().unwrap()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_ne!(out.status.code(), Some(101), "a panic's status");
}

#[test]
fn a_run_of_release_0_1_is_not_resumed_from_its_checkpoints() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/release-0.1.0");
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("reverse");
    copy_dir(&fixtures.join("reverse"), &run);
    let out = attn(&["train", "reverse", "--resume", run.to_str().unwrap(), "--epochs", "2"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        text(&out).contains(&format!(
            "{}: written by attn 0.1.0, whose checkpoints this release ({}) cannot resume",
            run.display(),
            env!("CARGO_PKG_VERSION")
        )),
        "{}",
        text(&out)
    );
}

#[test]
fn every_command_reads_config_json_once() {
    // `RunDir::open` logs each read of `config.json` at debug level (run_dir.rs); it is the only
    // place that reads it, and each command opens its run once.
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("translate");
    let out = train_translate(&run, "1", &[]);
    assert!(out.status.success(), "{}", text(&out));
    let config = run.join("config.json");
    let reads = |log: &str| log.matches(&format!("reading {}", config.display())).count();
    let log = "warn,trainer::run_dir=debug";
    let path = run.to_str().unwrap();
    for args in [
        vec!["eval", "--run", path],
        vec!["translate", "--run", path, "I love you"],
        vec!["train", "translate", "--resume", path, "--epochs", "2"],
    ] {
        let out = common::run(&args, log);
        assert!(out.status.success(), "{args:?}: {}", text(&out));
        assert_eq!(reads(&text(&out)), 1, "{args:?}: {}", text(&out));
    }
    let served = Served::start_logging(&run, &[], log);
    assert_eq!(reads(&served.stop()), 1, "attn serve");
}
