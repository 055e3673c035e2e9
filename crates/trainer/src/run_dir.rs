//! The run directory: everything one training run leaves behind, none of it
//! ever half-written.
//!
//! ```text
//! RUN_DIR/
//!   config.json        the resolved configuration
//!   vocab.json         the source and target vocabularies
//!   splits/            translate: train.tsv, valid.tsv, test.tsv, tokenized
//!   checkpoint/        Burn's per-epoch checkpoints: model-E.bpk, optim-E.bpk, scheduler-E.bpk
//!   train/, valid/     Burn's per-epoch metric logs
//!   metrics.csv        epoch,split,metric,value
//!   model.bpk          the final model
//!   summary.json       the final metrics and where the run stopped
//! ```
//!
//! Files this project writes go to a temporary file in the same directory,
//! then are renamed over the target (atomic on POSIX file systems); Burn
//! writes its `.bpk` files the same way.

use std::io::Write;
use std::path::{Path, PathBuf};

use burn::lr_scheduler::LrSchedulerRecord;
use burn::optim::OptimizerRecord;
use burn::store::ModuleRecord;
use burn::train::checkpoint::{Checkpointer, FileCheckpointer};
use serde::Serialize;

use crate::TrainError;

/// Where a run keeps one of its data splits (`train`, `valid`, `test`).
pub fn split_path(run: &Path, split: &str) -> PathBuf {
    run.join("splits").join(format!("{split}.tsv"))
}

/// Writes `bytes` to `path` through a temporary file and a rename.
///
/// # Errors
///
/// If the directory is not writable.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), TrainError> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let fail = |e: std::io::Error| TrainError::Io(format!("{}: cannot write: {e}", path.display()));
    let mut file = tempfile::NamedTempFile::new_in(dir).map_err(fail)?;
    file.write_all(bytes).map_err(fail)?;
    file.as_file().sync_all().map_err(fail)?;
    file.persist(path).map_err(|e| fail(e.error))?;
    Ok(())
}

/// [`write_atomic`] of pretty JSON.
///
/// # Errors
///
/// As [`write_atomic`].
pub fn write_json(path: &Path, value: &impl Serialize) -> Result<(), TrainError> {
    let text = serde_json::to_string_pretty(value).expect("plain data serialises");
    write_atomic(path, format!("{text}\n").as_bytes())
}

/// The checkpoint directory of a run.
pub fn checkpoint_dir(run: &Path) -> PathBuf {
    run.join("checkpoint")
}

/// The last epoch whose three checkpoint files (model, optimizer, scheduler)
/// all exist and read back whole; `None` if there is none. Epochs with a
/// missing or damaged file are reported and skipped.
pub fn last_complete_checkpoint(run: &Path) -> Option<usize> {
    let dir = checkpoint_dir(run);
    let mut epochs: Vec<usize> = std::fs::read_dir(&dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let name = entry.file_name().into_string().ok()?;
            name.strip_prefix("model-")?.strip_suffix(".bpk")?.parse().ok()
        })
        .collect();
    epochs.sort_unstable();
    epochs.into_iter().rev().find(|&epoch| {
        let model = Checkpointer::<ModuleRecord>::restore(&FileCheckpointer::new(&dir, "model"), epoch).map(drop);
        let optim = Checkpointer::<OptimizerRecord>::restore(&FileCheckpointer::new(&dir, "optim"), epoch).map(drop);
        let scheduler =
            Checkpointer::<LrSchedulerRecord>::restore(&FileCheckpointer::new(&dir, "scheduler"), epoch).map(drop);
        match model.and(optim).and(scheduler) {
            Ok(()) => true,
            Err(error) => {
                tracing::warn!(
                    "{}: checkpoint of epoch {epoch} is incomplete or damaged ({error:?}); skipping it",
                    dir.display()
                );
                false
            }
        }
    })
}

/// Whether `path` is absent or an empty directory.
pub fn is_fresh(path: &Path) -> bool {
    match std::fs::read_dir(path) {
        Ok(mut entries) => entries.next().is_none(),
        Err(_) => !path.exists(),
    }
}
