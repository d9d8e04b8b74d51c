//! How many API block runs are in flight (issue 23): at most a few per
//! member or token and a bound per instance, so nobody can pile up runs
//! that each hold a connection for 30 s. A guard of each instance, in
//! memory, not a quota: a run's slot is freed when it ends, whatever way.

use crate::error::AppError;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// The refusal, and how long to wait before trying again.
pub const BUSY: &str = "Too many requests in flight; try again shortly";
pub const RETRY_AFTER_SECONDS: u64 = 2;

#[derive(Debug)]
pub struct InFlight {
    per_caller: usize,
    total: usize,
    counts: Mutex<(usize, HashMap<String, usize>)>,
}

/// A run's slot; dropping it frees the slot.
#[derive(Debug)]
pub struct Slot {
    of: Arc<InFlight>,
    caller: String,
}

impl InFlight {
    pub fn new(per_caller: usize, total: usize) -> Arc<InFlight> {
        Arc::new(InFlight {
            per_caller,
            total,
            counts: Mutex::new((0, HashMap::new())),
        })
    }

    /// A slot for `caller`, or the refusal when either bound is reached.
    pub fn take(self: &Arc<Self>, caller: &str) -> Result<Slot, AppError> {
        let mut counts = self.counts.lock().expect("not poisoned");
        let mine = counts.1.get(caller).copied().unwrap_or(0);
        if counts.0 >= self.total || mine >= self.per_caller {
            return Err(AppError::Unavailable(BUSY.into()));
        }
        counts.0 += 1;
        counts.1.insert(caller.to_string(), mine + 1);
        Ok(Slot {
            of: self.clone(),
            caller: caller.to_string(),
        })
    }

    /// Runs in flight now (all callers).
    pub fn len(&self) -> usize {
        self.counts.lock().expect("not poisoned").0
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut counts = self.of.counts.lock().expect("not poisoned");
        counts.0 -= 1;
        if let Some(n) = counts.1.get_mut(&self.caller) {
            *n -= 1;
            if *n == 0 {
                counts.1.remove(&self.caller);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_are_bounded_per_caller_and_in_all_and_freed_on_drop() {
        let f = InFlight::new(2, 3);
        let a1 = f.take("a").unwrap();
        let _a2 = f.take("a").unwrap();
        assert_eq!(f.take("a").unwrap_err(), AppError::Unavailable(BUSY.into()));
        let _b1 = f.take("b").unwrap();
        assert!(f.take("c").is_err(), "the instance's bound");
        drop(a1);
        assert_eq!(f.len(), 2);
        let _c1 = f.take("c").unwrap();
        assert!(f.take("a").is_err());
    }
}
