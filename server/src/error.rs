//! The domain error: what the app layer (`crate::app`) and everything below the HTTP layer
//! returns, and its one conversion into the wire error ([`webui_api::Detail`], FastAPI's
//! `{"detail": ...}`).
//!
//! The reference raises `HTTPException(status, detail=ERROR_MESSAGES.X)` from its routers; the
//! kinds here are those statuses, the messages come from [`crate::messages`]. A socket.io handler
//! or a background task matches on the kind (a missing chat is `NotFound` there too); only the
//! HTTP layer turns it into an answer, through `From<Error> for Detail` (`?` does it).
//!
//! Database errors arrive as [`DbError`] and are classified by SQLSTATE
//! ([`DbError::kind`]), never by their text.

use std::borrow::Cow;

use webui_api::Detail;

use crate::db::{DbError, DbErrorKind};
use crate::messages;

/// A message: a catalogue entry (`&'static str`) or one formatted for this case.
pub type Message = Cow<'static, str>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// 400: the request is wrong in a way the reference reports with a message.
    #[error("{0}")]
    BadRequest(Message),
    /// 401: no session, a bad one, or not allowed (the reference answers 401 for most refusals).
    #[error("{0}")]
    Unauthorized(Message),
    /// 403.
    #[error("{0}")]
    Forbidden(Message),
    /// 404.
    #[error("{0}")]
    NotFound(Message),
    /// 429, with the seconds to wait when the reference sends `Retry-After`.
    #[error("{message}")]
    TooManyRequests { message: Message, retry_after: Option<u64> },
    /// Any other status the reference answers with a plain message (409, 413, 500 with a
    /// message, 501, 503, ...).
    #[error("{1}")]
    Status(u16, Message),
    /// A database failure, classified by SQLSTATE when the answer depends on it.
    #[error(transparent)]
    Db(#[from] DbError),
    /// Our fault: 500 `Internal Server Error` to the client, the cause to the log.
    #[error("internal error: {0}")]
    Internal(String),
    /// An answer already in wire form (FastAPI's 422 lists, answers with headers): passed through
    /// untouched.
    #[error("{0}")]
    Answer(Box<Detail>),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn bad_request(message: impl Into<Message>) -> Self {
        Error::BadRequest(message.into())
    }
    pub fn unauthorized(message: impl Into<Message>) -> Self {
        Error::Unauthorized(message.into())
    }
    pub fn forbidden(message: impl Into<Message>) -> Self {
        Error::Forbidden(message.into())
    }
    pub fn not_found(message: impl Into<Message>) -> Self {
        Error::NotFound(message.into())
    }
    pub fn status(status: u16, message: impl Into<Message>) -> Self {
        Error::Status(status, message.into())
    }
    /// A 500 whose cause is logged, never sent.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        Error::Internal(cause.to_string())
    }
    /// The HTTP status this error answers with.
    pub fn http_status(&self) -> u16 {
        match self {
            Error::BadRequest(_) => 400,
            Error::Unauthorized(_) => 401,
            Error::Forbidden(_) => 403,
            Error::NotFound(_) => 404,
            Error::TooManyRequests { .. } => 429,
            Error::Status(s, _) => *s,
            Error::Db(e) => match e.kind() {
                DbErrorKind::NulInText => 400,
                _ => 500,
            },
            Error::Internal(_) => 500,
            Error::Answer(d) => d.status(),
        }
    }
}

impl From<Detail> for Error {
    fn from(d: Detail) -> Self {
        Error::Answer(Box::new(d))
    }
}

impl From<deadpool_postgres::PoolError> for Error {
    fn from(e: deadpool_postgres::PoolError) -> Self {
        Error::Db(e.into())
    }
}

impl From<tokio_postgres::Error> for Error {
    fn from(e: tokio_postgres::Error) -> Self {
        Error::Db(e.into())
    }
}

impl From<Error> for Detail {
    fn from(e: Error) -> Self {
        match e {
            Error::BadRequest(m) => Detail::new(400, m.into_owned()),
            Error::Unauthorized(m) => Detail::new(401, m.into_owned()),
            Error::Forbidden(m) => Detail::new(403, m.into_owned()),
            Error::NotFound(m) => Detail::new(404, m.into_owned()),
            Error::TooManyRequests { message, retry_after } => {
                let d = Detail::new(429, message.into_owned());
                match retry_after {
                    Some(s) => d.with_header(http::header::RETRY_AFTER, s.to_string()),
                    None => d,
                }
            }
            Error::Status(s, m) => Detail::new(s, m.into_owned()),
            // PostgreSQL refusing a NUL character in a text value is the client's mistake: any
            // path, query or body string can carry one (found by schemathesis). The reference
            // answers 500 there; 400 here (listed in the compat report).
            Error::Db(e) if e.kind() == DbErrorKind::NulInText => Detail::with_cause(400, messages::NUL_IN_TEXT, e),
            Error::Db(e) => Detail::internal(e),
            Error::Internal(cause) => Detail::internal(cause),
            Error::Answer(d) => *d,
        }
    }
}
