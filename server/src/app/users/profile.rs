//! `GET /api/v1/users/{user_id}/profile/image`: a user's avatar.

use super::db;
use crate::context::ServerContext;
use crate::error::{Error, Result};
use crate::messages;

/// What the avatar route answers.
#[derive(Debug)]
pub enum ProfileImage {
    /// 302 to the user's image URL (`ENABLE_PROFILE_IMAGE_URL_FORWARDING`).
    Redirect(String),
    /// A `data:` URL's image, served inline with its media type.
    Inline { media: String, bytes: Vec<u8> },
    /// The stock avatar (a PNG).
    Stock(Vec<u8>),
}

fn stock(ctx: &ServerContext) -> Result<ProfileImage> {
    match stock_avatar(ctx) {
        Some(b) => Ok(ProfileImage::Stock(b)),
        None => Err(Error::status(500, "Internal Server Error")),
    }
}

/// `get_user_profile_image_by_id`.
pub async fn profile_image(ctx: &ServerContext, user_id: &str) -> Result<ProfileImage> {
    let client = ctx.db.get().await?;
    let u = db::user_by_id(&**client, user_id).await?;
    drop(client);
    let Some(u) = u else { return Err(Error::bad_request(messages::USER_NOT_FOUND)) };
    let url = u.profile_image_url.as_str();
    if url.starts_with("http") {
        if ctx.config.env_str("ENABLE_PROFILE_IMAGE_URL_FORWARDING").map(|v| v.to_lowercase() == "true").unwrap_or(true) {
            return Ok(ProfileImage::Redirect(url.to_string()));
        }
    } else if url.starts_with("data:image") {
        if let Some((header, data)) = url.split_once(',') {
            if let Some(bytes) = python_b64decode(data) {
                // `header.split(';')[0].lstrip('data:')` strips any of the characters d, a, t, ':'.
                let media = header.split(';').next().unwrap_or("").trim_start_matches(['d', 'a', 't', ':']).to_lowercase();
                let allowed = ctx
                    .config
                    .env_str("PROFILE_IMAGE_ALLOWED_MIME_TYPES")
                    .unwrap_or("image/png,image/jpeg,image/gif,image/webp")
                    .split(',')
                    .map(str::trim)
                    .filter(|t| !t.is_empty())
                    .any(|t| t == media);
                if !allowed {
                    return stock(ctx);
                }
                return Ok(ProfileImage::Inline { media, bytes });
            }
        }
    }
    stock(ctx)
}

/// The stock avatar: `STATIC_DIR/user.png`, else the frontend build's `static/user.png`.
fn stock_avatar(ctx: &ServerContext) -> Option<Vec<u8>> {
    let mut candidates = Vec::new();
    if let Some(d) = ctx.config.env_str("STATIC_DIR") {
        candidates.push(std::path::PathBuf::from(d).join("user.png"));
    }
    if let Some(build) = ctx.frontend.build() {
        candidates.extend(build.static_dirs.iter().map(|d| d.join("user.png")));
    }
    if let Some(d) = &ctx.config.frontend_build_dir {
        candidates.push(d.join("static/user.png"));
    }
    candidates.into_iter().find_map(|p| std::fs::read(p).ok()).or_else(|| Some(STOCK_AVATAR.to_vec()))
}

/// Upstream's `static/user.png`, for when neither directory has it.
const STOCK_AVATAR: &[u8] = include_bytes!("../../../assets/user.png");

/// Python's `base64.b64decode(s)` (non-validating: characters outside the alphabet are
/// discarded; then the padding must be right).
fn python_b64decode(s: &str) -> Option<Vec<u8>> {
    use base64::Engine;
    let clean: String = s.chars().filter(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '=')).collect();
    // Data after the first complete padded quantum is ignored by binascii only in strict mode;
    // the lax decoder stops at the first '=' run that completes a quantum.
    let engine = base64::engine::GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        base64::engine::GeneralPurposeConfig::new().with_decode_padding_mode(base64::engine::DecodePaddingMode::RequireCanonical),
    );
    engine.decode(clean.as_bytes()).ok()
}

