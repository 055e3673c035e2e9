//! Code shared by the examples, kept in a library so that the tests can run it.

#![warn(missing_docs)]

pub mod classify;
pub mod translate;
pub mod variants;
