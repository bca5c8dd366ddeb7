//! Files the user asked the app to write: written beside the target first, flushed to disk, then
//! renamed over it, so a file is there whole or not at all.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use chair_core::{ApiError, ErrorCode};

use super::CmdResult;

/// A file being written at `<path>.part`; [`WholeFile::finish`] puts it in place. Dropped
/// unfinished, or when finishing fails, it removes the `.part`.
pub struct WholeFile {
    path: PathBuf,
    part: PathBuf,
    out: BufWriter<File>,
    done: bool,
}

impl WholeFile {
    /// Starts writing `path`; never over the open database or a file SQLite keeps beside it.
    pub fn create(path: &Path) -> CmdResult<Self> {
        chair_core::held::check(path).map_err(|why| ApiError::new(ErrorCode::Invalid, why))?;
        let path = path.to_path_buf();
        let mut part = path.clone().into_os_string();
        part.push(".part");
        let part = PathBuf::from(part);
        let file = File::create(&part).map_err(|e| cannot_write(&path, &e))?;
        Ok(Self {
            path,
            part,
            out: BufWriter::new(file),
            done: false,
        })
    }

    /// Where to write.
    pub fn writer(&mut self) -> &mut BufWriter<File> {
        &mut self.out
    }

    /// Flushes the file to disk and renames it over the target.
    pub fn finish(mut self) -> CmdResult<()> {
        self.out.flush().map_err(|e| cannot_write(&self.path, &e))?;
        self.out
            .get_ref()
            .sync_all()
            .map_err(|e| cannot_write(&self.path, &e))?;
        std::fs::rename(&self.part, &self.path).map_err(|e| cannot_write(&self.path, &e))?;
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

/// The error for a file that could not be written.
pub fn cannot_write(path: &Path, e: &dyn std::fmt::Display) -> ApiError {
    ApiError::new(
        ErrorCode::Io,
        format!("cannot write {}: {e}", path.display()),
    )
}

/// Writes `bytes` to `path`, whole or not at all.
pub fn write_whole(path: &Path, bytes: &[u8]) -> CmdResult<()> {
    let mut file = WholeFile::create(path)?;
    file.writer()
        .write_all(bytes)
        .map_err(|e| cannot_write(&file.path, &e))?;
    file.finish()
}

/// Lets a debug build save files into this folder without asking (for the end-to-end tests,
/// where no one is there to answer a dialog); a release build ignores it.
pub const SAVE_DIR_ENV: &str = "EMPTY_CHAIR_SAVE_DIR";

/// Asks the user where to save `file_name`; `None` when they cancel. The window never names a
/// path to write to: files go only where the person at the keyboard chose.
pub async fn ask_where_to_save(
    app: &tauri::AppHandle,
    title: &str,
    file_name: &str,
    filter: (&str, &[&str]),
) -> CmdResult<Option<PathBuf>> {
    use tauri_plugin_dialog::DialogExt;
    // Only in debug builds, which the end-to-end tests drive: a released app always asks.
    if let Some(dir) =
        std::env::var_os(SAVE_DIR_ENV).filter(|d| cfg!(debug_assertions) && !d.is_empty())
    {
        let dir = PathBuf::from(dir);
        std::fs::create_dir_all(&dir).map_err(|e| {
            ApiError::new(
                ErrorCode::Io,
                format!("cannot create {}: {e}", dir.display()),
            )
        })?;
        return Ok(Some(dir.join(file_name)));
    }
    file_chooser_available()?;
    let (tx, rx) = tokio::sync::oneshot::channel();
    app.dialog()
        .file()
        .set_title(title)
        .set_file_name(file_name)
        .add_filter(filter.0, filter.1)
        .save_file(move |chosen| {
            let _ = tx.send(chosen);
        });
    let chosen = rx.await.ok().flatten();
    chosen
        .map(|p| {
            p.into_path()
                .map_err(|e| ApiError::new(ErrorCode::Io, format!("cannot save there: {e}")))
        })
        .transpose()
}

/// The file chooser runs outside the app: through the desktop portal on the session bus, or
/// zenity where no portal answers. Without either, the dialog would silently not appear.
pub fn file_chooser_available() -> CmdResult<()> {
    let on_path = |program: &str| {
        std::env::var_os("PATH").is_some_and(|paths| {
            std::env::split_paths(&paths).any(|dir| dir.join(program).is_file())
        })
    };
    // With a session bus, a portal may answer even where no program of its is on the PATH.
    let bus = std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some_and(|a| !a.is_empty());
    if on_path("zenity") || bus {
        return Ok(());
    }
    Err(ApiError::new(
        ErrorCode::Io,
        "no file chooser is available on this computer: install the xdg-desktop-portal or zenity package, or use the chair command line",
    ))
}

/// A file written where the user chose.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, specta::Type)]
pub struct Saved {
    pub path: String,
    /// Entries or rows written.
    pub count: u32,
}
