//! Choosing the device, once, in the program: a Cargo feature compiles
//! backends in, a name picks one at run time. The libraries (`attention-core`,
//! `models`, and this crate's tasks) take a `&Device` and never a name.
//!
//! - **Compile time**: the features `flex` (pure-Rust CPU), `ndarray` (CPU,
//!   deprecated upstream) and `wgpu` (GPU through Vulkan, Metal or DX12) of
//!   this crate and of every program in the workspace. The programs enable
//!   `flex` by default.
//! - **Run time**: [`select`] takes a name (`--device` on the command line,
//!   `device` in a config), else the `BURN_DEVICE` environment variable, else
//!   Burn's default, which prefers a GPU to a CPU.

use std::fmt;
use std::str::FromStr;

use burn::prelude::*;

use crate::TrainError;

/// A backend this workspace knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BackendKind {
    /// Burn's pure-Rust CPU backend.
    Flex,
    /// The ndarray CPU backend.
    NdArray,
    /// wgpu: Vulkan, Metal or DX12.
    Wgpu,
}

impl BackendKind {
    /// Every backend, compiled in or not.
    pub const ALL: [BackendKind; 3] = [BackendKind::Flex, BackendKind::NdArray, BackendKind::Wgpu];

    /// The name used by `--device` and `BURN_DEVICE`.
    pub fn name(self) -> &'static str {
        match self {
            BackendKind::Flex => "flex",
            BackendKind::NdArray => "ndarray",
            BackendKind::Wgpu => "wgpu",
        }
    }

    /// Whether this build includes the backend.
    pub fn is_compiled(self) -> bool {
        match self {
            BackendKind::Flex => cfg!(feature = "flex"),
            BackendKind::NdArray => cfg!(feature = "ndarray"),
            BackendKind::Wgpu => cfg!(feature = "wgpu"),
        }
    }

    /// The backends this build includes.
    pub fn compiled() -> Vec<BackendKind> {
        Self::ALL.into_iter().filter(|kind| kind.is_compiled()).collect()
    }

    /// The backend's default device.
    ///
    /// # Errors
    ///
    /// If the backend is not compiled in; the message says which are.
    pub fn device(self) -> Result<Device, TrainError> {
        match self {
            #[cfg(feature = "flex")]
            BackendKind::Flex => Ok(Device::flex()),
            #[cfg(feature = "ndarray")]
            #[allow(deprecated)] // still a working backend in Burn 0.22
            BackendKind::NdArray => Ok(Device::ndarray()),
            #[cfg(feature = "wgpu")]
            BackendKind::Wgpu => Ok(Device::wgpu(burn::tensor::DeviceKind::DefaultDevice)),
            #[allow(unreachable_patterns)]
            other => Err(not_compiled(other.name())),
        }
    }
}

fn not_compiled(name: &str) -> TrainError {
    let compiled: Vec<&str> = BackendKind::compiled().into_iter().map(BackendKind::name).collect();
    TrainError::Input(format!(
        "device `{name}` is not compiled into this build; compiled in: [{}] (enable it with `--features {name}`)",
        compiled.join(", ")
    ))
}

impl fmt::Display for BackendKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for BackendKind {
    type Err = TrainError;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|kind| kind.name() == name.to_ascii_lowercase())
            .ok_or_else(|| TrainError::Input(format!("unknown device `{name}`; expected one of flex, ndarray, wgpu")))
    }
}

/// The device named `name`, else by `BURN_DEVICE`, else Burn's default.
///
/// # Errors
///
/// If the name (or `BURN_DEVICE`) is unknown or not compiled in, or no
/// backend is compiled in at all.
///
/// # Example
///
/// ```
/// let device = trainer::device::select(Some("flex"))?;
/// assert!(trainer::device::select(Some("cuda")).is_err());
/// # let _ = device;
/// # Ok::<(), trainer::TrainError>(())
/// ```
pub fn select(name: Option<&str>) -> Result<Device, TrainError> {
    let from_env = std::env::var("BURN_DEVICE").ok();
    match name.or(from_env.as_deref()) {
        Some(name) => name.parse::<BackendKind>()?.device(),
        None if BackendKind::compiled().is_empty() => Err(TrainError::Input(
            "no backend is compiled in; enable one of the features flex, ndarray, wgpu".into(),
        )),
        None => Ok(Device::default()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn device_names_are_checked() {
        assert_eq!(
            "cuda".parse::<BackendKind>().unwrap_err().to_string(),
            "unknown device `cuda`; expected one of flex, ndarray, wgpu"
        );
        for kind in BackendKind::ALL.into_iter().filter(|kind| !kind.is_compiled()) {
            let error = select(Some(kind.name())).unwrap_err().to_string();
            assert!(
                error.starts_with(&format!("device `{kind}` is not compiled into this build")),
                "{error}"
            );
        }
    }
}
