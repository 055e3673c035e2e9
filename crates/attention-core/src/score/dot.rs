//! Dot-product scores (Luong et al. 2015, "dot"), optionally scaled
//! (Vaswani et al. 2017): `e_ij = scale * (q_i . k_j)`.

use burn::config::Config;
use burn::module::Module;
use burn::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::{Axis, assert_shape};

/// How dot-product scores are scaled.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub enum Scaling {
    /// Plain dot product, Luong's "dot".
    None,
    /// `1 / sqrt(d)`, with `d` the query width: Vaswani et al.'s scaled dot
    /// product, which keeps the softmax out of saturation for wide vectors.
    InverseSqrtDim,
    /// Any fixed factor.
    Factor(f64),
}

impl Scaling {
    /// The factor for vectors of width `d`.
    pub fn factor(&self, d: usize) -> f64 {
        match *self {
            Scaling::None => 1.0,
            Scaling::InverseSqrtDim => 1.0 / (d as f64).sqrt(),
            Scaling::Factor(factor) => factor,
        }
    }
}

/// Configuration of [`DotScore`].
#[derive(Config, Debug)]
pub struct DotScoreConfig {
    /// The scaling. Default: [`Scaling::None`] (Luong's dot).
    #[config(default = "Scaling::None")]
    pub scaling: Scaling,
}

impl DotScoreConfig {
    /// The scorer; it has no parameters.
    pub fn init(&self) -> DotScore {
        DotScore { scaling: self.scaling }
    }
}

/// `e_ij = scale * (q_i . k_j)`: no parameters, queries and keys of one width.
#[derive(Module, Debug)]
pub struct DotScore {
    /// The scaling.
    #[module(skip)]
    pub scaling: Scaling,
}

impl DotScore {
    /// Scores every query against every key.
    ///
    /// # Shapes
    ///
    /// - `query`: `[batch, tgt_len, d]`
    /// - `keys`: `[batch, src_len, d]`
    /// - output: `[batch, tgt_len, src_len]`
    ///
    /// # Panics
    ///
    /// If the widths or batch sizes differ.
    pub fn forward(&self, query: Tensor<3>, keys: Tensor<3>) -> Tensor<3> {
        let [batch, _, d] = query.dims();
        assert_shape(
            "DotScore::forward",
            "keys",
            &keys.dims(),
            &[Axis::Is("batch", batch), Axis::Any("src_len"), Axis::Is("d_query", d)],
        );
        let scores = query.matmul(keys.swap_dims(1, 2)); // [batch, tgt_len, src_len]
        match self.scaling {
            Scaling::None => scores,
            scaling => scores.mul_scalar(scaling.factor(d)),
        }
    }
}
