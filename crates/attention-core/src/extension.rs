//! Which backends this build of the crate has backend extensions for (the CPU kernels of
//! [`crate::flash`], [`crate::tanh`] and [`crate::layer_norm`]).
//!
//! Why: Burn routes a backend extension's call to the implementation for the backend the tensors
//! live on, and panics ("Backend not supported for custom op") when this crate was built without
//! the feature of that backend, for instance when a program enables `burn/flex` itself but not
//! this crate's `flex`. Every entry point asks [`covers`] first and, on a backend it does not
//! cover, computes the same function with Burn's own operations instead.

use burn::prelude::*;

/// Whether this crate implements its backend extensions for the backend of `device` (with or
/// without autodiff): flex, wgpu (every CubeCL runtime) and ndarray, each when this crate's
/// feature of that name is on.
pub(crate) fn covers(device: &Device) -> bool {
    !matches!(backend(device), Covered::No)
}

/// Whether attention on `device` runs the CPU kernel (`crate::flash::cpu`): on flex, with or
/// without autodiff, when this crate's `flex` feature is on.
pub(crate) fn runs_cpu_kernel(device: &Device) -> bool {
    #[cfg(feature = "flex")]
    return matches!(backend(device), Covered::Flex);
    #[cfg(not(feature = "flex"))]
    {
        let _ = device;
        false
    }
}

/// What this build has for a device's backend.
enum Covered {
    /// The CPU kernels.
    #[cfg(feature = "flex")]
    Flex,
    /// The tensor-operation versions.
    #[cfg(any(feature = "wgpu", feature = "ndarray"))]
    TensorOperations,
    /// Nothing: Burn's own operations must serve.
    No,
}

fn backend(device: &Device) -> Covered {
    #[allow(unused_imports)]
    use burn::backend::DispatchDevice;
    match device.clone().inner().as_dispatch() {
        #[cfg(feature = "flex")]
        DispatchDevice::Flex(_) => Covered::Flex,
        #[cfg(feature = "wgpu")]
        DispatchDevice::Cube(_) => Covered::TensorOperations,
        #[cfg(feature = "ndarray")]
        DispatchDevice::NdArray(_) => Covered::TensorOperations,
        _ => Covered::No,
    }
}
