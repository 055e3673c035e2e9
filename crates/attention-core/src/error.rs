//! Errors, and the one helper that checks shapes at the public boundary.
//!
//! # Result or panic
//!
//! - **Shapes and configs are checked eagerly and panic** with a message that
//!   names the function, the argument, the expected and the actual shape
//!   (`# Panics` sections say which). A wrong shape is a bug in the calling
//!   code, like an index out of bounds. Configs, which often come from files,
//!   also have `validate() -> Result`, so a program can report a bad one
//!   before `init` would panic on it.
//! - **Anything read from outside the program returns [`Result`]**: weight
//!   files ([`crate::interop`]) and configs checked with `validate()` before
//!   `init`.

use std::fmt;

/// What went wrong, with enough context to fix it without a debugger.
#[derive(Debug, thiserror::Error)]
pub enum AttentionError {
    /// A tensor argument had the wrong shape.
    #[error("{context}: `{argument}` has shape {actual:?}, expected {expected}")]
    Shape {
        /// The function or module that checked the shape.
        context: String,
        /// The argument's name.
        argument: String,
        /// The expected shape, with the axis names of the crate vocabulary.
        expected: String,
        /// The shape that was given.
        actual: Vec<usize>,
    },
    /// A configuration value is invalid.
    #[error("{config}: invalid `{field}`: {reason}")]
    Config {
        /// The configuration type.
        config: &'static str,
        /// The offending field.
        field: &'static str,
        /// Why the value is invalid.
        reason: String,
    },
    /// Reading or parsing a weight file failed.
    #[error("{path}: {reason}")]
    File {
        /// The file.
        path: String,
        /// What was wrong with it.
        reason: String,
    },
}

/// One expected axis of a shape: any size (named), or an exact size.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Axis {
    /// Any size; the name is only for the message.
    Any(&'static str),
    /// Exactly this size.
    Is(&'static str, usize),
}

impl fmt::Display for Axis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Axis::Any(name) => write!(f, "{name}"),
            Axis::Is(name, size) => write!(f, "{name}={size}"),
        }
    }
}

/// Checks `actual` against `expected`, returning the error that names both.
pub(crate) fn check_shape(
    context: &str,
    argument: &str,
    actual: &[usize],
    expected: &[Axis],
) -> Result<(), AttentionError> {
    let fits = actual.len() == expected.len()
        && actual.iter().zip(expected).all(|(&size, axis)| match axis {
            Axis::Any(_) => true,
            Axis::Is(_, want) => size == *want,
        });
    if fits {
        return Ok(());
    }
    let names: Vec<String> = expected.iter().map(ToString::to_string).collect();
    Err(AttentionError::Shape {
        context: context.to_string(),
        argument: argument.to_string(),
        expected: format!("[{}]", names.join(", ")),
        actual: actual.to_vec(),
    })
}

/// [`check_shape`] for the panicking boundary.
#[track_caller]
pub(crate) fn assert_shape(context: &str, argument: &str, actual: &[usize], expected: &[Axis]) {
    if let Err(error) = check_shape(context, argument, actual, expected) {
        panic!("{error}");
    }
}

/// Panics with the config error's message.
#[track_caller]
pub(crate) fn expect_valid(result: Result<(), AttentionError>) {
    if let Err(error) = result {
        panic!("{error}");
    }
}
