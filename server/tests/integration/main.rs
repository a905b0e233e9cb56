//! Integration tests of the server against real PostgreSQL (see `server::testing`).
//! One test binary, one module per concern.

mod auths;
mod chats;
mod common;
mod completions;
mod configs;
mod folders;
mod groups;
mod faults;
mod frontend;
mod fuzz_inputs;
mod ldap;
mod limits;
mod mfa;
mod models;
mod notes;
mod oauth;
mod ollama;
mod openai;
mod oauth_config;
mod prompts;
mod route_auth;
mod routes;
mod schema;
mod statements;
mod scim;
mod security_headers;
mod settings;
mod signout;
mod socket;
mod startup;
mod trusted_header;
mod tools;
mod usage;
mod users;
mod version;
