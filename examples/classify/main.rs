//! Trains the encoder-only transformer to tell which language a word is, on
//! the word lists of Debian's `wamerican wfrench wngerman wspanish witalian`
//! packages, scores it on the test split, classifies a few words and draws
//! the self-attention maps of one.
//!
//! ```text
//! cargo run -p attention-examples --example classify [RUN_DIR]
//! ```
//!
//! RUN_DIR defaults to `runs/classify-example`; a finished run there is
//! reused, an unfinished one resumed.

use std::path::PathBuf;
use std::process::ExitCode;

use attention_examples::classify::{Options, report, run};

fn main() -> ExitCode {
    trainer::allocator::keep_freed_memory();
    attention_examples::init_logging();
    let dir = std::env::args_os()
        .nth(1)
        .map_or_else(|| PathBuf::from("runs/classify-example"), PathBuf::from);
    let options = Options::main_job(&dir);
    attention_examples::finish(run(&options).map(|outcome| report(&options, &outcome)))
}
