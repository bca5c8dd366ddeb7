//! A reader that counts what passes through it (bytes for progress, newlines for line
//! numbers) and refuses to feed a parser more than [`MAX_RECORD_BYTES`] between two
//! records, which keeps memory bounded on a file with an unclosed quote or a giant value.

use std::cell::Cell;
use std::io::{self, Read};
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use super::MAX_RECORD_BYTES;

/// What the parser's caller reads off the guard while parsing.
#[derive(Debug, Default)]
pub(crate) struct Tally {
    /// Bytes since the last [`Tally::record_done`].
    since_record: Cell<u64>,
    /// Newlines read so far.
    newlines: Cell<u64>,
    /// Bytes not yet added to the shared progress counter (added in chunks: some parsers
    /// read a byte at a time).
    unreported: Cell<u64>,
}

impl Tally {
    /// Marks the end of a record: the size limit starts again.
    pub fn record_done(&self) {
        self.since_record.set(0);
    }

    /// The line the reader has reached (1-based).
    pub fn line(&self) -> u64 {
        self.newlines.get() + 1
    }
}

/// Wraps a reader; see the module documentation.
pub(crate) struct Guard<R> {
    inner: R,
    read: Arc<AtomicU64>,
    tally: Rc<Tally>,
}

impl<R: Read> Guard<R> {
    pub fn new(inner: R, read: Arc<AtomicU64>) -> (Self, Rc<Tally>) {
        let tally = Rc::new(Tally::default());
        (
            Self {
                inner,
                read,
                tally: Rc::clone(&tally),
            },
            tally,
        )
    }
}

/// The message of the error a guard returns when a record outgrows the limit.
pub(crate) const TOO_LARGE: &str = "a record is larger than 64 MB";

impl<R: Read> Read for Guard<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.tally.since_record.get() > MAX_RECORD_BYTES {
            return Err(io::Error::new(io::ErrorKind::InvalidData, TOO_LARGE));
        }
        let n = self.inner.read(buf)?;
        let chunk = &buf[..n];
        let unreported = self.tally.unreported.get() + n as u64;
        if unreported >= 64 * 1024 || n == 0 {
            self.read.fetch_add(unreported, Ordering::Relaxed);
            self.tally.unreported.set(0);
        } else {
            self.tally.unreported.set(unreported);
        }
        self.tally
            .since_record
            .set(self.tally.since_record.get() + n as u64);
        let lines = chunk.iter().filter(|&&b| b == b'\n').count() as u64;
        self.tally.newlines.set(self.tally.newlines.get() + lines);
        Ok(n)
    }
}
