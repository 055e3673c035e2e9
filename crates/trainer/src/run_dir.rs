//! The run directory: everything one training run leaves behind, none of it
//! ever half-written. [`RunDir`] owns every file name.
//!
//! ```text
//! RUN_DIR/
//!   config.json        the resolved configuration, and the release that wrote it
//!   vocab.json         the word vocabularies (words, characters, languages)
//!   tokenizer.json     a subword vocabulary (source- and target-tokenizer.json when separate)
//!   catalogs.tsv       the gettext catalogs read: name, bytes, SHA-256
//!   splits/            train.tsv, valid.tsv, test.tsv (translate, classify)
//!   checkpoint/        Burn's per-epoch checkpoints: model-E.bpk, optim-E.bpk, scheduler-E.bpk
//!   train/, valid/     Burn's per-epoch metric logs
//!   metrics.csv        epoch,split,metric,value
//!   curves.png, .svg   loss and the task's metric per epoch, redrawn after each epoch
//!   model.bpk          the final model
//!   summary.json       the final metrics and where the run stopped
//!   SHA256SUMS         the SHA-256 of every file above that a model is read from (`sha256sum -c`)
//! ```
//!
//! `SHA256SUMS` lists `config.json`, the vocabularies and tokenizers, `catalogs.tsv`, `splits/`,
//! `checkpoint/` and `model.bpk`, in `sha256sum`'s format. It is written when the run is created,
//! when a resumed run has rewritten its config ([`RunDir::seal`]), and when training ends
//! ([`RunDir::seal_finished`]), then with the record of the training too: the metric logs,
//! `metrics.csv`, `summary.json` and the curves. Each checkpoint's line is added as soon as Burn
//! has written the file ([`RunDir::checkpointers`]), so a run stopped mid-way is listed up to its
//! last checkpoint. Every command that opens the run checks it first ([`RunDir::open`]): a file
//! that changed by a single byte is named, and nothing is read from it. A resumed run, once
//! checked, lists its inputs only again, since training rewrites the record (a run stopped while
//! training has an unlisted record, as it is being written). A checkpoint that Burn has since
//! removed (it keeps the last few) is not missed. A run without the file (written by an earlier
//! release) still opens, with a warning.
//!
//! A fresh run is created atomically: its config, vocabularies and splits are
//! written to a hidden sibling directory that is renamed into place, so a
//! run directory either has all of them or does not exist. Files written
//! later go to a temporary file in the same directory, then are renamed over
//! the target (atomic on POSIX file systems); Burn writes its `.bpk` files
//! the same way.

use std::path::{Path, PathBuf};

use burn::lr_scheduler::LrSchedulerRecord;
use burn::module::Module;
use burn::optim::OptimizerRecord;
use burn::store::ModuleRecord;
use burn::train::checkpoint::{Checkpointer, CheckpointerError, FileCheckpointer};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::TrainError;

/// This release, as `config.json` records it.
pub const RELEASE: &str = env!("CARGO_PKG_VERSION");

/// The release before `config.json` recorded one.
pub const RELEASE_0_1: &str = "0.1.0";

/// How a run starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Start {
    /// A new run in an empty or absent directory.
    Fresh,
    /// Continue the run in the directory from its last complete checkpoint.
    Resume,
}

/// What `summary.json` says about a run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunSummary {
    /// The task.
    pub task: String,
    /// Epochs completed.
    pub epochs: usize,
    /// Validation loss of the last epoch.
    pub valid_loss: Option<f64>,
    /// Validation accuracy (%) of the last epoch: of the tokens for the
    /// sequence tasks, of the words for classify.
    pub valid_accuracy: Option<f64>,
    /// Validation corpus BLEU of greedy decoding, last epoch (sequence
    /// tasks).
    pub valid_bleu: Option<f64>,
}

/// A run directory, the names of its files, and the release that wrote it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunDir {
    path: PathBuf,
    /// The release that wrote `config.json`: this one for a run being made, the one `config.json`
    /// names for a run [`open`](Self::open)ed.
    release: String,
}

impl RunDir {
    /// The run directory at `path`, written by this release (nothing is read or written).
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self {
            path: path.into(),
            release: RELEASE.into(),
        }
    }

    /// Opens the run in `path`: reads its `config.json`, the one time a command reads it. Returns
    /// the directory, which knows the release that wrote it ([`release`](Self::release)), and the
    /// config's fields without the release.
    ///
    /// # Errors
    ///
    /// If the directory has no `config.json`, or it is not a JSON table.
    pub fn open(path: impl Into<PathBuf>) -> Result<(Self, Map<String, Value>), TrainError> {
        let dir = Self::new(path);
        dir.check_is_run()?;
        dir.verify()?;
        let config = dir.config_path();
        tracing::debug!("reading {}", config.display());
        let Value::Object(mut fields) = read_json::<Value>(&config)? else {
            return Err(TrainError::Input(format!(
                "{}: expected a table of fields",
                config.display()
            )));
        };
        let release = match fields.remove("release") {
            None => RELEASE_0_1.to_string(),
            Some(Value::String(release)) => release,
            Some(other) => other.to_string(),
        };
        Ok((Self { release, ..dir }, fields))
    }

    /// `SHA256SUMS`.
    pub fn sums_path(&self) -> PathBuf {
        self.path.join(SUMS)
    }

    /// Writes `SHA256SUMS` anew: the SHA-256 of each of the run's files that a model is read from
    /// (see the module's documentation), as `sha256sum` writes them.
    ///
    /// # Errors
    ///
    /// A file that cannot be read, or `SHA256SUMS` that cannot be written.
    pub fn seal(&self) -> Result<(), TrainError> {
        self.seal_files(is_sealed)
    }

    /// [`seal`](Self::seal) when training has ended: the record of the training too (Burn's
    /// metric logs, `metrics.csv`, `summary.json`, the curves), which a resumed run verifies,
    /// then leaves out again ([`seal`](Self::seal)) until it has rewritten them.
    ///
    /// # Errors
    ///
    /// As [`seal`](Self::seal).
    pub fn seal_finished(&self) -> Result<(), TrainError> {
        self.seal_files(|relative| is_sealed(relative) || is_record(relative))
    }

    fn seal_files(&self, listed: impl Fn(&Path) -> bool) -> Result<(), TrainError> {
        let _sums = lock_sums();
        let mut sums = String::new();
        for entry in walkdir::WalkDir::new(&self.path).sort_by_file_name() {
            let entry = entry.map_err(|e| TrainError::Io(format!("{}: {e}", self.path.display())))?;
            let relative = entry.path().strip_prefix(&self.path).unwrap_or(entry.path());
            if entry.file_type().is_file() && listed(relative) {
                sums.push_str(&format!("{}  {}\n", sha256(entry.path())?, relative.display()));
            }
        }
        crate::files::write(&self.sums_path(), sums.as_bytes(), "run file")
    }

    /// Checks every file `SHA256SUMS` lists against its checksum; a run without the file is
    /// opened with a warning.
    ///
    /// # Errors
    ///
    /// A listed file that changed or is missing (a checkpoint Burn removed excepted), or a
    /// `SHA256SUMS` that is not in `sha256sum`'s format; the message names the file.
    pub fn verify(&self) -> Result<(), TrainError> {
        let path = self.sums_path();
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                tracing::warn!(
                    "{}: no {SUMS}: the run was written by a release that kept no checksums, so its files are not verified",
                    self.path.display()
                );
                return Ok(());
            }
            Err(e) => return Err(TrainError::Input(format!("{}: cannot read: {e}", path.display()))),
        };
        for (number, line) in text.lines().enumerate() {
            let malformed = || {
                TrainError::Input(format!(
                    "{}:{}: expected `SHA-256  FILE`, as sha256sum writes",
                    path.display(),
                    number + 1
                ))
            };
            let (sum, name) = line.split_once("  ").ok_or_else(malformed)?;
            let relative = Path::new(name);
            if sum.len() != 64
                || !sum.bytes().all(|b| b.is_ascii_hexdigit())
                || !relative
                    .components()
                    .all(|c| matches!(c, std::path::Component::Normal(_)))
                || !(is_sealed(relative) || is_record(relative))
            {
                return Err(malformed());
            }
            let file = self.path.join(relative);
            if !file.is_file() {
                // Burn keeps the last few checkpoints and removes the older ones.
                if relative.starts_with("checkpoint") {
                    continue;
                }
                return Err(TrainError::Input(format!(
                    "{}: missing: {} lists it",
                    file.display(),
                    path.display()
                )));
            }
            let actual = sha256(&file)?;
            if !actual.eq_ignore_ascii_case(sum) {
                return Err(TrainError::Input(format!(
                    "{}: damaged or changed since the run wrote it: its SHA-256 is {actual}, {} records {sum}",
                    file.display(),
                    path.display()
                )));
            }
        }
        Ok(())
    }

    /// Checks that the directory holds a run (a `config.json`), reading nothing.
    ///
    /// # Errors
    ///
    /// `TrainError::Input` saying that it is not a run directory.
    pub fn check_is_run(&self) -> Result<(), TrainError> {
        if self.config_path().is_file() {
            return Ok(());
        }
        Err(TrainError::Input(format!(
            "{}: not a run directory (no config.json)",
            self.path.display()
        )))
    }

    /// The release that wrote the run's `config.json`: `0.1.0` for a config without one (that
    /// release recorded none), this release for a run being made.
    pub fn release(&self) -> &str {
        &self.release
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// `config.json`.
    pub fn config_path(&self) -> PathBuf {
        self.path.join("config.json")
    }

    /// `vocab.json`.
    pub fn vocab_path(&self) -> PathBuf {
        self.path.join("vocab.json")
    }

    /// A subword vocabulary: `tokenizer.json` (shared by both sides), or
    /// `{side}-tokenizer.json` for `source` and `target`.
    pub fn tokenizer_path(&self, side: Option<&str>) -> PathBuf {
        match side {
            None => self.path.join("tokenizer.json"),
            Some(side) => self.path.join(format!("{side}-tokenizer.json")),
        }
    }

    /// `splits/{split}.tsv`, for `train`, `valid` and `test`.
    pub fn split_path(&self, split: &str) -> PathBuf {
        self.path.join("splits").join(format!("{split}.tsv"))
    }

    /// Writes `splits/{split}.tsv`, making `splits/` when it is not there.
    ///
    /// # Errors
    ///
    /// If the directory or the file cannot be written.
    pub fn write_split(&self, split: &str, text: &str) -> Result<(), TrainError> {
        let path = self.split_path(split);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)
                .map_err(|e| TrainError::Io(format!("{}: cannot create: {e}", dir.display())))?;
        }
        crate::files::write(&path, text.as_bytes(), "run file")
    }

    /// The text of `splits/{split}.tsv`, and its path for messages.
    ///
    /// # Errors
    ///
    /// If the file cannot be read; the message names it and the split.
    pub fn read_split(&self, split: &str) -> Result<(PathBuf, String), TrainError> {
        let path = self.split_path(split);
        match std::fs::read_to_string(&path) {
            Ok(text) => Ok((path, text)),
            Err(e) => Err(TrainError::Input(format!(
                "{}: cannot read the run's {split} split: {e}",
                path.display()
            ))),
        }
    }

    /// `checkpoint/`.
    pub fn checkpoint_dir(&self) -> PathBuf {
        self.path.join("checkpoint")
    }

    /// Burn's file checkpointers for the model, the optimizer and the learning-rate schedule,
    /// in `checkpoint/`, each listing the file it writes in `SHA256SUMS` as soon as the file is
    /// whole (and taking out the line of one it removes): a run stopped mid-way is verified up
    /// to its last checkpoint.
    pub fn checkpointers(&self) -> [SealedCheckpointer; 3] {
        ["model", "optim", "scheduler"].map(|name| SealedCheckpointer {
            inner: FileCheckpointer::new(self.checkpoint_dir(), name),
            run: self.path.clone(),
            name,
        })
    }

    /// `model.bpk`, the final model.
    pub fn model_path(&self) -> PathBuf {
        self.path.join("model.bpk")
    }

    /// `metrics.csv`.
    pub fn metrics_path(&self) -> PathBuf {
        self.path.join("metrics.csv")
    }

    /// `summary.json`.
    pub fn summary_path(&self) -> PathBuf {
        self.path.join("summary.json")
    }

    /// Whether the directory is absent or empty.
    pub fn is_fresh(&self) -> bool {
        is_fresh(&self.path)
    }

    /// Whether the run has finished (its final model is there).
    pub fn is_finished(&self) -> bool {
        self.model_path().exists()
    }

    /// Checks that a run can start here, writing nothing: a fresh run needs
    /// an absent or empty directory, a resumed one an epoch left to train
    /// among `epochs`. Returns the epoch a resumed run continues from.
    ///
    /// # Errors
    ///
    /// A fresh run in a directory that is not empty, or a resumed run that
    /// has trained all its epochs.
    pub fn check_start(&self, start: Start, epochs: usize) -> Result<Option<usize>, TrainError> {
        match start {
            Start::Fresh if !self.is_fresh() => Err(TrainError::Input(format!(
                "{}: the run directory exists and is not empty; continue it with --resume {0}, or choose another --run-dir",
                self.path.display()
            ))),
            Start::Fresh => Ok(None),
            Start::Resume => {
                let epoch = self.last_complete_checkpoint();
                if let Some(done) = epoch
                    && done >= epochs
                {
                    return Err(TrainError::Input(format!(
                        "{}: the run has trained {done} epochs of {epochs}; pass --epochs with more to train further",
                        self.path.display(),
                    )));
                }
                Ok(epoch)
            }
        }
    }

    /// Creates a fresh run's directory atomically: `config.json` with the
    /// config's `fields` and whatever `write` adds (vocabularies, splits) go
    /// to a hidden sibling directory, renamed into place once complete.
    ///
    /// # Errors
    ///
    /// If the parent directory is not writable, `write` fails (nothing is
    /// left behind), or the directory was filled meanwhile.
    pub fn create(
        &self,
        fields: &Map<String, Value>,
        write: impl FnOnce(&RunDir) -> Result<(), TrainError>,
    ) -> Result<(), TrainError> {
        let parent = match self.path.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent,
            _ => Path::new("."),
        };
        let fail = |e: std::io::Error| TrainError::Io(format!("{}: cannot create: {e}", self.path.display()));
        std::fs::create_dir_all(parent).map_err(fail)?;
        let name = self
            .path
            .file_name()
            .map_or("run".into(), |n| n.to_string_lossy().into_owned());
        let staging = tempfile::Builder::new()
            .prefix(&format!(".{name}."))
            .tempdir_in(parent)
            .map_err(fail)?;
        let staged = RunDir::new(staging.path());
        staged.write_fields(fields)?;
        write(&staged)?;
        staged.seal()?;
        // rename(2) replaces an empty directory and refuses a full one.
        if self.path.exists() && self.is_fresh() {
            std::fs::remove_dir(&self.path).map_err(fail)?;
        }
        let staged = staging.keep();
        std::fs::rename(&staged, &self.path).map_err(|e| {
            let _ = std::fs::remove_dir_all(&staged);
            fail(e)
        })
    }

    /// Writes `config.json`: this release's number, then the config's
    /// `fields`, the task first.
    ///
    /// # Errors
    ///
    /// If the directory is not writable.
    pub fn write_fields(&self, fields: &Map<String, Value>) -> Result<(), TrainError> {
        let mut fields = fields.clone();
        let mut map = Map::new();
        map.insert("release".into(), Value::String(RELEASE.into()));
        map.extend(fields.remove_entry("task"));
        map.extend(fields);
        write_json(&self.config_path(), &map)
    }

    /// Loads the final model's weights into `model`, built from the run's
    /// config on the device it is to run on.
    ///
    /// # Errors
    ///
    /// If the run has not finished, or the file is damaged or was written
    /// for another model (the message names the release that wrote the run).
    pub fn load_model<M: Module>(&self, model: M, task: &str) -> Result<M, TrainError> {
        let path = self.model_path();
        if !path.exists() {
            return Err(TrainError::Input(format!(
                "{}: no trained model; the run has not finished (resume it with `attn train {task} --resume {}`)",
                path.display(),
                self.path.display()
            )));
        }
        model.try_load_file(&path).map_err(|e| {
            let release = &self.release;
            let by = if release == RELEASE {
                String::new()
            } else {
                format!(" (the run was written by attn {release}, this is {RELEASE})")
            };
            TrainError::Input(format!("{}: damaged model file{by}: {e:?}", path.display()))
        })
    }

    /// [`load_model`](Self::load_model) of a file whose parameters carry
    /// other names: each path starting with an `old` prefix of `renames` is
    /// read as starting with its `new` one (a release that named them
    /// otherwise).
    ///
    /// # Errors
    ///
    /// As [`load_model`](Self::load_model).
    pub fn load_model_renamed<M: Module>(
        &self,
        model: M,
        task: &str,
        renames: &[(&str, &str)],
    ) -> Result<M, TrainError> {
        let path = self.model_path();
        if !path.exists() {
            return self.load_model(model, task);
        }
        let damaged = |e: String| {
            TrainError::Input(format!(
                "{}: damaged model file (the run was written by attn {}, this is {RELEASE}): {e}",
                path.display(),
                self.release
            ))
        };
        let tensors = burn_pack::Reader::from_file(&path)
            .and_then(burn_pack::Reader::into_tensors)
            .map_err(|e| damaged(format!("{e:?}")))?;
        let renamed = tensors
            .into_iter()
            .map(|tensor| {
                let (name, dtype, shape, id, bytes) = tensor.into_parts()?;
                let name = match renames.iter().find(|(old, _)| name.starts_with(old)) {
                    Some((old, new)) => format!("{new}{}", &name[old.len()..]),
                    None => name,
                };
                Ok(burn_pack::Tensor::new(name, dtype, shape, id, bytes))
            })
            .collect::<Result<Vec<_>, burn_pack::Error>>()
            .map_err(|e| damaged(format!("{e:?}")))?;
        let bytes = burn_pack::Writer::new(renamed)
            .into_bytes()
            .map_err(|e| damaged(format!("{e:?}")))?;
        let record = ModuleRecord::from_bytes(bytes).map_err(|e| damaged(format!("{e:?}")))?;
        model.try_load_record(record).map_err(|e| damaged(format!("{e:?}")))
    }

    /// What another process needs to resume this run, as one tar archive in memory: the files a
    /// model or a resumed training is read from (its config, vocabularies, splits and
    /// checkpoints, the files [`seal`](Self::seal) lists), in name order, and `SHA256SUMS` with
    /// their lines only, since the record of the training (Burn's metric logs, `metrics.csv`, the
    /// curves) is not sent. The ranks of `--distributed mpi` resume from rank 0's
    /// ([`crate::lifecycle::Place`]), so the machines need no shared file system.
    ///
    /// # Errors
    ///
    /// A file that cannot be read.
    pub fn archive(&self) -> Result<Vec<u8>, TrainError> {
        let io = |path: &Path, e: std::io::Error| TrainError::Io(format!("{}: {e}", path.display()));
        let mut archive = tar::Builder::new(Vec::new());
        for entry in walkdir::WalkDir::new(&self.path).sort_by_file_name() {
            let entry = entry.map_err(|e| TrainError::Io(e.to_string()))?;
            let relative = entry.path().strip_prefix(&self.path).unwrap_or(entry.path());
            if !entry.file_type().is_file() {
                continue;
            }
            if relative == Path::new(SUMS) {
                let sums = std::fs::read_to_string(entry.path()).map_err(|e| io(entry.path(), e))?;
                let inputs: String = sums
                    .lines()
                    .filter(|line| {
                        line.split_once("  ")
                            .is_some_and(|(_, name)| is_sealed(Path::new(name)))
                    })
                    .map(|line| format!("{line}\n"))
                    .collect();
                let mut header = tar::Header::new_gnu();
                header.set_size(inputs.len() as u64);
                header.set_mode(0o644);
                archive
                    .append_data(&mut header, SUMS, inputs.as_bytes())
                    .map_err(|e| io(entry.path(), e))?;
            } else if is_sealed(relative) {
                archive
                    .append_path_with_name(entry.path(), relative)
                    .map_err(|e| io(entry.path(), e))?;
            }
        }
        archive.into_inner().map_err(|e| io(&self.path, e))
    }

    /// Writes the files of a run [`archive`](Self::archive)d elsewhere into this directory.
    ///
    /// # Errors
    ///
    /// A file that cannot be written, or bytes that are not such an archive.
    pub fn unpack(&self, archive: &[u8]) -> Result<(), TrainError> {
        tar::Archive::new(archive)
            .unpack(&self.path)
            .map_err(|e| TrainError::Io(format!("{}: {e}", self.path.display())))
    }

    /// A hash of what the run trains on: its config's `fields`, then `vocab.json` and `splits/`,
    /// file names and contents, in name order. FNV-1a, 64 bits: the same in every process and
    /// release. Two processes that would train the same model from the same data have the same.
    ///
    /// # Errors
    ///
    /// A file that cannot be read.
    pub fn fingerprint(&self, fields: &Map<String, Value>) -> Result<u64, TrainError> {
        let mut hash = Self::config_fingerprint(fields);
        let mut files = vec![
            self.vocab_path(),
            self.tokenizer_path(None),
            self.tokenizer_path(Some("source")),
            self.tokenizer_path(Some("target")),
        ];
        if let Ok(entries) = std::fs::read_dir(self.path.join("splits")) {
            let mut splits: Vec<_> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
            splits.sort();
            files.extend(splits);
        }
        for file in files.iter().filter(|f| f.is_file()) {
            let bytes = std::fs::read(file).map_err(|e| TrainError::Io(format!("{}: {e}", file.display())))?;
            let name = file.strip_prefix(&self.path).unwrap_or(file).to_string_lossy();
            hash = fnv1a(fnv1a(hash, name.as_bytes()), &bytes);
        }
        Ok(hash)
    }

    /// The hash of a config's `fields` alone, as [`fingerprint`](Self::fingerprint) starts.
    pub fn config_fingerprint(fields: &Map<String, Value>) -> u64 {
        let config = serde_json::to_vec(fields).expect("plain data serialises");
        fnv1a(0xcbf2_9ce4_8422_2325, &config)
    }

    /// The last epoch whose three checkpoint files (model, optimizer,
    /// scheduler) all exist and read back whole; `None` if there is none.
    /// Epochs with a missing or damaged file are reported and skipped.
    pub fn last_complete_checkpoint(&self) -> Option<usize> {
        let dir = self.checkpoint_dir();
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
            let [model, optim, scheduler] = self.checkpointers();
            let model = Checkpointer::<ModuleRecord>::restore(&model, epoch).map(drop);
            let optim = Checkpointer::<OptimizerRecord>::restore(&optim, epoch).map(drop);
            let scheduler = Checkpointer::<LrSchedulerRecord>::restore(&scheduler, epoch).map(drop);
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
}

/// Pretty JSON, written as every file is ([`crate::files::write`]).
///
/// # Errors
///
/// As [`crate::files::write`].
pub fn write_json(path: &Path, value: &impl Serialize) -> Result<(), TrainError> {
    let text = serde_json::to_string_pretty(value).expect("plain data serialises");
    crate::files::write(path, format!("{text}\n").as_bytes(), "run file")
}

/// The name of the run's checksum file.
pub const SUMS: &str = "SHA256SUMS";

/// One of Burn's [`FileCheckpointer`]s of a run ([`RunDir::checkpointers`]) that keeps its
/// checkpoints' lines in `SHA256SUMS`. Burn calls each of the three from a thread of its own,
/// after every epoch.
pub struct SealedCheckpointer {
    inner: FileCheckpointer,
    /// The run's directory.
    run: PathBuf,
    /// `model`, `optim` or `scheduler`: the file of epoch E is `checkpoint/NAME-E.bpk`, as
    /// [`FileCheckpointer`] names it.
    name: &'static str,
}

impl SealedCheckpointer {
    /// The checkpoint of `epoch`, relative to the run's directory.
    fn relative(&self, epoch: usize) -> PathBuf {
        Path::new("checkpoint").join(format!("{}-{epoch}.bpk", self.name))
    }
}

impl<R: burn::train::checkpoint::Checkpoint> Checkpointer<R> for SealedCheckpointer {
    fn save(&self, epoch: usize, record: R) -> Result<(), CheckpointerError> {
        self.inner.save(epoch, record)?;
        let relative = self.relative(epoch);
        let sum = sha256(&self.run.join(&relative)).map_err(unknown)?;
        relist(&self.run, &relative, Some(&sum)).map_err(unknown)
    }

    fn delete(&self, epoch: usize) -> Result<(), CheckpointerError> {
        Checkpointer::<R>::delete(&self.inner, epoch)?;
        relist(&self.run, &self.relative(epoch), None).map_err(unknown)
    }

    fn restore(&self, epoch: usize) -> Result<R, CheckpointerError> {
        self.inner.restore(epoch)
    }
}

/// Burn's error for one of ours (its message kept).
fn unknown(error: TrainError) -> CheckpointerError {
    CheckpointerError::Unknown(error.to_string())
}

/// `SHA256SUMS` is rewritten whole by [`RunDir::seal`] and line by line by the checkpointers'
/// threads: one writer at a time.
static SUMS_LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn lock_sums() -> std::sync::MutexGuard<'static, ()> {
    SUMS_LOCK.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Sets (`Some`) or takes out (`None`) the line of `relative` in the `SHA256SUMS` of the run at
/// `run`, keeping the other lines as they are and all of them in the order of their paths (the
/// order [`RunDir::seal`] writes).
fn relist(run: &Path, relative: &Path, sum: Option<&str>) -> Result<(), TrainError> {
    let _sums = lock_sums();
    let path = run.join(SUMS);
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(TrainError::Io(format!("{}: cannot read: {e}", path.display()))),
    };
    let mut lines: Vec<(PathBuf, String)> = text
        .lines()
        .map(|line| {
            let listed = line.split_once("  ").map_or(line, |(_, listed)| listed);
            (PathBuf::from(listed), line.to_string())
        })
        .filter(|(listed, _)| listed != relative)
        .collect();
    if let Some(sum) = sum {
        lines.push((relative.to_path_buf(), format!("{sum}  {}", relative.display())));
    }
    lines.sort_by(|a, b| a.0.cmp(&b.0));
    let sums: String = lines.into_iter().map(|(_, line)| line + "\n").collect();
    crate::files::write(&path, sums.as_bytes(), "run file")
}

/// Whether the file at `relative` (to the run's directory) is listed in `SHA256SUMS`: what a model
/// or a resumed training is read from.
fn is_sealed(relative: &Path) -> bool {
    let mut components = relative.components();
    let Some(std::path::Component::Normal(first)) = components.next() else {
        return false;
    };
    let first = first.to_string_lossy();
    let nested = components.next().is_some();
    if nested {
        return first == "splits" || first == "checkpoint";
    }
    matches!(
        first.as_ref(),
        "config.json" | "vocab.json" | "catalogs.tsv" | "model.bpk"
    ) || first.ends_with("tokenizer.json")
}

/// Whether the file at `relative` is the record of a training that
/// [`RunDir::seal_finished`] lists: Burn's metric logs (`train/`, `valid/`, read back for a resumed
/// run's curves), `metrics.csv`, `summary.json` and the curves.
fn is_record(relative: &Path) -> bool {
    let mut components = relative.components();
    let Some(std::path::Component::Normal(first)) = components.next() else {
        return false;
    };
    if components.next().is_some() {
        return first == "train" || first == "valid";
    }
    matches!(
        first.to_string_lossy().as_ref(),
        "metrics.csv" | "summary.json" | "curves.png" | "curves.svg"
    )
}

/// The SHA-256 of the file at `path`, in lowercase hex.
fn sha256(path: &Path) -> Result<String, TrainError> {
    use sha2::Digest as _;
    let mut file =
        std::fs::File::open(path).map_err(|e| TrainError::Io(format!("{}: cannot read: {e}", path.display())))?;
    let mut hasher = sha2::Sha256::new();
    std::io::copy(&mut file, &mut hasher)
        .map_err(|e| TrainError::Io(format!("{}: cannot read: {e}", path.display())))?;
    Ok(format!("{:x}", hasher.finalize()))
}

/// Reads a JSON file.
///
/// # Errors
///
/// If the file cannot be read or does not parse as `T`; the message names it.
pub fn read_json<T: DeserializeOwned>(path: &Path) -> Result<T, TrainError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| TrainError::Input(format!("{}: cannot read: {e}", path.display())))?;
    serde_json::from_str(&text).map_err(|e| TrainError::Input(format!("{}: {e}", path.display())))
}

/// FNV-1a, 64 bits, of `bytes` after `hash`: the same in every process and release.
fn fnv1a(hash: u64, bytes: &[u8]) -> u64 {
    bytes
        .iter()
        .fold(hash, |h, &b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

/// Whether `path` is absent or an empty directory.
pub fn is_fresh(path: &Path) -> bool {
    match std::fs::read_dir(path) {
        Ok(mut entries) => entries.next().is_none(),
        Err(_) => !path.exists(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_creation_leaves_nothing_behind() {
        let dir = tempfile::tempdir().unwrap();
        let run = RunDir::new(dir.path().join("run"));
        let mut fields = Map::new();
        fields.insert("task".into(), Value::String("reverse".into()));
        let error = run
            .create(&fields, |staged| {
                write_json(&staged.vocab_path(), &1)?;
                Err(TrainError::Input("the data was bad".into()))
            })
            .unwrap_err();
        assert_eq!(error.to_string(), "the data was bad");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0, "no run, no staging");
        run.create(&fields, |staged| write_json(&staged.vocab_path(), &1))
            .unwrap();
        let (opened, read) = RunDir::open(run.path()).unwrap();
        assert_eq!((opened.release(), read), (RELEASE, fields));
        assert!(run.vocab_path().exists());
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            1,
            "the staging directory became the run"
        );
    }
}
