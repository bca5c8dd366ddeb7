//! Background work on the open database that runs one at a time: asked for again while a run
//! goes (another import, another database opened, another change), the running task takes the
//! request up when it ends, for the database asked for last.

use std::future::Future;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering::SeqCst};

use chair_store::Store;

pub(crate) struct OneAtATime {
    waiting: Mutex<Option<Store>>,
    running: AtomicBool,
}

impl OneAtATime {
    pub(crate) const fn new() -> Self {
        Self {
            waiting: Mutex::new(None),
            running: AtomicBool::new(false),
        }
    }

    /// A run goes now.
    pub(crate) fn is_running(&self) -> bool {
        self.running.load(SeqCst)
    }

    fn waiting(&self) -> std::sync::MutexGuard<'_, Option<Store>> {
        self.waiting.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Runs `job` on `store`, and again for every request that came meanwhile; returns at once
    /// when another task's run is going (that run takes this request up).
    pub(crate) async fn run<F, Fut>(&self, store: Store, job: F)
    where
        F: Fn(Store) -> Fut,
        Fut: Future<Output = ()>,
    {
        *self.waiting() = Some(store);
        loop {
            if self.running.swap(true, SeqCst) {
                return;
            }
            // Cleared however the run ends: a job that panics does not stop later runs.
            let running = Running(&self.running);
            loop {
                let next = self.waiting().take();
                let Some(store) = next else { break };
                job(store).await;
            }
            drop(running);
            // A request that came after the last look and saw this run still going.
            if self.waiting().is_none() {
                return;
            }
        }
    }
}

/// Marks a run as going until dropped.
struct Running<'a>(&'a AtomicBool);

impl Drop for Running<'_> {
    fn drop(&mut self) {
        self.0.store(false, SeqCst);
    }
}
