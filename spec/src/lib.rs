//! The Open WebUI 0.12.4 HTTP API as dropshot API traits, one (or two) per resource.
//!
//! This crate holds the traits and the wire types only, so the OpenAPI documents
//! (`spec/openapi/<ident>.json`, one per trait, [`API_DOCUMENTS`]) build without compiling the
//! server. The reference's own document (`spec/openapi/reference.json`) is the source of truth;
//! `tools conformance` diffs the two. This file keeps the shared plumbing: the module list, the
//! body limit of public routes and the document list.
//!
//! Naming: one module per upstream resource (`health`, `auths`, `users`, ...) holding its traits
//! and wire types, method names = the reference client's operation ids, URL paths exactly as
//! upstream.

use dropshot::{HttpResponseHeaders, HttpResponseOk};

mod answer;
#[macro_use]
pub mod dispatch;
pub mod auths;
mod body;
pub mod chats;
pub mod chats_more;
pub mod completions;
pub mod config;
pub mod configs;
pub mod connections;
mod error;
pub mod events;
pub mod folders;
pub mod analytics;
pub mod audio;
pub mod evaluations;
pub mod images;
pub mod knowledge;
pub mod memories;
pub mod pipeline;
pub mod pipelines;
pub mod retrieval;
pub mod skills;
pub mod terminals;
pub mod frontend;
pub mod functions;
pub mod groups;
pub mod health;
pub mod models;
pub mod models_transfer;
pub mod ollama;
pub mod notes;
pub mod oauth;
pub mod openai;
pub mod prompts;
pub mod scim;
mod shaped;
pub mod task_gen;
pub mod tasks;
pub mod tools;
pub mod types;
pub mod users;
pub mod utils;
pub mod version;
pub mod workspace;

pub use answer::{Answer, Reply};
pub use auths::*;
pub use body::{
    parse_body, validate_body, AuthForm, FastJson, FieldError, FieldErrors, Pydantic, ValidationStyle, AUTH_FORM_INVALID,
};

/// The body limit of the routes anyone can call without a session (sign-up, sign-in, LDAP, MFA
/// challenges, OAuth token exchange and back-channel logout, SCIM writes): 1 MiB. The reference
/// has none; over it: 413 (see `Detail`'s `From<HttpError>`).
pub const PUBLIC_BODY_MAX_BYTES: usize = 1024 * 1024;
pub use error::{Detail, VALIDATION_ERROR_CODE};
pub use frontend::FrontendPath;
pub use groups::*;
pub use health::CurrentUsage;
pub use oauth::OauthClientPath;
pub use scim::*;
pub use shaped::Shaped;
pub use types::*;
pub use users::*;
pub use version::LatestRelease;

/// A 200 with extra headers (`Set-Cookie`, `Cache-Control: no-store`) and a typed body.
pub type OkWithHeaders<T> = HttpResponseHeaders<HttpResponseOk<T>>;

/// The version of upstream Open WebUI whose API this crate reproduces.
pub const UPSTREAM_VERSION: &str = "0.12.4";

/// A trait's description as the stub its document is generated from (no server needed).
pub type Describe = fn() -> Result<dropshot::ApiDescription<dropshot::StubContext>, dropshot::ApiDescriptionBuildErrors>;

/// One API trait's OpenAPI document, managed by `cargo openapi` as `spec/openapi/<ident>.json`.
pub struct ApiDocument {
    pub ident: &'static str,
    pub title: &'static str,
    pub description: &'static str,
    pub describe: Describe,
}

/// Every API trait, one document each. A resource has a trait of its own (its operations, its
/// document) and, where one of its paths has a literal segment where another of its paths has a
/// variable (`/api/v1/chats/all` beside `/api/v1/chats/{id}`), a second "literal" trait for those:
/// dropshot's description is a router and cannot hold both. The server serves them all
/// (`server::http::router`, literal traits first); the tools merge them (`tools::read_ours`).
/// Adding a trait: declare it with [`api_traits!`], list it here and in the server's router.
pub const API_DOCUMENTS: &[ApiDocument] = &[
    ApiDocument {
        ident: "health",
        title: "Open WebUI: health",
        description: "/health, /health/db, /ready and /api/usage: liveness, readiness and what is in use now.",
        describe: health::health_api_mod::stub_api_description,
    },
    ApiDocument {
        ident: "events",
        title: "Open WebUI: events",
        description: "/api/events: the events the server publishes and the webhooks that receive them.",
        describe: events::events_api_mod::stub_api_description,
    },
    ApiDocument {
        ident: "utils",
        title: "Open WebUI: utils",
        description: "/api/v1/utils: Gravatar URLs, code execution, the database download.",
        describe: utils::utils_api_mod::stub_api_description,
    },
    ApiDocument {
        ident: "cache",
        title: "Open WebUI: cache",
        description: "/cache/{path}: files under the data folder's cache (unpublished catch-all).",
        describe: utils::cache_api_mod::stub_api_description,
    },
    ApiDocument {
        ident: "version",
        title: "Open WebUI: version",
        description: "/api/version, /api/version/updates and /api/changelog.",
        describe: version::version_api_mod::stub_api_description,
    },
    ApiDocument {
        ident: "config",
        title: "Open WebUI: config",
        description: "/api/config, /manifest.json and /opensearch.xml: what the web UI and the browser read first.",
        describe: config::config_api_mod::stub_api_description,
    },
    ApiDocument {
        ident: "auths",
        title: "Open WebUI: auths",
        description: "/api/v1/auths: sign-up, sign-in, the session, API keys, MFA, LDAP and the authentication settings.",
        describe: auths::auths_api_mod::stub_api_description,
    },
    ApiDocument {
        ident: "auths-literal",
        title: "Open WebUI: auths (literal routes)",
        description: "The /api/v1/auths operation with a literal path segment where another has a variable \
                      (`/oauth/sessions/{provider}` beside `/oauth/{provider}/token/exchange`).",
        describe: auths::auths_literal_api_mod::stub_api_description,
    },
    ApiDocument {
        ident: "oauth",
        title: "Open WebUI: oauth",
        description: "/oauth/{provider}: sign-in with an OAuth provider.",
        describe: oauth::oauth_api_mod::stub_api_description,
    },
    ApiDocument {
        ident: "oauth-literal",
        title: "Open WebUI: oauth (literal routes)",
        description: "The /oauth operations with a literal path segment where another has a variable \
                      (`/oauth/backchannel-logout`, `/oauth/clients/...` beside `/oauth/{provider}/...`).",
        describe: oauth::oauth_literal_api_mod::stub_api_description,
    },
    ApiDocument {
        ident: "users",
        title: "Open WebUI: users",
        description: "/api/v1/users: the user list and the `{user_id}` routes.",
        describe: users::users_api_mod::stub_api_description,
    },
    ApiDocument {
        ident: "users-literal",
        title: "Open WebUI: users (literal routes)",
        description: "The /api/v1/users operations with a literal path segment where another has a variable \
                      (`/api/v1/users/all`, `/user/...`, `/default/...` beside `/api/v1/users/{user_id}`).",
        describe: users::users_literal_api_mod::stub_api_description,
    },
    ApiDocument {
        ident: "groups",
        title: "Open WebUI: groups",
        description: "/api/v1/groups: user groups, their members and what they may reach.",
        describe: groups::groups_api_mod::stub_api_description,
    },
    ApiDocument {
        ident: "scim",
        title: "Open WebUI: SCIM",
        description: "/api/v1/scim/v2: SCIM 2.0 provisioning of users and groups (with ENABLE_SCIM).",
        describe: scim::scim_api_mod::stub_api_description,
    },
    ApiDocument {
        ident: "frontend",
        title: "Open WebUI: web UI",
        description: "The stock web UI's files and client-side routes (unpublished: not in the reference's document).",
        describe: frontend::frontend_api_mod::stub_api_description,
    },
    ApiDocument {
        ident: "chats",
        title: "Open WebUI: chats",
        description: "/api/v1/chats: a user's chats, their messages, tags, pins, archive and sharing.",
        describe: chats::chats_api_mod::stub_api_description,
    },
    ApiDocument {
        ident: "chats-literal",
        title: "Open WebUI: chats (literal routes)",
        description: "The /api/v1/chats operations with a literal path segment where another has a variable \
                      (`/api/v1/chats/all` beside `/api/v1/chats/{id}`).",
        describe: chats::chats_literal_api_mod::stub_api_description,
    },
    ApiDocument {
        ident: "chats-more",
        title: "Open WebUI: chats (statistics, fork, events, compaction)",
        description: "The later /api/v1/chats/{id} operations: fork, clone of a share, message events, compaction.",
        describe: chats_more::chats_more_api_mod::stub_api_description,
    },
    ApiDocument {
        ident: "chats-more-literal",
        title: "Open WebUI: chats (statistics and share grants)",
        description: "The later /api/v1/chats operations with a literal segment where another has a variable \
                      (`/api/v1/chats/stats/usage`, `/api/v1/chats/shared/{id}/access/update`).",
        describe: chats_more::chats_more_literal_api_mod::stub_api_description,
    },
    ApiDocument {
        ident: "completions",
        title: "Open WebUI: chat completions",
        description: "/api/chat/completions and the connections' chat routes: streamed answers for API callers, \
                      background tasks with socket.io events for the web UI.",
        describe: completions::completions_api_mod::stub_api_description,
    },
    ApiDocument {
        ident: "pipeline",
        title: "Open WebUI: embeddings and Anthropic messages",
        description: "/api/embeddings and /api/v1/embeddings through the model's connection; the Anthropic Messages \
                      API's token count (/api/message/count_tokens, /api/v1/messages/count_tokens).",
        describe: pipeline::pipeline_api_mod::stub_api_description,
    },
    ApiDocument {
        ident: "tasks",
        title: "Open WebUI: tasks",
        description: "/api/tasks: background tasks (chat completions for the web UI), listed and stopped on every instance.",
        describe: tasks::tasks_api_mod::stub_api_description,
    },
    ApiDocument {
        ident: "task-gen",
        title: "Open WebUI: task generations",
        description: "/api/v1/tasks: the task settings and the task model's generations (title, follow-ups, tags, \
                      image prompt, queries, autocompletion, emoji, mixture of agents).",
        describe: task_gen::task_gen_api_mod::stub_api_description,
    },
    ApiDocument {
        ident: "chats-share",
        title: "Open WebUI: chats (shared links)",
        description: "GET /api/v1/chats/share/{share_id}: beside DELETE /api/v1/chats/share/all, so in a trait of its own.",
        describe: chats::chats_share_api_mod::stub_api_description,
    },
    ApiDocument {
        ident: "folders",
        title: "Open WebUI: folders",
        description: "/api/v1/folders: a user's chat folders.",
        describe: folders::folders_api_mod::stub_api_description,
    },
    ApiDocument {
        ident: "folders-literal",
        title: "Open WebUI: folders (literal routes)",
        description: "The /api/v1/folders operations with a literal path segment where another has a variable \
                      (`/api/v1/folders/shared` beside `/api/v1/folders/{id}`).",
        describe: folders::folders_literal_api_mod::stub_api_description,
    },
    ApiDocument {
        ident: "configs",
        title: "Open WebUI: configs",
        description: "/api/v1/configs: the admin panel's settings (banners, models, connections, code execution, ...).",
        describe: configs::configs_api_mod::stub_api_description,
    },
    ApiDocument {
        ident: "connections",
        title: "Open WebUI: connections",
        description: "/openai/config, /ollama/config and their verify routes: the LLM providers' connections.",
        describe: connections::connections_api_mod::stub_api_description,
    },
    ApiDocument {
        ident: "models-transfer",
        title: "Open WebUI: models (export)",
        description: "GET /api/v1/models/export: the workspace models a user may write, for another instance.",
        describe: models_transfer::models_transfer_api_mod::stub_api_description,
    },
    ApiDocument {
        ident: "models",
        title: "Open WebUI: models",
        description: "/api/models (the merged model list) and /api/v1/models (the workspace models).",
        describe: models::models_api_mod::stub_api_description,
    },
    ApiDocument {
        ident: "ollama",
        title: "Open WebUI: ollama",
        description: "/ollama: the Ollama proxy (models, versions, completions, embeddings, model management).",
        describe: ollama::ollama_api_mod::stub_api_description,
    },
    ApiDocument {
        ident: "openai",
        title: "Open WebUI: openai",
        description: "/openai: the OpenAI-compatible connections' models, model management and text to speech.",
        describe: openai::openai_api_mod::stub_api_description,
    },
    ApiDocument {
        ident: "openai-passthrough",
        title: "Open WebUI: openai (passthrough)",
        description: "/openai/{path}: the deprecated passthrough, beside the literal /openai routes, so in a trait of its own.",
        describe: openai::openai_passthrough_api_mod::stub_api_description,
    },
    ApiDocument {
        ident: "openai-passthrough-rest",
        title: "Open WebUI: openai (passthrough, longer paths)",
        description: "/openai/{path:.*}: the passthrough for paths of several segments (unpublished: dropshot documents no wildcard).",
        describe: openai::openai_passthrough_rest_api_mod::stub_api_description,
    },
    ApiDocument {
        ident: "tools",
        title: "Open WebUI: tools",
        description: "/api/v1/tools: the workspace tools (reads; the routes that run a tool's code are not served).",
        describe: tools::tools_api_mod::stub_api_description,
    },
    ApiDocument {
        ident: "functions",
        title: "Open WebUI: functions",
        description: "/api/v1/functions: pipes, filters and actions (reads; the routes that run a function's code are not served).",
        describe: functions::functions_api_mod::stub_api_description,
    },
    ApiDocument {
        ident: "prompts",
        title: "Open WebUI: prompts",
        description: "/api/v1/prompts: the workspace prompts (slash commands), their versions and their sharing.",
        describe: prompts::prompts_api_mod::stub_api_description,
    },
    ApiDocument {
        ident: "prompts-literal",
        title: "Open WebUI: prompts (literal routes)",
        description: "The /api/v1/prompts operations with a literal path segment where another has a variable \
                      (`/history/diff` beside `/history/{history_id}`).",
        describe: prompts::prompts_literal_api_mod::stub_api_description,
    },
    ApiDocument {
        ident: "notes",
        title: "Open WebUI: notes",
        description: "/api/v1/notes: the Notes page: a user's notes, their pins and their sharing.",
        describe: notes::notes_api_mod::stub_api_description,
    },
    ApiDocument {
        ident: "notes-literal",
        title: "Open WebUI: notes (literal routes)",
        description: "The /api/v1/notes operations with a literal path segment where another has a variable \
                      (`/api/v1/notes/pinned`, `/search`, `/create` beside `/api/v1/notes/{id}`).",
        describe: notes::notes_literal_api_mod::stub_api_description,
    },
    ApiDocument {
        ident: "retrieval",
        title: "Open WebUI: retrieval settings",
        description: "/api/v1/retrieval: the admin panel's Documents and Web Search settings.",
        describe: retrieval::retrieval_api_mod::stub_api_description,
    },
    ApiDocument {
        ident: "images",
        title: "Open WebUI: images settings",
        description: "/api/v1/images: the admin panel's Images settings.",
        describe: images::images_api_mod::stub_api_description,
    },
    ApiDocument {
        ident: "audio",
        title: "Open WebUI: audio settings",
        description: "/api/v1/audio: the admin panel's Audio settings.",
        describe: audio::audio_api_mod::stub_api_description,
    },
    ApiDocument {
        ident: "evaluations",
        title: "Open WebUI: evaluations",
        description: "/api/v1/evaluations: the admin panel's arena settings and the answers' feedback.",
        describe: evaluations::evaluations_api_mod::stub_api_description,
    },
    ApiDocument {
        ident: "pipelines",
        title: "Open WebUI: pipelines",
        description: "/api/v1/pipelines: the Pipelines servers among the OpenAI connections.",
        describe: pipelines::pipelines_api_mod::stub_api_description,
    },
    ApiDocument {
        ident: "skills",
        title: "Open WebUI: skills",
        description: "/api/v1/skills: the workspace skills the chat input lists.",
        describe: skills::skills_api_mod::stub_api_description,
    },
    ApiDocument {
        ident: "memories",
        title: "Open WebUI: memories",
        description: "/api/v1/memories: what the assistant remembers about a user.",
        describe: memories::memories_api_mod::stub_api_description,
    },
    ApiDocument {
        ident: "terminals",
        title: "Open WebUI: terminals",
        description: "/api/v1/terminals: the terminal servers a user may use.",
        describe: terminals::terminals_api_mod::stub_api_description,
    },
    ApiDocument {
        ident: "knowledge",
        title: "Open WebUI: knowledge",
        description: "/api/v1/knowledge: the lists, search and creation of the knowledge bases, the search of their files, and the \
                      external knowledge connections (the literal routes beside `/api/v1/knowledge/{id}`).",
        describe: knowledge::knowledge_api_mod::stub_api_description,
    },
    ApiDocument {
        ident: "knowledge-item",
        title: "Open WebUI: knowledge (one base)",
        description: "/api/v1/knowledge/{id}: one knowledge base, its update, sharing, deletion, reset, files and export.",
        describe: knowledge::knowledge_item_api_mod::stub_api_description,
    },
    ApiDocument {
        ident: "analytics",
        title: "Open WebUI: analytics",
        description: "/api/v1/analytics: the admin panel's Analytics page, counted from the saved assistant answers.",
        describe: analytics::analytics_api_mod::stub_api_description,
    },
];
