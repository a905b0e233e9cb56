//! The HTTP layer: [`ServerImpl`] implements the API traits, each resource's in its own module
//! (`impl UsersApi for ServerImpl` in [`users`]); handlers stay thin (authenticate, call one
//! function of `crate::app`, convert the result).

pub mod auth;
pub(crate) mod auths;
mod analytics;
mod audio;
mod chats;
mod chats_more;
mod evaluations;
mod events;
mod images;
mod knowledge;
mod memories;
mod skills;
mod terminals;
mod pipeline;
mod pipelines;
mod retrieval;
mod completions;
mod configs;
mod config;
mod connections;
mod cors;
mod folders;
mod functions;
mod groups;
pub mod frontend;
mod health;
mod ldap;
mod mfa;
mod models;
mod models_transfer;
mod notes;
mod oauth;
mod ollama;
mod openai;
mod prompts;
mod query;
mod scim;
mod task_gen;
mod tasks;
mod tools;
pub mod limits;
pub mod router;
mod users;
mod utils;
mod version;

use std::sync::Arc;

use dropshot::{ApiDescription, RequestContext};

use crate::context::ServerContext;

/// The implementation of every API trait; never instantiated.
pub enum ServerImpl {}

/// What the server registers with dropshot: the front door ([`router`]), which routes every
/// request to the API traits' operations.
pub fn api() -> ApiDescription<Arc<ServerContext>> {
    router::api()
}

type Ctx = RequestContext<Arc<ServerContext>>;
