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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_count_characters() {
        assert!(check(&"é".repeat(EMAIL_MAX_CHARS), EMAIL_MAX_CHARS).is_ok());
        let e = check(&"a".repeat(EMAIL_MAX_CHARS + 1), EMAIL_MAX_CHARS).unwrap_err();
        assert_eq!((e.status(), e.detail.as_str()), (422, Some(AUTH_FORM_INVALID)));
    }
}
