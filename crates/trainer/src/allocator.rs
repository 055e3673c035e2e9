//! The programs' allocator: every program of the workspace (`attn`, the examples, the benches)
//! declares mimalloc as its global allocator, and calls [`keep_freed_memory`] first.
//!
//! Why: flex allocates a fresh buffer for every operation's output. glibc's malloc gives each
//! buffer above its mmap threshold pages of its own and unmaps them on `free`, so a training step
//! maps, zeroes and unmaps its activations again every time (36% of a transformer step in the
//! kernel, docs/performance.md). mimalloc keeps them in its own heaps, but with its default purge
//! delay it still hands freed pages back to the OS a second after they are freed, and later steps
//! fault and zero them again (huge pages, 2 MiB at a time). Training reuses the same sizes every
//! step, so the programs turn purging off: the resident memory stays at the step's peak.
//!
//! Measured on the W4 and W5 training steps, in one session (docs/performance.md, "Allocator"):
//! glibc's malloc, jemalloc, mimalloc, and mimalloc without purging.

use libmimalloc_sys::{mi_option_set, mi_option_t, mi_option_use_numa_nodes};

/// mimalloc's `mi_option_purge_delay`, which libmimalloc-sys leaves unnamed: in the
/// `mi_option_e` of `mimalloc.h` (versions 2 and 3 alike) it comes right before
/// `mi_option_use_numa_nodes` (16), which libmimalloc-sys names.
const PURGE_DELAY: mi_option_t = mi_option_use_numa_nodes - 1;

/// Tells mimalloc never to return freed memory to the OS (purge delay -1), so that the buffers
/// of one training step are reused by the next without page faults. Harmless when another
/// allocator is installed: it only sets an option of mimalloc's.
pub fn keep_freed_memory() {
    // SAFETY: setting an option is thread-safe in mimalloc and takes plain integers.
    unsafe { mi_option_set(PURGE_DELAY, -1) };
}

/// Tells mimalloc to return freed memory to the OS as soon as it is freed (purge delay 0): for
/// `attn serve`, whose peaks come with bursts of requests and should go with them. A delay would
/// keep them while the server is idle, since mimalloc purges only when a thread allocates or frees.
/// Measured on a tiny RNN run, idle after 300 requests and three bursts of 100 in parallel: 99 MB
/// resident without purging, 56 MB with a delay of 100 ms, 30 MB with none (docs/explorer.md,
/// "Limits").
pub fn return_freed_memory() {
    // SAFETY: setting an option is thread-safe in mimalloc and takes plain integers.
    unsafe { mi_option_set(PURGE_DELAY, 0) };
}

#[cfg(test)]
mod tests {
    use super::*;
    use libmimalloc_sys::mi_option_get;

    /// The index names the purge delay: before it is set, it reads the purge delay's default, 1,000
    /// ms in the mimalloc 3 sources that libmimalloc-sys 0.1.49 builds (`src/options.c`; the
    /// header's comment still says 10), which neither neighbour has (`use_numa_nodes` defaults to
    /// 0); after, it reads back -1.
    #[test]
    fn the_purge_delay_option_is_set() {
        // SAFETY: reading an option takes a plain integer.
        assert_eq!(unsafe { mi_option_get(PURGE_DELAY) }, 1000);
        keep_freed_memory();
        // SAFETY: reading an option takes a plain integer.
        assert_eq!(unsafe { mi_option_get(PURGE_DELAY) }, -1);
    }
}
