//! `/api/v1/chats`: the implementations of [`ChatsApi`] and [`ChatsLiteralApi`]. Thin handlers:
//! authenticate, call the app layer (`crate::app::chats`), convert.

use std::sync::Arc;

use webui_api::chats::{ChatsApi, ChatsLiteralApi};

use super::ServerImpl;
use crate::context::ServerContext;

impl ChatsApi for ServerImpl {
    type Context = Arc<ServerContext>;
}

impl ChatsLiteralApi for ServerImpl {
    type Context = Arc<ServerContext>;
}
