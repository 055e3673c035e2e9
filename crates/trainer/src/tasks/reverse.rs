//! The reverse task: reverse a sequence of symbols. A synthetic task that
//! needs attention off the diagonal, generated from the seed, so it runs
//! anywhere with nothing to read; the quickest check that a model and its
//! attention learn.

use burn::prelude::*;
use serde::{Deserialize, Serialize};

use super::seq2seq::{self, Seq2SeqConfig, Seq2SeqData, Seq2SeqRun};
use crate::TrainError;
use crate::data::reverse::{reverse_splits, reverse_vocabulary};
use crate::data::{Pair, Vocabularies, Vocabulary};
use crate::report::evaluation::{EvalCounts, Scored};
use crate::run_dir::{RunDir, RunSummary};
use crate::session::{CommonConfig, Session};
use crate::task::{Decoding, Task, Trained, UnknownWords};

/// The reverse task.
pub struct Reverse;

/// The largest `train_size`: the sequences are generated in memory, all of them, before training
/// starts.
pub const MAX_TRAIN_SIZE: usize = 1_000_000;

/// The longest `max_len`, in symbols, as the translate task's in words: the sequences are drawn up
/// to this length, all in memory, so a length far past it would take the machine's memory or never
/// end (and `usize::MAX` overflowed the model's `max_len + 1` positions).
pub const MAX_LEN: usize = 1_000;

/// The most `symbols`: each is a token of the vocabulary, made before the model is checked against
/// the memory; a million is past any vocabulary this workspace trains.
pub const MAX_SYMBOLS: usize = 1_000_000;

/// The reverse task's section of the config.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, clap::Args)]
#[group(skip)]
pub struct ReverseConfig {
    /// Distinct symbols.
    #[arg(long)]
    pub symbols: usize,
    /// The longest sequence, and the longest output decoded.
    #[arg(long)]
    pub max_len: usize,
    /// Training sequences generated; validation and test get a tenth each.
    #[arg(long)]
    pub train_size: usize,
    /// The model and its decoder training.
    #[serde(flatten)]
    #[command(flatten)]
    pub seq2seq: Seq2SeqConfig,
}

impl Default for ReverseConfig {
    fn default() -> Self {
        Self {
            symbols: 10,
            max_len: 8,
            train_size: 2000,
            seq2seq: Seq2SeqConfig::default(),
        }
    }
}

impl ReverseConfig {
    fn vocab(&self) -> Vocabularies {
        let vocab = reverse_vocabulary(self.symbols);
        Vocabularies {
            source: vocab.clone(),
            target: vocab,
        }
    }
}

/// The reverse task's data: the sequences as ids, and their vocabulary.
pub struct ReverseData {
    /// The sequences.
    pub data: Seq2SeqData,
    /// The symbols, the same on both sides.
    pub vocab: Vocabularies,
}

impl Task for Reverse {
    const NAME: &'static str = "reverse";
    const ABOUT: &'static str = "Reverse sequences of symbols: synthetic, generated from the seed";
    const ACCURACY: &'static str = "token accuracy";
    type Config = ReverseConfig;
    type Data = ReverseData;
    type Trained = Reverser;

    fn common_defaults() -> CommonConfig {
        seq2seq::common_defaults()
    }

    fn validate(config: &ReverseConfig, _: &CommonConfig) -> Result<(), TrainError> {
        TrainError::positive("train_size", config.train_size)?;
        if config.train_size > MAX_TRAIN_SIZE {
            return TrainError::invalid(
                "train_size",
                format!(
                    "must be at most {MAX_TRAIN_SIZE}, the most sequences generated in memory, got {}",
                    config.train_size
                ),
            );
        }
        if config.symbols < 2 {
            return TrainError::invalid("symbols", format!("must be at least 2, got {}", config.symbols));
        }
        if config.symbols > MAX_SYMBOLS {
            return TrainError::invalid("symbols", format!("must be at most {MAX_SYMBOLS}, got {}", config.symbols));
        }
        if config.max_len < 2 {
            return TrainError::invalid("max_len", format!("must be at least 2, got {}", config.max_len));
        }
        if config.max_len > MAX_LEN {
            return TrainError::invalid("max_len", format!("must be at most {MAX_LEN} symbols, got {}", config.max_len));
        }
        config.seq2seq.validate(config.max_len)
    }

    fn check_flags(config: &ReverseConfig, given: &[String]) -> Result<(), TrainError> {
        config.seq2seq.check_flags(given)
    }

    fn prepare(config: &ReverseConfig, common: &CommonConfig) -> Result<ReverseData, TrainError> {
        let [train, valid, _] = reverse_splits(common.seed, config.train_size, config.symbols, config.max_len);
        let vocab = config.vocab();
        let data = Seq2SeqData {
            source_vocab: vocab.source.len(),
            target_vocab: vocab.target.len(),
            train,
            valid,
        };
        Ok(ReverseData { data, vocab })
    }

    fn save(data: &ReverseData, run: &RunDir) -> Result<(), TrainError> {
        crate::run_dir::write_json(&run.vocab_path(), &data.vocab)
    }

    fn reload(config: &ReverseConfig, common: &CommonConfig, _: &RunDir) -> Result<ReverseData, TrainError> {
        // The data is the seed's: generating it again gives the same.
        Self::prepare(config, common)
    }

    fn parameters(config: &ReverseConfig, data: &ReverseData, device: &Device) -> usize {
        seq2seq::parameters(&config.seq2seq, config.max_len, &data.data, device)
    }

    fn fit(config: &ReverseConfig, data: ReverseData, session: &Session<'_>) -> Result<RunSummary, TrainError> {
        seq2seq::fit(&config.seq2seq, config.max_len, data.data, session, Ok)
    }

    fn open(
        run: &RunDir,
        common: &CommonConfig,
        section: &ReverseConfig,
        device: &Device,
    ) -> Result<Reverser, TrainError> {
        let vocab = section.vocab();
        let trained = seq2seq::load(
            &section.seq2seq,
            section.max_len,
            (vocab.source.len(), vocab.target.len()),
            common.batch_size,
            Self::NAME,
            run,
            device,
        )?;
        // The test split is the seed's: generating it again gives the one the run held out.
        let [_, _, test] = reverse_splits(common.seed, section.train_size, section.symbols, section.max_len);
        Ok(Reverser {
            trained,
            symbols: vocab.target,
            test,
        })
    }
}

/// A finished reverse run, opened on a device, with its test split.
pub struct Reverser {
    /// The model.
    pub trained: Seq2SeqRun,
    /// The symbols.
    pub symbols: Vocabulary,
    /// The test sequences.
    pub test: Vec<Pair>,
}

impl Trained for Reverser {
    fn evaluate(&self, decoding: Decoding, _: UnknownWords) -> Result<String, TrainError> {
        let sources: Vec<Vec<usize>> = self.test.iter().map(|p| p.source.clone()).collect();
        let outputs = self.trained.decode_all(&sources, decoding);
        let symbols = |ids: &[usize]| -> Vec<String> { self.symbols.decode(ids).into_iter().map(String::from).collect() };
        let mut counts = EvalCounts::default();
        for (pair, output) in self.test.iter().zip(&outputs) {
            let (words, reference) = (symbols(&output.tokens), symbols(&pair.target));
            counts.add(&Scored {
                text: &words.join(" "),
                words: &words,
                reference_text: &reference.join(" "),
                reference_words: &reference,
                ids: &output.tokens,
                reference_ids: &pair.target,
                source_ids: &pair.source,
            });
        }
        Ok(counts.report().to_string())
    }
}
