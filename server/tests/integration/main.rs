//! Integration tests of the server against real PostgreSQL (see `server::testing`).
//! One test binary, one module per concern.

mod auths;
mod common;
mod routes;
mod schema;
mod startup;
