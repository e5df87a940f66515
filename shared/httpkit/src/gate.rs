//! Bounded concurrency for expensive or long-lived work: argon2 PIN checks
//! (each takes megabytes of memory and tens of milliseconds of a core) and
//! open event streams. A burst beyond the bound waits a little, then is
//! refused with 429 and `Retry-After` instead of exhausting the machine.

use std::sync::Arc;
use std::time::Duration;

use shared::Msg;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::ApiError;

/// At most `permits` holders at a time.
#[derive(Debug, Clone)]
pub struct Gate {
    permits: Arc<Semaphore>,
    wait: Duration,
    busy: Msg,
}

/// A place inside the gate; dropping it frees the place.
#[derive(Debug)]
pub struct Pass(#[allow(dead_code)] OwnedSemaphorePermit);

impl Gate {
    /// A gate of `permits` places; a caller waits at most `wait` for one,
    /// then gets 429 with `busy` as the message.
    pub fn new(permits: usize, wait: Duration, busy: Msg) -> Gate {
        Gate {
            permits: Arc::new(Semaphore::new(permits.max(1))),
            wait,
            busy,
        }
    }

    /// Waits for a place (at most the gate's wait).
    pub async fn enter(&self) -> Result<Pass, ApiError> {
        match tokio::time::timeout(self.wait, Arc::clone(&self.permits).acquire_owned()).await {
            Ok(Ok(p)) => Ok(Pass(p)),
            _ => Err(self.refusal()),
        }
    }

    /// Takes a place now, or refuses at once.
    pub fn try_enter(&self) -> Result<Pass, ApiError> {
        Arc::clone(&self.permits)
            .try_acquire_owned()
            .map(Pass)
            .map_err(|_| self.refusal())
    }

    /// Places free now.
    pub fn available(&self) -> usize {
        self.permits.available_permits()
    }

    fn refusal(&self) -> ApiError {
        let mut e = ApiError::too_many(1, self.busy.clone());
        e.code = "busy";
        e
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_full_gate_refuses_with_429_until_a_place_is_freed() {
        let gate = Gate::new(2, Duration::from_millis(20), Msg::new("sibuk", "busy"));
        let a = gate.enter().await.unwrap();
        let _b = gate.try_enter().unwrap();
        let refused = gate.enter().await.unwrap_err();
        assert_eq!(refused.status.as_u16(), 429);
        assert_eq!(refused.retry_after, Some(1));
        assert!(gate.try_enter().is_err());
        drop(a);
        assert!(gate.try_enter().is_ok());
    }
}
