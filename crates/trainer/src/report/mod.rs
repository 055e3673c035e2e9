//! What a run shows people: attention heatmaps, BLEU, and the plain-text
//! progress lines of training outside a terminal.

pub mod bleu;
pub mod heatmap;
pub mod renderer;
