//! Pre-trained word vectors from a text file: GloVe's format (`word v1 v2 ...`
//! per line) and word2vec's text format (the same, after a first line
//! `count dim`).

use std::io::{BufRead, BufReader};
use std::path::Path;

use burn::prelude::*;
use burn::tensor::TensorData;

use crate::ModelError;

/// Vectors for `vocabulary`, `[vocab, dim]`, from a GloVe or word2vec text
/// file. Words the file lacks keep the rows of `fallback` (the embedding's
/// fresh initialisation); the count of words found is returned with them.
///
/// # Errors
///
/// If the file cannot be read, a line has a number that does not parse or
/// a width other than the embedding's; the message names the file and line.
pub fn load_word_vectors(
    path: impl AsRef<Path>,
    vocabulary: &[String],
    fallback: Tensor<2>,
) -> Result<(Tensor<2>, usize), ModelError> {
    let path = path.as_ref();
    let [vocab, dim] = fallback.dims();
    let device = fallback.device();
    assert_eq!(
        vocab,
        vocabulary.len(),
        "load_word_vectors: `fallback` has {vocab} rows for {} words",
        vocabulary.len()
    );
    let error = |line: usize, reason: String| ModelError::File {
        path: path.display().to_string(),
        line: Some(line),
        reason,
    };
    let file = std::fs::File::open(path).map_err(|e| ModelError::File {
        path: path.display().to_string(),
        line: None,
        reason: format!("cannot read: {e}"),
    })?;
    let index: std::collections::HashMap<&str, usize> =
        vocabulary.iter().enumerate().map(|(i, w)| (w.as_str(), i)).collect();
    let mut values = fallback
        .into_data()
        .convert::<f32>()
        .try_to_vec::<f32>()
        .expect("f32 data");
    let mut found = 0;
    for (number, line) in BufReader::new(file).lines().enumerate() {
        let number = number + 1;
        let line = line.map_err(|e| error(number, format!("cannot read: {e}")))?;
        let mut fields = line.split_whitespace();
        let Some(word) = fields.next() else { continue };
        let rest: Vec<&str> = fields.collect();
        // word2vec's header: two integers.
        if number == 1 && rest.len() == 1 && word.parse::<usize>().is_ok() && rest[0].parse::<usize>().is_ok() {
            continue;
        }
        if rest.len() != dim {
            return Err(error(
                number,
                format!("`{word}` has {} values, expected {dim}", rest.len()),
            ));
        }
        let Some(&row) = index.get(word) else { continue };
        for (column, field) in rest.iter().enumerate() {
            values[row * dim + column] = field
                .parse()
                .map_err(|_| error(number, format!("`{field}` is not a number")))?;
        }
        found += 1;
    }
    Ok((Tensor::from_data(TensorData::new(values, [vocab, dim]), &device), found))
}
