//! Tier 5: bad input gets the documented message, with the argument, the
//! expected and the actual shape.

mod common;

use attention_core::*;
use common::*;

fn message(error: AttentionError) -> String {
    error.to_string()
}

#[test]
fn config_errors_name_the_field_and_the_values() {
    let cases = [
        (
            MultiHeadAttentionConfig::new(10, 3),
            "MultiHeadAttentionConfig: invalid `d_model`: d_model=10 is not divisible by n_heads=3",
        ),
        (
            MultiHeadAttentionConfig::new(8, 0),
            "MultiHeadAttentionConfig: invalid `n_heads`: must be at least 1, got 0",
        ),
        (
            MultiHeadAttentionConfig::new(8, 4).with_n_kv_heads(Some(3)),
            "MultiHeadAttentionConfig: invalid `n_kv_heads`: n_kv_heads=3 must divide n_heads=4",
        ),
        (
            MultiHeadAttentionConfig::new(8, 4).with_n_kv_heads(Some(0)),
            "MultiHeadAttentionConfig: invalid `n_kv_heads`: n_kv_heads=0 must divide n_heads=4",
        ),
        (
            MultiHeadAttentionConfig::new(8, 4).with_dropout(1.0),
            "MultiHeadAttentionConfig: invalid `dropout`: must be in [0, 1), got 1",
        ),
        (
            MultiHeadAttentionConfig::new(8, 4).with_d_key(Some(0)),
            "MultiHeadAttentionConfig: invalid `d_key`: must be at least 1, got 0",
        ),
    ];
    for (config, expected) in cases {
        assert_eq!(message(config.validate().unwrap_err()), expected);
    }
    assert_eq!(
        message(AdditiveScoreConfig::new(4, 0, 8).validate().unwrap_err()),
        "AdditiveScoreConfig: invalid `d_key`: must be at least 1, got 0"
    );
    assert_eq!(
        message(Normalizer::Softmax { temperature: 0.0 }.validate().unwrap_err()),
        "Normalizer::Softmax: invalid `temperature`: must be a positive finite number, got 0"
    );
}

#[test]
#[should_panic(expected = "MultiHeadAttentionConfig: invalid `d_model`: d_model=10 is not divisible by n_heads=3")]
fn init_panics_with_the_config_error() {
    MultiHeadAttentionConfig::new(10, 3).init(&test_device());
}

#[test]
#[should_panic(
    expected = "MultiHeadAttention::forward: `key` has shape [3, 7, 6], expected [batch=3, src_len, d_key=8]"
)]
fn key_width_mismatch() {
    let device = test_device();
    let mha = MultiHeadAttentionConfig::new(8, 2).init(&device);
    mha.forward(MhaInput::new(
        random([3, 5, 8], &device),
        random([3, 7, 6], &device),
        random([3, 7, 8], &device),
    ));
}

#[test]
#[should_panic(
    expected = "MultiHeadAttention::forward: `query` has shape [3, 5, 4], expected [batch, tgt_len, d_model=8]"
)]
fn query_width_mismatch() {
    let device = test_device();
    let mha = MultiHeadAttentionConfig::new(8, 2).init(&device);
    mha.forward(MhaInput::self_attention(random([3, 5, 4], &device)));
}

#[test]
#[should_panic(
    expected = "MultiHeadAttention::forward: `value` has shape [3, 6, 8], expected [batch=3, src_len=7, d_value=8]"
)]
fn value_length_mismatch() {
    let device = test_device();
    let mha = MultiHeadAttentionConfig::new(8, 2).init(&device);
    mha.forward(MhaInput::new(
        random([3, 5, 8], &device),
        random([3, 7, 8], &device),
        random([3, 6, 8], &device),
    ));
}

#[test]
#[should_panic(
    expected = "MultiHeadAttention::forward: `mask` has shape [2, 1, 7], expected [batch|1=3, tgt_len|1=5, src_len=7]"
)]
fn mask_of_the_wrong_shape() {
    let device = test_device();
    let mha = MultiHeadAttentionConfig::new(8, 2).init(&device);
    let input = MhaInput::cross_attention(random([3, 5, 8], &device), random([3, 7, 8], &device)).mask(Mask::padding(
        &[7, 2],
        7,
        &device,
    ));
    mha.forward(input);
}

#[test]
#[should_panic(
    expected = "AttentionUnit::forward: `values` has shape [3, 6, 3], expected [batch=3, src_len=7, d_value]"
)]
fn unit_values_length_mismatch() {
    let device = test_device();
    let unit = AttentionUnitConfig::new(ScoreConfig::dot()).init(&device);
    unit.forward(AttentionInput::new(
        random([3, 5, 4], &device),
        random([3, 7, 4], &device),
        random([3, 6, 3], &device),
    ));
}

#[test]
#[should_panic(expected = "DotScore::forward: `keys` has shape [3, 7, 6], expected [batch=3, src_len, d_query=4]")]
fn dot_width_mismatch() {
    let device = test_device();
    DotScoreConfig::new()
        .init()
        .forward(random([3, 5, 4], &device), random([3, 7, 6], &device));
}

#[test]
#[should_panic(expected = "AdditiveScore::forward: `query` has shape [3, 5, 5], expected [batch, tgt_len, d_query=4]")]
fn additive_width_mismatch() {
    let device = test_device();
    AdditiveScoreConfig::new(4, 6, 8)
        .init(&device)
        .forward(random([3, 5, 5], &device), random([3, 7, 6], &device));
}

#[test]
#[should_panic(expected = "FcScore::forward: `keys` has shape [3, 10, 6], expected [batch=3, src_len<=9, _]")]
fn fc_source_too_long() {
    let device = test_device();
    FcScoreConfig::new(4, 9)
        .init(&device)
        .forward(random([3, 5, 4], &device), random([3, 10, 6], &device));
}

#[test]
#[should_panic(expected = "Mask::padding: `lengths[1]` is 8, longer than src_len=7")]
fn padding_longer_than_the_source() {
    Mask::padding(&[7, 8], 7, &test_device());
}

#[test]
#[should_panic(expected = "sdpa::explicit: `key` has 3 heads, which must divide the query's n_heads=4")]
fn kv_heads_must_divide_query_heads() {
    let device = test_device();
    let q = random([1, 4, 2, 3], &device);
    let kv = random([1, 3, 2, 3], &device);
    sdpa::explicit(q, kv.clone(), kv, None, 1.0, |w| w);
}

mod torch_files {
    use super::*;
    use std::collections::HashMap;

    /// Writes a SafeTensors file of f32 zeros with the given names and shapes.
    fn write(dir: &tempfile::TempDir, tensors: &[(&str, Vec<usize>)]) -> std::path::PathBuf {
        let data: Vec<(String, Vec<u8>, Vec<usize>)> = tensors
            .iter()
            .map(|(name, shape)| {
                (
                    name.to_string(),
                    vec![0u8; 4 * shape.iter().product::<usize>()],
                    shape.clone(),
                )
            })
            .collect();
        let views: HashMap<String, safetensors::tensor::TensorView<'_>> = data
            .iter()
            .map(|(name, bytes, shape)| {
                (
                    name.clone(),
                    safetensors::tensor::TensorView::new(safetensors::Dtype::F32, shape.clone(), bytes).unwrap(),
                )
            })
            .collect();
        let path = dir.path().join("weights.safetensors");
        safetensors::serialize_to_file(views, None, &path).unwrap();
        path
    }

    #[test]
    fn a_missing_file_is_an_error() {
        let error =
            MultiHeadAttentionConfig::new(8, 2).init_from_torch("/nonexistent/mha.safetensors", "", &test_device());
        let error = message(error.unwrap_err());
        assert!(
            error.starts_with("/nonexistent/mha.safetensors: cannot read: "),
            "{error}"
        );
    }

    #[test]
    fn a_file_that_is_not_safetensors_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("junk.safetensors");
        std::fs::write(&path, b"not a safetensors file").unwrap();
        let error = message(
            MultiHeadAttentionConfig::new(8, 2)
                .init_from_torch(&path, "", &test_device())
                .unwrap_err(),
        );
        assert!(error.contains("not a valid SafeTensors file"), "{error}");
    }

    #[test]
    fn a_width_that_disagrees_with_the_config_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(
            &dir,
            &[
                ("in_proj_weight", vec![24, 8]),
                ("in_proj_bias", vec![24]),
                ("out_proj.weight", vec![8, 8]),
                ("out_proj.bias", vec![8]),
            ],
        );
        let error = MultiHeadAttentionConfig::new(16, 2)
            .init_from_torch(&path, "", &test_device())
            .unwrap_err();
        assert_eq!(
            message(error),
            format!(
                "{}: `in_proj_weight` has shape [24, 8], expected [48, 16]",
                path.display()
            )
        );
    }

    #[test]
    fn a_missing_tensor_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(
            &dir,
            &[("attn.in_proj_weight", vec![24, 8]), ("attn.in_proj_bias", vec![24])],
        );
        let error = MultiHeadAttentionConfig::new(8, 2)
            .init_from_torch(&path, "attn.", &test_device())
            .unwrap_err();
        assert_eq!(
            message(error),
            format!("{}: no tensor named `attn.out_proj.weight`", path.display())
        );
    }

    #[test]
    fn a_bias_setting_that_disagrees_with_the_file_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(
            &dir,
            &[
                ("in_proj_weight", vec![24, 8]),
                ("out_proj.weight", vec![8, 8]),
                ("out_proj.bias", vec![8]),
            ],
        );
        let error = MultiHeadAttentionConfig::new(8, 2)
            .with_bias(false)
            .init_from_torch(&path, "", &test_device())
            .unwrap_err();
        assert_eq!(
            message(error),
            format!(
                "{}: the config sets bias=false, but `out_proj.bias` is present",
                path.display()
            )
        );
    }

    #[test]
    fn add_bias_kv_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(&dir, &[("in_proj_weight", vec![24, 8]), ("bias_k", vec![1, 1, 8])]);
        let error = MultiHeadAttentionConfig::new(8, 2)
            .init_from_torch(&path, "", &test_device())
            .unwrap_err();
        assert_eq!(
            message(error),
            format!(
                "{}: `bias_k` is present: add_bias_kv=True is not supported",
                path.display()
            )
        );
    }
}
