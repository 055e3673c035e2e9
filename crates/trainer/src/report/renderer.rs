//! What training shows as it goes, beside Burn's logs.
//!
//! [`PlainRenderer`]: progress as plain lines, for logs and pipes: one line per epoch and split with the
//! epoch's value of every metric: the value the metric computes over the whole split when it gives one
//! (corpus BLEU, which is not a mean of its batches), the mean of its batches otherwise. On a terminal
//! `attn` uses Burn's TUI instead.
//!
//! [`CurvesRenderer`]: wraps either, and redraws the run's training curves (`curves.png`, `curves.svg`)
//! when each epoch's validation ends.

use std::collections::BTreeMap;
use std::collections::HashMap;
use std::path::PathBuf;

use burn::train::LearnerSummary;
use burn::train::logger::{EvaluationProgressLogger, TrainingProgressLogger};
use burn::train::metric::{MetricDefinition, MetricId, NumericEntry};
use burn::train::renderer::{
    EvaluationName, MetricState, MetricsRenderer, MetricsRendererEvaluation, MetricsRendererTraining,
};

use crate::report::curves::Curves;

/// Prints a line to stdout, ignoring a closed pipe (`attn ... | head`): a
/// panic here would leave Burn's training threads waiting.
fn line(text: std::fmt::Arguments<'_>) {
    use std::io::Write;
    let _ = writeln!(std::io::stdout(), "{text}");
}

/// The epoch's value of each metric on the current split, from Burn's
/// events, and which epoch and split these are.
#[derive(Default)]
struct SplitValues {
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

impl SplitValues {
    fn register(&mut self, definition: MetricDefinition) {
        self.names.insert(definition.metric_id, definition.name.to_string());
    }

    fn record(&mut self, state: &MetricState) {
        let MetricState::Numeric(entry, Some(value)) = state else {
            return;
        };
        let Some(name) = self.names.get(&entry.metric_id).cloned() else {
            return;
        };
        let (value, weight) = match value.clone() {
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

    fn start(&mut self, total_epochs: usize, starting_epoch: usize) {
        self.epochs = total_epochs;
        self.epoch = starting_epoch;
    }

    fn start_split(&mut self, split: &str) {
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

    /// Each metric's value over the split so far, by name.
    fn values(&self) -> Vec<(&str, f64)> {
        self.sums
            .iter()
            .filter(|(_, (_, weight))| *weight > 0.0)
            .map(|(name, (sum, weight))| (name.as_str(), self.finals.get(name).copied().unwrap_or(sum / weight)))
            .collect()
    }
}

/// Prints `epoch E/N train: Loss 1.234 | Accuracy 56.78` at the end of each split.
#[derive(Default)]
pub struct PlainRenderer {
    values: SplitValues,
}

impl PlainRenderer {
    fn end_split(&self) {
        let metrics: Vec<String> = self
            .values
            .values()
            .into_iter()
            .map(|(name, value)| format!("{name} {value:.4}"))
            .collect();
        let v = &self.values;
        line(format_args!(
            "epoch {}/{} {}: {}",
            v.epoch,
            v.epochs,
            v.split,
            metrics.join(" | ")
        ));
    }
}

impl MetricsRendererTraining for PlainRenderer {
    fn update_train(&mut self, state: MetricState) {
        self.values.record(&state);
    }

    fn update_valid(&mut self, state: MetricState) {
        self.values.record(&state);
    }
}

impl TrainingProgressLogger for PlainRenderer {
    fn start(&mut self, total_epochs: usize, starting_epoch: usize, _total_items: Option<usize>, _label: Option<&str>) {
        self.values.start(total_epochs, starting_epoch);
        if starting_epoch > 1 {
            line(format_args!("resuming at epoch {starting_epoch} of {total_epochs}"));
        }
    }

    fn update_epoch(&mut self, _epoch: usize) {}

    fn start_split(&mut self, split: &str, _total_items: usize) {
        self.values.start_split(split);
    }

    fn update_split(&mut self, _items_processed: usize) {}

    fn end_split(&mut self) {
        PlainRenderer::end_split(self);
    }

    fn end(&mut self) {}

    /// Burn reports every iteration here; a plain log keeps to one line per split.
    fn log_event_training(&mut self, _event: String) {}
}

impl EvaluationProgressLogger for PlainRenderer {
    fn start_global_progress(&mut self, _total_tests: usize) {}

    fn start_test(&mut self, name: &str, _total_items: usize) {
        self.values.split = name.to_string();
        self.values.sums.clear();
        self.values.finals.clear();
    }

    fn update_test_progress(&mut self, _items_processed: usize) {}

    fn end_test(&mut self) {
        PlainRenderer::end_split(self);
    }

    fn end_global_progress(&mut self) {}

    fn log_event_evaluation(&mut self, _event: String) {}
}

impl MetricsRendererEvaluation for PlainRenderer {
    fn update_test(&mut self, _name: EvaluationName, state: MetricState) {
        self.values.record(&state);
    }
}

impl MetricsRenderer for PlainRenderer {
    fn manual_close(&mut self) {}

    fn register_metric(&mut self, definition: MetricDefinition) {
        self.values.register(definition);
    }
}

/// Passes every event on to `inner` (Burn's TUI, or [`PlainRenderer`]) and,
/// when an epoch's validation split ends, redraws the run's curves of the
/// metrics it was given, with the epochs a resumed run had already logged.
/// A picture that cannot be written is a warning: training goes on.
pub struct CurvesRenderer {
    inner: Box<dyn MetricsRenderer>,
    values: SplitValues,
    curves: Curves,
    run: PathBuf,
    metrics: Vec<String>,
}

impl CurvesRenderer {
    /// Wraps `inner` for the run in `run`, drawing `metrics` (their names in
    /// Burn's logs: `Loss`, `Accuracy`, `BLEU`). A resumed run's curves start
    /// from the epochs in its metric logs.
    pub fn new(inner: Box<dyn MetricsRenderer>, run: PathBuf, metrics: &[&str], resumed: bool) -> Self {
        let mut curves = Curves::new(run.display().to_string());
        if resumed {
            match LearnerSummary::new(&run, metrics) {
                Ok(summary) => {
                    for (split, logged) in [("train", &summary.metrics.train), ("valid", &summary.metrics.valid)] {
                        for metric in logged {
                            for entry in &metric.entries {
                                curves.record(entry.step, split, &metric.name, entry.value);
                            }
                        }
                    }
                }
                Err(e) => tracing::warn!(
                    "{}: the curves start afresh: cannot read the metric logs: {e}",
                    run.display()
                ),
            }
        }
        Self {
            inner,
            values: SplitValues::default(),
            curves,
            run,
            metrics: metrics.iter().map(|m| (*m).to_string()).collect(),
        }
    }

    fn end_split(&mut self) {
        let (epoch, split) = (self.values.epoch, self.values.split.clone());
        for (name, value) in self.values.values() {
            if self.metrics.iter().any(|m| m == name) {
                self.curves.record(epoch, &split, name, value);
            }
        }
        if split == "valid"
            && let Err(e) = self.curves.save(&self.run)
        {
            tracing::warn!("epoch {epoch}: {e}");
        }
    }
}

impl MetricsRendererTraining for CurvesRenderer {
    fn update_train(&mut self, state: MetricState) {
        self.values.record(&state);
        self.inner.update_train(state);
    }

    fn update_valid(&mut self, state: MetricState) {
        self.values.record(&state);
        self.inner.update_valid(state);
    }

    fn on_train_end(&mut self, summary: Option<LearnerSummary>) -> Result<(), Box<dyn core::error::Error>> {
        self.inner.on_train_end(summary)
    }
}

impl TrainingProgressLogger for CurvesRenderer {
    fn start(&mut self, total_epochs: usize, starting_epoch: usize, total_items: Option<usize>, label: Option<&str>) {
        self.values.start(total_epochs, starting_epoch);
        self.inner.start(total_epochs, starting_epoch, total_items, label);
    }

    fn update_epoch(&mut self, epoch: usize) {
        self.inner.update_epoch(epoch);
    }

    fn start_split(&mut self, split: &str, total_items: usize) {
        self.values.start_split(split);
        self.inner.start_split(split, total_items);
    }

    fn update_split(&mut self, items_processed: usize) {
        self.inner.update_split(items_processed);
    }

    fn end_split(&mut self) {
        CurvesRenderer::end_split(self);
        self.inner.end_split();
    }

    fn end(&mut self) {
        self.inner.end();
    }

    fn log_event_training(&mut self, event: String) {
        self.inner.log_event_training(event);
    }
}

impl EvaluationProgressLogger for CurvesRenderer {
    fn start_global_progress(&mut self, total_tests: usize) {
        self.inner.start_global_progress(total_tests);
    }

    fn start_test(&mut self, name: &str, total_items: usize) {
        self.inner.start_test(name, total_items);
    }

    fn update_test_progress(&mut self, items_processed: usize) {
        self.inner.update_test_progress(items_processed);
    }

    fn end_test(&mut self) {
        self.inner.end_test();
    }

    fn end_global_progress(&mut self) {
        self.inner.end_global_progress();
    }

    fn log_event_evaluation(&mut self, event: String) {
        self.inner.log_event_evaluation(event);
    }
}

impl MetricsRendererEvaluation for CurvesRenderer {
    fn update_test(&mut self, name: EvaluationName, state: MetricState) {
        self.inner.update_test(name, state);
    }

    fn on_test_end(&mut self, summary: Option<LearnerSummary>) -> Result<(), Box<dyn core::error::Error>> {
        self.inner.on_test_end(summary)
    }
}

impl MetricsRenderer for CurvesRenderer {
    fn manual_close(&mut self) {
        self.inner.manual_close();
    }

    fn register_metric(&mut self, definition: MetricDefinition) {
        self.values.register(definition.clone());
        self.inner.register_metric(definition);
    }
}
