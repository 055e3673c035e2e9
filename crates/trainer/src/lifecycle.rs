//! A run's lifecycle, the same for every task: place the run (this
//! process's own directory, which is the run directory except on the other
//! ranks of an MPI job), check it, ask the task ([`Task`]) for its data,
//! create the directory (or reopen a resumed one), agree with the other
//! ranks, seed the device, and hand the task a [`Session`] to train in.

use std::path::Path;

use burn::prelude::*;
use serde_json::{Map, Value};

use crate::TrainError;
use crate::distributed;
use crate::run_dir::{RELEASE, RunDir, RunSummary, Start};
use crate::session::CommonConfig;
use crate::session::Session;
use crate::task::Task;

/// Where this process keeps a run: the run directory itself, or, on the
/// ranks other than 0 of an MPI job (`--distributed mpi`), a scratch
/// directory of their own. Only rank 0 writes what the user sees; the
/// others print nothing to stdout, and a resumed run reaches them from rank
/// 0 ([`distributed::share_run`]), so the machines need no shared file
/// system. The scratch directory goes when the place is dropped.
pub struct Place {
    run: RunDir,
    rank: Option<distributed::Rank>,
    _scratch: Option<tempfile::TempDir>,
}

impl Place {
    /// The place of the run in `run`, started as `start` on `devices`
    /// copies of a device. In a single process, `run` itself.
    ///
    /// # Errors
    ///
    /// Under MPI: more than one device per rank, a scratch directory that
    /// cannot be made, or a resumed run that cannot be read (on rank 0) or
    /// written (on the others).
    pub fn new(run: &Path, start: Start, devices: usize) -> Result<Self, TrainError> {
        let Some(rank) = distributed::current() else {
            return Ok(Self::here(run, None));
        };
        if devices > 1 {
            return Err(TrainError::Input(
                "--distributed mpi trains one device per rank: --devices must be 1".into(),
            ));
        }
        tracing::info!(
            "rank {} of {} ({} of {} on this machine)",
            rank.rank,
            rank.size,
            rank.local,
            rank.on_machine
        );
        if rank.rank == 0 {
            if start == Start::Resume {
                // A directory that holds no run is refused as in one process, before anything is
                // sent (the other ranks end with the job).
                let run = RunDir::new(run);
                run.check_is_run()?;
                distributed::broadcast_bytes(&run.archive()?);
            }
            return Ok(Self::here(run, Some(rank)));
        }
        silence_stdout();
        let scratch = tempfile::tempdir()
            .map_err(|e| TrainError::Io(format!("rank {}: no scratch directory: {e}", rank.rank)))?;
        let local = RunDir::new(scratch.path().join("run"));
        if start == Start::Resume {
            local.unpack(&distributed::broadcast_bytes(&[]))?;
        }
        Ok(Self {
            run: local,
            rank: Some(rank),
            _scratch: Some(scratch),
        })
    }

    /// Opens the run this process keeps ([`RunDir::open`]): the one read of a resumed run's
    /// `config.json`, whose fields it returns.
    ///
    /// # Errors
    ///
    /// As [`RunDir::open`].
    pub fn open(&mut self) -> Result<Map<String, Value>, TrainError> {
        let (run, fields) = RunDir::open(self.run.path())?;
        self.run = run;
        Ok(fields)
    }

    fn here(run: &Path, rank: Option<distributed::Rank>) -> Self {
        Self {
            run: RunDir::new(run),
            rank,
            _scratch: None,
        }
    }

    /// The device this process trains on, given the one asked for: under
    /// MPI, the rank's own GPU when several ranks share a machine
    /// ([`crate::device::for_local_rank`]).
    pub fn device(&self, device: Device) -> Device {
        match self.rank {
            Some(rank) => crate::device::for_local_rank(device, rank.local, rank.on_machine),
            None => device,
        }
    }

    /// The directory this process reads and writes.
    pub fn run(&self) -> &RunDir {
        &self.run
    }
}

/// A run about to start: where, how, and on which devices.
pub struct Lifecycle {
    /// Where this process keeps the run.
    pub place: Place,
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
        let run = &self.place.run;
        let resume_from = run.check_start(self.start, common.epochs)?;
        let data = match (self.start, self.place.rank) {
            (Start::Fresh, None) => {
                let data = T::prepare(section, common)?;
                check_fits(T::parameters(section, &data, &self.device))?;
                run.create(fields, |staged| T::save(&data, staged))?;
                data
            }
            // Rank 0 makes the run and sends it to the others, which train on its files: what it
            // read and what it drew (a unigram vocabulary is not the same twice) are the job's,
            // and no other machine needs the data. First the ranks agree on the config, so that a
            // refused job leaves no directory.
            (Start::Fresh, Some(rank)) => {
                distributed::agree(rank, RunDir::config_fingerprint(fields), || ())?;
                if rank.rank == 0 {
                    let data = T::prepare(section, common)?;
                    check_fits(T::parameters(section, &data, &self.device))?;
                    run.create(fields, |staged| T::save(&data, staged))?;
                    distributed::broadcast_bytes(&run.archive()?);
                    data
                } else {
                    std::fs::create_dir_all(run.path())
                        .map_err(|e| TrainError::Io(format!("{}: cannot create: {e}", run.path().display())))?;
                    run.unpack(&distributed::broadcast_bytes(&[]))?;
                    T::reload(section, common, run)?
                }
            }
            (Start::Resume, _) => {
                let release = run.release();
                if resume_from.is_some() && release != RELEASE {
                    return Err(TrainError::Input(format!(
                        "{}: written by attn {release}, whose checkpoints this release ({RELEASE}) cannot resume; \
                         `attn eval` and `attn translate` still read its model, or start a new run",
                        run.path().display()
                    )));
                }
                let data = T::reload(section, common, run)?;
                // `--epochs` and `--device` may have changed.
                run.write_fields(fields)?;
                run.seal()?;
                tracing::info!(
                    "resuming {} from {}",
                    run.path().display(),
                    resume_from.map_or("the start".to_string(), |e| format!("epoch {e}"))
                );
                data
            }
        };
        if let (Start::Resume, Some(rank)) = (self.start, self.place.rank) {
            // Each rank resumes from rank 0's files with its own `--epochs`: they must agree.
            distributed::agree(rank, run.fingerprint(fields)?, || ())?;
        }
        self.device.seed(common.seed);
        let session = Session {
            common,
            task: T::NAME,
            run,
            device: self.device.clone(),
            devices: self.devices,
            resume_from,
        };
        T::fit(section, data, &session)
    }
}

/// Refuses a model of `parameters` parameters whose training state cannot fit in the memory the
/// machine has available (`MemAvailable` of `/proc/meminfo`; elsewhere nothing is checked): its
/// weights, their gradients and Adam's two moments, four 4-byte floats a parameter. Activations
/// come on top, so a model that passes may still not fit; one that fails never would. It runs
/// before the run directory is made, so a refused model leaves nothing behind.
///
/// # Errors
///
/// The parameters' count, what they need and what is available.
pub fn check_fits(parameters: usize) -> Result<(), TrainError> {
    const GIB: f64 = (1u64 << 30) as f64;
    let needed = parameters as f64 * 4.0 * 4.0;
    tracing::info!("the model has {parameters} parameters");
    match available_memory() {
        Some(available) if needed > available as f64 => Err(TrainError::Input(format!(
            "config: the model has {parameters} parameters: their weights, gradients and Adam's two moments \
             need {:.1} GiB, more than the {:.1} GiB of memory available; make it narrower (`d_hidden`, \
             `d_model`, `d_ff`) or its vocabularies smaller",
            needed / GIB,
            available as f64 / GIB,
        ))),
        _ => Ok(()),
    }
}

/// The bytes of memory available to a new process, as Linux estimates them.
fn available_memory() -> Option<u64> {
    let info = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = info.lines().find(|line| line.starts_with("MemAvailable:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    kib.checked_mul(1024)
}

/// Points stdout at /dev/null for the rest of the process: the ranks other than 0 train as rank 0
/// does, and rank 0 alone reports. What was printed before is flushed first.
fn silence_stdout() {
    use std::io::Write as _;
    let _ = std::io::stdout().flush();
    #[cfg(unix)]
    {
        use std::os::fd::AsRawFd as _;
        if let Ok(null) = std::fs::OpenOptions::new().write(true).open("/dev/null") {
            // SAFETY: dup2 on two open descriptors; stdout was just flushed.
            unsafe {
                libc::dup2(null.as_raw_fd(), libc::STDOUT_FILENO);
            }
        }
    }
}
