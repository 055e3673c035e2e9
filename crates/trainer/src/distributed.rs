//! Data-parallel training across processes, on MPI (`attn train ... --distributed mpi` under
//! `mpirun`, with the cargo feature `mpi`).
//!
//! Every rank builds the same data and the same model from the same config and seed, and:
//! - takes rank 0's initial weights ([`broadcast_model`]);
//! - trains on its own slice of each global batch ([`Sharded`]): the loaders of every rank shuffle
//!   alike, so batch `k` of rank `r` is the `r`-th slice of the single process's batch `k`;
//! - averages its gradients with the others' each step ([`average`]), weighted by what each slice
//!   counts in the loss (target tokens, words), so the step is the single process's step on the
//!   whole global batch, and the loss logged is the global batch's;
//! - validates on the whole validation split, so every rank's validation (and early stopping) is
//!   the same.
//!
//! Only rank 0 writes the run directory; the other ranks train in a temporary directory of their
//! own, deleted at the end ([`crate::lifecycle::Place`]).
//!
//! This file holds the MPI calls and nothing else: the training session
//! ([`crate::session::Session`]) calls them for every task, and no task sees them.

use std::sync::OnceLock;

use burn::data::dataloader::batcher::Batcher;
use burn::module::{Module, ModuleMapper, ModuleVisitor, Param};
use burn::optim::GradientsParams;
use burn::prelude::*;

use crate::TrainError;

/// This process's place in the job.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rank {
    /// From 0.
    pub rank: usize,
    /// Processes in the job.
    pub size: usize,
    /// From 0, among the processes on this machine (what picks a rank's GPU).
    pub local: usize,
    /// Processes of the job on this machine.
    pub on_machine: usize,
}

static RANK: OnceLock<Rank> = OnceLock::new();

/// The job this process trains in, once [`init`] has run under `--distributed mpi`.
pub fn current() -> Option<Rank> {
    RANK.get().copied()
}

/// Starts MPI and records this process's rank. Keep the returned universe until the program
/// ends: dropping it finalises MPI.
///
/// # Errors
///
/// When MPI cannot start, or was started before.
#[cfg(feature = "mpi")]
pub fn init() -> Result<mpi::environment::Universe, TrainError> {
    use mpi::traits::Communicator as _;
    let (universe, _) = mpi::initialize_with_threading(mpi::Threading::Multiple)
        .ok_or_else(|| TrainError::Input("--distributed mpi: MPI is already initialised".into()))?;
    let world = universe.world();
    // The processes that share this machine's memory (MPI_Comm_split_type, MPI_COMM_TYPE_SHARED),
    // in the order of their ranks.
    let machine = world.split_shared(world.rank());
    let rank = Rank {
        rank: world.rank() as usize,
        size: world.size() as usize,
        local: machine.rank() as usize,
        on_machine: machine.size() as usize,
    };
    RANK.set(rank)
        .map_err(|_| TrainError::Input("--distributed mpi: started twice".into()))?;
    Ok(universe)
}

/// Ends every rank of the job with `code`, after an error on this one: the others would wait for
/// it in their next collective otherwise.
#[cfg(feature = "mpi")]
pub fn abort(code: i32) -> ! {
    use mpi::traits::Communicator as _;
    world().abort(code)
}

#[cfg(feature = "mpi")]
fn world() -> mpi::topology::SimpleCommunicator {
    mpi::topology::SimpleCommunicator::world()
}

/// Sums `values` element-wise over the ranks, in place.
#[cfg(feature = "mpi")]
fn all_reduce_sum(values: &mut [f32]) {
    use mpi::collective::SystemOperation;
    use mpi::traits::CommunicatorCollectives as _;
    let send = values.to_vec();
    world().all_reduce_into(&send[..], values, SystemOperation::sum());
}

#[cfg(not(feature = "mpi"))]
fn all_reduce_sum(_: &mut [f32]) {
    unreachable!("a rank exists only under --distributed mpi, which needs the `mpi` feature")
}

/// Rank 0's `values`, on every rank (the same length everywhere).
#[cfg(feature = "mpi")]
fn broadcast(values: &mut [f32]) {
    use mpi::traits::{Communicator as _, Root as _};
    world().process_at_rank(0).broadcast_into(values);
}

#[cfg(not(feature = "mpi"))]
fn broadcast(_: &mut [f32]) {
    unreachable!("a rank exists only under --distributed mpi, which needs the `mpi` feature")
}

/// Rank 0's `bytes` on every rank (the others' `bytes` are not read).
#[cfg(feature = "mpi")]
pub fn broadcast_bytes(bytes: &[u8]) -> Vec<u8> {
    use mpi::traits::{Communicator as _, Root as _};
    let world = world();
    let root = world.process_at_rank(0);
    let mut length = bytes.len() as u64;
    root.broadcast_into(&mut length);
    let mut values = if current().is_some_and(|r| r.rank == 0) {
        bytes.to_vec()
    } else {
        vec![0; length as usize]
    };
    root.broadcast_into(&mut values[..]);
    values
}

/// Rank 0's `bytes` on every rank; without the `mpi` feature there are no ranks to call it on.
#[cfg(not(feature = "mpi"))]
pub fn broadcast_bytes(_: &[u8]) -> Vec<u8> {
    unreachable!("a rank exists only under --distributed mpi, which needs the `mpi` feature")
}

fn floats<const D: usize>(tensor: Tensor<D>) -> Vec<f32> {
    tensor
        .into_data()
        .convert::<f32>()
        .try_into_vec::<f32>()
        .expect("float parameters")
}

/// Every float parameter replaced by rank 0's, in the module's visiting order (the same on every
/// rank: the same config builds the same module).
struct FromRankZero;

impl ModuleMapper for FromRankZero {
    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        param.map(|tensor| {
            let (shape, device, tracked) = (tensor.shape(), tensor.device(), tensor.is_require_grad());
            let mut values = floats(tensor);
            broadcast(&mut values);
            Tensor::<D>::from_data(TensorData::new(values, shape), &device).set_require_grad(tracked)
        })
    }
}

/// `model` with rank 0's weights, on every rank.
pub fn broadcast_model<M: Module>(model: M) -> M {
    model.map(&mut FromRankZero)
}

/// Weights every gradient by the rank's share and sums them over the ranks.
struct Average<'a> {
    grads: &'a mut GradientsParams,
    weight: f32,
    total: f32,
}

impl ModuleVisitor for Average<'_> {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        let value = param.val();
        let (shape, device) = (value.shape(), value.device());
        let numel = shape.num_elements();
        // One more value: whether this rank has a gradient for it (an unused parameter has
        // none), so that every rank makes the same calls whatever it has.
        let mut values = match self.grads.remove::<D>(param.id) {
            Some(grad) => floats(grad).into_iter().map(|g| g * self.weight).chain([1.0]).collect(),
            None => vec![0.0; numel + 1],
        };
        all_reduce_sum(&mut values);
        if values[numel] > 0.0 {
            values.truncate(numel);
            values.iter_mut().for_each(|g| *g /= self.total);
            self.grads
                .register::<D>(param.id, Tensor::from_data(TensorData::new(values, shape), &device));
        }
    }
}

/// The global batch's gradients and loss from this rank's: `weight` is what this rank's slice
/// counts in the loss (its target tokens, its words), `loss` its mean over them.
pub fn average<M: Module>(
    model: &M,
    mut grads: GradientsParams,
    loss: Tensor<1>,
    weight: usize,
) -> (GradientsParams, Tensor<1>) {
    let device = loss.device();
    let weight = weight as f32;
    let mut sums = [weight, floats(loss.clone().detach())[0] * weight];
    all_reduce_sum(&mut sums);
    let [total, weighted_loss] = sums;
    model.visit(&mut Average {
        grads: &mut grads,
        weight,
        total,
    });
    (
        grads,
        Tensor::from_data(TensorData::new(vec![weighted_loss / total], [1]), &device),
    )
}

/// Refuses to train unless every rank's `mine` is rank 0's: ranks given another config, or
/// reading other data, would train another model each (`mine` is the hash of what this rank's
/// run trains on, `RunDir::fingerprint`). On refusal every rank first runs `undo` (a fresh run
/// removes the directory it created), then waits for the others to have done so, since the first
/// error ends the whole job.
///
/// # Errors
///
/// `TrainError::Input` on every rank when any rank differs, naming this rank if it is one.
pub fn agree(rank: Rank, mine: u64, undo: impl FnOnce()) -> Result<(), TrainError> {
    let theirs = broadcast_bytes(&mine.to_le_bytes());
    let theirs = u64::from_le_bytes(theirs.try_into().unwrap_or([0; 8]));
    let mut differing = [f32::from(u8::from(mine != theirs))];
    all_reduce_sum(&mut differing);
    if differing[0] > 0.0 {
        undo();
        all_reduce_sum(&mut [0.0]);
    }
    match differing[0] as usize {
        0 => Ok(()),
        _ if mine != theirs => Err(TrainError::Input(format!(
            "--distributed mpi: rank {}'s config or data differ from rank 0's (hash {mine:016x}, rank 0's \
             {theirs:016x}): every rank must be given the same options and read the same files",
            rank.rank
        ))),
        n => Err(TrainError::Input(format!(
            "--distributed mpi: {n} rank(s) have a config or data different from rank 0's"
        ))),
    }
}

/// The batcher of `inner` that keeps this rank's slice of each batch: items `n·r/N .. n·(r+1)/N`
/// of `n`, for rank `r` of `N`.
#[derive(Clone, Debug)]
pub struct Sharded<B> {
    inner: B,
    rank: Rank,
}

impl<B> Sharded<B> {
    /// `inner`, keeping `rank`'s slices.
    pub fn new(inner: B, rank: Rank) -> Self {
        Self { inner, rank }
    }
}

impl<I: Clone, O, B: Batcher<I, O>> Batcher<I, O> for Sharded<B> {
    fn batch(&self, items: Vec<I>, device: &Device) -> O {
        let n = items.len();
        let (lo, hi) = (
            n * self.rank.rank / self.rank.size,
            n * (self.rank.rank + 1) / self.rank.size,
        );
        self.inner.batch(items[lo..hi].to_vec(), device)
    }
}

/// Refuses a run whose batches cannot all be cut into one non-empty slice per rank: `batch_size`
/// must be at least the ranks, and so must the last, partial batch of `items`.
///
/// # Errors
///
/// `TrainError::Input` saying which.
pub fn check_batches(rank: Rank, batch_size: usize, items: usize) -> Result<(), TrainError> {
    let last = items % batch_size;
    if batch_size < rank.size || (last > 0 && last < rank.size) {
        return Err(TrainError::Input(format!(
            "--distributed mpi: {} ranks need at least {} items in every batch; batches of {batch_size} from \
             {items} training items leave a last batch of {last}",
            rank.size, rank.size
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A batcher that returns the items it was given.
    #[derive(Clone, Debug)]
    struct Items;

    impl Batcher<usize, Vec<usize>> for Items {
        fn batch(&self, items: Vec<usize>, _: &Device) -> Vec<usize> {
            items
        }
    }

    /// Rank `rank` of `size`, all on this machine.
    fn on_one_machine(rank: usize, size: usize) -> Rank {
        Rank {
            rank,
            size,
            local: rank,
            on_machine: size,
        }
    }

    #[test]
    fn each_rank_keeps_its_slice_and_the_slices_make_the_batch() {
        let device = Device::default();
        for size in 1..=4 {
            let mut joined = Vec::new();
            for rank in 0..size {
                let slice = Sharded::new(Items, on_one_machine(rank, size)).batch((0..10).collect(), &device);
                // n·r/N .. n·(r+1)/N: slices differ in length by at most one.
                assert!(
                    slice.len() == 10 / size || slice.len() == 10 / size + 1,
                    "{size}: {slice:?}"
                );
                joined.extend(slice);
            }
            assert_eq!(joined, (0..10).collect::<Vec<_>>(), "{size} ranks");
        }
    }

    #[test]
    fn batches_too_small_for_the_ranks_are_refused() {
        let two = on_one_machine(0, 2);
        assert!(check_batches(two, 32, 256).is_ok());
        assert!(check_batches(two, 32, 258).is_ok());
        assert_eq!(
            check_batches(two, 32, 257).unwrap_err().to_string(),
            "--distributed mpi: 2 ranks need at least 2 items in every batch; batches of 32 from 257 training items \
             leave a last batch of 1"
        );
        assert!(check_batches(on_one_machine(0, 4), 2, 8).is_err());
    }
}
