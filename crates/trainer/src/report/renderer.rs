//! Progress as plain lines, for logs and pipes: one line per epoch and
//! split with the epoch's value of every metric: the value the metric
//! computes over the whole split when it gives one (corpus BLEU, which is not
//! a mean of its batches), the mean of its batches otherwise. On a terminal
//! `attn` uses Burn's TUI instead.

use std::collections::BTreeMap;
use std::collections::HashMap;

use burn::train::logger::{EvaluationProgressLogger, TrainingProgressLogger};
use burn::train::metric::{MetricDefinition, MetricId, NumericEntry};
use burn::train::renderer::{
    EvaluationName, MetricState, MetricsRenderer, MetricsRendererEvaluation, MetricsRendererTraining,
};

/// Prints a line to stdout, ignoring a closed pipe (`attn ... | head`): a
/// panic here would leave Burn's training threads waiting.
fn line(text: std::fmt::Arguments<'_>) {
    use std::io::Write;
    let _ = writeln!(std::io::stdout(), "{text}");
}

/// Prints `epoch E/N train: Loss 1.234 | Accuracy 56.78` at the end of each split.
#[derive(Default)]
pub struct PlainRenderer {
    names: HashMap<MetricId, String>,
    /// Metric name to (weighted sum, weight) over the current split.
    sums: BTreeMap<String, (f64, f64)>,
    /// Metric name to the value computed over the whole split, sent by Burn
    /// before the split ends.
    finals: BTreeMap<String, f64>,
    epoch: usize,
    epochs: usize,
    split: String,
    trained_once: bool,
}

impl PlainRenderer {
    fn record(&mut self, state: MetricState) {
        let MetricState::Numeric(entry, Some(value)) = state else {
            return;
        };
        let Some(name) = self.names.get(&entry.metric_id).cloned() else {
            return;
        };
        let (value, weight) = match value {
            NumericEntry::Value(v) => (v, 1.0),
            NumericEntry::Aggregated {
                aggregated_value,
                count,
            } => (aggregated_value, count as f64),
            NumericEntry::Final(v) => {
                self.finals.insert(name, v);
                return;
            }
        };
        let sum = self.sums.entry(name).or_default();
        sum.0 += value * weight;
        sum.1 += weight;
    }
}

impl MetricsRendererTraining for PlainRenderer {
    fn update_train(&mut self, state: MetricState) {
        self.record(state);
    }

    fn update_valid(&mut self, state: MetricState) {
        self.record(state);
    }
}

impl TrainingProgressLogger for PlainRenderer {
    fn start(&mut self, total_epochs: usize, starting_epoch: usize, _total_items: Option<usize>, _label: Option<&str>) {
        self.epochs = total_epochs;
        self.epoch = starting_epoch;
        if starting_epoch > 1 {
            line(format_args!("resuming at epoch {starting_epoch} of {total_epochs}"));
        }
    }

    fn update_epoch(&mut self, _epoch: usize) {}

    fn start_split(&mut self, split: &str, _total_items: usize) {
        // Each epoch opens with its training split.
        if split == "train" {
            if self.trained_once {
                self.epoch += 1;
            }
            self.trained_once = true;
        }
        self.split = split.to_string();
        self.sums.clear();
        self.finals.clear();
    }

    fn update_split(&mut self, _items_processed: usize) {}

    fn end_split(&mut self) {
        let metrics: Vec<String> = self
            .sums
            .iter()
            .filter(|(_, (_, weight))| *weight > 0.0)
            .map(|(name, (sum, weight))| {
                let value = self.finals.get(name).copied().unwrap_or(sum / weight);
                format!("{name} {value:.4}")
            })
            .collect();
        line(format_args!(
            "epoch {}/{} {}: {}",
            self.epoch,
            self.epochs,
            self.split,
            metrics.join(" | ")
        ));
    }

    fn end(&mut self) {}

    /// Burn reports every iteration here; a plain log keeps to one line per split.
    fn log_event_training(&mut self, _event: String) {}
}

impl EvaluationProgressLogger for PlainRenderer {
    fn start_global_progress(&mut self, _total_tests: usize) {}

    fn start_test(&mut self, name: &str, _total_items: usize) {
        self.split = name.to_string();
        self.sums.clear();
        self.finals.clear();
    }

    fn update_test_progress(&mut self, _items_processed: usize) {}

    fn end_test(&mut self) {
        self.end_split();
    }

    fn end_global_progress(&mut self) {}

    fn log_event_evaluation(&mut self, _event: String) {}
}

impl MetricsRendererEvaluation for PlainRenderer {
    fn update_test(&mut self, _name: EvaluationName, state: MetricState) {
        self.record(state);
    }
}

impl MetricsRenderer for PlainRenderer {
    fn manual_close(&mut self) {}

    fn register_metric(&mut self, definition: MetricDefinition) {
        self.names.insert(definition.metric_id, definition.name.to_string());
    }
}
