//! Metrics of this project for Burn's trainer: corpus BLEU over an epoch,
//! and a guard that stops a run whose loss is not finite.

use std::sync::Arc;

use burn::prelude::*;
use burn::tensor::TensorReadError;
use burn::train::SequenceOutput;
use burn::train::metric::{
    Adaptor, Metric, MetricAttributes, MetricMetadata, MetricName, Numeric, NumericAttributes, NumericEntry,
    SerializedEntry,
};

use crate::report::bleu::BleuCounts;

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
