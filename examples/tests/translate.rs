//! Smoke test of the `translate` example at a size that trains in seconds:
//! the flow runs end to end, the report holds the matrix of "I love you",
//! the heatmaps are written, and a finished run is reused, not retrained.

use attention_examples::translate::{Options, report, run};

#[test]
fn the_flow_trains_reports_draws_and_reuses_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let mut options = Options::main_job(&dir.path().join("run"));
    options.translate.train_size = 1000;
    options.common.epochs = 4;
    options.translate.seq2seq.rnn.d_embed = 32;
    options.translate.seq2seq.rnn.d_hidden = 64;
    options.devices = 1;
    let outcome = run(&options).unwrap();
    assert!(outcome.train_seconds > 0.0);
    // A tenth of the training size is held out for test.
    assert_eq!(outcome.test.sentences, 100);
    let text = report(&options, &outcome);
    assert!(
        !outcome.translation.output.is_empty(),
        "four epochs give words:\n{text}"
    );
    assert!(text.contains("\ni love you -> "), "{text}");
    let header = text.lines().find(|l| l.split_whitespace().eq(["i", "love", "you"]));
    assert!(header.is_some(), "the source words across:\n{text}");
    for path in &options.heatmaps {
        assert!(std::fs::metadata(path).unwrap().len() > 0, "{}", path.display());
        assert!(text.contains(&format!("heatmap: {}", path.display())));
    }
    // Training drew its curves, and the report names them.
    let curves = options.run.join("curves.png");
    assert!(std::fs::read(&curves).unwrap().starts_with(b"\x89PNG"));
    assert!(
        text.contains(&format!("training curves: {}", curves.display())),
        "{text}"
    );
    let again = run(&options).unwrap();
    assert_eq!(again.train_seconds, 0.0, "the finished run is reused");
    assert_eq!(again.translation, outcome.translation);
}
