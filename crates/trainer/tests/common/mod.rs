//! What the program's tests share: running `attn`, reading its output and its run directories.

#![allow(dead_code)] // each test file uses its own subset

use std::path::Path;
use std::process::{Command, Output};

/// Runs `attn` with `RUST_LOG=warn`.
pub fn attn(args: &[&str]) -> Output {
    run(args, "warn")
}

/// Runs `attn` with the info log (what it reads, what it skips) on stderr.
pub fn attn_logging(args: &[&str]) -> Output {
    run(args, "info,burn_train=warn")
}

/// Runs `attn` with `RUST_LOG=log`.
pub fn run(args: &[&str], log: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_attn"))
        .args(args)
        .env("RUST_LOG", log)
        .output()
        .expect("attn runs")
}

/// Stdout then stderr.
pub fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// One metric per epoch, from `metrics.csv` (`split` is `train` or `valid`).
pub fn metric(run: &Path, split: &str, name: &str) -> Vec<f64> {
    std::fs::read_to_string(run.join("metrics.csv"))
        .unwrap()
        .lines()
        .skip(1)
        .filter_map(|line| {
            let fields: Vec<&str> = line.split(',').collect();
            (fields[1] == split && fields[2] == name).then(|| fields[3].parse().unwrap())
        })
        .collect()
}

/// Copies a directory tree.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// `--words LANG=FILE` for each list of the shipped sample (`data/words-sample`).
pub fn sample_words() -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/words-sample");
    ["en", "fr", "de", "es", "it"]
        .iter()
        .flat_map(|l| {
            [
                "--words".to_string(),
                format!("{l}={}", dir.join(format!("{l}.txt")).display()),
            ]
        })
        .collect()
}

/// The arguments of `attn train translate` on the built-in corpus at sizes that train in seconds:
/// 400 pairs, batches of 32, `epochs` epochs.
pub fn tiny_translate_args(run: &Path, epochs: &str) -> Vec<String> {
    let args = [
        "train",
        "translate",
        "--run-dir",
        run.to_str().unwrap(),
        "--train-size",
        "400",
    ];
    let mut args: Vec<String> = args.map(String::from).to_vec();
    args.extend(["--epochs", epochs, "--batch-size", "32"].map(String::from));
    args
}

/// [`tiny_translate_args`] for 2 epochs, then `extra`; asserts success.
pub fn train_tiny_translate(run: &Path, extra: &[&str]) {
    let mut args = tiny_translate_args(run, "2");
    args.extend(extra.iter().map(|a| (*a).to_string()));
    let out = attn(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(out.status.success(), "{}", text(&out));
}

/// [`train_tiny_translate`] with a small RNN.
pub fn train_tiny_rnn(run: &Path) {
    train_tiny_translate(run, &["--d-embed", "16", "--d-hidden", "32"]);
}

/// `attn train classify` on the shipped sample for one epoch; asserts success.
pub fn train_tiny_classify(run: &Path) {
    let words = sample_words();
    let mut args = vec!["train", "classify", "--run-dir", run.to_str().unwrap(), "--epochs", "1"];
    args.extend(words.iter().map(String::as_str));
    let out = attn(&args);
    assert!(out.status.success(), "{}", text(&out));
}

/// Starts `attn train reverse` into `run` for 4 epochs of 3,000 sequences at widths that
/// checkpoint the first epoch within seconds, its output discarded: a run to stop mid-way.
pub fn start_reverse_to_stop(run: &Path) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_attn"))
        .args(["train", "reverse", "--run-dir", run.to_str().unwrap()])
        .args([
            "--train-size",
            "3000",
            "--epochs",
            "4",
            "--d-hidden",
            "16",
            "--d-embed",
            "8",
        ])
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap()
}

/// Asserts that `out`, a `--resume` of `run`, resumed it and trained it to the end: `epochs`
/// epochs of validation in `metrics.csv`, and `model.bpk`.
#[track_caller]
pub fn resumed_to_the_end(out: &Output, run: &Path, epochs: usize) {
    assert!(out.status.success(), "{}", text(out));
    assert!(text(out).contains("resuming at epoch"), "{}", text(out));
    let csv = std::fs::read_to_string(run.join("metrics.csv")).unwrap();
    for epoch in 1..=epochs {
        assert!(
            csv.contains(&format!("\n{epoch},valid,Loss,")),
            "epoch {epoch} missing:\n{csv}"
        );
    }
    assert!(run.join("model.bpk").exists());
}

/// An `attn serve` process, killed when dropped.
pub struct Served {
    child: std::process::Child,
    /// `HOST:PORT`, as it printed it.
    pub address: String,
}

impl Served {
    /// Starts `attn serve --run RUN --port 0 EXTRA...` and reads the address it prints.
    pub fn start(run: &Path, extra: &[&str]) -> Self {
        Self::start_logging(run, extra, "warn")
    }

    /// [`start`](Self::start) with `RUST_LOG=log`.
    pub fn start_logging(run: &Path, extra: &[&str], log: &str) -> Self {
        Self::start_with(run, extra, &[("RUST_LOG", log)])
    }

    /// [`start`](Self::start) with the environment variables `env` (`RUST_LOG=warn` unless
    /// `env` sets it).
    pub fn start_with(run: &Path, extra: &[&str], env: &[(&str, &str)]) -> Self {
        use std::io::BufRead as _;
        let mut child = Command::new(env!("CARGO_BIN_EXE_attn"))
            .args(["serve", "--run", run.to_str().unwrap(), "--port", "0"])
            .args(extra)
            .env("RUST_LOG", "warn")
            .envs(env.iter().copied())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let address = line
            .split("http://")
            .nth(1)
            .and_then(|rest| rest.split('/').next())
            .unwrap_or_else(|| panic!("no address in `{line}`"))
            .to_string();
        Self { child, address }
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// How many sockets the server has open: its listener, and a connection each.
    pub fn open_sockets(&self) -> usize {
        std::fs::read_dir(format!("/proc/{}/fd", self.pid()))
            .unwrap()
            .filter_map(|entry| std::fs::read_link(entry.ok()?.path()).ok())
            .filter(|target| target.to_string_lossy().starts_with("socket:"))
            .count()
    }

    /// Waits up to `limit` for [`open_sockets`](Self::open_sockets) to be at most `most`; the
    /// count at the end.
    pub fn wait_for_sockets(&self, most: usize, limit: std::time::Duration) -> usize {
        let deadline = std::time::Instant::now() + limit;
        loop {
            let open = self.open_sockets();
            if open <= most || std::time::Instant::now() >= deadline {
                return open;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    }

    /// Stops the server; what it wrote to stderr.
    pub fn stop(mut self) -> String {
        use std::io::Read as _;
        let _ = self.child.kill();
        let _ = self.child.wait();
        let mut stderr = String::new();
        if let Some(mut pipe) = self.child.stderr.take() {
            let _ = pipe.read_to_string(&mut stderr);
        }
        stderr
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
