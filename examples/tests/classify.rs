//! Smoke test of the `classify` example on the shipped word-list sample, at
//! a size that trains in seconds: the flow runs end to end, the report has
//! the test metrics and a line per word, and the attention maps are written.

use std::path::Path;

use attention_examples::classify::{Options, report, run};
use trainer::data::wordlists::WordList;

#[test]
fn the_flow_trains_reports_and_draws_on_the_sample() {
    let dir = tempfile::tempdir().unwrap();
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("../crates/trainer/data/words-sample");
    let mut options = Options::main_job(&dir.path().join("run"));
    options.classify.words = ["en", "fr", "de", "es", "it"]
        .iter()
        .map(|l| WordList {
            language: l.to_string(),
            path: sample.join(format!("{l}.txt")),
        })
        .collect();
    options.common.epochs = 3;
    options.devices = 1;
    let outcome = run(&options).unwrap();
    // 73 test words: a tenth of each list (see the wordlists tests).
    assert_eq!(outcome.test.words, 73);
    assert_eq!(outcome.predictions.len(), 5);
    let text = report(&options, &outcome);
    assert!(text.starts_with("test split: 73 test words, accuracy "), "{text}");
    for word in attention_examples::classify::WORDS {
        assert!(text.lines().any(|l| l.starts_with(word)), "{word}:\n{text}");
    }
    assert_eq!(&std::fs::read(&options.attention).unwrap()[..8], b"\x89PNG\r\n\x1a\n");
}
