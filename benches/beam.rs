//! W10: beam search over whole batches against one sentence at a time, on a
//! trained translate run's own test split.
//!
//! ```text
//! RAYON_NUM_THREADS=2 cargo bench -p attention-benches --bench beam -- \
//!     --run runs/words --sentences 300 --width 4
//! ```
//!
//! The same first `--sentences` messages of the run's `splits/test.tsv` are
//! decoded three times with beam search of `--width`, ranked as `attn eval
//! --beam` ranks (`trainer::tasks::seq2seq::beam_config`):
//! - one sentence at a time, every candidate ranked on the host, as `attn eval
//!   --beam` decoded before the batched search
//!   (`models::decoding::beam_search_n_best`, the batched search's naive twin);
//! - one sentence at a time through the batched search (`Seq2SeqModel::n_best`);
//! - in batches of the run's `batch_size`, as `attn eval --beam` decodes now
//!   (`Seq2SeqRun::decode_all`, over `models::decoding::beam_search_batch`).
//!
//! It prints the times, the ratios to the first, and how many outputs agree
//! token for token with the first (the two rank candidates whose scores differ by less than float
//! rounding in either order, so a few may differ). Not a criterion bench:
//! one pass of each over real sentences is the measurement, and it takes
//! minutes for the article's model. `docs/performance.md` has the results.

use std::path::PathBuf;
use std::time::Instant;

use burn::tensor::{Int, Tensor, TensorData};
use models::decoding::{Translate, beam_search_n_best};
use trainer::task::Decoding;
use trainer::tasks::seq2seq::{Seq2SeqModel, beam_config};

#[global_allocator]
static ALLOCATOR: attention_benches::ProgramAllocator = attention_benches::PROGRAM_ALLOCATOR;

struct Args {
    run: PathBuf,
    sentences: usize,
    width: usize,
}

fn parse_args() -> Result<Args, String> {
    let mut run = None;
    let mut sentences = 300;
    let mut width = 4;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or_else(|| format!("{name} needs a value"));
        match arg.as_str() {
            "--run" => run = Some(PathBuf::from(value("--run")?)),
            "--sentences" => {
                sentences = value("--sentences")?.parse().map_err(|e| format!("--sentences: {e}"))?;
            }
            "--width" => width = value("--width")?.parse().map_err(|e| format!("--width: {e}"))?,
            // What `cargo bench` passes to every bench target.
            "--bench" => {}
            other => return Err(format!("unexpected argument `{other}`")),
        }
    }
    let run = run.ok_or("--run RUN_DIR is required (a finished translate run)")?;
    if sentences == 0 || width == 0 || width > trainer::serve::MAX_BEAM {
        return Err(format!(
            "--sentences must be at least 1 and --width 1 to {}",
            trainer::serve::MAX_BEAM
        ));
    }
    Ok(Args { run, sentences, width })
}

fn main() {
    let args = parse_args().unwrap_or_else(|e| {
        eprintln!("error: {e}");
        std::process::exit(2);
    });
    let device = attention_benches::bench_device();
    let translator = trainer::training::translator(&args.run, &device).unwrap_or_else(|e| {
        eprintln!("error: {e}");
        std::process::exit(2);
    });
    let pairs = trainer::data::corpus::read_split(&translator.dir, "test").unwrap_or_else(|e| {
        eprintln!("error: {e}");
        std::process::exit(2);
    });
    let sources: Vec<Vec<usize>> = pairs
        .iter()
        .take(args.sentences)
        .map(|p| {
            let mut ids = translator.codecs.source.ids(&p.english, &p.english_text);
            // The transformer's positions are bounded: it reads no more, as in `attn eval`.
            if matches!(translator.run.model, Seq2SeqModel::Transformer(_)) {
                ids.truncate(translator.config.max_tokens() + 1);
            }
            ids
        })
        .collect();
    let run = &translator.run;

    let one = |source: &Vec<usize>| {
        let ids = source.iter().map(|&id| id as i64).collect::<Vec<_>>();
        Tensor::<2, Int>::from_data(TensorData::new(ids, [1, source.len()]), &run.device)
    };

    // The search `attn eval --beam` ran before the batched one: one sentence at a time, every candidate
    // ranked on the host (the naive reference of the batched search).
    fn naive<M: Translate>(model: &M, source: Tensor<2, Int>, width: usize) -> Vec<usize> {
        let [_, length] = source.dims();
        let device = source.device();
        let config = beam_config(width, model.max_output_len());
        let state = model.start(source, &[length]);
        let mut n_best = beam_search_n_best(model, state, model.special(), config, &device);
        n_best.swap_remove(0).1.tokens
    }
    let started = Instant::now();
    let reference: Vec<Vec<usize>> = sources
        .iter()
        .map(|source| match &run.model {
            Seq2SeqModel::Rnn(model) => naive(model, one(source), args.width),
            Seq2SeqModel::Transformer(model) => naive(model, one(source), args.width),
        })
        .collect();
    let naive_s = started.elapsed().as_secs_f64();

    // The batched search, given one sentence at a time.
    let started = Instant::now();
    let one_at_a_time: Vec<Vec<usize>> = sources
        .iter()
        .map(|source| run.model.n_best(one(source), args.width).swap_remove(0).1.tokens)
        .collect();
    let single = started.elapsed().as_secs_f64();

    let started = Instant::now();
    let batched: Vec<Vec<usize>> = run
        .decode_all(&sources, Decoding::Beam(args.width))
        .into_iter()
        .map(|t| t.tokens)
        .collect();
    let batch = started.elapsed().as_secs_f64();

    let same = |outputs: &[Vec<usize>]| reference.iter().zip(outputs).filter(|(a, b)| a == b).count();
    println!(
        "{}: {} test sentences, beam {}:\n\
         - one at a time, ranked on the host (the search before the batched one): {naive_s:.1} s\n\
         - one at a time, the batched search: {single:.1} s, {:.1}x faster; {} of {} outputs identical\n\
         - batches of {}, the batched search (attn eval --beam): {batch:.1} s, {:.1}x faster; {} of {} identical",
        args.run.display(),
        sources.len(),
        args.width,
        naive_s / single,
        same(&one_at_a_time),
        sources.len(),
        run.batch_size,
        naive_s / batch,
        same(&batched),
        sources.len()
    );
}
