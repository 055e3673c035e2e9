//! Recurrent layers that respect sequence lengths: a GRU or an LSTM cell,
//! stepped one position at a time, that stops updating each sequence at its
//! length, and the per-sequence reversal a bidirectional encoder needs.
//!
//! Burn's `Gru` and `Lstm` (whose gates follow PyTorch's, GRU with
//! `reset_after`) do the arithmetic; this file adds what padding requires:
//! the final state of each sequence is the one at its last real token, and
//! the reverse direction starts at that token, not at the padding.

use burn::module::Module;
use burn::nn::activation::Activation;
use burn::nn::{GateController, Gru, GruConfig, Lstm, LstmConfig, LstmState};
use burn::prelude::*;
use burn::tensor::{Bool, Int, TensorData};
use serde::{Deserialize, Serialize};

/// One step of Burn's `Gru` (PyTorch's gates, `reset_after`), computed here with the
/// workspace's vectorised `sigmoid` and `tanh` and without Burn's per-call output buffer:
///
/// ```text
/// z = sigmoid(W_z x + b_z + U_z h + c_z)      r = sigmoid(W_r x + b_r + U_r h + c_r)
/// n = tanh(W_n x + b_n + r * (U_n h + c_n))   h' = (1 - z) n + z h
/// ```
///
/// Why: flex computes `sigmoid` and `tanh` with libm's scalar `expf` and `tanhf`, about a sixth of
/// the translator's training step (W4 in docs/performance.md). A GRU configured otherwise
/// (other activations, `reset_after` off, clipping) runs `Gru::forward`, this step's naive twin;
/// `tests/recurrent.rs` holds them equal, values and gradients.
///
/// # Shapes
///
/// - `x`: `[batch, d_input]`, `hidden`: `[batch, d_hidden]`; returns `[batch, d_hidden]`
fn gru_step(gru: &Gru, x: Tensor<2>, hidden: Tensor<2>) -> Tensor<2> {
    let standard = gru.reset_after
        && gru.clip.is_none()
        && matches!(gru.gate_activation, Activation::Sigmoid(_))
        && matches!(gru.hidden_activation, Activation::Tanh(_));
    if !standard {
        return gru.forward(x.unsqueeze_dim(1), Some(hidden)).squeeze_dim(1);
    }
    let gate = |gate: &GateController| {
        (
            gate.input_transform.forward(x.clone()),
            gate.hidden_transform.forward(hidden.clone()),
        )
    };
    let (x_z, h_z) = gate(&gru.update_gate);
    let (x_r, h_r) = gate(&gru.reset_gate);
    let (x_n, h_n) = gate(&gru.new_gate);
    let update = attention_core::sigmoid(x_z + h_z); // z, [batch, d_hidden]
    let reset = attention_core::sigmoid(x_r + h_r); // r
    let candidate = attention_core::tanh(x_n + reset * h_n); // n
    candidate.clone() + update * (hidden - candidate) // (1 - z) n + z h
}

/// Which recurrent cell (`"gru"`, `"lstm"` in configs).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CellKind {
    /// Gated recurrent unit (Cho et al. 2014).
    Gru,
    /// Long short-term memory (Hochreiter & Schmidhuber 1997).
    Lstm,
}

/// A GRU or an LSTM layer.
#[derive(Module, Debug)]
// One value per model or per step: boxing would only add an indirection.
#[allow(clippy::large_enum_variant)]
pub enum Recurrent {
    /// A GRU.
    Gru(Gru),
    /// An LSTM.
    Lstm(Lstm),
}

/// The state of a [`Recurrent`] layer, `[batch, d_hidden]` each.
#[derive(Clone, Debug)]
// One value per model or per step: boxing would only add an indirection.
#[allow(clippy::large_enum_variant)]
pub enum RnnState {
    /// A GRU's hidden state.
    Gru(Tensor<2>),
    /// An LSTM's hidden and cell states.
    Lstm {
        /// `h`.
        hidden: Tensor<2>,
        /// `c`.
        cell: Tensor<2>,
    },
}

impl RnnState {
    /// The hidden state `h`, `[batch, d_hidden]`.
    pub fn hidden(&self) -> Tensor<2> {
        match self {
            RnnState::Gru(hidden) | RnnState::Lstm { hidden, .. } => hidden.clone(),
        }
    }

    /// Applies `f` to every tensor of the state.
    pub fn map(self, f: impl Fn(Tensor<2>) -> Tensor<2>) -> Self {
        match self {
            RnnState::Gru(hidden) => RnnState::Gru(f(hidden)),
            RnnState::Lstm { hidden, cell } => RnnState::Lstm {
                hidden: f(hidden),
                cell: f(cell),
            },
        }
    }

    /// Keeps `self` where `keep` (`[batch, 1]`) is true, takes `other` elsewhere.
    fn keep_where(self, keep: Tensor<2, Bool>, other: RnnState) -> Self {
        let choose = |old: Tensor<2>, new: Tensor<2>| {
            let keep = keep.clone().expand(old.dims());
            new.mask_where(keep, old)
        };
        match (self, other) {
            (RnnState::Gru(old), RnnState::Gru(new)) => RnnState::Gru(choose(old, new)),
            (RnnState::Lstm { hidden, cell }, RnnState::Lstm { hidden: h, cell: c }) => RnnState::Lstm {
                hidden: choose(hidden, h),
                cell: choose(cell, c),
            },
            _ => unreachable!("a layer's states are all of its own kind"),
        }
    }
}

impl Recurrent {
    /// A fresh layer.
    pub fn new(kind: CellKind, d_input: usize, d_hidden: usize, device: &Device) -> Self {
        match kind {
            CellKind::Gru => Recurrent::Gru(GruConfig::new(d_input, d_hidden, true).init(device)),
            CellKind::Lstm => Recurrent::Lstm(LstmConfig::new(d_input, d_hidden, true).init(device)),
        }
    }

    /// The width of the hidden state.
    pub fn d_hidden(&self) -> usize {
        match self {
            Recurrent::Gru(gru) => gru.d_hidden,
            Recurrent::Lstm(lstm) => lstm.d_hidden,
        }
    }

    /// The state from a hidden vector: the GRU's state, or an LSTM's with a
    /// zero cell.
    pub fn state_from_hidden(&self, hidden: Tensor<2>) -> RnnState {
        match self {
            Recurrent::Gru(_) => RnnState::Gru(hidden),
            Recurrent::Lstm(_) => RnnState::Lstm {
                cell: hidden.zeros_like(),
                hidden,
            },
        }
    }

    /// One step.
    ///
    /// # Shapes
    ///
    /// - `x`: `[batch, d_input]`; `state`: `[batch, d_hidden]` each
    pub fn step(&self, x: Tensor<2>, state: RnnState) -> RnnState {
        let x = x.unsqueeze_dim::<3>(1); // [batch, 1, d_input]
        match (self, state) {
            (Recurrent::Gru(gru), RnnState::Gru(hidden)) => RnnState::Gru(gru_step(gru, x.squeeze_dim(1), hidden)),
            (Recurrent::Lstm(lstm), RnnState::Lstm { hidden, cell }) => {
                let (_, state) = lstm.forward(x, Some(LstmState::new(cell, hidden)));
                RnnState::Lstm {
                    hidden: state.hidden,
                    cell: state.cell,
                }
            }
            _ => panic!("Recurrent::step: the state is not of this layer's kind"),
        }
    }

    /// Runs over whole sequences from `initial` (zeros if `None`), freezing
    /// each sequence's state after its length.
    ///
    /// # Shapes
    ///
    /// - `x`: `[batch, len, d_input]`; `lengths`: `batch` values, each `<= len`
    /// - returns the outputs `[batch, len, d_hidden]` (past a sequence's
    ///   length: its final state repeated) and the final state of each
    ///   sequence, taken at its length
    pub fn run(&self, x: Tensor<3>, lengths: &[usize], initial: Option<RnnState>) -> (Tensor<3>, RnnState) {
        let [batch, len, _] = x.dims();
        let device = x.device();
        let mut state =
            initial.unwrap_or_else(|| self.state_from_hidden(Tensor::zeros([batch, self.d_hidden()], &device)));
        let lengths = Tensor::<1, Int>::from_data(
            TensorData::new(lengths.iter().map(|&l| l as i64).collect(), [batch]),
            &device,
        )
        .reshape([batch, 1]);
        let mut outputs = Vec::with_capacity(len);
        for (t, x_t) in x.iter_dim(1).enumerate() {
            let next = self.step(x_t.squeeze_dim(1), state.clone());
            let finished = lengths.clone().lower_equal_elem(t as i64); // [batch, 1]
            state = state.keep_where(finished, next);
            outputs.push(state.hidden().unsqueeze_dim::<3>(1));
        }
        (Tensor::cat(outputs, 1), state) // [batch, len, d_hidden]
    }
}

/// Reverses each sequence within its length, leaving the padding in place:
/// `[a, b, c, pad]` with length 3 becomes `[c, b, a, pad]`. Its own inverse.
///
/// # Shapes
///
/// - `x`: `[batch, len, d]`; output: `[batch, len, d]`
pub fn reverse_within_lengths(x: Tensor<3>, lengths: &[usize]) -> Tensor<3> {
    let [batch, len, d] = x.dims();
    let index: Vec<i64> = lengths
        .iter()
        .flat_map(|&length| (0..len).map(move |t| if t < length { (length - 1 - t) as i64 } else { t as i64 }))
        .collect();
    let index = Tensor::<2, Int>::from_data(TensorData::new(index, [batch, len]), &x.device());
    x.gather(1, index.unsqueeze_dim::<3>(2).expand([batch, len, d]))
}
