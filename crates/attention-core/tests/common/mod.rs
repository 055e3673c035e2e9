//! Shared by the integration tests: the device, the reference file, and
//! tolerant comparisons.
#![allow(dead_code)]

use attention_core::interop::TorchFile;
use burn::prelude::*;
use burn::tensor::Distribution;

/// The device every test runs on: Burn's default, so `--features wgpu` moves
/// the whole suite to the GPU (see `attention_core::device`).
pub fn test_device() -> Device {
    Device::default()
}

/// `tests/data/reference.safetensors`, written by `tests/reference/generate.py`.
pub fn reference() -> TorchFile {
    TorchFile::open(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/reference.safetensors")).expect("reference file")
}

/// A reference tensor by name.
pub fn load<const D: usize>(file: &TorchFile, name: &str, shape: [usize; D], device: &Device) -> Tensor<D> {
    file.tensor(name, shape, device)
        .unwrap_or_else(|error| panic!("{error}"))
}

pub fn to_vec<const D: usize>(t: Tensor<D>) -> Vec<f32> {
    t.into_data().convert::<f32>().try_to_vec::<f32>().expect("f32 data")
}

/// Asserts `|actual - expected| <= atol + rtol * |expected|` elementwise.
#[track_caller]
pub fn assert_close<const D: usize>(actual: Tensor<D>, expected: Tensor<D>, atol: f32, rtol: f32) {
    assert_eq!(actual.dims(), expected.dims(), "shapes differ");
    let (a, e) = (to_vec(actual), to_vec(expected));
    for (i, (x, y)) in a.iter().zip(&e).enumerate() {
        assert!(
            (x - y).abs() <= atol + rtol * y.abs(),
            "element {i}: got {x}, expected {y} (atol {atol}, rtol {rtol})"
        );
    }
}

/// Inputs drawn fresh from N(0, 1).
pub fn random<const D: usize>(shape: [usize; D], device: &Device) -> Tensor<D> {
    Tensor::random(shape, Distribution::Normal(0.0, 1.0), device)
}

/// Asserts every row over the last axis is non-negative and sums to one.
#[track_caller]
pub fn assert_rows_are_distributions<const D: usize>(weights: Tensor<D>) {
    let dims = weights.dims();
    let len = dims[D - 1];
    let values = to_vec(weights);
    for (row, chunk) in values.chunks(len).enumerate() {
        assert!(
            chunk.iter().all(|&w| w >= 0.0),
            "row {row} has a negative weight: {chunk:?}"
        );
        let sum: f32 = chunk.iter().sum();
        // f32 rounding over at most a few hundred terms.
        assert!((sum - 1.0).abs() < 1e-5, "row {row} sums to {sum}: {chunk:?}");
    }
}

/// `max |a - b| <= 1e-5 * max |b|`.
#[track_caller]
pub fn assert_relative<const D: usize>(actual: Tensor<D>, expected: Tensor<D>, what: &str) {
    assert_eq!(actual.dims(), expected.dims(), "{what}: shapes differ");
    let (a, e) = (to_vec(actual), to_vec(expected));
    assert!(a.iter().all(|x| x.is_finite()), "{what}: non-finite values");
    let gap = a.iter().zip(&e).map(|(x, y)| (x - y).abs()).fold(0.0f32, f32::max);
    let size = e.iter().map(|y| y.abs()).fold(0.0f32, f32::max);
    assert!(
        gap <= 1e-5 * size.max(1e-30),
        "{what}: max gap {gap} against max magnitude {size}"
    );
}
