//! Code shared by the examples, kept in a library so that the tests can run it.

#![warn(missing_docs)]

pub mod classify;
pub mod translate;
pub mod variants;

/// Every example, and its tests, allocates through mimalloc: flex allocates a buffer for every
/// operation's output, and mimalloc reuses them where glibc's malloc maps and unmaps pages for each
/// (docs/performance.md, "Allocator").
#[cfg(not(feature = "system-allocator"))]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use burn::prelude::Device;
use trainer::TrainError;
use trainer::config::TrainConfig;
use trainer::run_dir::RunDir;
use trainer::training::{resume, train};

/// Trains `config` in `run` unless a finished run is there: an absent or
/// empty directory starts fresh, an unfinished run is resumed (with its own
/// saved config), a finished one is reused (opening it, after, checks that
/// it is of the task). Returns the seconds spent training, 0 when the run
/// was reused.
///
/// # Errors
///
/// Whatever training reports; a run of another task in `run`.
pub fn train_or_reuse(run: &Path, config: &TrainConfig, devices: usize, device: &Device) -> Result<f64, TrainError> {
    let dir = RunDir::new(run);
    let task = Some(config.task.name());
    if dir.is_finished() {
        tracing::info!(
            "{}: already trained, reusing it (delete the directory to train again)",
            run.display()
        );
        return Ok(0.0);
    }
    let started = Instant::now();
    if dir.is_fresh() {
        train(config, run, devices, device)?;
    } else {
        resume(run, task, devices, |_| Ok(device.clone()))?;
    }
    Ok(started.elapsed().as_secs_f64())
}

/// Logs to stderr, filtered by `RUST_LOG` (default: info, without Burn's
/// per-iteration lines), as `attn` does.
pub fn init_logging() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info,burn_train=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
}

/// Prints an example's report, or its error with `attn`'s exit status (2 for
/// bad input, 1 otherwise).
pub fn finish(result: Result<String, TrainError>) -> ExitCode {
    match result {
        Ok(report) => {
            print!("{report}");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::from(match error {
                TrainError::Input(_) => 2,
                _ => 1,
            })
        }
    }
}
