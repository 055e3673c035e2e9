//! `attn`: train and evaluate the attention models.

use std::path::PathBuf;
use std::process::ExitCode;

use burn::prelude::Device;
use clap::{ArgMatches, Args, FromArgMatches, Parser, Subcommand};
use trainer::TrainError;
use trainer::config::TrainConfig;
use trainer::data::catalog::{DEFAULT_MIN_SCORE, FillOptions, Suggestion};
use trainer::report::translation::format_matrix;
use trainer::serve::MAX_BEAM;
use trainer::task::{Decoding, UnknownWords};
use trainer::tasks::TaskConfig;
use trainer::training;

/// Flex allocates a buffer for every operation's output; mimalloc reuses them where glibc's malloc
/// maps and unmaps pages for each (docs/performance.md, "Allocator").
#[cfg(not(feature = "system-allocator"))]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
    Train(TrainCommand),
    /// Evaluate a trained run on its test split: BLEU and exact match, or accuracy and a confusion matrix.
    Eval(EvalArgs),
    /// Translate sentences with a trained run and show the attention matrix of each.
    Translate(TranslateArgs),
    /// Tell the language of words with a trained classify run.
    Classify(ClassifyArgs),
    /// Explore a translate or classify run in the browser: its attention, curves and config.
    Serve(ServeArgs),
}

/// The backend a command runs on: one argument, the same for every command that opens a run
/// (`attn train` takes it as a field of its config).
#[derive(Args, Debug)]
#[group(skip)]
struct DeviceArg {
    /// Backend: flex, ndarray or wgpu (those compiled in); BURN_DEVICE or Burn's choice if absent.
    #[arg(long)]
    device: Option<String>,
}

impl DeviceArg {
    /// The device named, chosen once for the command.
    fn select(&self) -> Result<Device, TrainError> {
        trainer::device::select(self.device.as_deref())
    }
}

#[derive(Args, Debug)]
#[group(skip)]
struct EvalArgs {
    /// The run directory.
    #[arg(long)]
    run: PathBuf,
    /// Decode with beam search of this width instead of greedily.
    #[arg(long, value_name = "WIDTH")]
    beam: Option<usize>,
    /// What a word-level model's `<unk>` becomes: the source word its attention weighs most, or
    /// `<unk>` as written.
    #[arg(long, default_value = "replace")]
    unknown: UnknownWords,
    #[command(flatten)]
    device: DeviceArg,
}

#[derive(Args, Debug)]
#[group(skip)]
struct ServeArgs {
    /// The run directory.
    #[arg(long)]
    run: PathBuf,
    /// The address to listen on (an IP address, or `localhost`); anything but a loopback address
    /// lets other machines in.
    #[arg(long, default_value = "127.0.0.1", value_parser = parse_host)]
    host: std::net::IpAddr,
    /// The port to listen on (0: one the system picks, printed at start).
    #[arg(long, default_value_t = 8000)]
    port: u16,
    #[command(flatten)]
    device: DeviceArg,
}

#[derive(Args, Debug)]
#[group(skip)]
struct ClassifyArgs {
    /// The run directory.
    #[arg(long)]
    run: PathBuf,
    /// The words.
    #[arg(required = true)]
    words: Vec<String>,
    /// Draw the self-attention maps of every layer and head to this .png or .svg file.
    #[arg(long, value_name = "FILE")]
    attention: Option<PathBuf>,
    #[command(flatten)]
    device: DeviceArg,
}

#[derive(Args, Debug)]
#[group(skip)]
struct TranslateArgs {
    /// The run directory.
    #[arg(long)]
    run: PathBuf,
    /// The sentences, e.g. "I love you".
    #[arg(required_unless_present = "po")]
    sentences: Vec<String>,
    /// Instead of sentences, a gettext catalog: each untranslated entry the model can handle gets
    /// its translation, marked fuzzy, in a copy written to --out.
    #[arg(long, value_name = "IN.po", requires = "out", conflicts_with = "sentences")]
    po: Option<PathBuf>,
    /// Where --po writes its copy; never the input.
    #[arg(long, value_name = "OUT.po", requires = "po")]
    out: Option<PathBuf>,
    /// With --po: suggestions whose mean log-probability per token is lower are left out.
    #[arg(long, value_name = "SCORE", default_value_t = DEFAULT_MIN_SCORE, allow_negative_numbers = true)]
    min_score: f32,
    /// Decode with beam search of this width instead of greedily.
    #[arg(long, value_name = "WIDTH")]
    beam: Option<usize>,
    /// What a word-level model's `<unk>` becomes: the source word its attention weighs most, or
    /// `<unk>` as written.
    #[arg(long, default_value = "replace")]
    unknown: UnknownWords,
    /// Draw the attention matrices to this .png or .svg file (sentences only, not --po).
    #[arg(long, value_name = "FILE", conflicts_with = "po")]
    heatmap: Option<PathBuf>,
    /// What the matrices are shown over: words (a subword model's pieces summed into their
    /// words), or the model's own subword pieces.
    #[arg(long, default_value = "words")]
    over: Over,
    #[command(flatten)]
    device: DeviceArg,
}

/// `attn train TASK [OPTIONS]`: one subcommand per task, each with the
/// run's options, the common fields and the task's own (see
/// `trainer::tasks`).
#[derive(Clone, Debug)]
struct TrainCommand {
    /// The task's name.
    task: String,
    /// Everything given after it.
    matches: ArgMatches,
}

impl Args for TrainCommand {
    fn augment_args(command: clap::Command) -> clap::Command {
        command
            .subcommand_required(true)
            .subcommands(TaskConfig::commands(RunArgs::augment_args))
    }

    fn augment_args_for_update(command: clap::Command) -> clap::Command {
        Self::augment_args(command)
    }
}

impl FromArgMatches for TrainCommand {
    fn from_arg_matches(matches: &ArgMatches) -> Result<Self, clap::Error> {
        let (task, matches) = matches
            .subcommand()
            .ok_or_else(|| clap::Error::raw(clap::error::ErrorKind::MissingSubcommand, "no task given"))?;
        Ok(Self {
            task: task.to_string(),
            matches: matches.clone(),
        })
    }

    fn update_from_arg_matches(&mut self, matches: &ArgMatches) -> Result<(), clap::Error> {
        *self = Self::from_arg_matches(matches)?;
        Ok(())
    }
}

/// Where and how a run goes, beside its config.
#[derive(Args, Debug)]
#[group(skip)]
struct RunArgs {
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
    /// Train data-parallel across the processes of an `mpirun` job (needs attn built with the
    /// `mpi` feature; see docs/training.md).
    #[arg(long, value_name = "ENGINE")]
    distributed: Option<Engine>,
}

/// What a translation's matrix is shown over.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum Over {
    /// Words.
    Words,
    /// The model's subword pieces.
    Subwords,
}

/// Engines for training across processes.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
enum Engine {
    /// MPI (Open MPI), under `mpirun -np N`.
    Mpi,
}

fn run_train(command: TrainCommand) -> Result<(), TrainError> {
    let args = RunArgs::from_arg_matches(&command.matches).map_err(|e| TrainError::Input(e.to_string()))?;
    // MPI stays up until training ends: dropping the universe finalises it. An error on one rank
    // ends the whole job before that, since the other ranks would wait for it in their next
    // collective.
    #[cfg(feature = "mpi")]
    if let Some(Engine::Mpi) = args.distributed {
        let _universe = trainer::distributed::init()?;
        let result = train_with(command, args);
        if let (Err(error), Some(rank)) = (&result, trainer::distributed::current()) {
            // One write: `eprintln!` writes its pieces one by one to the unbuffered stderr, and
            // mpirun, forwarding each as it comes, printed its abort banner between them.
            let line = format!("error: rank {}: {error}\n", rank.rank);
            let _ = std::io::Write::write_all(&mut std::io::stderr().lock(), line.as_bytes());
            trainer::distributed::abort(exit_code(error).into());
        }
        return result;
    }
    train_with(command, args)
}

fn train_with(command: TrainCommand, args: RunArgs) -> Result<(), TrainError> {
    let TrainCommand { task, matches } = command;
    #[cfg(not(feature = "mpi"))]
    if args.distributed.is_some() {
        return Err(TrainError::Input(
            "--distributed mpi needs attn built with the `mpi` feature (cargo build --release -p trainer \
             --features mpi; Debian: openmpi-bin libopenmpi-dev libclang-dev)"
                .into(),
        ));
    }
    let (config, run, summary) = match args.resume {
        Some(run) => {
            if args.config.is_some() {
                return Err(TrainError::Input(
                    "--resume continues a run with its saved config; --config cannot change it".into(),
                ));
            }
            // `training::resume` refuses any change but the epochs and the device.
            let (config, summary) = training::resume(&run, Some(&task), args.devices, |config| {
                config.update_from(&matches)?;
                trainer::device::select(config.common.device.as_deref())
            })?;
            (config, run, summary)
        }
        None => {
            let mut config = match &args.config {
                Some(path) => TrainConfig::from_file(path, &task)?,
                None => TrainConfig::for_task(&task)?,
            };
            if config.task.name() != task {
                return Err(TrainError::Input(format!(
                    "the config is for task `{}`, but `attn train {task}` was asked",
                    config.task.name(),
                )));
            }
            config.update_from(&matches)?;
            let run = args.run_dir.unwrap_or_else(|| PathBuf::from("runs").join(&task));
            let device = trainer::device::select(config.common.device.as_deref())?;
            let summary = training::train(&config, &run, args.devices, &device)?;
            (config, run, summary)
        }
    };
    let mut line = format!(
        "{}: {} epoch{}, validation loss {}, {} {}",
        run.display(),
        summary.epochs,
        if summary.epochs == 1 { "" } else { "s" },
        summary.valid_loss.map_or("-".into(), |v| format!("{v:.4}")),
        config.task.accuracy(),
        summary.valid_accuracy.map_or("-".into(), |v| format!("{v:.2}%")),
    );
    if let Some(bleu) = summary.valid_bleu {
        line.push_str(&format!(", BLEU {bleu:.2}"));
    }
    println!("{line}");
    Ok(())
}

fn decoding(beam: Option<usize>) -> Result<Decoding, TrainError> {
    match beam {
        None => Ok(Decoding::Greedy),
        Some(0) => Err(TrainError::Input("--beam must be at least 1".into())),
        // The server's cap: a wider beam costs its width in memory and time for each sentence,
        // and past a few hypotheses it finds no better translation.
        Some(width) if width > MAX_BEAM => Err(TrainError::Input(format!(
            "--beam must be at most {MAX_BEAM}, got {width}"
        ))),
        Some(width) => Ok(Decoding::Beam(width)),
    }
}

fn run_classify(args: ClassifyArgs) -> Result<(), TrainError> {
    let run = training::open(&args.run, &args.device.select()?)?;
    let classifier = run.classifier()?;
    let mut maps = Vec::new();
    let mut heads = 1;
    for word in &args.words {
        let prediction = classifier.classify(word)?;
        if !prediction.unknown.is_empty() {
            eprintln!(
                "warning: `{word}`: characters not in the training words, read as <unk>: {}",
                prediction.unknown.join(" ")
            );
        }
        let probabilities: Vec<String> = prediction
            .probabilities
            .iter()
            .map(|(language, p)| format!("{language} {p:.3}"))
            .collect();
        println!("{}: {}", prediction.word, probabilities.join(", "));
        if args.attention.is_some() {
            heads = prediction.attention.first().map_or(1, Vec::len);
            maps.extend(prediction.attention_maps()?);
        }
    }
    if let Some(path) = &args.attention {
        let title = format!("self-attention of {}", args.run.display());
        trainer::report::heatmap::save(path, &title, &maps, heads)?;
        println!("attention maps written to {}", path.display());
    }
    Ok(())
}

fn run_eval(args: EvalArgs) -> Result<(), TrainError> {
    let decoding = decoding(args.beam)?;
    let run = training::open(&args.run, &args.device.select()?)?;
    print!("{}: {}", args.run.display(), run.evaluate(decoding, args.unknown)?);
    Ok(())
}

fn run_translate(args: TranslateArgs) -> Result<(), TrainError> {
    let decoding = decoding(args.beam)?;
    if args.out.is_some() && args.po.is_none() {
        return Err(TrainError::Input(
            "--out is where --po writes its catalog; give --po IN.po".into(),
        ));
    }
    let run = training::open(&args.run, &args.device.select()?)?;
    let translator = run.translator()?;
    if let (Some(input), Some(output)) = (&args.po, &args.out) {
        // A regular file at --out is replaced whole (trainer::files::write); say so.
        let replacing = output.is_file();
        let options = FillOptions {
            max_words: translator.max_words(),
            min_score: args.min_score,
        };
        let summary = trainer::data::catalog::fill(input, output, options, |message| {
            let (translation, _) = translator.translate(message, decoding, args.unknown)?;
            Ok(Suggestion {
                text: translation.text,
                words: translation.output,
                score: translation.score,
            })
        })?;
        let replaced = if replacing {
            ", replacing the file that was there"
        } else {
            ""
        };
        println!(
            "{}: {summary}; written to {}{replaced}",
            input.display(),
            output.display()
        );
        return Ok(());
    }
    let mut maps = Vec::new();
    // One row of the heatmap per sentence: the matrix, then the transformer's heads.
    let mut per_row = 1;
    for sentence in &args.sentences {
        let (translation, _) = translator.translate(sentence, decoding, args.unknown)?;
        if !translation.unknown.is_empty() {
            eprintln!(
                "warning: `{sentence}`: not in the training vocabulary, read as <unk>: {}",
                translation.unknown.join(", ")
            );
        }
        // Over words, or over the model's own pieces (a word vocabulary has no other).
        let (source, output, attention, heads) = match (&translation.subwords, args.over) {
            (Some(pieces), Over::Subwords) => (&pieces.source, &pieces.output, &pieces.attention, &pieces.heads),
            _ => (
                &translation.source,
                &translation.output,
                &translation.attention,
                &translation.heads,
            ),
        };
        println!("{} -> {}\n", translation.source.join(" "), translation.text);
        let matrix = |weights: &[Vec<f32>]| format_matrix(source, output, weights);
        if !heads.is_empty() {
            println!("averaged over {} heads:", heads.len());
        }
        print!("{}", matrix(attention));
        for (h, weights) in heads.iter().enumerate() {
            print!("\nhead {}:\n{}", h + 1, matrix(weights));
        }
        println!();
        if translation.output.is_empty() {
            eprintln!("warning: `{sentence}`: the translation is empty, so it has no attention matrix");
        } else if args.heatmap.is_some() {
            match (&translation.subwords, args.over) {
                (Some(_), Over::Subwords) => maps.push(translation.piece_heatmap()?),
                _ => {
                    maps.push(translation.heatmap()?);
                    maps.extend(translation.head_heatmaps()?);
                    per_row = 1 + translation.heads.len();
                }
            }
        }
    }
    if let Some(path) = &args.heatmap
        && !maps.is_empty()
    {
        let title = format!("attention of {}", args.run.display());
        let per_row = if per_row > 1 { per_row } else { maps.len().min(3) };
        trainer::report::heatmap::save(path, &title, &maps, per_row)?;
        println!("heatmap written to {}", path.display());
    }
    Ok(())
}

/// `--host`: an IP address, or `localhost` (127.0.0.1); no name is looked up.
fn parse_host(text: &str) -> Result<std::net::IpAddr, String> {
    if text.eq_ignore_ascii_case("localhost") {
        return Ok(std::net::Ipv4Addr::LOCALHOST.into());
    }
    text.parse()
        .map_err(|_| format!("`{text}` is not an IP address (such as 127.0.0.1, 0.0.0.0 or ::1) or `localhost`"))
}

fn run_serve(args: ServeArgs) -> Result<(), TrainError> {
    let explorer = trainer::serve::Explorer::open(&args.run, &args.device.select()?)?;
    let server = trainer::serve::Server::bind(explorer, args.host, args.port)?;
    if !args.host.is_loopback() {
        eprintln!(
            "warning: --host {} is not a loopback address: anyone who reaches this machine on port {} can use \
             the explorer, which has no authentication",
            args.host,
            server.address().port()
        );
    }
    {
        use std::io::Write as _;
        let mut out = std::io::stdout();
        let _ = writeln!(
            out,
            "exploring {} at http://{}/ (Ctrl-C stops)",
            args.run.display(),
            server.address()
        );
        let _ = out.flush();
    }
    server.run()
}

/// The exit status of an error: 2 for bad input, 1 otherwise.
fn exit_code(error: &TrainError) -> u8 {
    match error {
        TrainError::Input(_) => 2,
        TrainError::Io(_) | TrainError::Training(_) => 1,
    }
}

fn main() -> ExitCode {
    // Rust ignores SIGPIPE, so printing to a closed pipe (`attn eval | head`) would panic; the
    // default action ends the program quietly, as `cat` and `grep` do.
    // SAFETY: setting a signal's disposition to the default before any thread starts.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    trainer::allocator::keep_freed_memory();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info,burn_train=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    // Under mpirun every rank logs to the same terminal: each line of this thread names its rank
    // (`rank{r=1}: ...`), from the variable Open MPI sets.
    let _rank = std::env::var("OMPI_COMM_WORLD_RANK")
        .ok()
        .map(|r| tracing::info_span!("rank", r = r.as_str()).entered());
    let result = match Cli::parse().command {
        Command::Train(command) => run_train(command),
        Command::Eval(args) => run_eval(args),
        Command::Translate(args) => run_translate(args),
        Command::Classify(args) => run_classify(args),
        Command::Serve(args) => run_serve(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::from(exit_code(&error))
        }
    }
}
