//! Empty Chair's domain: the validated types and rules shared by the desktop app and the
//! `chair` command line. Nothing here touches a database, the file system or a GUI.

pub mod audit;
pub mod chain;
pub mod complaint;
pub mod decision;
pub mod demo;
pub mod entry;
pub mod error;
pub mod export;
pub mod held;
pub mod import;
pub mod live;
pub mod meeting;
pub mod merkle;
pub mod minutes;
pub mod persona;
pub mod relevance;
pub mod themes;
pub mod validate;
pub mod whole_file;
pub mod workspace;

pub use error::{ApiError, ErrorCode, Invalid, Problem, Problems};
pub use validate::Valid;

/// Reverse-DNS name of the app; also names its data folder on every platform.
pub const APP_IDENTIFIER: &str = "app.emptychair.desktop";
