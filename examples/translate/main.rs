//! The README's main job: trains the article's RNN translator (Bahdanau
//! attention) on the built-in English-French corpus, scores it on the test
//! split, and shows the attention matrix of "I love you" -> "je t'aime" with
//! its heatmap.
//!
//! ```text
//! cargo run -p attention-examples --example translate [RUN_DIR]
//! ```
//!
//! RUN_DIR defaults to `runs/translate-example`; a finished run there is
//! reused, an unfinished one resumed. `BURN_DEVICE=wgpu` (with the `wgpu`
//! feature) trains on the GPU.

use std::path::PathBuf;
use std::process::ExitCode;

use attention_examples::translate::{Options, report, run};

fn main() -> ExitCode {
    trainer::allocator::keep_freed_memory();
    attention_examples::init_logging();
    let dir = std::env::args_os()
        .nth(1)
        .map_or_else(|| PathBuf::from("runs/translate-example"), PathBuf::from);
    let options = Options::main_job(&dir);
    attention_examples::finish(run(&options).map(|outcome| report(&options, &outcome)))
}
