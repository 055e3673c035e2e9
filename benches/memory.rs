//! W6: peak heap memory of one attention forward and backward pass, per
//! path and length, measured by counting every allocation of this process.
//!
//! ```text
//! RAYON_NUM_THREADS=2 cargo bench -p attention-benches --bench memory
//! ```
//!
//! Prints a table and writes it as JSON to `target/tmp/w6-memory.json`, which
//! `compare.py` reads. It measures what Burn's CPU backends allocate through
//! Rust's allocator; a GPU's memory is not seen here.

use std::alloc::{GlobalAlloc, Layout};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use attention_benches::{AttentionPath, AttentionShape, PROGRAM_ALLOCATOR, bench_device, forward_backward, sync};
use burn::tensor::Distribution;

/// The programs' allocator (mimalloc, see `ProgramAllocator`), counting the bytes live now and the most live since
/// the last [`reset_peak`].
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

fn grew(bytes: usize) {
    let live = LIVE.fetch_add(bytes, Ordering::Relaxed) + bytes;
    PEAK.fetch_max(live, Ordering::Relaxed);
}

// SAFETY: every call is forwarded to the programs' allocator unchanged; the counters only
// observe sizes.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let ptr = unsafe { PROGRAM_ALLOCATOR.alloc(layout) };
        if !ptr.is_null() {
            grew(layout.size());
        }
        ptr
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let ptr = unsafe { PROGRAM_ALLOCATOR.alloc_zeroed(layout) };
        if !ptr.is_null() {
            grew(layout.size());
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { PROGRAM_ALLOCATOR.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let new = unsafe { PROGRAM_ALLOCATOR.realloc(ptr, layout, new_size) };
        if !new.is_null() {
            LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
            grew(new_size);
        }
        new
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Starts a new peak at what is live now; returns that baseline.
fn reset_peak() -> usize {
    let live = LIVE.load(Ordering::Relaxed);
    PEAK.store(live, Ordering::Relaxed);
    live
}

const LENGTHS: [usize; 4] = [1024, 2048, 4096, 8192];
/// A case predicted (from the previous length, growing with the square of
/// the length) to need more than this is skipped: the machine has 24 GiB.
const BUDGET: usize = 16 << 30;

fn main() {
    // `cargo bench` passes `--bench`; a name filter, if any, is the first
    // other argument.
    let filter = std::env::args().skip(1).find(|a| !a.starts_with("--"));
    let device = bench_device().autodiff();
    let mut results = BTreeMap::new();
    println!("{:<12} {:>6} {:>14} {:>10}", "path", "len", "peak", "seconds");
    for path in AttentionPath::ALL {
        let mut previous: Option<(usize, usize)> = None;
        for len in LENGTHS {
            let shape = AttentionShape::gpt2_head(len);
            let name = format!("w6_attention_memory/{}/{}", path.name(), shape.name());
            if filter.as_deref().is_some_and(|f| !name.contains(f)) {
                continue;
            }
            if let Some((prev_len, prev_peak)) = previous {
                let predicted = prev_peak * (len / prev_len).pow(2);
                if predicted > BUDGET {
                    println!(
                        "{:<12} {len:>6} skipped: {:.1} GiB predicted, over the {} GiB budget",
                        path.name(),
                        predicted as f64 / (1u64 << 30) as f64,
                        BUDGET >> 30
                    );
                    continue;
                }
            }
            let baseline = reset_peak();
            let start = Instant::now();
            {
                let inputs = shape.inputs(&device);
                let upstream = inputs[0].clone().detach().random_like(Distribution::Normal(0.0, 1.0));
                let grads = forward_backward(path, &shape, &inputs, &upstream);
                sync(&device);
                drop(grads);
            }
            let seconds = start.elapsed().as_secs_f64();
            let peak = PEAK.load(Ordering::Relaxed) - baseline;
            println!(
                "{:<12} {len:>6} {:>10.1} MiB {seconds:>10.2}",
                path.name(),
                peak as f64 / (1u64 << 20) as f64
            );
            previous = Some((len, peak));
            results.insert(
                name,
                serde_json::json!({ "peak_bytes": peak, "mean_s": seconds, "samples": 1 }),
            );
        }
    }
    let out = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("w6-memory.json");
    let json = serde_json::json!({ "results": results });
    let tmp = out.with_extension("json.tmp");
    std::fs::write(&tmp, serde_json::to_vec_pretty(&json).expect("serialisable"))
        .and_then(|()| std::fs::rename(&tmp, &out))
        .unwrap_or_else(|e| panic!("cannot write {}: {e}", out.display()));
    println!("written to {}", out.display());
}
