//! `/api/v1/folders`: the implementations of [`FoldersApi`] and [`FoldersLiteralApi`]. Thin
//! handlers: authenticate, call the app layer (`crate::app::folders`), convert.

use std::sync::Arc;

use webui_api::folders::{FoldersApi, FoldersLiteralApi};

use super::ServerImpl;
use crate::context::ServerContext;

impl FoldersApi for ServerImpl {
    type Context = Arc<ServerContext>;
}

impl FoldersLiteralApi for ServerImpl {
    type Context = Arc<ServerContext>;
}
