//! `attn`: train and evaluate the attention models.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use models::{CellKind, Direction};
use trainer::TrainError;
use trainer::config::{AttentionName, NormName, PoolingName, PositionsName, ScheduleName, TaskName, TrainConfig};
use trainer::data::wordlists::WordList;
use trainer::train::{Decoding, Start, evaluate, load_model, read_run_config, train};

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
    Train(Box<TrainArgs>),
    /// Evaluate a trained run on its test split: BLEU and exact match, or accuracy and a confusion matrix.
    Eval {
        /// The run directory.
        #[arg(long)]
        run: PathBuf,
        /// Decode with beam search of this width instead of greedily.
        #[arg(long, value_name = "WIDTH")]
        beam: Option<usize>,
        /// Backend: flex, ndarray or wgpu (those compiled in).
        #[arg(long)]
        device: Option<String>,
    },
    /// Translate sentences with a trained run and show the attention matrix of each.
    Translate(TranslateArgs),
    /// Tell the language of words with a trained classify run.
    Classify(ClassifyArgs),
}

#[derive(Args, Debug)]
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
    /// Backend: flex, ndarray or wgpu (those compiled in).
    #[arg(long)]
    device: Option<String>,
}

#[derive(Args, Debug)]
struct TranslateArgs {
    /// The run directory.
    #[arg(long)]
    run: PathBuf,
    /// The sentences, e.g. "I love you".
    #[arg(required = true)]
    sentences: Vec<String>,
    /// Decode with beam search of this width instead of greedily.
    #[arg(long, value_name = "WIDTH")]
    beam: Option<usize>,
    /// Draw the attention matrices to this .png or .svg file.
    #[arg(long, value_name = "FILE")]
    heatmap: Option<PathBuf>,
    /// Backend: flex, ndarray or wgpu (those compiled in).
    #[arg(long)]
    device: Option<String>,
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
    /// Epochs [default: reverse 10, translate 3, classify 6].
    #[arg(long)]
    epochs: Option<usize>,
    /// Sequences per batch [default: reverse 32, translate 64, classify 128].
    #[arg(long)]
    batch_size: Option<usize>,
    /// Peak learning rate of Adam [default: 0.003].
    #[arg(long)]
    learning_rate: Option<f64>,
    /// Learning-rate schedule [default: constant; classify warmup-cosine].
    #[arg(long)]
    schedule: Option<ScheduleName>,
    /// Warm-up steps of warmup-cosine and noam [default: 100; classify 200].
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
    /// Embedding width [default: reverse 32, translate 64].
    #[arg(long)]
    d_embed: Option<usize>,
    /// Recurrent state width; the transformer's width for classify [default: reverse 64, translate 128, classify 64].
    #[arg(long)]
    d_hidden: Option<usize>,
    /// Recurrent cell: gru or lstm [default: gru].
    #[arg(long, value_parser = parse_cell)]
    cell: Option<CellKind>,
    /// Encoder direction: forward or bidirectional [default: reverse forward, translate bidirectional].
    #[arg(long, value_parser = parse_direction)]
    direction: Option<Direction>,
    /// The decoder's attention [default: bahdanau].
    #[arg(long)]
    attention: Option<AttentionName>,
    /// Reverse task: distinct symbols [default: 10].
    #[arg(long)]
    symbols: Option<usize>,
    /// Longest sequence (reverse), longest sentence kept (translate) [default: reverse 8, translate 16].
    #[arg(long)]
    max_len: Option<usize>,
    /// Training pairs generated; validation and test get a tenth each [default: reverse 2000, translate 30000].
    #[arg(long)]
    train_size: Option<usize>,
    /// Translate: a Tatoeba-format file (english<TAB>french[<TAB>...]) instead of the built-in corpus.
    #[arg(long, value_name = "FILE")]
    data: Option<PathBuf>,
    /// Translate: keep only pairs whose English starts with this (repeatable), as the PyTorch tutorial.
    #[arg(long = "english-prefix", value_name = "PREFIX")]
    english_prefixes: Vec<String>,
    /// Translate: words seen fewer times in training become <unk> [default: 1].
    #[arg(long)]
    min_count: Option<usize>,
    /// Classify: a word list, LANG=FILE (repeatable) [default: en, fr, de, es, it from /usr/share/dict].
    #[arg(long = "words", value_name = "LANG=FILE")]
    words: Vec<WordList>,
    /// Classify: at most this many words of each language [default: 20000].
    #[arg(long)]
    per_language: Option<usize>,
    /// Classify: encoder blocks [default: 3].
    #[arg(long)]
    n_layers: Option<usize>,
    /// Classify: attention heads [default: 4].
    #[arg(long)]
    n_heads: Option<usize>,
    /// Classify: feed-forward width [default: 256].
    #[arg(long)]
    d_ff: Option<usize>,
    /// Classify: position information [default: learned].
    #[arg(long)]
    positions: Option<PositionsName>,
    /// Classify: layer norm placement [default: pre].
    #[arg(long)]
    norm: Option<NormName>,
    /// Classify: pooling of the word's states [default: mean].
    #[arg(long)]
    pooling: Option<PoolingName>,
    /// Classify: dropout [default: 0.2].
    #[arg(long)]
    dropout: Option<f64>,
    /// Classify: longest character n-gram embedded, 1 for none [default: 4].
    #[arg(long)]
    ngrams: Option<usize>,
    /// Classify: rows the n-grams are hashed into [default: 16384].
    #[arg(long)]
    ngram_buckets: Option<usize>,
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
            train_size,
            min_count,
            n_layers,
            n_heads,
            d_ff,
            positions,
            norm,
            pooling,
            dropout,
            ngrams,
            ngram_buckets
        );
        if !self.words.is_empty() {
            config.words = self.words;
        }
        if self.per_language.is_some() {
            config.per_language = self.per_language;
        }
        if self.data.is_some() {
            config.data = self.data;
        }
        if !self.english_prefixes.is_empty() {
            config.english_prefixes = self.english_prefixes;
        }
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
            ("--data", self.data.is_some()),
            ("--english-prefix", !self.english_prefixes.is_empty()),
            ("--min-count", self.min_count.is_some()),
            ("--words", !self.words.is_empty()),
            ("--per-language", self.per_language.is_some()),
            ("--n-layers", self.n_layers.is_some()),
            ("--n-heads", self.n_heads.is_some()),
            ("--d-ff", self.d_ff.is_some()),
            ("--positions", self.positions.is_some()),
            ("--norm", self.norm.is_some()),
            ("--pooling", self.pooling.is_some()),
            ("--dropout", self.dropout.is_some()),
            ("--ngrams", self.ngrams.is_some()),
            ("--ngram-buckets", self.ngram_buckets.is_some()),
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
                Some(path) => TrainConfig::from_file(path, args.task)?,
                None => TrainConfig::for_task(args.task),
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
    let mut line = format!(
        "{}: {} epoch{}, validation loss {}, {} {}",
        run.display(),
        summary.epochs,
        if summary.epochs == 1 { "" } else { "s" },
        summary.valid_loss.map_or("-".into(), |v| format!("{v:.4}")),
        if config.task == TaskName::Classify {
            "accuracy"
        } else {
            "token accuracy"
        },
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
        Some(width) => Ok(Decoding::Beam(width)),
    }
}

fn run_classify(args: ClassifyArgs) -> Result<(), TrainError> {
    let device = trainer::device::select(args.device.as_deref())?;
    let trained = trainer::classify::load_classifier(&args.run, &device)?;
    let mut maps = Vec::new();
    let mut heads = 1;
    for word in &args.words {
        let prediction = trainer::classify::classify(&trained, word, &device)?;
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

fn run_eval(run: PathBuf, beam: Option<usize>, device: Option<String>) -> Result<(), TrainError> {
    if read_run_config(&run, None)?.task == TaskName::Classify {
        if beam.is_some() {
            return Err(TrainError::Input(
                "--beam decodes sentences; a classify run has none".into(),
            ));
        }
        let report = trainer::classify::evaluate_classifier(&run, device.as_deref())?;
        print!("{}: {report}", run.display());
        return Ok(());
    }
    let report = evaluate(&run, device.as_deref(), decoding(beam)?)?;
    println!(
        "{}: {} test sentences, BLEU {:.2}, exact match {:.2}%, token accuracy {:.2}%",
        run.display(),
        report.sentences,
        report.bleu,
        report.exact_match,
        report.token_accuracy
    );
    Ok(())
}

fn run_translate(args: TranslateArgs) -> Result<(), TrainError> {
    let decoding = decoding(args.beam)?;
    let device = trainer::device::select(args.device.as_deref())?;
    let trained = load_model(&args.run, &device)?;
    let mut maps = Vec::new();
    for sentence in &args.sentences {
        let translation = trainer::translate::translate(&trained, sentence, decoding, &device)?;
        if !translation.unknown.is_empty() {
            eprintln!(
                "warning: `{sentence}`: not in the training vocabulary, read as <unk>: {}",
                translation.unknown.join(", ")
            );
        }
        println!("{} -> {}\n", translation.source.join(" "), translation.output.join(" "));
        print!("{}", trainer::translate::format_matrix(&translation));
        println!();
        if translation.output.is_empty() {
            eprintln!("warning: `{sentence}`: the translation is empty, so it has no attention matrix");
        } else if args.heatmap.is_some() {
            maps.push(translation.heatmap()?);
        }
    }
    if let Some(path) = &args.heatmap
        && !maps.is_empty()
    {
        let title = format!("attention of {}", args.run.display());
        trainer::report::heatmap::save(path, &title, &maps, maps.len().min(3))?;
        println!("heatmap written to {}", path.display());
    }
    Ok(())
}

fn main() -> ExitCode {
    trainer::allocator::keep_freed_memory();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info,burn_train=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let result = match Cli::parse().command {
        Command::Train(args) => run_train(*args),
        Command::Eval { run, beam, device } => run_eval(run, beam, device),
        Command::Translate(args) => run_translate(args),
        Command::Classify(args) => run_classify(args),
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
