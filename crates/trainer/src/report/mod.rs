//! What a run shows people: attention heatmaps, training curves, BLEU and chrF,
//! the progress of training, a translated sentence, a classified word, and
//! what `attn eval` prints.

pub mod bleu;
pub mod chrf;
pub mod curves;
pub mod evaluation;
pub mod heatmap;
pub mod picture;
pub mod prediction;
pub mod renderer;
pub mod translation;
pub mod weights;
