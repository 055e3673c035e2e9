//! One classified word as a person reads it: every class with its
//! probability, and the self-attention maps of every layer and head.

use crate::TrainError;
use crate::report::heatmap::Heatmap;

/// One word, classified.
#[derive(Clone, Debug, PartialEq)]
pub struct WordPrediction {
    /// The word, lower-cased.
    pub word: String,
    /// The tokens the model read: `<cls>` and the characters.
    pub tokens: Vec<String>,
    /// Characters training never saw (read as `<unk>`).
    pub unknown: Vec<String>,
    /// Every language with its probability, most probable first.
    pub probabilities: Vec<(String, f32)>,
    /// `[layer][head][query][key]`: the self-attention weights over the
    /// tokens.
    pub attention: Vec<Vec<Vec<Vec<f32>>>>,
}

impl WordPrediction {
    /// The self-attention maps, one per layer and head (layers in order,
    /// heads within a layer), the tokens on both axes: a query per row, the
    /// keys it reads across.
    ///
    /// # Errors
    ///
    /// Never for a prediction a classifier made; a map whose shape was
    /// changed is refused by [`Heatmap::new`].
    pub fn attention_maps(&self) -> Result<Vec<Heatmap>, TrainError> {
        let mut maps = Vec::new();
        for (layer, heads) in self.attention.iter().enumerate() {
            for (head, weights) in heads.iter().enumerate() {
                maps.push(Heatmap::new(
                    format!("{}: layer {} head {}", self.word, layer + 1, head + 1),
                    self.tokens.clone(),
                    self.tokens.clone(),
                    weights.clone(),
                )?);
            }
        }
        Ok(maps)
    }
}
