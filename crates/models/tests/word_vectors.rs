//! Pre-trained vectors from GloVe and word2vec text files.

use burn::prelude::*;
use models::word_vectors::load_word_vectors;

fn words(list: &[&str]) -> Vec<String> {
    list.iter().map(|w| w.to_string()).collect()
}

fn rows(t: Tensor<2>) -> Vec<f32> {
    t.into_data().convert::<f32>().try_to_vec::<f32>().unwrap()
}

#[test]
fn glove_and_word2vec_files_fill_the_rows_of_known_words() {
    let device = Device::default();
    let dir = tempfile::tempdir().unwrap();
    let glove = dir.path().join("glove.txt");
    std::fs::write(&glove, "love 0.5 -1 2\nyou 1 2 3\nunused 9 9 9\n").unwrap();
    let word2vec = dir.path().join("vectors.txt");
    std::fs::write(&word2vec, "2 3\nlove 0.5 -1 2\nyou 1 2 3\n").unwrap();
    let vocabulary = words(&["<pad>", "love", "you", "absent"]);
    for path in [glove, word2vec] {
        let fallback = Tensor::<2>::zeros([4, 3], &device);
        let (vectors, found) = load_word_vectors(&path, &vocabulary, fallback).unwrap();
        assert_eq!(found, 2);
        // Words the file lacks keep the fallback rows (zeros here).
        assert_eq!(
            rows(vectors),
            [0.0, 0.0, 0.0, 0.5, -1.0, 2.0, 1.0, 2.0, 3.0, 0.0, 0.0, 0.0]
        );
    }
}

#[test]
fn a_line_of_the_wrong_width_is_named() {
    let device = Device::default();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("glove.txt");
    std::fs::write(&path, "love 0.5 -1 2\nyou 1 2\n").unwrap();
    let error = load_word_vectors(&path, &words(&["love"]), Tensor::zeros([1, 3], &device)).unwrap_err();
    assert_eq!(
        error.to_string(),
        format!("{}:2: `you` has 2 values, expected 3", path.display())
    );
}

#[test]
fn a_value_that_is_not_a_number_is_named() {
    let device = Device::default();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("glove.txt");
    std::fs::write(&path, "love 0.5 x 2\n").unwrap();
    let error = load_word_vectors(&path, &words(&["love"]), Tensor::zeros([1, 3], &device)).unwrap_err();
    assert_eq!(error.to_string(), format!("{}:1: `x` is not a number", path.display()));
}

#[test]
fn a_missing_file_is_an_error() {
    let error = load_word_vectors(
        "/nonexistent/glove.txt",
        &words(&["a"]),
        Tensor::zeros([1, 3], &Device::default()),
    )
    .unwrap_err();
    assert!(
        error.to_string().starts_with("/nonexistent/glove.txt: cannot read: "),
        "{error}"
    );
}
