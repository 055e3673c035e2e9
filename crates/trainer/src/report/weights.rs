//! Attention weights out of a tensor, into the nested lists that the heatmaps, the printed matrices
//! and the explorer's JSON take.

use burn::prelude::*;

/// The weights of the one sequence of a batch, head by head: `[1, n_heads, rows, columns]` in,
/// `[n_heads][rows][columns]` out.
///
/// # Panics
///
/// If the batch holds more than one sequence.
///
/// # Example
///
/// ```
/// use burn::prelude::*;
/// let device = Device::default();
/// let weights = Tensor::<1, Int>::arange(0..12, &device).float().reshape([1, 2, 2, 3]);
/// let heads = trainer::report::weights::per_head(weights);
/// assert_eq!(heads[1][0], [6.0, 7.0, 8.0]); // head 2, row 1
/// ```
pub fn per_head(weights: Tensor<4>) -> Vec<Vec<Vec<f32>>> {
    let [batch, n_heads, rows, columns] = weights.dims();
    assert_eq!(batch, 1, "per_head: one sequence, got a batch of {batch}");
    if rows * columns == 0 {
        return vec![vec![Vec::new(); rows]; n_heads];
    }
    let values = weights
        .into_data()
        .convert::<f32>()
        .try_into_vec::<f32>()
        .expect("f32 weights");
    values
        .chunks(rows * columns)
        .take(n_heads)
        .map(|head| head.chunks(columns).map(<[f32]>::to_vec).collect())
        .collect()
}
