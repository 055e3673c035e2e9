//! A run's lifecycle, the same for every task: check the run directory,
//! ask the task ([`Task`]) for its data, create the directory (or reopen a
//! resumed one), seed the device, and hand the task a [`Session`] to train in.

use burn::prelude::*;
use serde_json::{Map, Value};

use crate::TrainError;
use crate::run_dir::{RELEASE, RunDir, RunSummary, Start};
use crate::session::CommonConfig;
use crate::session::Session;
use crate::task::Task;

/// A run about to start: where, how, and on which devices.
pub struct Lifecycle {
    /// The run directory.
    pub run: RunDir,
    /// Fresh or resumed.
    pub start: Start,
    /// Data-parallel copies of `device`.
    pub devices: usize,
    /// The device.
    pub device: Device,
}

impl Lifecycle {
    /// The run of task `T`: check, data, directory (`fields` are the whole
    /// config's, for `config.json`), then the task's fit.
    ///
    /// # Errors
    ///
    /// As [`crate::training::train`].
    pub fn run<T: Task>(
        self,
        common: &CommonConfig,
        section: &T::Config,
        fields: &Map<String, Value>,
    ) -> Result<RunSummary, TrainError> {
        let resume_from = self.run.check_start(self.start, common.epochs)?;
        let data = match self.start {
            Start::Fresh => {
                let data = T::prepare(section, common)?;
                self.run.create(fields, |staged| T::save(&data, staged))?;
                data
            }
            Start::Resume => {
                let release = self.run.release();
                if resume_from.is_some() && release != RELEASE {
                    return Err(TrainError::Input(format!(
                        "{}: written by attn {release}, whose checkpoints this release ({RELEASE}) cannot resume; \
                         `attn eval` and `attn translate` still read its model, or start a new run",
                        self.run.path().display()
                    )));
                }
                let data = T::reload(section, common, &self.run)?;
                // `--epochs` and `--device` may have changed.
                self.run.write_fields(fields)?;
                tracing::info!(
                    "resuming {} from {}",
                    self.run.path().display(),
                    resume_from.map_or("the start".to_string(), |e| format!("epoch {e}"))
                );
                data
            }
        };
        if let Some(rank) = crate::distributed::current() {
            // A refused fresh run leaves no directory behind (a resumed one keeps its own).
            let fresh = self.start == Start::Fresh;
            crate::distributed::agree(rank, self.run.path(), || {
                if fresh {
                    let _ = std::fs::remove_dir_all(self.run.path());
                }
            })?;
        }
        self.device.seed(common.seed);
        let session = Session {
            common,
            task: T::NAME,
            run: &self.run,
            device: self.device.clone(),
            devices: self.devices,
            resume_from,
        };
        T::fit(section, data, &session)
    }
}
