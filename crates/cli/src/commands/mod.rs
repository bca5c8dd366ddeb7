//! One module per area of the command line.

pub mod meetings;
pub mod personas;
pub mod workspace;
