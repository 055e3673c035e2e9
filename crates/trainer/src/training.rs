//! `attn train` and `attn eval` as functions: a config and a run directory
//! in, a trained run or its report out, whatever the task; and a finished
//! run opened once ([`open`]), its model ready to use.

use std::path::Path;

use burn::prelude::*;

use crate::TrainError;
use crate::config::TrainConfig;
use crate::lifecycle::{Lifecycle, Place};
use crate::report::curves;
use crate::run_dir::{RunDir, RunSummary, Start};
use crate::task::{Classifying, Decoding, Task, Trained, Translating, UnknownWords};
use crate::tasks::Registered;
use crate::tasks::classify::Classify;
use crate::tasks::translate::Translate;

/// Trains `config` in a new run in `run`, on `devices` copies of `device`
/// (data parallel), and returns the summary it also writes. The program
/// resolves the device from the config's `device` name
/// ([`crate::device::select`]).
///
/// Under MPI (after [`crate::distributed::init`]), this process is one rank
/// of a data-parallel job, and the run's lifecycle places it
/// ([`crate::lifecycle::Place`]): ranks other than 0 train in a scratch
/// directory and their stdout is pointed at /dev/null for good; wgpu's
/// default device becomes the rank's own GPU
/// ([`crate::device::for_local_rank`]). On an error, call
/// [`crate::distributed::abort`], or the other ranks wait for this one.
///
/// # Errors
///
/// Bad configuration, a run directory that is not empty, an unknown device,
/// a write that fails, or a training that fails (a non-finite loss, say).
/// Under MPI also: more than one device per rank, ranks whose config or
/// data differ, and batches that cannot be split over the ranks.
///
/// # Example
///
/// ```
/// use trainer::config::TrainConfig;
/// use trainer::tasks::reverse::ReverseConfig;
/// let dir = tempfile::tempdir().unwrap();
/// let mut config = TrainConfig::of(ReverseConfig { train_size: 100, ..ReverseConfig::default() });
/// config.common.epochs = 1;
/// let device = burn::prelude::Device::default();
/// let summary = trainer::training::train(&config, &dir.path().join("run"), 1, &device)?;
/// assert_eq!((summary.task.as_str(), summary.epochs), ("reverse", 1));
/// # Ok::<(), trainer::TrainError>(())
/// ```
pub fn train(config: &TrainConfig, run: &Path, devices: usize, device: &Device) -> Result<RunSummary, TrainError> {
    check_devices(devices)?;
    config.validate()?;
    let place = Place::new(run, Start::Fresh, devices)?;
    run_lifecycle(config, place, Start::Fresh, devices, device.clone())
}

/// Continues the unfinished run in `run` from its last complete checkpoint,
/// on `devices` copies of a device, with the config the run saved. `change`
/// sees that config first: it may change what a resumed run can change (its
/// epochs, its device's name), and returns the device to train on. Returns
/// the config trained with and the summary. `task`, when given, is the task
/// the run must be of. Under MPI, as [`train`]; the other ranks resume from
/// rank 0's run, which it sends them.
///
/// # Errors
///
/// A directory that holds no run of `task`, a finished run with no epochs
/// left, what `change` returns, a `change` to anything but the epochs and
/// the device, an unreadable or unwritable run, and a training that fails;
/// under MPI, the errors [`train`] lists there.
///
/// # Example
///
/// ```
/// use trainer::config::TrainConfig;
/// use trainer::tasks::reverse::ReverseConfig;
/// let dir = tempfile::tempdir().unwrap();
/// let run = dir.path().join("run");
/// let mut config = TrainConfig::of(ReverseConfig { train_size: 100, ..ReverseConfig::default() });
/// config.common.epochs = 1;
/// let device = burn::prelude::Device::default();
/// trainer::training::train(&config, &run, 1, &device)?;
/// // One more epoch.
/// let (config, summary) = trainer::training::resume(&run, Some("reverse"), 1, |config| {
///     config.common.epochs = 2;
///     Ok(device.clone())
/// })?;
/// assert_eq!((config.common.epochs, summary.epochs), (2, 2));
/// // Not the seed: a resumed run keeps its config.
/// let refused = trainer::training::resume(&run, None, 1, |config| {
///     config.common.epochs = 3;
///     config.common.seed += 1;
///     Ok(device.clone())
/// });
/// assert!(refused.unwrap_err().to_string().contains("only --epochs and --device can change, not --seed"));
/// # Ok::<(), trainer::TrainError>(())
/// ```
pub fn resume(
    run: &Path,
    task: Option<&str>,
    devices: usize,
    change: impl FnOnce(&mut TrainConfig) -> Result<Device, TrainError>,
) -> Result<(TrainConfig, RunSummary), TrainError> {
    check_devices(devices)?;
    // Under MPI the other ranks read the run from their place, where rank 0 sent it.
    let mut place = Place::new(run, Start::Resume, devices)?;
    let fields = place.open()?;
    let saved = TrainConfig::from_run(place.run(), fields, task)?;
    let mut config = saved.clone();
    let device = change(&mut config)?;
    // The one rule of a resumed run: it keeps its saved config, but for these.
    let (old, new) = (saved.to_map(), config.to_map());
    let changed: Vec<String> = new
        .iter()
        .filter(|(field, value)| !["epochs", "device"].contains(&field.as_str()) && old.get(*field) != Some(value))
        .map(|(field, _)| saved.task.flag(field))
        .collect();
    if !changed.is_empty() {
        return Err(TrainError::Input(format!(
            "{}: --resume continues a run with its saved config; only --epochs and --device can change, not {}",
            run.display(),
            changed.join(", ")
        )));
    }
    config.validate()?;
    let summary = run_lifecycle(&config, place, Start::Resume, devices, device)?;
    Ok((config, summary))
}

fn check_devices(devices: usize) -> Result<(), TrainError> {
    if devices == 0 {
        return Err(TrainError::Input("--devices must be at least 1".into()));
    }
    Ok(())
}

fn run_lifecycle(
    config: &TrainConfig,
    place: Place,
    start: Start,
    devices: usize,
    device: Device,
) -> Result<RunSummary, TrainError> {
    let lifecycle = Lifecycle {
        device: place.device(device),
        place,
        start,
        devices,
    };
    config.task.train(&config.common, &config.to_map(), lifecycle)
}

/// Scores the trained model of `run` on its test split, on `device`;
/// returns the report as `attn eval` prints it.
///
/// # Errors
///
/// A directory that holds no finished run, an unknown device, or damaged
/// files.
pub fn evaluate(run: &Path, device: &Device, decoding: Decoding, unknown: UnknownWords) -> Result<String, TrainError> {
    open(run, device)?.evaluate(decoding, unknown)
}

/// A finished run, opened once: its directory, its config (`config.json`
/// read once), and its model on a device with what the model needs
/// (vocabularies), ready for every question asked of it.
pub struct OpenRun {
    /// The run directory.
    pub dir: RunDir,
    /// The run's config.
    pub config: TrainConfig,
    /// The model, through the task's hooks.
    pub trained: Box<dyn Trained>,
}

/// Opens the finished run in `run` on `device`, whatever its task.
///
/// # Errors
///
/// A directory that holds no finished run, or damaged files.
///
/// # Example
///
/// ```
/// use trainer::config::TrainConfig;
/// use trainer::task::{Decoding, UnknownWords};
/// use trainer::tasks::reverse::ReverseConfig;
/// let dir = tempfile::tempdir().unwrap();
/// let mut config = TrainConfig::of(ReverseConfig { train_size: 100, ..ReverseConfig::default() });
/// config.common.epochs = 1;
/// let device = burn::prelude::Device::default();
/// trainer::training::train(&config, &dir.path().join("run"), 1, &device)?;
/// let run = trainer::training::open(&dir.path().join("run"), &device)?;
/// assert!(run.evaluate(Decoding::Greedy, UnknownWords::Keep)?.starts_with("10 test sentences, BLEU"));
/// // A reverse run translates symbols, not sentences.
/// assert!(run.translator().is_err());
/// # Ok::<(), trainer::TrainError>(())
/// ```
pub fn open(run: &Path, device: &Device) -> Result<OpenRun, TrainError> {
    let (dir, config) = TrainConfig::open(run, None)?;
    let trained = config.task.open(&config.common, &dir, device)?;
    Ok(OpenRun { dir, config, trained })
}

/// Opens the finished run of task `T` in `run` on `device`: the task's own
/// type ([`Task::Trained`]), for a program that knows the task.
///
/// # Errors
///
/// A directory that holds no finished run of `T`, or damaged files.
pub fn open_task<T: Registered>(run: &Path, device: &Device) -> Result<T::Trained, TrainError> {
    let (dir, config) = TrainConfig::open(run, Some(T::NAME))?;
    let section = T::section(&config.task).expect("TrainConfig::open checked the task");
    T::open(&dir, &config.common, section, device)
}

/// The translator of the translate run in `run`, on `device`.
///
/// # Errors
///
/// As [`open_task`].
pub fn translator(run: &Path, device: &Device) -> Result<<Translate as Task>::Trained, TrainError> {
    open_task::<Translate>(run, device)
}

/// The classifier of the classify run in `run`, on `device`.
///
/// # Errors
///
/// As [`open_task`].
pub fn classifier(run: &Path, device: &Device) -> Result<<Classify as Task>::Trained, TrainError> {
    open_task::<Classify>(run, device)
}

impl OpenRun {
    /// The report of `attn eval`: the task's, then where the training curves are.
    ///
    /// # Errors
    ///
    /// As [`Trained::evaluate`].
    pub fn evaluate(&self, decoding: Decoding, unknown: UnknownWords) -> Result<String, TrainError> {
        let mut report = self.trained.evaluate(decoding, unknown)?;
        let curves = [curves::PNG, curves::SVG].map(|name| self.dir.path().join(name));
        if curves.iter().all(|path| path.is_file()) {
            let [png, svg] = curves.map(|path| path.display().to_string());
            report.push_str(&format!("training curves: {png}, {svg}\n"));
        } else {
            report
                .push_str("training curves: none (the run predates them); `attn serve` draws them from metrics.csv\n");
        }
        Ok(report)
    }

    /// The model as a translator.
    ///
    /// # Errors
    ///
    /// A run of a task that does not translate sentences.
    pub fn translator(&self) -> Result<&dyn Translating, TrainError> {
        self.trained.translator().ok_or_else(|| {
            TrainError::Input(format!(
                "{}: holds a {} run, which has no translator; `attn translate` needs a translate run",
                self.dir.path().display(),
                self.config.task.name(),
            ))
        })
    }

    /// The model as a classifier.
    ///
    /// # Errors
    ///
    /// A run of a task that does not classify words.
    pub fn classifier(&self) -> Result<&dyn Classifying, TrainError> {
        self.trained.classifier().ok_or_else(|| {
            TrainError::Input(format!(
                "{}: holds a `{}` run, not `classify`",
                self.dir.path().display(),
                self.config.task.name()
            ))
        })
    }
}
