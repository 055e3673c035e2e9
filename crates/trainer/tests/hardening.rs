//! What a hostile user tried against runs, configs and the command line (issue 25), each
//! reproduced through the program: exit status 2 with a message naming what was wrong, no panic,
//! and nothing left behind.

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use common::{attn, copy_dir, resumed_to_the_end, start_reverse_to_stop, text, train_tiny_classify, train_tiny_rnn};

/// Flips 64 bytes in the middle of `path`, as the reproduction did to `model.bpk`.
fn flip_middle(path: &Path) {
    let mut bytes = std::fs::read(path).unwrap();
    let middle = bytes.len() / 2;
    let end = (middle + 64).min(bytes.len());
    for byte in &mut bytes[middle..end] {
        *byte ^= 0xff;
    }
    std::fs::write(path, bytes).unwrap();
}

/// A change to a run's `config.json` or `vocab.json`.
type Edit = dyn Fn(&mut serde_json::Value);

/// Exit status 2, and `expected` in the output.
fn refused(args: &[&str], expected: &str) {
    let out = attn(args);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {}", text(&out));
    assert!(text(&out).contains(expected), "{args:?}: {}", text(&out));
    assert!(!text(&out).contains("panicked"), "{}", text(&out));
}

#[test]
fn a_changed_byte_in_any_run_file_is_named_and_nothing_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    train_tiny_rnn(&run);
    let sums = std::fs::read_to_string(run.join("SHA256SUMS")).unwrap();
    // Every file a model is read from is listed, and the record of the finished training (the
    // module docs of run_dir name them).
    let lists = |sums: &str, listed: &str| sums.lines().any(|l| l.ends_with(&format!("  {listed}")));
    for listed in [
        "config.json",
        "vocab.json",
        "splits/test.tsv",
        "model.bpk",
        "checkpoint/model-2.bpk",
        "train/epoch-1/Loss.log",
        "valid/epoch-2/BLEU.log",
        "metrics.csv",
        "summary.json",
        "curves.png",
        "curves.svg",
    ] {
        assert!(lists(&sums, listed), "{listed} in {sums}");
    }
    // `sha256sum -c` reads it: the format is sha256sum's own.
    let sha256sum_accepts = |run: &Path| {
        if let Ok(check) = std::process::Command::new("sha256sum")
            .args(["-c", "--quiet", "SHA256SUMS"])
            .current_dir(run)
            .output()
        {
            assert!(check.status.success(), "{}", String::from_utf8_lossy(&check.stdout));
        }
    };
    sha256sum_accepts(&run);
    for (i, listed) in sums.lines().map(|l| l.split_once("  ").unwrap().1).enumerate() {
        let copy = dir.path().join(format!("copy{i}"));
        copy_dir(&run, &copy);
        flip_middle(&copy.join(listed));
        refused(
            &["eval", "--run", copy.to_str().unwrap()],
            &format!("{listed}: damaged or changed since the run wrote it"),
        );
    }
    // A resume is refused the same way.
    let copy = dir.path().join("resumed");
    copy_dir(&run, &copy);
    flip_middle(&copy.join("vocab.json"));
    refused(
        &[
            "train",
            "translate",
            "--resume",
            copy.to_str().unwrap(),
            "--epochs",
            "3",
        ],
        "vocab.json: damaged or changed since the run wrote it",
    );
    // The untouched run resumes to a third epoch, rewriting its record, which is listed again.
    let out = attn(&["train", "translate", "--resume", run.to_str().unwrap(), "--epochs", "3"]);
    assert!(out.status.success(), "{}", text(&out));
    let sums = std::fs::read_to_string(run.join("SHA256SUMS")).unwrap();
    for listed in ["train/epoch-3/Loss.log", "metrics.csv", "model.bpk"] {
        assert!(lists(&sums, listed), "{listed} in {sums}");
    }
    sha256sum_accepts(&run);
}

#[test]
fn a_changed_byte_in_a_checkpoint_of_a_stopped_run_is_named_on_resume() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    let mut child = start_reverse_to_stop(&run);
    // Each of the three checkpoint files of epoch 1 is listed as soon as it is written, while
    // training goes on: wait for the three lines, then stop the run there.
    let listed = |sums: &str| {
        ["model", "optim", "scheduler"]
            .iter()
            .all(|name| sums.lines().any(|l| l.ends_with(&format!("  checkpoint/{name}-1.bpk"))))
    };
    let started = Instant::now();
    while !std::fs::read_to_string(run.join("SHA256SUMS")).is_ok_and(|sums| listed(&sums)) {
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "epoch 1's checkpoints were not listed in SHA256SUMS"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap(); // SIGKILL on Unix
    child.wait().unwrap();
    assert!(
        !run.join("model.bpk").exists(),
        "the run was stopped before it finished"
    );

    let copy = dir.path().join("copy");
    copy_dir(&run, &copy);
    flip_middle(&copy.join("checkpoint/model-1.bpk"));
    refused(
        &["train", "reverse", "--resume", copy.to_str().unwrap()],
        "checkpoint/model-1.bpk: damaged or changed since the run wrote it",
    );
    // The run itself resumes: the lines the checkpointers wrote hold.
    let out = attn(&["train", "reverse", "--resume", run.to_str().unwrap()]);
    resumed_to_the_end(&out, &run, 4);
}

#[test]
fn a_damaged_config_or_vocabulary_is_refused_at_start_up() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    train_tiny_rnn(&run);
    // Edited by hand, so that the checksums do not stop them first: an earlier release's run.
    let edited = |name: &str, edit: &dyn Fn(&mut serde_json::Value)| {
        let copy = dir.path().join(name);
        copy_dir(&run, &copy);
        std::fs::remove_file(copy.join("SHA256SUMS")).unwrap();
        let file = if name.starts_with("vocab") {
            "vocab.json"
        } else {
            "config.json"
        };
        let mut json: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(copy.join(file)).unwrap()).unwrap();
        edit(&mut json);
        std::fs::write(copy.join(file), json.to_string()).unwrap();
        copy
    };
    let cases: [(&str, &Edit, &str); 4] = [
        (
            "hidden",
            &|c| c["d_hidden"] = 0.into(),
            "config: invalid `d_hidden`: must be at least 1, got 0",
        ),
        (
            "embed",
            &|c| c["d_embed"] = 0.into(),
            "config: invalid `d_embed`: must be at least 1, got 0",
        ),
        (
            "dot",
            &|c| {
                c["attention"] = "luong-dot".into();
                c["direction"] = "bidirectional".into();
            },
            "Luong's dot score needs encoder states as wide as the decoder's",
        ),
        (
            "vocab",
            &|v| {
                v["source"]["tokens"] = serde_json::json!([]);
                v["target"]["tokens"] = serde_json::json!([]);
            },
            "the run's config or vocabularies",
        ),
    ];
    for (name, edit, expected) in cases {
        let copy = edited(name, edit);
        let copy = copy.to_str().unwrap();
        refused(&["eval", "--run", copy], expected);
        refused(&["translate", "--run", copy, "I love you"], expected);
        refused(&["serve", "--run", copy, "--port", "0"], expected);
    }
}

#[test]
fn sizes_past_what_can_be_built_are_refused_before_a_directory_is_made() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    let run_arg = run.to_str().unwrap();
    // The reproduction: a width that ended in "memory allocation of 25600000000 bytes failed".
    refused(
        &["train", "translate", "--run-dir", run_arg, "--d-hidden", "100000000"],
        "config: invalid `d_hidden`: must be at most 65536, got 100000000",
    );
    // Under the cap, but 72 billion parameters: past the memory of any machine this runs on.
    refused(
        &[
            "train",
            "translate",
            "--run-dir",
            run_arg,
            "--train-size",
            "400",
            "--d-hidden",
            "60000",
        ],
        "parameters: their weights, gradients and Adam's two moments need",
    );
    refused(
        &[
            "train",
            "translate",
            "--run-dir",
            run_arg,
            "--model",
            "transformer",
            "--d-model",
            "1000000",
        ],
        "config: invalid `d_model`: must be at most 65536",
    );
    refused(
        &["train", "translate", "--run-dir", run_arg, "--train-size", "10000000"],
        "config: invalid `train_size`: must be at most 1000000",
    );
    // No pair has at most 2 words: nothing to train on is an error, not a NaN loss.
    refused(
        &[
            "train",
            "translate",
            "--run-dir",
            run_arg,
            "--train-size",
            "500",
            "--max-len",
            "2",
            "--epochs",
            "1",
        ],
        "the built-in corpus: no training pairs of at most `max_len` = 2 words (0 train, 0 validation, 0 test)",
    );
    assert!(!run.exists(), "a refused run leaves no directory");
}

#[test]
fn the_command_line_caps_the_beam_and_names_flags_that_do_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    train_tiny_rnn(&run);
    let run = run.to_str().unwrap();
    refused(
        &["translate", "--run", run, "--beam", "1000000000", "I love you"],
        "--beam must be at most 16, got 1000000000",
    );
    refused(
        &["eval", "--run", run, "--beam", "17"],
        "--beam must be at most 16, got 17",
    );
    let po = dir.path().join("in.po");
    std::fs::write(&po, "msgid \"Open\"\nmsgstr \"\"\n").unwrap();
    let po = po.to_str().unwrap();
    let out = dir.path().join("out.po");
    let out = out.to_str().unwrap();
    refused(
        &[
            "translate",
            "--run",
            run,
            "--po",
            po,
            "--out",
            out,
            "--heatmap",
            "h.svg",
        ],
        "cannot be used with '--heatmap <FILE>'",
    );
    refused(
        &["translate", "--run", run, "--out", out, "I love you"],
        "--out is where --po writes its catalog",
    );
    assert!(!Path::new(out).exists());
}

#[test]
fn out_replaces_only_a_regular_file_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    train_tiny_rnn(&run);
    let run = run.to_str().unwrap();
    let po = dir.path().join("in.po");
    std::fs::write(
        &po,
        "msgid \"\"\nmsgstr \"Content-Type: text/plain; charset=UTF-8\\n\"\n\nmsgid \"Open\"\nmsgstr \"\"\n",
    )
    .unwrap();
    let po = po.to_str().unwrap();
    // A symbolic link, a FIFO, a directory: never replaced, and never written through.
    let target = dir.path().join("target.po");
    std::fs::write(&target, "kept").unwrap();
    let link = dir.path().join("link.po");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    refused(
        &["translate", "--run", run, "--po", po, "--out", link.to_str().unwrap()],
        "it is a symbolic link, not a regular file; it is never replaced",
    );
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "kept");
    assert!(link.is_symlink());
    let fifo = dir.path().join("fifo.po");
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    refused(
        &["translate", "--run", run, "--po", po, "--out", fifo.to_str().unwrap()],
        "not a regular file",
    );
    refused(
        &["translate", "--run", run, "--po", po, "--out", "/dev/null"],
        "not a regular file",
    );
    // A regular file is replaced whole, with the stated mode, and the output says so.
    let out_po = dir.path().join("out.po");
    std::fs::write(&out_po, "old").unwrap();
    let out = attn(&["translate", "--run", run, "--po", po, "--out", out_po.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("replacing the file that was there"),
        "{}",
        text(&out)
    );
    use std::os::unix::fs::PermissionsExt as _;
    let mode = std::fs::metadata(&out_po).unwrap().permissions().mode() & 0o777;
    // trainer::files::MODE, less the umask (which only takes bits away).
    assert_eq!(mode & !0o644, 0, "mode {mode:o}");
    assert_ne!(std::fs::read_to_string(&out_po).unwrap(), "old");
}

/// Empties each split of a copy of `run` (its checksums written anew) and asserts that resuming
/// `task` on it is refused with `message(split, purpose)`.
fn emptied_splits_are_refused(task: &str, run: &Path, message: impl Fn(&str, &str) -> String) {
    for (split, purpose) in [("valid", "validate"), ("train", "train")] {
        let copy = run.with_file_name(split);
        copy_dir(run, &copy);
        std::fs::write(copy.join("splits").join(format!("{split}.tsv")), "").unwrap();
        trainer::run_dir::RunDir::new(&copy).seal().unwrap();
        refused(
            &["train", task, "--resume", copy.to_str().unwrap(), "--epochs", "3"],
            &message(split, purpose),
        );
    }
}

#[test]
fn a_resumed_run_whose_split_was_emptied_is_refused_by_name() {
    // Found by tests/fuzz.rs (the run's splits, mutated): with its checksums written anew, a run
    // whose validation split had been emptied resumed to a NaN validation loss, and one whose
    // training split had been emptied resumed to epochs of no step.
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    train_tiny_rnn(&run);
    emptied_splits_are_refused("translate", &run, |split, purpose| {
        format!(
            "splits/{split}.tsv: no pairs of at most `max_len` = 16 words to {purpose} on; the split was \
             emptied or edited since the run was made"
        )
    });
}

#[test]
fn a_resumed_classify_run_whose_split_was_emptied_is_refused_by_name() {
    // The same, for the other task that reads its splits back on resume.
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    train_tiny_classify(&run);
    emptied_splits_are_refused("classify", &run, |split, purpose| {
        format!("splits/{split}.tsv: no words to {purpose} on; the split was emptied since the run was made")
    });
}

#[test]
fn a_config_value_of_the_wrong_type_is_refused_naming_its_field() {
    // Found by tests/fuzz.rs (config files and a run's config.json, mutated): the sections of a
    // config are flattened, and serde named the type a value should have had but not its field.
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(&config, "epochs = \"ten\"\ndirection = 2\n").unwrap();
    let run_dir = dir.path().join("new");
    refused(
        &[
            "train",
            "translate",
            "--config",
            config.to_str().unwrap(),
            "--run-dir",
            run_dir.to_str().unwrap(),
        ],
        "config.toml: invalid type: string \"ten\", expected usize (field `epochs`)",
    );
    assert!(!run_dir.exists());
    // A run's config.json, with no SHA256SUMS (an earlier release's run), as the program opens it.
    let run = dir.path().join("run");
    std::fs::create_dir(&run).unwrap();
    let mut fields = trainer::config::TrainConfig::for_task("translate").unwrap().to_map();
    fields.insert("d_hidden".into(), "x".into());
    trainer::run_dir::RunDir::new(&run).write_fields(&fields).unwrap();
    refused(
        &["eval", "--run", run.to_str().unwrap()],
        "config.json: invalid type: string \"x\", expected usize (field `d_hidden`)",
    );
    fields.insert("d_hidden".into(), 32.into());
    fields.insert("task".into(), "translate ".into());
    trainer::run_dir::RunDir::new(&run).write_fields(&fields).unwrap();
    refused(
        &["eval", "--run", run.to_str().unwrap()],
        "config.json: unknown variant `translate `, expected one of `reverse`, `translate`, `classify` (field `task`)",
    );
}

#[test]
fn the_reverse_tasks_sizes_are_capped_before_anything_is_generated() {
    // Found by tests/fuzz.rs (config files, mutated): a reverse config with `max_len` =
    // 18446744073709551615 passed its checks and panicked on `max_len + 1` (exit status 101); far
    // smaller lengths, sizes and symbol counts were accepted and then generated in memory until
    // the allocation failed or forever.
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("reverse.json");
    std::fs::write(&config, r#"{"task": "reverse", "max_len": 18446744073709551615}"#).unwrap();
    let run = dir.path().join("run");
    let run_arg = run.to_str().unwrap();
    refused(
        &[
            "train",
            "reverse",
            "--config",
            config.to_str().unwrap(),
            "--run-dir",
            run_arg,
        ],
        "config: invalid `max_len`: must be at most 1000 symbols, got 18446744073709551615",
    );
    refused(
        &["train", "reverse", "--run-dir", run_arg, "--max-len", "100000000"],
        "config: invalid `max_len`: must be at most 1000 symbols, got 100000000",
    );
    refused(
        &[
            "train",
            "reverse",
            "--run-dir",
            run_arg,
            "--train-size",
            "1000000000000",
        ],
        "config: invalid `train_size`: must be at most 1000000, the most sequences generated in memory",
    );
    refused(
        &["train", "reverse", "--run-dir", run_arg, "--symbols", "1000000000000"],
        "config: invalid `symbols`: must be at most 1000000, got 1000000000000",
    );
    assert!(!run.exists(), "a refused run leaves no directory");
}
