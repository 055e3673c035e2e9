//! What Burn's trainer needs from this project: batches, the training and
//! validation steps of the sequence-to-sequence model, corpus BLEU of greedy
//! decoding as a validation metric, and a guard that stops a run whose loss
//! is not finite.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use burn::data::dataloader::batcher::Batcher;
use burn::module::Module;
use burn::nn::loss::CrossEntropyLossConfig;
use burn::prelude::*;
use burn::tensor::{Int, TensorData, TensorReadError};
use burn::train::metric::{
    AccuracyInput, Adaptor, ItemLazy, LossInput, Metric, MetricAttributes, MetricMetadata, MetricName, Numeric,
    NumericAttributes, NumericEntry, SerializedEntry,
};
use burn::train::{InferenceStep, SequenceOutput, TrainOutput, TrainStep};
use burn_std::ExecutionError;
use models::{RnnSeq2Seq, TeacherForcing, Translate};

use crate::data::{BOS, EOS, PAD, Pair};
use crate::report::bleu::BleuCounts;

/// A padded batch of pairs.
#[derive(Clone, Debug)]
pub struct Seq2SeqBatch {
    /// `[batch, src_len]`.
    pub source: Tensor<2, Int>,
    /// Source lengths.
    pub lengths: Vec<usize>,
    /// `[batch, tgt_len]`: `bos y_1 .. y_T`.
    pub target_input: Tensor<2, Int>,
    /// `[batch, tgt_len]`: `y_1 .. y_T eos`.
    pub target_output: Tensor<2, Int>,
    /// The targets `y_1 .. y_T`, unpadded: the references of BLEU.
    pub references: Vec<Vec<usize>>,
}

/// Pads pairs into a [`Seq2SeqBatch`].
#[derive(Clone, Debug, Default)]
pub struct Seq2SeqBatcher;

fn padded(rows: &[Vec<usize>], device: &Device) -> Tensor<2, Int> {
    let width = rows.iter().map(Vec::len).max().unwrap_or(1);
    let data: Vec<i64> = rows
        .iter()
        .flat_map(|row| {
            row.iter()
                .map(|&t| t as i64)
                .chain(std::iter::repeat_n(PAD as i64, width - row.len()))
        })
        .collect();
    Tensor::from_data(TensorData::new(data, [rows.len(), width]), device)
}

impl Batcher<Pair, Seq2SeqBatch> for Seq2SeqBatcher {
    fn batch(&self, items: Vec<Pair>, device: &Device) -> Seq2SeqBatch {
        let sources: Vec<Vec<usize>> = items.iter().map(|p| p.source.clone()).collect();
        let inputs: Vec<Vec<usize>> = items.iter().map(|p| [vec![BOS], p.target.clone()].concat()).collect();
        let outputs: Vec<Vec<usize>> = items.iter().map(|p| [p.target.clone(), vec![EOS]].concat()).collect();
        Seq2SeqBatch {
            lengths: sources.iter().map(Vec::len).collect(),
            source: padded(&sources, device),
            target_input: padded(&inputs, device),
            target_output: padded(&outputs, device),
            references: items.into_iter().map(|p| p.target).collect(),
        }
    }
}

/// The teacher-forcing probability over training: linear from `start` to
/// `end` over `steps` training batches, then `end`. Burn's trainer has no
/// such schedule, so the learner counts its own batches, in a counter shared
/// by the copies that multi-device training makes (each device's batch
/// counts once, so `steps` is the batches of all devices).
#[derive(Clone, Debug)]
pub struct TeacherForcingSchedule {
    /// At the first step.
    pub start: f64,
    /// From `steps` on.
    pub end: f64,
    /// Length of the decay, in batches over all devices.
    pub steps: usize,
    /// Steps taken so far (starts at the resumed step).
    pub taken: Arc<AtomicUsize>,
}

impl TeacherForcingSchedule {
    /// The probability at the next step, counting it.
    pub fn next(&self) -> f64 {
        let step = self.taken.fetch_add(1, Ordering::Relaxed);
        let progress = (step as f64 / self.steps.max(1) as f64).min(1.0);
        self.start + (self.end - self.start) * progress
    }
}

/// The model with the training options its steps need.
#[derive(Module, Debug)]
pub struct Seq2SeqLearner {
    /// The model.
    pub model: RnnSeq2Seq,
    /// Label smoothing of the loss.
    pub label_smoothing: f64,
    /// Probability of the gold previous token in training.
    #[module(skip)]
    pub teacher_forcing: TeacherForcingSchedule,
}

impl Seq2SeqLearner {
    fn run(&self, batch: Seq2SeqBatch, teacher_forcing: TeacherForcing) -> SequenceOutput {
        let out = self
            .model
            .forward(batch.source, &batch.lengths, batch.target_input, teacher_forcing);
        let [rows, len, vocab] = out.logits.dims();
        let smoothing = (self.label_smoothing > 0.0).then_some(self.label_smoothing as f32);
        let loss = CrossEntropyLossConfig::new()
            .with_pad_tokens(Some(vec![PAD]))
            .with_smoothing(smoothing)
            .init(&out.logits.device())
            .forward(
                out.logits.clone().reshape([rows * len, vocab]),
                batch.target_output.clone().reshape([rows * len]),
            );
        SequenceOutput::new(loss, out.logits, None, batch.target_output)
    }
}

impl TrainStep for Seq2SeqLearner {
    type Input = Seq2SeqBatch;
    type Output = SequenceOutput;

    fn step(&self, batch: Seq2SeqBatch) -> TrainOutput<SequenceOutput> {
        let ratio = self.teacher_forcing.next();
        let teacher_forcing = if ratio >= 1.0 {
            TeacherForcing::Always
        } else {
            TeacherForcing::Ratio(ratio)
        };
        let output = self.run(batch, teacher_forcing);
        TrainOutput::new(self, output.loss.backward(), output)
    }
}

impl InferenceStep for Seq2SeqLearner {
    type Input = Seq2SeqBatch;
    type Output = ValidOutput;

    /// Validation feeds the gold previous tokens for the loss and the token
    /// accuracy, so they are comparable across runs whatever their teacher
    /// forcing; BLEU scores the model's own greedy translations.
    fn step(&self, batch: Seq2SeqBatch) -> ValidOutput {
        let translations = self.model.translate_greedy(batch.source.clone(), &batch.lengths);
        let mut bleu = BleuCounts::default();
        for (translation, reference) in translations.iter().zip(&batch.references) {
            bleu.add(&translation.tokens, reference);
        }
        ValidOutput {
            sequence: self.run(batch, TeacherForcing::Always),
            bleu,
        }
    }
}

/// A validation step's output: the teacher-forced logits and loss, and the
/// BLEU counts of greedy decoding.
pub struct ValidOutput {
    /// Loss, logits and targets.
    pub sequence: SequenceOutput,
    /// BLEU counts of the batch.
    pub bleu: BleuCounts,
}

impl ItemLazy for ValidOutput {
    fn sync(self) -> Result<Self, ExecutionError> {
        Ok(Self {
            sequence: self.sequence.sync()?,
            bleu: self.bleu,
        })
    }
}

impl Adaptor<LossInput> for ValidOutput {
    fn adapt(&self) -> LossInput {
        self.sequence.adapt()
    }
}

impl Adaptor<AccuracyInput> for ValidOutput {
    fn adapt(&self) -> AccuracyInput {
        self.sequence.adapt()
    }
}

impl Adaptor<BleuCounts> for ValidOutput {
    fn adapt(&self) -> BleuCounts {
        self.bleu
    }
}

/// Corpus BLEU over the epoch, from the counts of every batch (Burn's own
/// `BleuScore` averages the scores of the batches instead). It compares
/// token ids, so a reference word outside the vocabulary matches an
/// `<unk>` output; `attn eval` scores words.
#[derive(Clone)]
pub struct CorpusBleu {
    name: MetricName,
    counts: BleuCounts,
}

impl Default for CorpusBleu {
    fn default() -> Self {
        Self {
            name: Arc::new("BLEU".to_string()),
            counts: BleuCounts::default(),
        }
    }
}

impl CorpusBleu {
    fn entry(&self, score: f64, entry: NumericEntry) -> SerializedEntry {
        SerializedEntry::new(format!("{score:.2}"), entry.serialize())
    }
}

impl Metric for CorpusBleu {
    type Input = BleuCounts;

    fn name(&self) -> MetricName {
        self.name.clone()
    }

    fn attributes(&self) -> MetricAttributes {
        NumericAttributes {
            unit: None,
            higher_is_better: true,
        }
        .into()
    }

    fn update(&mut self, batch: &BleuCounts, _: &MetricMetadata) -> Result<SerializedEntry, TensorReadError> {
        self.counts.merge(batch);
        let score = self.counts.bleu().score;
        Ok(self.entry(score, NumericEntry::Value(score)))
    }

    fn compute(&mut self) -> Result<SerializedEntry, TensorReadError> {
        let score = self.counts.bleu().score;
        Ok(self.entry(score, NumericEntry::Final(score)))
    }

    fn clear(&mut self) {
        self.counts = BleuCounts::default();
    }
}

impl Numeric for CorpusBleu {
    fn value(&self) -> Option<NumericEntry> {
        Some(NumericEntry::Value(self.counts.bleu().score))
    }

    fn running_value(&self) -> Option<NumericEntry> {
        self.value()
    }

    fn final_value(&self) -> NumericEntry {
        NumericEntry::Final(self.counts.bleu().score)
    }
}

/// The loss of one step, for [`FiniteLoss`].
pub struct LossValue(pub Tensor<1>);

impl Adaptor<LossValue> for SequenceOutput {
    fn adapt(&self) -> LossValue {
        LossValue(self.loss.clone())
    }
}

impl Adaptor<LossValue> for burn::train::ClassificationOutput {
    fn adapt(&self) -> LossValue {
        LossValue(self.loss.clone())
    }
}

/// Stops the run, through Burn's interrupter, at the first loss that is NaN
/// or infinite, naming the iteration; the checkpoints of the epochs before
/// stay as they were.
#[derive(Clone)]
pub struct FiniteLoss {
    name: MetricName,
}

impl Default for FiniteLoss {
    fn default() -> Self {
        Self {
            name: Arc::new("Finite loss".to_string()),
        }
    }
}

impl Metric for FiniteLoss {
    type Input = LossValue;

    fn name(&self) -> MetricName {
        self.name.clone()
    }

    fn update(&mut self, loss: &LossValue, metadata: &MetricMetadata) -> Result<SerializedEntry, TensorReadError> {
        let value = loss.0.clone().mean().try_into_scalar::<f64>()?;
        if !value.is_finite() {
            let at = metadata
                .iteration
                .map_or_else(|| "an unknown step".to_string(), |i| format!("iteration {i}"));
            let reason = format!("the loss is {value} at {at}; training stopped, the last good checkpoint is kept");
            return Err(TensorReadError::Execution(burn_std::ExecutionError::with_context(
                reason,
            )));
        }
        Ok(SerializedEntry {
            formatted: "finite".into(),
            serialized: "1".into(),
        })
    }

    fn compute(&mut self) -> Result<SerializedEntry, TensorReadError> {
        Ok(SerializedEntry {
            formatted: "finite".into(),
            serialized: "1".into(),
        })
    }

    fn clear(&mut self) {}
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::data::dataloader::Progress;

    fn metadata() -> MetricMetadata {
        MetricMetadata {
            progress: Progress::new(3, 10, None),
            iteration: Some(17),
            lr: None,
        }
    }

    #[test]
    fn a_finite_loss_passes_and_a_nan_one_stops_the_run_naming_the_iteration() {
        let device = Device::default();
        let mut guard = FiniteLoss::default();
        assert!(
            guard
                .update(&LossValue(Tensor::from_floats([0.5], &device)), &metadata())
                .is_ok()
        );
        for bad in [f32::NAN, f32::INFINITY] {
            let error = guard
                .update(&LossValue(Tensor::from_floats([bad], &device)), &metadata())
                .unwrap_err();
            let message = error.to_string();
            assert!(
                message.contains(&format!("the loss is {} at iteration 17; training stopped", bad as f64)),
                "{message}"
            );
        }
    }
}

#[cfg(test)]
mod schedule_tests {
    use super::*;

    #[test]
    fn teacher_forcing_falls_linearly_then_stays() {
        let schedule = TeacherForcingSchedule {
            start: 1.0,
            end: 0.5,
            steps: 4,
            taken: Arc::new(AtomicUsize::new(0)),
        };
        let ratios: Vec<f64> = (0..6).map(|_| schedule.next()).collect();
        assert_eq!(ratios, [1.0, 0.875, 0.75, 0.625, 0.5, 0.5]);
    }
}
