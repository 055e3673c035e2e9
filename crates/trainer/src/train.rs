//! `attn train` and `attn eval`: a run from configuration to saved model,
//! on Burn's trainer.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::AtomicUsize;

use burn::data::dataloader::DataLoaderBuilder;
use burn::data::dataset::InMemDataset;
use burn::grad_clipping::GradientClippingConfig;
use burn::lr_scheduler::LrSchedulerConfig;
use burn::lr_scheduler::cosine::CosineAnnealingLrSchedulerConfig;
use burn::lr_scheduler::linear::LinearLrSchedulerConfig;
use burn::lr_scheduler::noam::NoamLrSchedulerConfig;
use burn::lr_scheduler::sequential::SequentialLrSchedulerConfig;
use burn::module::Module;
use burn::optim::AdamConfig;
use burn::prelude::*;
use burn::train::metric::store::{Aggregate, Direction, Split};
use burn::train::metric::{AccuracyMetric, LearningRateMetric, LossMetric};
use burn::train::{
    ExecutionStrategy, Learner, LearnerModel, LearnerSummary, MetricEarlyStoppingStrategy, MultiDeviceOptim,
    StoppingCondition, SupervisedTraining,
};
use models::{RnnSeq2Seq, RnnSeq2SeqConfig, Translate};
use serde::{Deserialize, Serialize};

use crate::TrainError;
use crate::config::{TaskName, TrainConfig, config_path};
use crate::data::corpus as translation;
use crate::data::reverse::{reverse_splits, reverse_vocabulary};
use crate::data::tatoeba::Filter;
use crate::data::{PAD, Pair, Vocabularies};
use crate::report::bleu::BleuCounts;
use crate::run_dir::{is_fresh, last_complete_checkpoint, write_atomic, write_json};
use crate::steps::{CorpusBleu, FiniteLoss, Seq2SeqBatcher, Seq2SeqLearner, TeacherForcingSchedule};

/// The metrics every epoch records, as Burn names them.
const METRICS: [&str; 4] = ["Loss", "Accuracy", "BLEU", "Learning Rate"];

/// What `summary.json` says about a run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunSummary {
    /// The task.
    pub task: String,
    /// Epochs completed.
    pub epochs: usize,
    /// Validation loss of the last epoch.
    pub valid_loss: Option<f64>,
    /// Validation token accuracy (%) of the last epoch.
    pub valid_accuracy: Option<f64>,
    /// Validation corpus BLEU of greedy decoding, last epoch.
    pub valid_bleu: Option<f64>,
}

/// How a run starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Start {
    /// A new run in an empty or absent directory.
    Fresh,
    /// Continue the run in the directory from its last complete checkpoint.
    Resume,
}

fn model_config(config: &TrainConfig, vocab: &Vocabularies) -> RnnSeq2SeqConfig {
    config.model_config(vocab.source.len(), vocab.target.len())
}

impl TrainConfig {
    /// The model this config trains, for vocabularies of these sizes.
    pub fn model_config(&self, src_vocab: usize, tgt_vocab: usize) -> RnnSeq2SeqConfig {
        let config = self;
        RnnSeq2SeqConfig::new(src_vocab, tgt_vocab)
            .with_d_embed(config.d_embed)
            .with_d_hidden(config.d_hidden)
            .with_cell(config.cell)
            .with_direction(config.direction)
            .with_attention(config.attention.decoder_attention())
            .with_max_len(config.max_len + 1)
    }
}

pub(crate) fn read_json<T: for<'de> Deserialize<'de>>(path: &Path) -> Result<T, TrainError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| TrainError::Input(format!("{}: cannot read: {e}", path.display())))?;
    serde_json::from_str(&text).map_err(|e| TrainError::Input(format!("{}: {e}", path.display())))
}

/// Reads a run directory's config, checking that it holds a run of `task`
/// when one is given.
///
/// # Errors
///
/// If the directory holds no readable config, or a run of another task.
pub fn read_run_config(run: &Path, task: Option<crate::config::TaskName>) -> Result<TrainConfig, TrainError> {
    let path = config_path(run);
    if !path.exists() {
        return Err(TrainError::Input(format!(
            "{}: not a run directory (no config.json)",
            run.display()
        )));
    }
    let stored: TrainConfig = read_json(&path)?;
    if let Some(task) = task
        && stored.task != task
    {
        return Err(TrainError::Input(format!(
            "{}: holds a `{}` run, not `{}`",
            run.display(),
            stored.task.as_str(),
            task.as_str()
        )));
    }
    Ok(stored)
}

pub(crate) fn learning_rate_scheduler(
    config: &TrainConfig,
    total_steps: usize,
) -> Result<burn::lr_scheduler::module_lr_scheduler::ModuleLrScheduler, TrainError> {
    use crate::config::ScheduleName;
    let lr = config.learning_rate;
    let warmup = config.warmup_steps.min(total_steps.saturating_sub(1)).max(1);
    let scheduler = match config.schedule {
        ScheduleName::Constant => return Ok(lr.into()),
        ScheduleName::WarmupCosine => SequentialLrSchedulerConfig::new(
            vec![
                LrSchedulerConfig::Linear(LinearLrSchedulerConfig::new(lr / 100.0, lr, warmup)),
                LrSchedulerConfig::Cosine(
                    CosineAnnealingLrSchedulerConfig::new(lr, (total_steps - warmup).max(1)).with_min_lr(lr / 100.0),
                ),
            ],
            vec![warmup],
        )
        .init(),
        ScheduleName::Noam => NoamLrSchedulerConfig::new(lr)
            .with_warmup_steps(warmup)
            .with_model_size(config.d_hidden)
            .init(),
    };
    scheduler.map_err(|e| TrainError::Input(format!("config: invalid schedule: {e}")))
}

/// A task's data as token ids.
struct TaskData {
    vocab: Vocabularies,
    train: Vec<Pair>,
    valid: Vec<Pair>,
    /// The splits as words, for a fresh run to save.
    splits: Option<translation::Splits>,
}

/// The data of a fresh run, or of a resumed run, read back from its
/// directory; nothing is written, so bad data leaves no run behind.
fn prepare_data(config: &TrainConfig, run: &Path, start: Start) -> Result<TaskData, TrainError> {
    match config.task {
        TaskName::Reverse => {
            let vocab = reverse_vocabulary(config.symbols);
            let vocab = Vocabularies {
                source: vocab.clone(),
                target: vocab,
            };
            let [train, valid, _] = reverse_splits(config.seed, config.train_size, config.symbols, config.max_len);
            Ok(TaskData {
                vocab,
                train,
                valid,
                splits: None,
            })
        }
        TaskName::Classify => unreachable!("`train` hands classify runs to `classify::train_classifier`"),
        TaskName::Translate => {
            let (splits, vocab) = match start {
                Start::Fresh => {
                    let splits = match &config.data {
                        Some(path) => {
                            let filter = Filter {
                                max_len: Some(config.max_len),
                                english_prefixes: config.english_prefixes.clone(),
                            };
                            translation::from_file(path, &filter, config.seed)?
                        }
                        None => translation::builtin(config.seed, config.train_size, config.max_len),
                    };
                    let vocab = translation::vocabularies(&splits.train, config.min_count);
                    (splits, vocab)
                }
                Start::Resume => (translation::read_splits(run)?, read_json(&run.join("vocab.json"))?),
            };
            tracing::info!(
                "{} training, {} validation, {} test pairs; vocabularies of {} English and {} French tokens",
                splits.train.len(),
                splits.valid.len(),
                splits.test.len(),
                vocab.source.len(),
                vocab.target.len()
            );
            let (train, _) = translation::encode(&splits.train, &vocab);
            let (valid, unknown) = translation::encode(&splits.valid, &vocab);
            if unknown > 0 {
                tracing::info!("{unknown} validation tokens are not in the training vocabularies and read as <unk>");
            }
            Ok(TaskData {
                vocab,
                train,
                valid,
                splits: (start == Start::Fresh).then_some(splits),
            })
        }
    }
}

/// Checks that a run can start in `run`, writing nothing: a fresh run
/// needs an absent or empty directory, a resumed one an epoch left to train.
/// Returns the epoch a resumed run continues from.
pub(crate) fn check_start(config: &TrainConfig, run: &Path, start: Start) -> Result<Option<usize>, TrainError> {
    match start {
        Start::Fresh if !is_fresh(run) => Err(TrainError::Input(format!(
            "{}: the run directory exists and is not empty; continue it with --resume {0}, or choose another --run-dir",
            run.display()
        ))),
        Start::Fresh => Ok(None),
        Start::Resume => {
            let epoch = last_complete_checkpoint(run);
            if let Some(done) = epoch
                && done >= config.epochs
            {
                return Err(TrainError::Input(format!(
                    "{}: the run has trained {done} epochs of {}; pass --epochs with more to train further",
                    run.display(),
                    config.epochs
                )));
            }
            Ok(epoch)
        }
    }
}

/// Creates a fresh run's directory with its config and whatever `write`
/// adds, or rewrites a resumed run's config (`--epochs` may have grown).
pub(crate) fn open_run(
    config: &TrainConfig,
    run: &Path,
    resume_from: Option<usize>,
    start: Start,
    write: impl FnOnce() -> Result<(), TrainError>,
) -> Result<(), TrainError> {
    if start == Start::Fresh {
        std::fs::create_dir_all(run).map_err(|e| TrainError::Io(format!("{}: cannot create: {e}", run.display())))?;
        write_json(&config_path(run), config)?;
        return write();
    }
    write_json(&config_path(run), config)?;
    tracing::info!(
        "resuming {} from {}",
        run.display(),
        resume_from.map_or("the start".to_string(), |e| format!("epoch {e}"))
    );
    Ok(())
}

/// Adam with the config's gradient clipping.
pub(crate) fn adam(config: &TrainConfig) -> AdamConfig {
    AdamConfig::new()
        .with_grad_clipping((config.grad_clip > 0.0).then_some(GradientClippingConfig::Norm(config.grad_clip as f32)))
}

/// What every task's training shares: the resumed checkpoint, early
/// stopping, the renderer and the devices; then the run itself.
pub(crate) fn launch<M: LearnerModel>(
    mut training: SupervisedTraining<M>,
    learner: Learner<M>,
    config: &TrainConfig,
    run: &Path,
    resume_from: Option<usize>,
    devices: usize,
    device: &Device,
) -> Result<M, TrainError> {
    if let Some(epoch) = resume_from {
        training = training.checkpoint(epoch);
    }
    if let Some(patience) = config.early_stopping {
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
    if devices > 1 {
        training = training.with_training_strategy(
            ExecutionStrategy::multi(vec![device.clone(); devices], MultiDeviceOptim::OptimMainDevice).into(),
        );
    }
    let result = training.launch(learner);
    match result.error {
        Some(error) => Err(TrainError::Training(format!("{}: {error}", run.display()))),
        None => Ok(result.model),
    }
}

/// Saves the trained model, then `metrics.csv` and `summary.json` from
/// Burn's logs of the `metrics` the task records.
pub(crate) fn finish_run<T: Module>(
    run: &Path,
    config: &TrainConfig,
    model: T,
    metrics: &[&str],
) -> Result<RunSummary, TrainError> {
    let path = run.join("model.bpk");
    model
        .save_file(&path)
        .map_err(|e| TrainError::Io(format!("{}: cannot save the model: {e:?}", path.display())))?;
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
    write_atomic(&run.join("metrics.csv"), csv.as_bytes())?;
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
        task: config.task.as_str().to_string(),
        epochs: summary.epochs,
        valid_loss: last("Loss"),
        valid_accuracy: last("Accuracy"),
        valid_bleu: last("BLEU"),
    };
    write_json(&run.join("summary.json"), &run_summary)?;
    Ok(run_summary)
}

/// Trains `config` in `run`, on `devices` copies of the device (data
/// parallel), and returns the summary it also writes.
///
/// # Errors
///
/// Bad configuration or run directory, an unknown device, a write that
/// fails, or a training that fails (a non-finite loss, say).
pub fn train(config: &TrainConfig, run: &Path, start: Start, devices: usize) -> Result<RunSummary, TrainError> {
    config.validate()?;
    if config.task == TaskName::Classify {
        return crate::classify::train_classifier(config, run, start, devices);
    }
    let device = crate::device::select(config.device.as_deref())?;
    let resume_from = check_start(config, run, start)?;
    let TaskData {
        vocab,
        train: train_pairs,
        valid: valid_pairs,
        splits,
    } = prepare_data(config, run, start)?;
    open_run(config, run, resume_from, start, || {
        write_json(&run.join("vocab.json"), &vocab)?;
        match &splits {
            Some(splits) => translation::save_splits(run, splits),
            None => Ok(()),
        }
    })?;

    device.seed(config.seed);
    let steps_per_epoch = train_pairs.len().div_ceil(config.batch_size * devices.max(1));
    let loader = |pairs: Vec<Pair>| {
        DataLoaderBuilder::new(Seq2SeqBatcher)
            .batch_size(config.batch_size)
            .shuffle(config.seed)
            .set_device(device.clone())
            .build(InMemDataset::new(pairs))
    };
    let (train_loader, valid_loader) = (loader(train_pairs), loader(valid_pairs));

    let model = model_config(config, &vocab).init(&device.clone().autodiff());
    let total_steps = steps_per_epoch * config.epochs;
    // Every device's copy of the learner counts the batches it trains on.
    let batches_per_epoch = steps_per_epoch * devices.max(1);
    let teacher_forcing = TeacherForcingSchedule {
        start: config.teacher_forcing,
        end: config.teacher_forcing_end.unwrap_or(config.teacher_forcing),
        steps: batches_per_epoch * config.epochs,
        taken: Arc::new(AtomicUsize::new(resume_from.unwrap_or(0) * batches_per_epoch)),
    };
    let learner = Seq2SeqLearner {
        model,
        label_smoothing: config.label_smoothing,
        teacher_forcing,
    };
    let scheduler = learning_rate_scheduler(config, total_steps)?;
    let training = SupervisedTraining::new(run, train_loader, valid_loader)
        .metrics((LossMetric::new(), AccuracyMetric::new().with_pad_token(PAD)))
        .metric_train_numeric(LearningRateMetric::new())
        .metric_train(FiniteLoss::default())
        .metric_valid_numeric(CorpusBleu::default())
        .with_default_checkpointers()
        .with_application_logger(None)
        .num_epochs(config.epochs)
        .summary();
    let learner = Learner::new(learner, adam(config).init(), scheduler);
    let trained = launch(training, learner, config, run, resume_from, devices, &device)?;
    finish_run(run, config, trained.model, &METRICS)
}

/// What `attn eval` reports: decoding of the test split.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EvalReport {
    /// Test sentences.
    pub sentences: usize,
    /// Corpus BLEU of the outputs against the references, as words (a
    /// reference word outside the vocabulary never matches).
    pub bleu: f64,
    /// Sentences decoded exactly (%).
    pub exact_match: f64,
    /// Target tokens decoded at the right position (%), end token included.
    pub token_accuracy: f64,
}

/// A trained run, ready to decode.
pub struct TrainedRun {
    /// Its configuration.
    pub config: TrainConfig,
    /// Its vocabularies.
    pub vocab: Vocabularies,
    /// The trained model.
    pub model: RnnSeq2Seq,
}

/// Loads the trained model of `run`.
///
/// # Errors
///
/// If the run has no config or model, or the model file is damaged.
pub fn load_model(run: &Path, device: &Device) -> Result<TrainedRun, TrainError> {
    let config = read_run_config(run, None)?;
    if config.task == TaskName::Classify {
        return Err(TrainError::Input(format!(
            "{}: holds a classify run, which has no translator; use `attn classify --run {0}`",
            run.display()
        )));
    }
    let vocab: Vocabularies = read_json(&run.join("vocab.json"))?;
    let path = run.join("model.bpk");
    if !path.exists() {
        return Err(TrainError::Input(format!(
            "{}: no trained model; the run has not finished (resume it with `attn train {} --resume {}`)",
            path.display(),
            config.task.as_str(),
            run.display()
        )));
    }
    let model = model_config(&config, &vocab)
        .init(device)
        .try_load_file(&path)
        .map_err(|e| TrainError::Input(format!("{}: damaged model file: {e:?}", path.display())))?;
    Ok(TrainedRun { config, vocab, model })
}

/// How `attn eval` and `attn translate` decode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decoding {
    /// The most probable token at each step.
    Greedy,
    /// Beam search with this many beams.
    Beam(usize),
}

impl TrainedRun {
    /// Translates a padded batch of sources.
    pub fn decode(&self, batch: crate::steps::Seq2SeqBatch, decoding: Decoding) -> Vec<models::Translation> {
        match decoding {
            Decoding::Greedy => self.model.translate_greedy(batch.source, &batch.lengths),
            Decoding::Beam(width) => self.model.translate_beam(
                batch.source,
                &batch.lengths,
                models::BeamConfig {
                    width,
                    length_penalty: 0.0,
                    max_len: self.config.max_len + 1,
                },
            ),
        }
    }
}

/// Evaluates the trained model of `run` on its test split.
///
/// # Errors
///
/// As [`load_model`], or an unknown device, or a run whose saved test split
/// is missing or damaged.
pub fn evaluate(run: &Path, device_name: Option<&str>, decoding: Decoding) -> Result<EvalReport, TrainError> {
    let device = crate::device::select(device_name)?;
    let trained = load_model(run, &device)?;
    let config = &trained.config;
    // The test pairs as ids, and the reference words BLEU compares with.
    let (test, references): (Vec<Pair>, Vec<Vec<String>>) = match config.task {
        TaskName::Reverse => {
            let [_, _, test] = reverse_splits(config.seed, config.train_size, config.symbols, config.max_len);
            let words = test
                .iter()
                .map(|p| {
                    trained
                        .vocab
                        .target
                        .decode(&p.target)
                        .into_iter()
                        .map(String::from)
                        .collect()
                })
                .collect();
            (test, words)
        }
        TaskName::Classify => unreachable!("`load_model` refuses classify runs"),
        TaskName::Translate => {
            let pairs = translation::read_split(run, "test")?;
            let (test, _) = translation::encode(&pairs, &trained.vocab);
            (test, pairs.into_iter().map(|p| p.french).collect())
        }
    };
    let (mut exact, mut correct, mut total) = (0, 0, 0);
    let mut bleu = BleuCounts::default();
    let mut offset = 0;
    for chunk in test.chunks(config.batch_size) {
        let batch = burn::data::dataloader::batcher::Batcher::batch(&Seq2SeqBatcher, chunk.to_vec(), &device);
        let translations = trained.decode(batch, decoding);
        for (pair, translation) in chunk.iter().zip(&translations) {
            let reference = &references[offset];
            offset += 1;
            let output = trained.vocab.target.decode(&translation.tokens);
            let reference: Vec<&str> = reference.iter().map(String::as_str).collect();
            bleu.add(&output, &reference);
            exact += usize::from(output == reference);
            let mut produced = translation.tokens.clone();
            produced.push(crate::data::EOS);
            let mut wanted = pair.target.clone();
            wanted.push(crate::data::EOS);
            correct += wanted.iter().zip(&produced).filter(|(a, b)| a == b).count();
            total += wanted.len();
        }
    }
    let percent = |n: usize, d: usize| 100.0 * n as f64 / d.max(1) as f64;
    Ok(EvalReport {
        sentences: test.len(),
        bleu: bleu.bleu().score,
        exact_match: percent(exact, test.len()),
        token_accuracy: percent(correct, total),
    })
}
