//! Choosing the device, once, in the program: a Cargo feature compiles
//! backends in, a name picks one at run time. The libraries (`attention-core`,
//! `models`, and this crate's tasks) take a `&Device` and never a name.
//! Under MPI, the run's lifecycle gives each rank of a machine its own GPU
//! in place of wgpu's default device ([`for_local_rank`]).
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

/// The device of the `local`-th of `on_machine` processes that train
/// together on one machine (the ranks of an MPI job): `device` itself,
/// unless it is wgpu's default device and several ranks share the machine.
/// Then each rank takes a GPU of its own: the `local`-th of the machine's
/// GPUs of the best kind it has (discrete, else integrated, else virtual),
/// in `wgpu`'s order. With fewer GPUs than ranks, the ranks take them in
/// turn and share, and a warning says so. Without any GPU (a software
/// rasterizer such as lavapipe is not one), the ranks share the default
/// device. Kept as they are: a device named more precisely, any CPU backend
/// (each rank is a process of its own there), and the default device when
/// `CUBECL_WGPU_DEFAULT_DEVICE` chooses it (a launcher that gives each rank
/// its GPU that way).
pub fn for_local_rank(device: Device, local: usize, on_machine: usize) -> Device {
    #[cfg(feature = "wgpu")]
    if on_machine > 1
        && device == Device::wgpu(burn::tensor::DeviceKind::DefaultDevice)
        && std::env::var_os("CUBECL_WGPU_DEFAULT_DEVICE").is_none()
    {
        let gpus = wgpu_gpus();
        return match gpu_of(local, gpus.len()) {
            Some(index) => {
                if on_machine > gpus.len() {
                    tracing::warn!(
                        "wgpu lists {} GPU{} for the {on_machine} ranks on this machine: they share",
                        gpus.len(),
                        if gpus.len() == 1 { "" } else { "s" }
                    );
                }
                tracing::info!("local rank {local} of {on_machine} trains on {:?}", gpus[index]);
                gpus[index].clone()
            }
            None => {
                tracing::warn!(
                    "wgpu lists no GPU here: the {on_machine} ranks on this machine share its default device"
                );
                device
            }
        };
    }
    let _ = (local, on_machine);
    device
}

/// This machine's GPUs of the best kind it has, as `wgpu` lists them: the
/// discrete ones, else the integrated ones, else the virtual ones. Ranks
/// train in step, so one slower GPU would hold up the whole job.
#[cfg(feature = "wgpu")]
fn wgpu_gpus() -> Vec<Device> {
    use burn::tensor::{DeviceKind, DeviceType};
    let listed = Device::enumerate(DeviceType::Wgpu);
    let kinds: [fn(usize) -> DeviceKind; 3] = [
        DeviceKind::DiscreteGpu,
        DeviceKind::IntegratedGpu,
        DeviceKind::VirtualGpu,
    ];
    kinds
        .into_iter()
        .map(|kind| {
            (0..)
                .map(|index| Device::wgpu(kind(index)))
                .take_while(|device| listed.contains(device))
                .collect::<Vec<_>>()
        })
        .find(|gpus| !gpus.is_empty())
        .unwrap_or_default()
}

/// Which of `gpus` GPUs the `local`-th rank of a machine takes: its own
/// while there are enough, else they are shared in turn; none without GPUs.
#[cfg(any(feature = "wgpu", test))]
fn gpu_of(local: usize, gpus: usize) -> Option<usize> {
    (gpus > 0).then(|| local % gpus)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_rank_of_a_machine_takes_its_own_gpu_while_there_are_enough() {
        // Four ranks on a machine with four GPUs: one each.
        assert_eq!(
            (0..4).map(|local| gpu_of(local, 4)).collect::<Vec<_>>(),
            [0, 1, 2, 3].map(Some)
        );
        // Four ranks, two GPUs: in turn, two on each.
        assert_eq!(
            (0..4).map(|local| gpu_of(local, 2)).collect::<Vec<_>>(),
            [0, 1, 0, 1].map(Some)
        );
        assert_eq!(gpu_of(0, 0), None);
    }

    #[test]
    fn a_cpu_device_is_every_rank_s_own() {
        for kind in BackendKind::compiled() {
            if kind == BackendKind::Wgpu {
                continue;
            }
            let device = kind.device().unwrap();
            assert_eq!(for_local_rank(device.clone(), 1, 2), device);
        }
    }

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
