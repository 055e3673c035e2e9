//! `attn train`: a run's lifecycle, the same for every task, on Burn's
//! trainer. [`train`] checks the config and the run directory, asks the
//! task ([`crate::tasks::Task`]) for its data, creates the run directory,
//! and hands the task a [`Session`] that owns the rest: data loaders, the
//! optimiser and its schedule, checkpoints and resuming, early stopping,
//! devices, the final model, `metrics.csv` and `summary.json`.

use std::path::Path;
use std::sync::Arc;

use burn::data::dataloader::batcher::Batcher;
use burn::data::dataloader::{DataLoader, DataLoaderBuilder};
use burn::data::dataset::InMemDataset;
use burn::grad_clipping::GradientClippingConfig;
use burn::lr_scheduler::LrSchedulerConfig;
use burn::lr_scheduler::cosine::CosineAnnealingLrSchedulerConfig;
use burn::lr_scheduler::linear::LinearLrSchedulerConfig;
use burn::lr_scheduler::module_lr_scheduler::ModuleLrScheduler;
use burn::lr_scheduler::noam::NoamLrSchedulerConfig;
use burn::lr_scheduler::sequential::SequentialLrSchedulerConfig;
use burn::module::Module;
use burn::optim::AdamConfig;
use burn::prelude::*;
use burn::train::metric::LossMetric;
use burn::train::metric::store::{Aggregate, Direction, Split};
use burn::train::{
    ExecutionStrategy, Learner, LearnerModel, LearnerSummary, MetricEarlyStoppingStrategy, MultiDeviceOptim,
    StoppingCondition, SupervisedTraining,
};

use crate::TrainError;
use crate::config::{CommonConfig, ScheduleName, TrainConfig};
use crate::run_dir::{RunDir, RunSummary, Start, write_atomic, write_json};
use crate::tasks::Task;

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
    config.task.train(config, lifecycle)
}

/// What [`train`] hands to the task's dispatch.
pub(crate) struct Lifecycle {
    run: RunDir,
    start: Start,
    devices: usize,
    device: Device,
}

impl Lifecycle {
    /// The run of task `T`: check, data, directory, then the task's fit.
    pub(crate) fn run<T: Task>(self, config: &TrainConfig, section: &T::Config) -> Result<RunSummary, TrainError> {
        let common = &config.common;
        let resume_from = self.run.check_start(self.start, common.epochs)?;
        let data = match self.start {
            Start::Fresh => {
                let data = T::prepare(section, common)?;
                self.run.create(config, |staged| T::save(&data, staged))?;
                data
            }
            Start::Resume => {
                let data = T::reload(section, common, &self.run)?;
                // `--epochs` and `--device` may have changed.
                self.run.write_config(config)?;
                tracing::info!(
                    "resuming {} from {}",
                    self.run.path().display(),
                    resume_from.map_or("the start".to_string(), |e| format!("epoch {e}"))
                );
                data
            }
        };
        self.device.seed(common.seed);
        let session = Session {
            common,
            task: T::NAME,
            run: &self.run,
            device: self.device.clone(),
            devices: self.devices,
            resume_from,
        };
        T::fit(section, data, &session)
    }
}

/// A run in progress, as a task's [`Task::fit`] sees it.
pub struct Session<'a> {
    /// The common fields of the config.
    pub common: &'a CommonConfig,
    /// The task's name.
    pub task: &'static str,
    /// The run directory.
    pub run: &'a RunDir,
    /// The device training runs on (copied on every one of `devices`).
    pub device: Device,
    /// Data-parallel copies of the device.
    pub devices: usize,
    /// The epoch a resumed run continues from.
    pub resume_from: Option<usize>,
}

impl Session<'_> {
    /// Optimiser steps per epoch for `train_items` training items: each
    /// step takes a batch on every device.
    pub fn steps_per_epoch(&self, train_items: usize) -> usize {
        train_items.div_ceil(self.common.batch_size * self.devices)
    }

    /// Batches this run's items on its device, shuffled with its seed.
    pub fn loader<I, O>(&self, batcher: impl Batcher<I, O> + 'static, items: Vec<I>) -> Arc<dyn DataLoader<O>>
    where
        I: Send + Sync + Clone + std::fmt::Debug + 'static,
        O: Send + Clone + std::fmt::Debug + 'static,
    {
        DataLoaderBuilder::new(batcher)
            .batch_size(self.common.batch_size)
            .shuffle(self.common.seed)
            .set_device(self.device.clone())
            .build(InMemDataset::new(items))
    }

    /// Burn's trainer on the run directory, with this project's defaults:
    /// per-epoch checkpoints, no log file of its own, the config's epochs,
    /// and a summary of the metrics.
    pub fn training<M: LearnerModel>(
        &self,
        train: Arc<dyn DataLoader<<M as burn::train::TrainStep>::Input>>,
        valid: Arc<dyn DataLoader<<M as burn::train::InferenceStep>::Input>>,
    ) -> SupervisedTraining<M> {
        SupervisedTraining::new(self.run.path(), train, valid)
            .with_default_checkpointers()
            .with_application_logger(None)
            .num_epochs(self.common.epochs)
            .summary()
    }

    /// Adam with the config's gradient clipping and learning-rate schedule,
    /// for `train_items` training items; `width` is the model width that
    /// the Noam schedule scales by.
    ///
    /// # Errors
    ///
    /// A schedule Burn refuses.
    pub fn learner<M: LearnerModel>(
        &self,
        model: M,
        train_items: usize,
        width: usize,
    ) -> Result<Learner<M>, TrainError> {
        let common = self.common;
        let total_steps = self.steps_per_epoch(train_items) * common.epochs;
        let lr = common.learning_rate;
        let warmup = common.warmup_steps.min(total_steps.saturating_sub(1)).max(1);
        let scheduler: ModuleLrScheduler = match common.schedule {
            ScheduleName::Constant => lr.into(),
            ScheduleName::WarmupCosine => SequentialLrSchedulerConfig::new(
                vec![
                    LrSchedulerConfig::Linear(LinearLrSchedulerConfig::new(lr / 100.0, lr, warmup)),
                    LrSchedulerConfig::Cosine(
                        CosineAnnealingLrSchedulerConfig::new(lr, (total_steps - warmup).max(1))
                            .with_min_lr(lr / 100.0),
                    ),
                ],
                vec![warmup],
            )
            .init()
            .map_err(|e| TrainError::Input(format!("config: invalid schedule: {e}")))?,
            ScheduleName::Noam => NoamLrSchedulerConfig::new(lr)
                .with_warmup_steps(warmup)
                .with_model_size(width)
                .init()
                .map_err(|e| TrainError::Input(format!("config: invalid schedule: {e}")))?,
        };
        let adam = AdamConfig::new().with_grad_clipping(
            (common.grad_clip > 0.0).then_some(GradientClippingConfig::Norm(common.grad_clip as f32)),
        );
        Ok(Learner::new(model, adam.init(), scheduler))
    }

    /// Trains: resumes from the checkpoint, stops early, renders progress
    /// and spreads over the devices as the run says; then `save`s the
    /// trained learner's model to `model.bpk` and writes `metrics.csv` and
    /// `summary.json` from Burn's logs of `metrics`.
    ///
    /// # Errors
    ///
    /// A training that fails (a non-finite loss, say) or a file that cannot
    /// be written.
    pub fn fit<M: LearnerModel>(
        &self,
        mut training: SupervisedTraining<M>,
        learner: Learner<M>,
        metrics: &[&str],
        save: impl FnOnce(M, &Path) -> Result<(), TrainError>,
    ) -> Result<RunSummary, TrainError> {
        let run = self.run.path();
        if let Some(epoch) = self.resume_from {
            training = training.checkpoint(epoch);
        }
        if let Some(patience) = self.common.early_stopping {
            training = training.early_stopping(MetricEarlyStoppingStrategy::new(
                &LossMetric::new(),
                Aggregate::Mean,
                Direction::Lowest,
                Split::Valid,
                StoppingCondition::NoImprovementSince { n_epochs: patience },
            ));
        }
        // Burn's TUI on a terminal; plain lines for logs and pipes.
        if !std::io::IsTerminal::is_terminal(&std::io::stdout()) {
            training = training.renderer(Box::new(crate::report::renderer::PlainRenderer::default()));
        }
        if self.devices > 1 {
            training = training.with_training_strategy(
                ExecutionStrategy::multi(
                    vec![self.device.clone(); self.devices],
                    MultiDeviceOptim::OptimMainDevice,
                )
                .into(),
            );
        }
        let result = training.launch(learner);
        if let Some(error) = result.error {
            return Err(TrainError::Training(format!("{}: {error}", run.display())));
        }
        save(result.model, &self.run.model_path())?;
        self.summarize(metrics)
    }

    fn summarize(&self, metrics: &[&str]) -> Result<RunSummary, TrainError> {
        let run = self.run.path();
        let summary = LearnerSummary::new(run, metrics)
            .map_err(|e| TrainError::Io(format!("{}: cannot read the metric logs: {e}", run.display())))?;
        let mut csv = String::from("epoch,split,metric,value\n");
        for (split, metrics) in [("train", &summary.metrics.train), ("valid", &summary.metrics.valid)] {
            for metric in metrics {
                for entry in &metric.entries {
                    csv.push_str(&format!("{},{split},{},{}\n", entry.step, metric.name, entry.value));
                }
            }
        }
        write_atomic(&self.run.metrics_path(), csv.as_bytes())?;
        let last = |name: &str| {
            summary
                .metrics
                .valid
                .iter()
                .find(|m| m.name == name)
                .and_then(|m| m.entries.last())
                .map(|e| e.value)
        };
        let run_summary = RunSummary {
            task: self.task.to_string(),
            epochs: summary.epochs,
            valid_loss: last("Loss"),
            valid_accuracy: last("Accuracy"),
            valid_bleu: last("BLEU"),
        };
        write_json(&self.run.summary_path(), &run_summary)?;
        Ok(run_summary)
    }
}

/// Saves `model` to `path` (Burn's `.bpk`, written atomically).
///
/// # Errors
///
/// If the file cannot be written.
pub fn save_model<T: Module>(model: T, path: &Path) -> Result<(), TrainError> {
    model
        .save_file(path)
        .map_err(|e| TrainError::Io(format!("{}: cannot save the model: {e:?}", path.display())))
}

/// Scores the trained model of `run` on its test split, on `device`;
/// returns the report as `attn eval` prints it.
///
/// # Errors
///
/// A directory that holds no finished run, an unknown device, or damaged
/// files.
pub fn evaluate(run: &Path, device: &Device, decoding: crate::tasks::Decoding) -> Result<String, TrainError> {
    let run = RunDir::new(run);
    let config = run.read_config(None)?;
    config.task.evaluate(&config, &run, device, decoding)
}
