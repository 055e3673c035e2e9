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

fn run(args: &[&str], log: &str) -> Output {
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
