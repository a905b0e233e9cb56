//! Request size limits the reference lacks (security notes, DOS g3mx / wcwp): the global body
//! limit, and field lengths on the unauthenticated account forms.
//!
//! An over-limit body answers `413 {"detail": "Request body too large (limit: N bytes)."}`
//! (`webui_api::Detail`'s `From<HttpError>`); the reference has no limit, so no shape of its own.
//! An over-long field on an `/api/v1/auths` form answers what pydantic's `max_length` would through
//! that router: `422 {"detail": "Invalid authentication request."}`.

use webui_api::{AddUserForm, Detail, SigninForm, SignupForm, AUTH_FORM_INVALID};

/// The default request body limit (dropshot's `default_request_body_max_bytes`): chats with
/// inline images are large, but not this large. Streaming uploads read their body themselves.
pub const DEFAULT_BODY_MAX_BYTES: usize = 64 * 1024 * 1024;

/// Longest e-mail address accepted (RFC 3696 errata: 64 + 1 + 255).
pub const EMAIL_MAX_CHARS: usize = 320;
/// Longest display name.
pub const NAME_MAX_CHARS: usize = 255;
/// Longest password (bcrypt uses 72 bytes; argon2 hashes all of it).
pub const PASSWORD_MAX_CHARS: usize = 4096;
/// Longest profile image URL on the account forms (an inline `data:` image of a few hundred KB).
pub const PROFILE_IMAGE_URL_MAX_CHARS: usize = 1024 * 1024;

/// Reads a raw request's body, at most `max` bytes (413 past it, as for a typed body).
pub async fn read_body(request: dropshot::RawRequest, max: usize) -> Result<bytes::Bytes, Detail> {
    use http_body_util::BodyExt;
    match http_body_util::Limited::new(request.into_inner().into_body(), max).collect().await {
        Ok(c) => Ok(c.to_bytes()),
        Err(e) if e.is::<http_body_util::LengthLimitError>() => {
            Err(Detail::new(413, format!("Request body too large (limit: {max} bytes).")))
        }
        Err(e) => Err(Detail::bad_request(format!("reading the request body: {e}"))),
    }
}

fn check(value: &str, max: usize) -> Result<(), Detail> {
    // Bytes bound characters from above: only count characters when the bytes exceed the limit.
    if value.len() > max && value.chars().count() > max {
        return Err(Detail::new(422, AUTH_FORM_INVALID));
    }
    Ok(())
}

pub fn signin(form: &SigninForm) -> Result<(), Detail> {
    check(&form.email, EMAIL_MAX_CHARS)?;
    check(&form.password, PASSWORD_MAX_CHARS)
}

pub fn signup(form: &SignupForm) -> Result<(), Detail> {
    check(&form.name, NAME_MAX_CHARS)?;
    check(&form.email, EMAIL_MAX_CHARS)?;
    check(&form.password, PASSWORD_MAX_CHARS)?;
    check(form.profile_image_url.as_deref().unwrap_or(""), PROFILE_IMAGE_URL_MAX_CHARS)
}

pub fn add_user(form: &AddUserForm) -> Result<(), Detail> {
    check(&form.name, NAME_MAX_CHARS)?;
    check(&form.email, EMAIL_MAX_CHARS)?;
    check(&form.password, PASSWORD_MAX_CHARS)?;
    check(form.profile_image_url.as_deref().unwrap_or(""), PROFILE_IMAGE_URL_MAX_CHARS)
}

/// Writes an upload to `out` chunk by chunk as it arrives, never holding it whole in memory, and
/// refuses it with 413 once it passes `max` bytes (the reference's `RAG_FILE_MAX_SIZE` shape:
/// checked while streaming here, not after storing). For upload routes: give dropshot's
/// `StreamingBody::into_stream()` (or a multipart field's chunks) and a file in the upload dir.
pub async fn spool<S, E, W>(stream: S, out: &mut W, max: u64) -> Result<u64, Detail>
where
    S: futures::Stream<Item = Result<bytes::Bytes, E>>,
    E: std::fmt::Display,
    W: tokio::io::AsyncWrite + Unpin,
{
    use futures::StreamExt;
    use tokio::io::AsyncWriteExt;
    let mut stream = std::pin::pin!(stream);
    let mut written: u64 = 0;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| Detail::bad_request(format!("error reading the upload: {e}")))?;
        written += chunk.len() as u64;
        if written > max {
            return Err(Detail::new(413, format!("File too large (limit: {max} bytes).")));
        }
        out.write_all(&chunk).await.map_err(Detail::internal)?;
    }
    out.flush().await.map_err(Detail::internal)?;
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn uploads_stream_to_disk_with_a_limit() {
        // 64 chunks of 1 MiB, generated lazily: never more than one chunk in memory.
        let chunks = || futures::stream::iter((0..64).map(|_| Ok::<_, std::io::Error>(bytes::Bytes::from(vec![7u8; 1 << 20]))));
        let dir = std::env::temp_dir().join(format!("owui-spool-{}", uuid::Uuid::new_v4()));
        let mut f = tokio::fs::File::create(&dir).await.unwrap();
        assert_eq!(spool(chunks(), &mut f, 64 << 20).await.unwrap(), 64 << 20);
        assert_eq!(tokio::fs::metadata(&dir).await.unwrap().len(), 64 << 20);
        let mut f = tokio::fs::File::create(&dir).await.unwrap();
        let e = spool(chunks(), &mut f, (10 << 20) + 1).await.unwrap_err();
        assert_eq!(e.status(), 413);
        let _ = tokio::fs::remove_file(&dir).await;
    }

    #[test]
    fn limits_count_characters() {
        assert!(check(&"é".repeat(EMAIL_MAX_CHARS), EMAIL_MAX_CHARS).is_ok());
        let e = check(&"a".repeat(EMAIL_MAX_CHARS + 1), EMAIL_MAX_CHARS).unwrap_err();
        assert_eq!((e.status(), e.detail.as_str()), (422, Some(AUTH_FORM_INVALID)));
    }
}
