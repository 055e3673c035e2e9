//! Weights from PyTorch, through SafeTensors files.
//!
//! [`TorchFile`] reads tensors by PyTorch name and checks their shapes;
//! [`MultiHeadAttentionConfig::init_from_torch`] builds a
//! [`MultiHeadAttention`] from the state dict of a `torch.nn.MultiheadAttention`
//! saved with `safetensors.torch.save_file(module.state_dict(), path)`.
//! Parameter names map as:
//!
//! | PyTorch | here |
//! |---|---|
//! | `in_proj_weight[0:E]`, `[E:2E]`, `[2E:3E]` (or `q_proj_weight`, `k_proj_weight`, `v_proj_weight` when `kdim`/`vdim` differ) | `query.weight`, `key.weight`, `value.weight` (transposed: Burn stores `[d_in, d_out]`) |
//! | `in_proj_bias[0:E]`, `[E:2E]`, `[2E:3E]` | `query.bias`, `key.bias`, `value.bias` |
//! | `out_proj.weight`, `out_proj.bias` | `output.weight` (transposed), `output.bias` |
//!
//! With the same inputs, the module then gives PyTorch's `attn_output` and,
//! through [`MhaOutput::weights_averaged`](crate::MhaOutput::weights_averaged),
//! its default `attn_output_weights`; masks keep PyTorch's boolean polarity
//! (`true` = not allowed). One difference: where every key of a query is
//! masked, PyTorch returns NaN and this crate zeros.

use std::path::{Path, PathBuf};

use burn::module::Param;
use burn::nn::{Dropout, DropoutConfig, Linear};
use burn::prelude::*;
use burn::tensor::TensorData;
use safetensors::{Dtype, SafeTensors};

use crate::error::AttentionError;
use crate::mha::{MultiHeadAttention, MultiHeadAttentionConfig};

/// A SafeTensors file of PyTorch parameters, read whole into memory.
pub struct TorchFile {
    path: PathBuf,
    bytes: Vec<u8>,
}

impl TorchFile {
    /// Reads the file.
    ///
    /// # Errors
    ///
    /// If the file cannot be read or is not a SafeTensors file.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, AttentionError> {
        let path = path.as_ref().to_path_buf();
        let bytes = std::fs::read(&path).map_err(|error| AttentionError::File {
            path: path.display().to_string(),
            reason: format!("cannot read: {error}"),
        })?;
        let file = Self { path, bytes };
        file.tensors()?;
        Ok(file)
    }

    fn error(&self, reason: String) -> AttentionError {
        AttentionError::File {
            path: self.path.display().to_string(),
            reason,
        }
    }

    fn tensors(&self) -> Result<SafeTensors<'_>, AttentionError> {
        SafeTensors::deserialize(&self.bytes)
            .map_err(|error| self.error(format!("not a valid SafeTensors file: {error}")))
    }

    /// Whether the file holds a tensor of that name.
    pub fn contains(&self, name: &str) -> bool {
        self.tensors().is_ok_and(|tensors| tensors.names().contains(&name))
    }

    /// The tensor `name` as `f32`, checked against `shape`.
    ///
    /// # Errors
    ///
    /// If the tensor is missing, is not `F32`, `F64`, `F16` or `BF16`, or has
    /// another shape; the message names the tensor and both shapes.
    pub fn tensor<const D: usize>(
        &self,
        name: &str,
        shape: [usize; D],
        device: &Device,
    ) -> Result<Tensor<D>, AttentionError> {
        let tensors = self.tensors()?;
        let view = tensors
            .tensor(name)
            .map_err(|_| self.error(format!("no tensor named `{name}`")))?;
        if view.shape() != shape {
            return Err(self.error(format!("`{name}` has shape {:?}, expected {shape:?}", view.shape())));
        }
        let bytes = view.data();
        let values: Vec<f32> = match view.dtype() {
            Dtype::F32 => bytes
                .chunks_exact(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .collect(),
            Dtype::F64 => bytes
                .chunks_exact(8)
                .map(|b| f64::from_le_bytes(b.try_into().expect("8 bytes")) as f32)
                .collect(),
            Dtype::F16 => bytes
                .chunks_exact(2)
                .map(|b| half_to_f32(u16::from_le_bytes([b[0], b[1]])))
                .collect(),
            Dtype::BF16 => bytes
                .chunks_exact(2)
                .map(|b| f32::from_bits(u32::from(u16::from_le_bytes([b[0], b[1]])) << 16))
                .collect(),
            other => {
                return Err(self.error(format!(
                    "`{name}` has dtype {other:?}; only F32, F64, F16 and BF16 are read"
                )));
            }
        };
        Ok(Tensor::from_data(TensorData::new(values, shape), device))
    }

    /// A `torch.nn.Linear` stored as `{prefix}weight` `[d_out, d_in]` and,
    /// when present, `{prefix}bias` `[d_out]`.
    ///
    /// # Errors
    ///
    /// As [`tensor`](Self::tensor).
    pub fn linear(&self, prefix: &str, d_in: usize, d_out: usize, device: &Device) -> Result<Linear, AttentionError> {
        let weight = self.tensor(&format!("{prefix}weight"), [d_out, d_in], device)?;
        let bias_name = format!("{prefix}bias");
        let bias = if self.contains(&bias_name) {
            Some(self.tensor(&bias_name, [d_out], device)?)
        } else {
            None
        };
        Ok(linear_from_torch(weight, bias))
    }
}

/// A Burn [`Linear`] from PyTorch's `[d_out, d_in]` weight and `[d_out]` bias.
pub fn linear_from_torch(weight: Tensor<2>, bias: Option<Tensor<1>>) -> Linear {
    Linear {
        weight: Param::from_tensor(weight.transpose()),
        bias: bias.map(Param::from_tensor),
    }
}

/// IEEE half precision to `f32`.
fn half_to_f32(bits: u16) -> f32 {
    let sign = u32::from(bits >> 15) << 31;
    let exponent = u32::from((bits >> 10) & 0x1f);
    let mantissa = u32::from(bits & 0x3ff);
    let magnitude = match (exponent, mantissa) {
        (0, 0) => 0,
        (0, m) => {
            // Subnormal: m * 2^-24.
            let value = m as f32 * 2f32.powi(-24);
            return if sign == 0 { value } else { -value };
        }
        (0x1f, m) => 0xff << 23 | m << 13,
        (e, m) => (e + 112) << 23 | m << 13,
    };
    f32::from_bits(sign | magnitude)
}

impl MultiHeadAttentionConfig {
    /// A [`MultiHeadAttention`] with the weights of a `torch.nn.MultiheadAttention`,
    /// read under `prefix` (e.g. `""`, or `"encoder.layers.0.self_attn."`).
    ///
    /// The config gives what the state dict does not: `n_heads`, `dropout`
    /// and `scale`. Its widths and `bias` must match the file.
    ///
    /// # Errors
    ///
    /// If the config is invalid, sets `n_kv_heads` below `n_heads` (PyTorch's
    /// module has no grouped heads), the file cannot be read, a tensor is
    /// missing or has a shape that disagrees with the config, or the file
    /// holds `bias_k`/`bias_v` (`add_bias_kv=True`, not supported).
    pub fn init_from_torch(
        &self,
        path: impl AsRef<Path>,
        prefix: &str,
        device: &Device,
    ) -> Result<MultiHeadAttention, AttentionError> {
        self.validate()?;
        if self.n_kv_heads.is_some_and(|n| n != self.n_heads) {
            return Err(AttentionError::Config {
                config: "MultiHeadAttentionConfig",
                field: "n_kv_heads",
                reason: "torch.nn.MultiheadAttention has as many key/value heads as query heads".into(),
            });
        }
        let file = TorchFile::open(path)?;
        let name = |suffix: &str| format!("{prefix}{suffix}");
        if file.contains(&name("bias_k")) || file.contains(&name("bias_v")) {
            return Err(file.error(format!(
                "`{}` is present: add_bias_kv=True is not supported",
                name("bias_k")
            )));
        }
        let e = self.d_model;
        let (d_key, d_value) = (self.d_key.unwrap_or(e), self.d_value.unwrap_or(e));
        let [wq, wk, wv] = if file.contains(&name("in_proj_weight")) {
            let packed = file.tensor(&name("in_proj_weight"), [3 * e, e], device)?;
            if d_key != e || d_value != e {
                return Err(file.error(format!(
                    "packed `{}` found, but the config sets d_key={d_key}, d_value={d_value} (d_model={e})",
                    name("in_proj_weight")
                )));
            }
            [0, 1, 2].map(|i| packed.clone().narrow(0, i * e, e))
        } else {
            [
                file.tensor(&name("q_proj_weight"), [e, e], device)?,
                file.tensor(&name("k_proj_weight"), [e, d_key], device)?,
                file.tensor(&name("v_proj_weight"), [e, d_value], device)?,
            ]
        };
        let has_bias = file.contains(&name("in_proj_bias"));
        if has_bias != self.bias {
            return Err(file.error(format!(
                "the config sets bias={}, but `{}` is {}",
                self.bias,
                name("in_proj_bias"),
                if has_bias { "present" } else { "absent" }
            )));
        }
        let [bq, bk, bv] = if has_bias {
            let packed = file.tensor(&name("in_proj_bias"), [3 * e], device)?;
            [0, 1, 2].map(|i| Some(packed.clone().narrow(0, i * e, e)))
        } else {
            [None, None, None]
        };
        let output = file.linear(&name("out_proj."), e, e, device)?;
        if output.bias.is_some() != self.bias {
            return Err(file.error(format!(
                "the config sets bias={}, but `{}` is {}",
                self.bias,
                name("out_proj.bias"),
                if self.bias { "absent" } else { "present" }
            )));
        }
        let d_head = e / self.n_heads;
        let dropout: Dropout = DropoutConfig::new(self.dropout).init();
        Ok(MultiHeadAttention {
            query: linear_from_torch(wq, bq),
            key: linear_from_torch(wk, bk),
            value: linear_from_torch(wv, bv),
            output,
            dropout,
            n_heads: self.n_heads,
            n_kv_heads: self.n_heads,
            d_head,
            scale: self.scale.unwrap_or(1.0 / (d_head as f64).sqrt()),
            fast_path: self.fast_path,
            rotary: self.rotary(device),
        })
    }
}
