//! The organisation log against a real PostgreSQL 15, started by these tests (see `cluster`).

mod cluster;
mod connect;
mod laptop;

mod pull;
mod push;
mod rls;
mod schema;
mod soak;
mod tamper;
mod view;
