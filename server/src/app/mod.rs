//! The app layer: each resource's logic, callable without a request.
//!
//! A function here takes the server context, the session user where the route has one, and
//! typed arguments, and returns a typed wire model or a [`crate::error::Error`]:
//! `(ctx: &ServerContext, user: &SessionUser, args) -> error::Result<Model>`. The HTTP handlers
//! (`crate::http::<resource>`) authenticate, call one function here and convert the answer; the
//! socket.io handlers, background tasks and the operator CLI call the same functions. SQL lives
//! in `crate::db::<resource>`, which takes its own connections.

pub mod admin_settings;
pub mod analytics;
pub mod audio;
pub mod auths;
pub mod evaluations;
pub mod feedbacks;
pub mod events;
pub mod images;
pub mod knowledge;
pub mod memories;
pub mod skills;
pub mod terminals;
pub mod pipelines;
pub mod retrieval;
pub mod chats;
pub mod completions;
pub mod config;
pub mod configs;
pub mod difflib;
pub mod folders;
pub mod functions;
pub mod connections;
pub mod groups;
pub mod health;
pub mod ldap;
pub mod mfa;
pub mod models;
pub mod models_transfer;
pub mod notes;
pub mod oauth;
pub mod ollama;
pub mod openai;
pub mod prompts;
pub mod scim;
pub mod session;
pub mod task_gen;
pub mod tasks;
pub mod tools;
pub mod users;
pub mod utils;
pub mod version;
pub mod workspace;
