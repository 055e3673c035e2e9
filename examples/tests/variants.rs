//! Smoke test of the `variants` example: every variant is printed, each row
//! a distribution over the three source words.

use attention_examples::variants::{SOURCE, TARGET, report};

#[test]
fn every_variant_prints_a_matrix_whose_rows_sum_to_one() {
    let device = burn::prelude::Device::default();
    let text = report(&device, 42);
    let blocks: Vec<&str> = text.split("\n\n").filter(|block| !block.trim().is_empty()).collect();
    // 5 scores, 3 normalisers, encoder-only dot, 2 QKV layouts, 2 causal heads, FC.
    assert_eq!(blocks.len(), 14, "{text}");
    for block in &blocks {
        let lines: Vec<&str> = block.lines().collect();
        assert_eq!(lines.len(), 5, "title, header and three rows:\n{block}");
        for row in &lines[2..] {
            let fields: Vec<&str> = row.split_whitespace().collect();
            assert!(TARGET.contains(&fields[0]) || SOURCE.contains(&fields[0]), "{row}");
            let sum: f32 = fields[1..].iter().map(|w| w.parse::<f32>().unwrap()).sum();
            // Three weights rounded to two decimals: the sum is off by at most 0.015.
            assert!((sum - 1.0).abs() <= 0.015, "{row}");
        }
    }
    // The hand-made states put "je" on "I", "t'" on "you", "aime" on "love".
    let hard = blocks.iter().find(|b| b.starts_with("hard attention")).unwrap();
    let rows: Vec<Vec<&str>> = hard.lines().skip(2).map(|l| l.split_whitespace().collect()).collect();
    assert_eq!(rows[0], ["je", "1.00", "0.00", "0.00"]);
    assert_eq!(rows[1], ["t'", "0.00", "0.00", "1.00"]);
    assert_eq!(rows[2], ["aime", "0.00", "1.00", "0.00"]);
}
