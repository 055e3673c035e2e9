//! The transformer's options, shared by the classify task's encoder and the
//! sequence tasks' encoder-decoder (`--model transformer`).

use attention_core::{NormPlacement, PositionKind};
use serde::{Deserialize, Serialize};

use crate::TrainError;

/// The transformer's sizes and settings: flat keys in config files, flags
/// on the command line.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, clap::Args)]
#[group(skip)]
pub struct TransformerOptions {
    /// Width of the transformer's states (transformer).
    #[arg(long)]
    pub d_model: usize,
    /// Attention heads; must divide d_model (transformer).
    #[arg(long)]
    pub n_heads: usize,
    /// Blocks: of the encoder, and as many in the decoder (transformer).
    #[arg(long)]
    pub n_layers: usize,
    /// Width of the feed-forward layer (transformer).
    #[arg(long)]
    pub d_ff: usize,
    /// Dropout in the blocks, in [0, 1) (transformer).
    #[arg(long)]
    pub dropout: f64,
    /// Position information (transformer).
    #[arg(long)]
    pub positions: PositionsName,
    /// Layer norm placement (transformer).
    #[arg(long)]
    pub norm: NormName,
}

impl TransformerOptions {
    /// Checks the values.
    ///
    /// # Errors
    ///
    /// Names the field and the value.
    pub fn validate(&self) -> Result<(), TrainError> {
        TrainError::width("d_model", self.d_model)?;
        TrainError::width("d_ff", self.d_ff)?;
        TrainError::positive("n_layers", self.n_layers)?;
        if self.n_heads == 0 || !self.d_model.is_multiple_of(self.n_heads) {
            return TrainError::invalid(
                "n_heads",
                format!(
                    "must divide d_model={} (the model width), got {}",
                    self.d_model, self.n_heads
                ),
            );
        }
        if !(0.0..1.0).contains(&self.dropout) {
            return TrainError::invalid("dropout", format!("must be in [0, 1), got {}", self.dropout));
        }
        Ok(())
    }
}

/// Position information of the transformer, by name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum PositionsName {
    /// None: the model sees a bag of tokens.
    None,
    /// Fixed sinusoids added to the embeddings.
    Sinusoidal,
    /// A learned vector per position.
    Learned,
    /// Rotary embeddings on each head's queries and keys.
    Rotary,
}

impl PositionsName {
    /// The model's setting.
    pub fn kind(self) -> PositionKind {
        match self {
            PositionsName::None => PositionKind::None,
            PositionsName::Sinusoidal => PositionKind::Sinusoidal,
            PositionsName::Learned => PositionKind::Learned,
            PositionsName::Rotary => PositionKind::Rotary,
        }
    }
}

/// Where the transformer's layer norms go, by name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum NormName {
    /// Before each sub-layer (PyTorch's `norm_first=True`).
    Pre,
    /// After each residual sum (Vaswani et al.).
    Post,
}

impl NormName {
    /// The model's setting.
    pub fn placement(self) -> NormPlacement {
        match self {
            NormName::Pre => NormPlacement::Pre,
            NormName::Post => NormPlacement::Post,
        }
    }
}
