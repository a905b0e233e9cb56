//! `/api/v1/folders` (the reference's `routers/folders.py`): the API traits and wire types.



api_traits! {
/// The `/api/v1/folders` operations whose paths clash with no other's.
pub trait FoldersApi in folders_api_invokers {
    type Context: Send + Sync + 'static;
}

/// The `/api/v1/folders` operations with a literal segment where a [`FoldersApi`] path has a
/// variable (`GET /api/v1/folders/shared` beside `GET /api/v1/folders/{id}`); tried first.
pub trait FoldersLiteralApi in folders_literal_api_invokers {
    type Context: Send + Sync + 'static;
}
}
