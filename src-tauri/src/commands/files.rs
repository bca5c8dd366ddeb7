//! Files the user asked the app to write (see [`chair_core::whole_file`]), and where to put them.

use std::path::{Path, PathBuf};

use chair_core::{ApiError, ErrorCode};

use super::CmdResult;

pub use chair_core::whole_file::WholeFile;

/// The error for a file that could not be written.
pub fn cannot_write(path: &Path, e: &dyn std::fmt::Display) -> ApiError {
    ApiError::new(
        ErrorCode::Io,
        format!("cannot write {}: {e}", path.display()),
    )
}

/// Writes `bytes` to `path`, whole or not at all.
pub fn write_whole(path: &Path, bytes: &[u8]) -> CmdResult<()> {
    chair_core::whole_file::write_whole(path, bytes).map_err(|e| cannot_write(path, &e))
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

/// Asks where to save an export named `stem` in `format` (its extension added); `None` when
/// the user cancels.
pub async fn ask_where_to_export(
    app: &tauri::AppHandle,
    title: &str,
    stem: &str,
    format: chair_core::audit::ExportFormat,
) -> CmdResult<Option<PathBuf>> {
    use chair_core::audit::ExportFormat;
    let ext = match format {
        ExportFormat::Csv => "csv",
        ExportFormat::Json => "json",
        ExportFormat::Markdown => "md",
    };
    ask_where_to_save(app, title, &format!("{stem}.{ext}"), (ext, &[ext])).await
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
