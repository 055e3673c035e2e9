//! `attn train` and `attn eval` as functions: a config and a run directory
//! in, a trained run or its report out, whatever the task; and the trained
//! models of a run, ready to use.

use std::path::Path;

use burn::prelude::*;

use crate::TrainError;
use crate::config::TrainConfig;
use crate::lifecycle::{Lifecycle, Place};
use crate::report::curves;
use crate::run_dir::{RunDir, RunSummary, Start};
use crate::task::Decoding;
use crate::tasks::classify::{Classifier, ClassifyConfig};
use crate::tasks::translate::{TranslateConfig, Translator};

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
/// assert!(refused.unwrap_err().to_string().contains("only the epochs and the device can change"));
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
    let place = Place::new(run, Start::Resume, devices)?;
    let saved = TrainConfig::read(place.run(), task)?;
    let mut config = saved.clone();
    let device = change(&mut config)?;
    let mut fixed = config.clone();
    (fixed.common.epochs, fixed.common.device) = (saved.common.epochs, saved.common.device.clone());
    if fixed != saved {
        return Err(TrainError::Input(format!(
            "{}: a resumed run keeps its saved config; only the epochs and the device can change",
            run.display()
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
pub fn evaluate(run: &Path, device: &Device, decoding: Decoding) -> Result<String, TrainError> {
    let dir = RunDir::new(run);
    let config = TrainConfig::read(&dir, None)?;
    let mut report = config.task.evaluate(&config.common, &dir, device, decoding)?;
    let curves = [curves::PNG, curves::SVG].map(|name| run.join(name));
    if curves.iter().all(|path| path.is_file()) {
        let [png, svg] = curves.map(|path| path.display().to_string());
        report.push_str(&format!("training curves: {png}, {svg}\n"));
    } else {
        report.push_str("training curves: none (the run predates them); `attn serve` draws them from metrics.csv\n");
    }
    Ok(report)
}

/// The translator of the translate run in `run`, on `device`.
///
/// # Errors
///
/// If the directory holds no finished translate run (a reverse run
/// translates symbols, not sentences; a classify run has no translator), or
/// its files are damaged.
pub fn translator(run: &Path, device: &Device) -> Result<Translator, TrainError> {
    let (dir, config) = open(run)?;
    match config.task.section::<TranslateConfig>() {
        Some(section) => Translator::open(&dir, &config.common, section, device),
        None => Err(TrainError::Input(format!(
            "{}: holds a {} run, which has no translator; `attn translate` needs a translate run",
            run.display(),
            config.task.name(),
        ))),
    }
}

/// The classifier of the classify run in `run`, on `device`.
///
/// # Errors
///
/// If the directory holds no finished classify run, or its files are
/// damaged.
pub fn classifier(run: &Path, device: &Device) -> Result<Classifier, TrainError> {
    let (dir, config) = open(run)?;
    match config.task.section::<ClassifyConfig>() {
        Some(section) => Classifier::open(&dir, &config.common, section, device),
        None => Err(TrainError::Input(format!(
            "{}: holds a `{}` run, not `classify`",
            run.display(),
            config.task.name()
        ))),
    }
}

fn open(run: &Path) -> Result<(RunDir, TrainConfig), TrainError> {
    let dir = RunDir::new(run);
    let config = TrainConfig::read(&dir, None)?;
    Ok((dir, config))
}
