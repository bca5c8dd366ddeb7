//! Pulling the organisation log into a local copy on a leader's laptop.
