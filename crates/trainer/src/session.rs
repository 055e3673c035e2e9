//! A run in progress, as a task sees it: the fields every task's config
//! has ([`CommonConfig`]), and the [`Session`] that owns what every task's
//! training shares on Burn's trainer: data loaders, the optimiser and its
//! schedule, checkpoints and resuming, early stopping, devices, training
//! across processes, the final model, `metrics.csv` and `summary.json`.
//!
//! # Training across processes
//!
//! Under `--distributed mpi` ([`crate::distributed`]) the session, not the
//! task, keeps the ranks together: [`Session::learner`] starts every rank
//! from rank 0's weights, [`Session::train_loader`] gives each rank its slice
//! of every batch, and the learner it trains is the task's wrapped in
//! [`Synced`], whose step averages the gradients and the loss over the
//! ranks. A task only says what a batch counts in its loss ([`LossWeight`])
//! and where its step's loss is ([`StepLoss`]).

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
use burn::module::{Devices, ModuleMapper, ModuleVisitor};
use burn::optim::AdamConfig;
use burn::prelude::*;
use burn::train::metric::LossMetric;
use burn::train::metric::store::EventStoreClient;
use burn::train::metric::store::{Aggregate, Direction, Split};
use burn::train::renderer::{MetricsRenderer, default_renderer};
use burn::train::{
    ClassificationOutput, EarlyStoppingStrategy, ExecutionStrategy, InferenceStep, Learner, LearnerModel,
    LearnerSummary, MetricEarlyStoppingStrategy, MultiDeviceOptim, SequenceOutput, StoppingCondition,
    SupervisedTraining, TrainOutput, TrainStep,
};

use serde::{Deserialize, Serialize};

use crate::TrainError;
use crate::report::renderer::{CurvesRenderer, PlainRenderer};
use crate::run_dir::{RunDir, RunSummary, write_json};

/// The fields every task has.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, clap::Args)]
#[group(skip)]
pub struct CommonConfig {
    /// Seed of initialisation, data, shuffling, dropout and teacher forcing.
    #[arg(long)]
    pub seed: u64,
    /// Epochs to train.
    #[arg(long)]
    pub epochs: usize,
    /// Sequences per batch.
    #[arg(long)]
    pub batch_size: usize,
    /// Peak learning rate of Adam, whatever the schedule.
    #[arg(long)]
    pub learning_rate: f64,
    /// The learning-rate schedule.
    #[arg(long)]
    pub schedule: ScheduleName,
    /// Warm-up steps for `warmup-cosine` and `noam`.
    #[arg(long)]
    pub warmup_steps: usize,
    /// Clip each parameter's gradient to this L2 norm (Burn clips per
    /// parameter tensor, not over all of them); 0 turns clipping off.
    #[arg(long)]
    pub grad_clip: f64,
    /// Label smoothing, in [0, 1).
    #[arg(long)]
    pub label_smoothing: f64,
    /// Stop when the validation loss has not improved for this many epochs.
    #[arg(long)]
    pub early_stopping: Option<usize>,
    /// Stop after the last epoch that ends within this many minutes of training (each epoch
    /// expected to take as long as the one before it); the run's epochs are then an upper bound.
    #[arg(long, value_name = "MINUTES")]
    #[serde(default)]
    pub time_budget: Option<f64>,
    /// Backend: flex, ndarray or wgpu (those compiled in); Burn's choice if
    /// absent.
    #[arg(long)]
    pub device: Option<String>,
}

impl Default for CommonConfig {
    fn default() -> Self {
        Self {
            seed: 42,
            epochs: 10,
            batch_size: 32,
            learning_rate: 3e-3,
            schedule: ScheduleName::Constant,
            warmup_steps: 100,
            grad_clip: 1.0,
            label_smoothing: 0.0,
            early_stopping: None,
            time_budget: None,
            device: None,
        }
    }
}

impl CommonConfig {
    /// Checks the values.
    ///
    /// # Errors
    ///
    /// Names the field and the value.
    pub fn validate(&self) -> Result<(), TrainError> {
        for (field, value) in [("epochs", self.epochs), ("batch_size", self.batch_size)] {
            TrainError::positive(field, value)?;
        }
        if !(self.learning_rate > 0.0 && self.learning_rate <= 1.0) {
            return TrainError::invalid(
                "learning_rate",
                format!("must be in (0, 1], got {}", self.learning_rate),
            );
        }
        if !(0.0..1.0).contains(&self.label_smoothing) {
            return TrainError::invalid(
                "label_smoothing",
                format!("must be in [0, 1), got {}", self.label_smoothing),
            );
        }
        if self.grad_clip.is_nan() || self.grad_clip < 0.0 {
            return TrainError::invalid(
                "grad_clip",
                format!("must be 0 (off) or positive, got {}", self.grad_clip),
            );
        }
        if self.early_stopping == Some(0) {
            return TrainError::invalid("early_stopping", "must be at least 1 epoch, got 0".into());
        }
        if let Some(minutes) = self.time_budget
            && !(minutes.is_finite() && minutes > 0.0)
        {
            return TrainError::invalid(
                "time_budget",
                format!("must be a positive number of minutes, got {minutes}"),
            );
        }
        Ok(())
    }
}

/// The learning-rate schedule.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum ScheduleName {
    /// The same rate throughout.
    Constant,
    /// Linear warm-up from a hundredth of the rate, then cosine decay to a
    /// hundredth of it.
    WarmupCosine,
    /// Vaswani et al.'s schedule, `d^-0.5 * min(step^-0.5, step * warmup^-1.5)`
    /// (`d` the model width), scaled so that its peak, at the end of the
    /// warm-up, is the learning rate.
    Noam,
}

/// A run in progress, as a task's [`crate::task::Task::fit`] sees it.
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

    /// The training split's loader: [`loader`](Self::loader), keeping this
    /// rank's slice of each batch when training across processes
    /// ([`crate::distributed`]).
    ///
    /// # Errors
    ///
    /// Under `--distributed mpi`, batches too small to give every rank a slice.
    pub fn train_loader<I, O>(
        &self,
        batcher: impl Batcher<I, O> + 'static,
        items: Vec<I>,
    ) -> Result<Arc<dyn DataLoader<O>>, TrainError>
    where
        I: Send + Sync + Clone + std::fmt::Debug + 'static,
        O: Send + Clone + std::fmt::Debug + 'static,
    {
        Ok(match crate::distributed::current() {
            Some(rank) => {
                crate::distributed::check_batches(rank, self.common.batch_size, items.len())?;
                self.loader(crate::distributed::Sharded::new(batcher, rank), items)
            }
            None => self.loader(batcher, items),
        })
    }

    /// [`train_loader`](Self::train_loader), with the items cut into batches as `batching` says:
    /// [`Batching::ByLength`] sorts them by `length` (a seeded shuffle first, so that items of one
    /// length are in random order), cuts the sorted list into batches, and shuffles the batches
    /// each epoch; the batches stay the same from one epoch to the next.
    ///
    /// # Errors
    ///
    /// As [`train_loader`](Self::train_loader).
    pub fn train_loader_by<I, O, K: Ord>(
        &self,
        batcher: impl Batcher<I, O> + 'static,
        items: Vec<I>,
        batching: Batching,
        length: impl Fn(&I) -> K,
    ) -> Result<Arc<dyn DataLoader<O>>, TrainError>
    where
        I: Send + Sync + Clone + std::fmt::Debug + 'static,
        O: Send + Clone + std::fmt::Debug + 'static,
    {
        if batching == Batching::Random {
            return self.train_loader(batcher, items);
        }
        let groups = by_length(items, self.common.batch_size, self.common.seed, length);
        Ok(match crate::distributed::current() {
            Some(rank) => {
                let items = groups.iter().map(Vec::len).sum();
                crate::distributed::check_batches(rank, self.common.batch_size, items)?;
                self.groups_loader(Flatten(crate::distributed::Sharded::new(batcher, rank)), groups)
            }
            None => self.groups_loader(Flatten(batcher), groups),
        })
    }

    /// The validation split's loader, cut into batches as `batching` says (in a fixed order).
    pub fn loader_by<I, O, K: Ord>(
        &self,
        batcher: impl Batcher<I, O> + 'static,
        items: Vec<I>,
        batching: Batching,
        length: impl Fn(&I) -> K,
    ) -> Arc<dyn DataLoader<O>>
    where
        I: Send + Sync + Clone + std::fmt::Debug + 'static,
        O: Send + Clone + std::fmt::Debug + 'static,
    {
        match batching {
            Batching::Random => self.loader(batcher, items),
            Batching::ByLength => self.groups_loader(
                Flatten(batcher),
                by_length(items, self.common.batch_size, self.common.seed, length),
            ),
        }
    }

    /// One batch an item: each item is a batch already.
    fn groups_loader<I, O>(
        &self,
        batcher: impl Batcher<Vec<I>, O> + 'static,
        groups: Vec<Vec<I>>,
    ) -> Arc<dyn DataLoader<O>>
    where
        I: Send + Sync + Clone + std::fmt::Debug + 'static,
        O: Send + Clone + std::fmt::Debug + 'static,
    {
        DataLoaderBuilder::new(batcher)
            .batch_size(1)
            .shuffle(self.common.seed)
            .set_device(self.device.clone())
            .build(InMemDataset::new(groups))
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
    /// per-epoch checkpoints (each listed in `SHA256SUMS` once written), no
    /// log file of its own, the config's epochs, and a summary of the metrics. It trains the task's learner `M`
    /// [`Synced`] with the other ranks.
    pub fn training<M: SyncedModel>(
        &self,
        train: Arc<dyn DataLoader<<M as TrainStep>::Input>>,
        valid: Arc<dyn DataLoader<<M as InferenceStep>::Input>>,
    ) -> SupervisedTraining<Synced<M>> {
        let [model, optim, scheduler] = self.run.checkpointers();
        SupervisedTraining::new(self.run.path(), train, valid)
            .with_custom_checkpointers(model, optim, scheduler)
            .with_application_logger(None)
            .num_epochs(self.common.epochs)
            .summary()
    }

    /// Adam with the config's gradient clipping and learning-rate schedule,
    /// for `train_items` training items; `width` is the model width that
    /// the Noam schedule scales by. Under `--distributed mpi`, `model`
    /// starts from rank 0's weights on every rank.
    ///
    /// # Errors
    ///
    /// A schedule Burn refuses.
    pub fn learner<M: SyncedModel>(
        &self,
        model: M,
        train_items: usize,
        width: usize,
    ) -> Result<Learner<Synced<M>>, TrainError> {
        let model = match crate::distributed::current() {
            Some(_) => crate::distributed::broadcast_model(model),
            None => model,
        };
        let common = self.common;
        let scheduler = schedule(common, self.steps_per_epoch(train_items) * common.epochs, width)?;
        let adam = AdamConfig::new().with_grad_clipping(
            (common.grad_clip > 0.0).then_some(GradientClippingConfig::Norm(common.grad_clip as f32)),
        );
        Ok(Learner::new(Synced { inner: model }, adam.init(), scheduler))
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
    pub fn fit<M: SyncedModel>(
        &self,
        mut training: SupervisedTraining<Synced<M>>,
        learner: Learner<Synced<M>>,
        metrics: &[&str],
        save: impl FnOnce(M, &Path) -> Result<(), TrainError>,
    ) -> Result<RunSummary, TrainError> {
        let run = self.run.path();
        if let Some(epoch) = self.resume_from {
            training = training.checkpoint(epoch);
        }
        let patience = self.common.early_stopping.map(|patience| {
            MetricEarlyStoppingStrategy::new(
                &LossMetric::new(),
                Aggregate::Mean,
                Direction::Lowest,
                Split::Valid,
                StoppingCondition::NoImprovementSince { n_epochs: patience },
            )
        });
        let budget = self.common.time_budget.map(TimeBudget::minutes);
        if budget.is_some() && crate::distributed::current().is_some() {
            // Each rank would time its own epochs, and one that stopped first would leave the
            // others waiting in an all-reduce.
            return Err(TrainError::Input(
                "--time-budget is not supported across MPI ranks; give --epochs".into(),
            ));
        }
        if patience.is_some() || budget.is_some() {
            training = training.early_stopping(Stopping { patience, budget });
        }
        // Burn's TUI on a terminal; plain lines for logs and pipes; either way the curves are redrawn
        // after each epoch.
        // `mpirun` gives its ranks a terminal that is not the user's: plain lines there too.
        let terminal = std::io::IsTerminal::is_terminal(&std::io::stdout()) && crate::distributed::current().is_none();
        let progress: Box<dyn MetricsRenderer> = if terminal {
            default_renderer(training.interrupter(), self.resume_from)
        } else {
            Box::new(PlainRenderer::default())
        };
        let resumed = self.resume_from.is_some();
        training = training.renderer(Box::new(CurvesRenderer::new(
            progress,
            run.to_path_buf(),
            metrics,
            resumed,
        )));
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
        save(result.model.inner, &self.run.model_path())?;
        let summary = self.summarize(metrics)?;
        self.run.seal_finished()?;
        Ok(summary)
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
        crate::files::write(&self.run.metrics_path(), csv.as_bytes(), "run file")?;
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

/// How a training split is cut into batches.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum Batching {
    /// Items drawn at random for each batch, anew each epoch.
    #[default]
    Random,
    /// Items of about the same length together, the batches in random order: less padding, as
    /// the translation toolkits batch (on the gettext corpus's subwords, 87% and 99% of the
    /// source and target positions are words, against 28% and 32% at random).
    ByLength,
}

/// `items` sorted by `length` after a shuffle with `seed` (a stable sort: items of one length stay
/// in random order), cut into batches of `batch_size`.
///
/// ```
/// let batches = trainer::session::by_length(vec!["ccc", "a", "bb", "dddd", "e"], 2, 7, |s| s.len());
/// let lengths: Vec<Vec<usize>> = batches.iter().map(|b| b.iter().map(|s| s.len()).collect()).collect();
/// assert_eq!(lengths, [vec![1, 1], vec![2, 3], vec![4]]);
/// ```
pub fn by_length<I, K: Ord>(mut items: Vec<I>, batch_size: usize, seed: u64, length: impl Fn(&I) -> K) -> Vec<Vec<I>> {
    use rand::SeedableRng as _;
    use rand::seq::SliceRandom as _;
    items.shuffle(&mut rand::rngs::StdRng::seed_from_u64(seed));
    items.sort_by_key(|item| length(item));
    let mut batches = Vec::with_capacity(items.len().div_ceil(batch_size.max(1)));
    let mut items = items.into_iter().peekable();
    while items.peek().is_some() {
        batches.push(items.by_ref().take(batch_size.max(1)).collect());
    }
    batches
}

/// A batcher of batches: the items of each, batched by the inner batcher as one.
#[derive(Clone)]
struct Flatten<B>(B);

impl<I, O, B: Batcher<I, O>> Batcher<Vec<I>, O> for Flatten<B> {
    fn batch(&self, groups: Vec<Vec<I>>, device: &Device) -> O {
        self.0.batch(groups.into_iter().flatten().collect(), device)
    }
}

/// When training stops before its last epoch: the validation loss's patience
/// (`--early-stopping`), the time budget (`--time-budget`), or the first of the two.
#[derive(Clone)]
struct Stopping {
    patience: Option<MetricEarlyStoppingStrategy>,
    budget: Option<TimeBudget>,
}

impl EarlyStoppingStrategy for Stopping {
    fn should_stop(&mut self, epoch: usize, store: &EventStoreClient) -> bool {
        // Both are asked each epoch, so that the budget times every epoch.
        let impatient = self.patience.as_mut().is_some_and(|p| p.should_stop(epoch, store));
        let out_of_time = self.budget.as_mut().is_some_and(TimeBudget::should_stop);
        if out_of_time {
            tracing::info!("stopping after epoch {epoch}: another epoch would end past --time-budget");
        }
        impatient || out_of_time
    }
}

/// Stops when the next epoch, as long as the last one, would end past the budget.
#[derive(Clone, Debug)]
pub struct TimeBudget {
    budget: std::time::Duration,
    started: std::time::Instant,
    last: std::time::Instant,
}

impl TimeBudget {
    /// A budget of `minutes` from now.
    pub fn minutes(minutes: f64) -> Self {
        let now = std::time::Instant::now();
        Self {
            budget: std::time::Duration::from_secs_f64(minutes * 60.0),
            started: now,
            last: now,
        }
    }

    /// At the end of an epoch: whether another one, as long as this one, would end past the budget.
    ///
    /// ```
    /// let mut budget = trainer::session::TimeBudget::minutes(1e-6); // 60 microseconds
    /// std::thread::sleep(std::time::Duration::from_millis(1));
    /// assert!(budget.should_stop());
    /// let mut budget = trainer::session::TimeBudget::minutes(60.0);
    /// assert!(!budget.should_stop());
    /// ```
    pub fn should_stop(&mut self) -> bool {
        let now = std::time::Instant::now();
        let epoch = now - self.last;
        self.last = now;
        now - self.started + epoch > self.budget
    }
}

/// The learning-rate schedule of `common` over `total_steps` optimiser steps, for a model of
/// width `width` (what the Noam schedule's shape scales by). Whatever the schedule, its peak is
/// `common.learning_rate`: for `warmup-cosine` and `noam`, at the end of the warm-up.
///
/// # Errors
///
/// A schedule Burn refuses.
///
/// # Example
///
/// ```
/// use trainer::session::{CommonConfig, ScheduleName, schedule};
/// let common = CommonConfig { learning_rate: 7e-4, schedule: ScheduleName::Noam, warmup_steps: 400, ..CommonConfig::default() };
/// let mut noam = schedule(&common, 10_000, 256)?;
/// let rates: Vec<f64> = (0..2000).map(|_| noam.step().base()).collect();
/// // Linear warm-up to the learning rate at step 400, then the inverse square root of the step.
/// assert!((rates[399] - 7e-4).abs() < 1e-12);
/// assert!((rates[0] - 7e-4 / 400.0).abs() < 1e-12);
/// assert!((rates[1599] - 7e-4 * (400.0_f64 / 1600.0).sqrt()).abs() < 1e-12);
/// # Ok::<(), trainer::TrainError>(())
/// ```
pub fn schedule(common: &CommonConfig, total_steps: usize, width: usize) -> Result<ModuleLrScheduler, TrainError> {
    let lr = common.learning_rate;
    let warmup = common.warmup_steps.min(total_steps.saturating_sub(1)).max(1);
    let refused = |e: String| TrainError::Input(format!("config: invalid schedule: {e}"));
    Ok(match common.schedule {
        ScheduleName::Constant => lr.into(),
        ScheduleName::WarmupCosine => SequentialLrSchedulerConfig::new(
            vec![
                LrSchedulerConfig::Linear(LinearLrSchedulerConfig::new(lr / 100.0, lr, warmup)),
                LrSchedulerConfig::Cosine(
                    CosineAnnealingLrSchedulerConfig::new(lr, (total_steps - warmup).max(1)).with_min_lr(lr / 100.0),
                ),
            ],
            vec![warmup],
        )
        .init()
        .map_err(refused)?,
        // Burn's Noam rate is `factor · d^-0.5 · min(step^-0.5, step · warmup^-1.5)`, whose peak, at
        // step `warmup`, is `factor · d^-0.5 · warmup^-0.5`: this factor makes that peak `lr`.
        ScheduleName::Noam => NoamLrSchedulerConfig::new(lr * (width as f64).sqrt() * (warmup as f64).sqrt())
            .with_warmup_steps(warmup)
            .with_model_size(width)
            .init()
            .map_err(refused)?,
    })
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

/// What a batch counts in its loss, the loss being a mean over it: the target tokens of a batch of
/// sentences, the words of a batch of words. Under `--distributed mpi` each rank's gradients are
/// weighted by what its slice counts ([`Synced`]), so that the step is the single process's.
pub trait LossWeight {
    /// The tokens, words, ... the batch's loss averages over.
    fn loss_weight(&self) -> usize;
}

/// A training step's output whose loss [`Synced`] replaces by the global batch's.
pub trait StepLoss {
    /// The loss the step reports, `[1]`.
    fn loss_mut(&mut self) -> &mut Tensor<1>;
}

impl StepLoss for SequenceOutput {
    fn loss_mut(&mut self) -> &mut Tensor<1> {
        &mut self.loss
    }
}

impl StepLoss for ClassificationOutput {
    fn loss_mut(&mut self) -> &mut Tensor<1> {
        &mut self.loss
    }
}

/// A task's learner that [`Synced`] can wrap: a Burn learner model whose batches say what they
/// count in the loss and whose step says where its loss is.
pub trait SyncedModel: LearnerModel + TrainStep<Input: LossWeight, Output: StepLoss> {}

impl<M> SyncedModel for M where M: LearnerModel + TrainStep<Input: LossWeight, Output: StepLoss> {}

/// A task's learner kept in step with the other ranks of a `--distributed mpi` job: each training
/// step's gradients and loss are averaged over the ranks, weighted by what each rank's slice of the
/// batch counts ([`LossWeight`]); in one process, the task's step as it is.
///
/// It is the task's module, seen through: its parameters, their names in checkpoints and
/// `model.bpk`, and its display are the wrapped learner's.
#[derive(Clone, Debug)]
pub struct Synced<M> {
    /// The task's learner.
    pub inner: M,
}

impl<M: SyncedModel> TrainStep for Synced<M> {
    type Input = <M as TrainStep>::Input;
    type Output = <M as TrainStep>::Output;

    fn step(&self, batch: Self::Input) -> TrainOutput<Self::Output> {
        let weight = batch.loss_weight();
        let mut out = TrainStep::step(&self.inner, batch);
        if crate::distributed::current().is_some() {
            let loss = out.item.loss_mut().clone();
            let (grads, loss) = crate::distributed::average(&self.inner, out.grads, loss, weight);
            out.grads = grads;
            *out.item.loss_mut() = loss;
        }
        out
    }
}

impl<M: SyncedModel> InferenceStep for Synced<M> {
    type Input = <M as InferenceStep>::Input;
    type Output = <M as InferenceStep>::Output;

    fn step(&self, batch: Self::Input) -> Self::Output {
        InferenceStep::step(&self.inner, batch)
    }
}

impl<M: std::fmt::Display> std::fmt::Display for Synced<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.inner.fmt(f)
    }
}

/// Every method passes through to the task's learner, entering no module of its own, so the
/// parameters keep the names they have without the wrapper.
impl<M: Module> Module for Synced<M> {
    fn collect_devices(&self, devices: Devices) -> Devices {
        self.inner.collect_devices(devices)
    }

    fn fork(self, device: &Device) -> Self {
        Self {
            inner: self.inner.fork(device),
        }
    }

    fn to_device(self, device: &Device) -> Self {
        Self {
            inner: self.inner.to_device(device),
        }
    }

    fn train(self) -> Self {
        Self {
            inner: self.inner.train(),
        }
    }

    fn valid(&self) -> Self {
        Self {
            inner: self.inner.valid(),
        }
    }

    fn materialize(self) -> Self {
        Self {
            inner: self.inner.materialize(),
        }
    }

    fn visit<V: ModuleVisitor>(&self, visitor: &mut V) {
        self.inner.visit(visitor);
    }

    fn map<Mapper: ModuleMapper>(self, mapper: &mut Mapper) -> Self {
        Self {
            inner: self.inner.map(mapper),
        }
    }
}
