//! What a run shows people: attention heatmaps, BLEU and chrF, and the plain-text
//! progress lines of training outside a terminal.

pub mod bleu;
pub mod chrf;
pub mod heatmap;
pub mod picture;
pub mod renderer;
