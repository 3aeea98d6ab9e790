//! How deep an expression tree may nest. The recursive passes over expressions (`#[recursive::recursive]`) grow
//! their stack on the heap, so depth alone never overflows them; the limit is for what cannot be annotated — the
//! compiler's drop, clone and comparison glue of `Expr` — and for inputs no real program writes (a fuzzer's
//! `1+1+…` with a hundred thousand terms). Generated code that folds a thousand columns with `+` stays below it.
//! Past it, Spark's parser gives up with `FAILED_TO_PARSE_TOO_COMPLEX`, and so does ember.
use std::cell::Cell;

use crate::error::{EmberError, ErrorKind, Result, NO_PARAMETERS};

/// The deepest nesting accepted (levels of operators and function calls, not parentheses).
pub const MAX_EXPR_DEPTH: usize = 3000;

/// The stack of every thread the engine starts (query threads, rayon's workers). Cloning or dropping an expression
/// `MAX_EXPR_DEPTH` levels deep takes about 2.5 MB of stack in a debug build, more than a spawned thread's default
/// of 2 MB; the reservation is virtual, so an unused stack costs no memory.
pub const THREAD_STACK_BYTES: usize = 16 << 20;

thread_local! {
    static DEPTH: Cell<usize> = const { Cell::new(0) };
}

/// One level of a recursive pass over an expression; the level ends when the guard is dropped.
pub struct DepthGuard(());

impl DepthGuard {
    /// Enter one more level, or Spark's "too complex" error past `MAX_EXPR_DEPTH`.
    pub fn enter() -> Result<DepthGuard> {
        let depth = DEPTH.with(|d| {
            d.set(d.get() + 1);
            d.get()
        });
        let guard = DepthGuard(());
        if depth > MAX_EXPR_DEPTH {
            return Err(too_complex());
        }
        Ok(guard)
    }
}

impl Drop for DepthGuard {
    fn drop(&mut self) {
        DEPTH.with(|d| d.set(d.get() - 1));
    }
}

/// Spark's `FAILED_TO_PARSE_TOO_COMPLEX` (a `ParseException`).
pub fn too_complex() -> EmberError {
    EmberError::with_condition(ErrorKind::Parse, "FAILED_TO_PARSE_TOO_COMPLEX", NO_PARAMETERS)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nest(level: usize) -> Result<usize> {
        let _g = DepthGuard::enter()?;
        if level == 0 {
            Ok(0)
        } else {
            nest(level - 1).map(|d| d + 1)
        }
    }

    #[test]
    fn the_limit_fails_and_the_counter_unwinds() {
        assert!(nest(MAX_EXPR_DEPTH - 1).is_ok());
        assert_eq!(nest(MAX_EXPR_DEPTH).unwrap_err().condition(), Some("FAILED_TO_PARSE_TOO_COMPLEX"));
        // The failed pass released every level it entered.
        assert!(nest(10).is_ok());
        assert_eq!(DEPTH.with(|d| d.get()), 0);
    }
}
