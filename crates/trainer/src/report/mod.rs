//! What a run shows people: attention heatmaps, training curves, BLEU and chrF,
//! and the progress of training.

pub mod bleu;
pub mod chrf;
pub mod curves;
pub mod heatmap;
pub mod picture;
pub mod renderer;
