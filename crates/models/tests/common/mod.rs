//! Shared by the models' integration tests.
#![allow(dead_code)]

use burn::prelude::*;
use burn::tensor::{Int, TensorData};

/// Two f32 computations of the same function (batched or not, cached or
/// not) over a few layers of O(1) values agree to ~1e-6; 1e-5 leaves margin.
pub const TOL: f32 = 1e-5;

/// The device every test runs on: Burn's default, so `--features wgpu`
/// moves the suite to the GPU.
pub fn test_device() -> Device {
    Device::default()
}

/// A padded `[rows, longest]` batch of token ids (padding 0).
pub fn tokens(rows: &[&[i64]], device: &Device) -> Tensor<2, Int> {
    let width = rows.iter().map(|r| r.len()).max().unwrap();
    let data: Vec<i64> = rows
        .iter()
        .flat_map(|r| r.iter().copied().chain(std::iter::repeat_n(0, width - r.len())))
        .collect();
    Tensor::from_data(TensorData::new(data, [rows.len(), width]), device)
}

pub fn to_vec<const D: usize>(t: Tensor<D>) -> Vec<f32> {
    t.into_data().convert::<f32>().try_to_vec::<f32>().unwrap()
}

/// Asserts `|a - b| <= TOL + TOL * |b|` elementwise.
#[track_caller]
pub fn assert_close<const D: usize>(a: Tensor<D>, b: Tensor<D>, what: &str) {
    assert_eq!(a.dims(), b.dims(), "{what}: shapes");
    for (i, (x, y)) in to_vec(a).iter().zip(to_vec(b)).enumerate() {
        assert!((x - y).abs() <= TOL + TOL * y.abs(), "{what}: element {i}: {x} vs {y}");
    }
}

/// Asserts that beam search of width 1 found greedy's translations: the
/// same tokens, log-probabilities and attention rows (greedy ran on the
/// padded batch, beam search on each sentence alone, so only the first
/// `length` weights of greedy's rows are compared; the rest are zero).
#[track_caller]
pub fn assert_beam_one_equals_greedy(greedy: &[models::Translation], beam: &[models::Translation], lengths: &[usize]) {
    for ((g, b), &length) in greedy.iter().zip(beam).zip(lengths) {
        assert_eq!(g.tokens, b.tokens);
        assert_eq!(g.attention.len(), g.tokens.len());
        assert!(
            (g.log_prob - b.log_prob).abs() < 1e-4,
            "{} vs {}",
            g.log_prob,
            b.log_prob
        );
        for (g_row, b_row) in g.attention.iter().zip(&b.attention) {
            assert_eq!(b_row.len(), length);
            assert!(g_row[length..].iter().all(|&w| w == 0.0));
            for (x, y) in g_row.iter().zip(b_row) {
                assert!((x - y).abs() < TOL, "{g_row:?} vs {b_row:?}");
            }
        }
    }
}
