//! `/api/v1/chats` (the reference's `routers/chats.py`): the API traits and wire types.



api_traits! {
/// The `/api/v1/chats` operations whose paths clash with no other's.
pub trait ChatsApi in chats_api_invokers {
    type Context: Send + Sync + 'static;
}

/// The `/api/v1/chats` operations with a literal segment where a [`ChatsApi`] path has a variable
/// (`GET /api/v1/chats/all` beside `GET /api/v1/chats/{id}`); the server tries these first.
pub trait ChatsLiteralApi in chats_literal_api_invokers {
    type Context: Send + Sync + 'static;
}
}
