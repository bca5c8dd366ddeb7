//! Files the user asked the app to write: written beside the target first, flushed to disk, then
//! renamed over it, so a file is there whole or not at all.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::PathBuf;

use chair_core::{ApiError, ErrorCode};

use super::CmdResult;

/// A file being written at `<path>.part`; [`WholeFile::finish`] puts it in place, dropping it
/// unfinished removes it.
pub struct WholeFile {
    path: PathBuf,
    part: PathBuf,
    out: Option<BufWriter<File>>,
}

impl WholeFile {
    /// Starts writing `path`.
    pub fn create(path: &str) -> CmdResult<Self> {
        let path = PathBuf::from(path);
        let mut part = path.clone().into_os_string();
        part.push(".part");
        let part = PathBuf::from(part);
        let file = File::create(&part).map_err(|e| cannot_write(&path, &e))?;
        Ok(Self {
            path,
            part,
            out: Some(BufWriter::new(file)),
        })
    }

    /// Where to write.
    pub fn writer(&mut self) -> &mut BufWriter<File> {
        self.out
            .as_mut()
            .expect("a finished file is not written to")
    }

    /// Flushes the file to disk and renames it over the target.
    pub fn finish(mut self) -> CmdResult<()> {
        let out = self.out.take().expect("a file is finished once");
        let file = out
            .into_inner()
            .map_err(|e| cannot_write(&self.path, e.error()))?;
        file.sync_all().map_err(|e| cannot_write(&self.path, &e))?;
        std::fs::rename(&self.part, &self.path).map_err(|e| cannot_write(&self.path, &e))
    }
}

impl Drop for WholeFile {
    fn drop(&mut self) {
        if self.out.is_some() {
            let _ = std::fs::remove_file(&self.part);
        }
    }
}

fn cannot_write(path: &std::path::Path, e: &dyn std::fmt::Display) -> ApiError {
    ApiError::new(
        ErrorCode::Io,
        format!("cannot write {}: {e}", path.display()),
    )
}

/// Writes `bytes` to `path`, whole or not at all.
pub fn write_whole(path: &str, bytes: &[u8]) -> CmdResult<()> {
    let mut file = WholeFile::create(path)?;
    file.writer()
        .write_all(bytes)
        .map_err(|e| cannot_write(&file.path, &e))?;
    file.finish()
}
