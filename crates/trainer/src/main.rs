//! `attn`: train and evaluate the attention models.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use models::{CellKind, Direction};
use trainer::TrainError;
use trainer::config::{AttentionName, ScheduleName, TaskName, TrainConfig};
use trainer::train::{Start, evaluate, read_run_config, train};

/// Train and evaluate attention models on CPU or GPU.
///
/// Every training option can also be set in a TOML or JSON file given with
/// --config; options on the command line override the file. Logs go to
/// stderr, filtered by RUST_LOG (default: info, with Burn's per-iteration
/// lines off: `info,burn_train=warn`).
#[derive(Parser, Debug)]
#[command(name = "attn", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Train a model on a task; writes a run directory (see docs/training.md).
    Train(Box<TrainArgs>),
    /// Evaluate a trained run on its test split.
    Eval {
        /// The run directory.
        #[arg(long)]
        run: PathBuf,
        /// Backend: flex, ndarray or wgpu (those compiled in).
        #[arg(long)]
        device: Option<String>,
    },
}

#[derive(Args, Debug)]
struct TrainArgs {
    /// The task.
    task: TaskName,
    /// A TOML (.toml) or JSON config file; command-line options override it.
    #[arg(long)]
    config: Option<PathBuf>,
    /// Where the run is written [default: runs/TASK].
    #[arg(long, conflicts_with = "resume")]
    run_dir: Option<PathBuf>,
    /// Continue the run in this directory from its last complete checkpoint.
    #[arg(long, value_name = "RUN_DIR")]
    resume: Option<PathBuf>,
    /// Train data-parallel on this many devices of the chosen backend.
    #[arg(long, default_value_t = 1)]
    devices: usize,
    #[command(flatten)]
    options: Overrides,
}

/// Options that override the config file (and the defaults).
#[derive(Args, Debug, Default)]
struct Overrides {
    /// Seed of initialisation, data, shuffling, dropout and teacher forcing [default: 42].
    #[arg(long)]
    seed: Option<u64>,
    /// Epochs [default: 10].
    #[arg(long)]
    epochs: Option<usize>,
    /// Sequences per batch [default: 32].
    #[arg(long)]
    batch_size: Option<usize>,
    /// Peak learning rate of Adam [default: 0.003].
    #[arg(long)]
    learning_rate: Option<f64>,
    /// Learning-rate schedule [default: constant].
    #[arg(long)]
    schedule: Option<ScheduleName>,
    /// Warm-up steps of warmup-cosine and noam [default: 100].
    #[arg(long)]
    warmup_steps: Option<usize>,
    /// Clip each parameter's gradient to this norm; 0 turns clipping off [default: 1].
    #[arg(long)]
    grad_clip: Option<f64>,
    /// Label smoothing in [0, 1) [default: 0].
    #[arg(long)]
    label_smoothing: Option<f64>,
    /// Probability of the gold previous token in training [default: 1].
    #[arg(long)]
    teacher_forcing: Option<f64>,
    /// Fall linearly to this teacher-forcing probability by the last step [default: none].
    #[arg(long)]
    teacher_forcing_end: Option<f64>,
    /// Stop when the validation loss has not improved for this many epochs [default: off].
    #[arg(long)]
    early_stopping: Option<usize>,
    /// Embedding width [default: 32].
    #[arg(long)]
    d_embed: Option<usize>,
    /// Recurrent state width [default: 64].
    #[arg(long)]
    d_hidden: Option<usize>,
    /// Recurrent cell: gru or lstm [default: gru].
    #[arg(long, value_parser = parse_cell)]
    cell: Option<CellKind>,
    /// Encoder direction: forward or bidirectional [default: forward].
    #[arg(long, value_parser = parse_direction)]
    direction: Option<Direction>,
    /// The decoder's attention [default: bahdanau].
    #[arg(long)]
    attention: Option<AttentionName>,
    /// Reverse task: distinct symbols [default: 10].
    #[arg(long)]
    symbols: Option<usize>,
    /// Reverse task: longest sequence [default: 8].
    #[arg(long)]
    max_len: Option<usize>,
    /// Reverse task: training sequences [default: 2000].
    #[arg(long)]
    train_size: Option<usize>,
    /// Backend: flex, ndarray or wgpu (those compiled in) [default: Burn's choice].
    #[arg(long)]
    device: Option<String>,
}

fn parse_cell(s: &str) -> Result<CellKind, String> {
    match s {
        "gru" => Ok(CellKind::Gru),
        "lstm" => Ok(CellKind::Lstm),
        _ => Err("expected gru or lstm".into()),
    }
}

fn parse_direction(s: &str) -> Result<Direction, String> {
    match s {
        "forward" => Ok(Direction::Forward),
        "bidirectional" => Ok(Direction::Bidirectional),
        _ => Err("expected forward or bidirectional".into()),
    }
}

impl Overrides {
    fn apply(self, config: &mut TrainConfig) {
        macro_rules! set {
            ($($field:ident),*) => { $(if let Some(value) = self.$field { config.$field = value; })* };
        }
        set!(
            seed,
            epochs,
            batch_size,
            learning_rate,
            schedule,
            warmup_steps,
            grad_clip,
            label_smoothing,
            teacher_forcing,
            d_embed,
            d_hidden,
            cell,
            direction,
            attention,
            symbols,
            max_len,
            train_size
        );
        if self.device.is_some() {
            config.device = self.device;
        }
        if self.teacher_forcing_end.is_some() {
            config.teacher_forcing_end = self.teacher_forcing_end;
        }
        if self.early_stopping.is_some() {
            config.early_stopping = self.early_stopping;
        }
    }

    /// The options given, other than those a resumed run may change.
    fn fixed_by_the_run(&self) -> Vec<&'static str> {
        let given = [
            ("--seed", self.seed.is_some()),
            ("--batch-size", self.batch_size.is_some()),
            ("--learning-rate", self.learning_rate.is_some()),
            ("--schedule", self.schedule.is_some()),
            ("--warmup-steps", self.warmup_steps.is_some()),
            ("--grad-clip", self.grad_clip.is_some()),
            ("--label-smoothing", self.label_smoothing.is_some()),
            ("--teacher-forcing", self.teacher_forcing.is_some()),
            ("--teacher-forcing-end", self.teacher_forcing_end.is_some()),
            ("--early-stopping", self.early_stopping.is_some()),
            ("--d-embed", self.d_embed.is_some()),
            ("--d-hidden", self.d_hidden.is_some()),
            ("--cell", self.cell.is_some()),
            ("--direction", self.direction.is_some()),
            ("--attention", self.attention.is_some()),
            ("--symbols", self.symbols.is_some()),
            ("--max-len", self.max_len.is_some()),
            ("--train-size", self.train_size.is_some()),
        ];
        given
            .into_iter()
            .filter(|(_, set)| *set)
            .map(|(name, _)| name)
            .collect()
    }
}

fn run_train(args: TrainArgs) -> Result<(), TrainError> {
    if args.devices == 0 {
        return Err(TrainError::Input("--devices must be at least 1".into()));
    }
    let (config, run, start) = match args.resume {
        Some(run) => {
            if args.config.is_some() {
                return Err(TrainError::Input(
                    "--resume continues a run with its saved config; --config cannot change it".into(),
                ));
            }
            let fixed = args.options.fixed_by_the_run();
            if !fixed.is_empty() {
                return Err(TrainError::Input(format!(
                    "--resume continues a run with its saved config; only --epochs and --device can change, not {}",
                    fixed.join(", ")
                )));
            }
            let mut config = read_run_config(&run, Some(args.task))?;
            args.options.apply(&mut config);
            (config, run, Start::Resume)
        }
        None => {
            let mut config = match &args.config {
                Some(path) => TrainConfig::from_file(path)?,
                None => TrainConfig::default(),
            };
            if config.task != args.task {
                return Err(TrainError::Input(format!(
                    "the config is for task `{}`, but `attn train {}` was asked",
                    config.task.as_str(),
                    args.task.as_str()
                )));
            }
            args.options.apply(&mut config);
            let run = args
                .run_dir
                .unwrap_or_else(|| PathBuf::from("runs").join(args.task.as_str()));
            (config, run, Start::Fresh)
        }
    };
    let summary = train(&config, &run, start, args.devices)?;
    println!(
        "{}: {} epoch{}, validation loss {}, token accuracy {}",
        run.display(),
        summary.epochs,
        if summary.epochs == 1 { "" } else { "s" },
        summary.valid_loss.map_or("-".into(), |v| format!("{v:.4}")),
        summary.valid_accuracy.map_or("-".into(), |v| format!("{v:.2}%"))
    );
    Ok(())
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info,burn_train=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let result = match Cli::parse().command {
        Command::Train(args) => run_train(*args),
        Command::Eval { run, device } => evaluate(&run, device.as_deref()).map(|report| {
            println!(
                "{}: {} test sentences, exact match {:.2}%, token accuracy {:.2}%",
                run.display(),
                report.sentences,
                report.exact_match,
                report.token_accuracy
            );
        }),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::from(match error {
                TrainError::Input(_) => 2,
                TrainError::Io(_) | TrainError::Training(_) => 1,
            })
        }
    }
}
