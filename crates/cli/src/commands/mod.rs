//! One module per area of the command line.

pub mod backup;
pub mod decisions;
pub mod embed;
pub mod escalations;
pub mod import;
pub mod meetings;
pub mod personas;
pub mod relevant;
pub mod thesaurus;
pub mod workspace;
