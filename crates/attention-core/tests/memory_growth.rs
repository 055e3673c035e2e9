//! The memory-efficient path's training memory grows linearly with the
//! length; the explicit path's with its square. Peak heap bytes of one
//! forward and backward pass, counted by this test binary's allocator on
//! the flex backend (whose tensors live on the heap). One test in this
//! binary, so nothing else allocates while it measures.

#![cfg(feature = "flex")]

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use attention_core::sdpa;
use burn::prelude::*;
use burn::tensor::Distribution;

struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

fn grew(bytes: usize) {
    let live = LIVE.fetch_add(bytes, Ordering::Relaxed) + bytes;
    PEAK.fetch_max(live, Ordering::Relaxed);
}

// SAFETY: every call goes to `System` unchanged; the counters only observe sizes.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let ptr = unsafe { System.alloc(layout) };
        if !ptr.is_null() {
            grew(layout.size());
        }
        ptr
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let ptr = unsafe { System.alloc_zeroed(layout) };
        if !ptr.is_null() {
            grew(layout.size());
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let new = unsafe { System.realloc(ptr, layout, new_size) };
        if !new.is_null() {
            LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
            grew(new_size);
        }
        new
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Peak bytes above what was live before one forward and backward pass of
/// attention over `len` positions (batch 1, 4 heads, width 32).
fn peak_bytes(len: usize, memory_efficient: bool) -> usize {
    let device = Device::flex().autodiff();
    let inputs = [(); 3].map(|_| Tensor::<4>::random([1, 4, len, 32], Distribution::Normal(0.0, 1.0), &device));
    let upstream = inputs[0].clone().random_like(Distribution::Normal(0.0, 1.0));
    let live = LIVE.load(Ordering::Relaxed);
    PEAK.store(live, Ordering::Relaxed);
    {
        let [q, k, v] = inputs.map(|x| x.require_grad());
        let context = if memory_efficient {
            sdpa::memory_efficient(q.clone(), k.clone(), v.clone(), None, 0.2, 64)
        } else {
            sdpa::explicit(q.clone(), k.clone(), v.clone(), None, 0.2, |w| w).0
        };
        let grads = (context * upstream).sum().backward();
        for x in [q, k, v] {
            drop(x.grad(&grads).expect("tracked"));
        }
    }
    PEAK.load(Ordering::Relaxed) - live
}

#[test]
fn memory_efficient_peak_grows_linearly_and_explicit_quadratically() {
    // Warm up whatever the backend allocates once (thread pools, caches).
    peak_bytes(128, true);
    peak_bytes(128, false);
    let lengths = [512, 1024, 2048];
    let blocked = lengths.map(|len| peak_bytes(len, true));
    let explicit = lengths.map(|len| peak_bytes(len, false));
    eprintln!("peak bytes at {lengths:?}: memory-efficient {blocked:?}, explicit {explicit:?}");
    for i in 1..lengths.len() {
        // Doubling the length: linear growth at most doubles the peak (plus
        // rounding slack), quadratic growth nearly quadruples it.
        let blocked_ratio = blocked[i] as f64 / blocked[i - 1] as f64;
        let explicit_ratio = explicit[i] as f64 / explicit[i - 1] as f64;
        assert!(
            blocked_ratio < 2.3,
            "memory-efficient peak grew {blocked_ratio:.2}x from {} to {} positions",
            lengths[i - 1],
            lengths[i]
        );
        assert!(
            explicit_ratio > 3.3,
            "explicit peak grew only {explicit_ratio:.2}x from {} to {} positions: the measurement is off",
            lengths[i - 1],
            lengths[i]
        );
    }
    // At 2048 positions the explicit path keeps several [4, 2048, 2048]
    // matrices (64 MiB each); the blocked one stays far below one of them.
    assert!(
        blocked[2] < 64 << 20,
        "memory-efficient peak {} bytes at 2048",
        blocked[2]
    );
}
