//! `attn train` and `attn eval` as functions: a config and a run directory
//! in, a trained run or its report out, whatever the task; and the trained
//! models of a run, ready to use.

use std::path::Path;

use burn::prelude::*;

use crate::TrainError;
use crate::config::TrainConfig;
use crate::lifecycle::Lifecycle;
use crate::report::curves;
use crate::run_dir::{RunDir, RunSummary, Start};
use crate::task::Decoding;
use crate::tasks::classify::{Classifier, ClassifyConfig};
use crate::tasks::translate::{TranslateConfig, Translator};

/// Trains `config` in `run`, on `devices` copies of `device` (data
/// parallel), and returns the summary it also writes. The program resolves
/// the device from the config's `device` name ([`crate::device::select`]).
///
/// # Errors
///
/// Bad configuration or run directory, an unknown device, a write that
/// fails, or a training that fails (a non-finite loss, say).
///
/// # Example
///
/// ```
/// use trainer::config::TrainConfig;
/// use trainer::run_dir::Start;
/// use trainer::tasks::reverse::ReverseConfig;
/// let dir = tempfile::tempdir().unwrap();
/// let mut config = TrainConfig::of(ReverseConfig { train_size: 100, ..ReverseConfig::default() });
/// config.common.epochs = 1;
/// let device = burn::prelude::Device::default();
/// let summary = trainer::training::train(&config, &dir.path().join("run"), Start::Fresh, 1, &device)?;
/// assert_eq!((summary.task.as_str(), summary.epochs), ("reverse", 1));
/// # Ok::<(), trainer::TrainError>(())
/// ```
pub fn train(
    config: &TrainConfig,
    run: &Path,
    start: Start,
    devices: usize,
    device: &Device,
) -> Result<RunSummary, TrainError> {
    if devices == 0 {
        return Err(TrainError::Input("--devices must be at least 1".into()));
    }
    config.validate()?;
    let lifecycle = Lifecycle {
        run: RunDir::new(run),
        start,
        devices,
        device: device.clone(),
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
