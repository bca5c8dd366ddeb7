//! Files the user asked for (exports, rejected rows), written beside the target first, flushed
//! to disk, then renamed over it: a file is there whole or not at all, and a write that fails
//! leaves nothing behind. Never over a database this process holds open (see [`crate::held`]).

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// A file being written at `<path>.part`; [`WholeFile::finish`] puts it in place. Dropped
/// unfinished, or when finishing fails, it removes the `.part`.
#[derive(Debug)]
pub struct WholeFile {
    path: PathBuf,
    part: PathBuf,
    out: BufWriter<File>,
    done: bool,
}

impl WholeFile {
    /// Starts writing `path`.
    pub fn create(path: &Path) -> std::io::Result<Self> {
        crate::held::check(path).map_err(std::io::Error::other)?;
        let mut part = path.as_os_str().to_owned();
        part.push(".part");
        let part = PathBuf::from(part);
        let file = File::create(&part)?;
        Ok(Self {
            path: path.to_path_buf(),
            part,
            out: BufWriter::new(file),
            done: false,
        })
    }

    /// Where the file will be once finished.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Where to write.
    pub fn writer(&mut self) -> &mut BufWriter<File> {
        &mut self.out
    }

    /// Flushes the file to disk and renames it over the target.
    pub fn finish(mut self) -> std::io::Result<()> {
        self.out.flush()?;
        self.out.get_ref().sync_all()?;
        std::fs::rename(&self.part, &self.path)?;
        self.done = true;
        Ok(())
    }
}

impl Drop for WholeFile {
    fn drop(&mut self) {
        if !self.done {
            let _ = std::fs::remove_file(&self.part);
        }
    }
}

/// Writes `bytes` to `path`, whole or not at all.
pub fn write_whole(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut file = WholeFile::create(path)?;
    file.writer().write_all(bytes)?;
    file.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_appears_only_when_finished_and_a_dropped_one_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("log.csv");
        let mut file = WholeFile::create(&target).unwrap();
        file.writer().write_all(b"a,b\n").unwrap();
        assert!(
            !target.exists(),
            "nothing at the target before it is finished"
        );
        drop(file);
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            0,
            "an unfinished file leaves no part behind"
        );
        write_whole(&target, b"whole\n").unwrap();
        assert_eq!(std::fs::read(&target).unwrap(), b"whole\n");
    }
}
