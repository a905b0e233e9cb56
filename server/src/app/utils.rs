//! `/api/v1/utils` (`routers/utils.py`) and the cache folder (`main.py`'s `serve_cache_file`).

use std::path::{Component, Path, PathBuf};

use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::context::ServerContext;
use crate::error::{Error, Result};
use crate::messages;

/// `get_gravatar_url`: the SHA-256 of the trimmed, lowercased address.
pub fn gravatar_url(email: &str) -> String {
    let address = email.trim().to_lowercase();
    format!("https://www.gravatar.com/avatar/{}?d=mp", hex::encode(Sha256::digest(address.as_bytes())))
}

/// `POST /api/v1/utils/code/execute`: 403 with code execution off; an engine other than Jupyter
/// is the reference's 400. This server has no Jupyter client: a Jupyter engine gets the same
/// 400 (the reference would run the code there).
pub fn execute_code(ctx: &ServerContext, _code: &str) -> Result<Value> {
    if ctx.setting("code_execution.enable") != Some(json!(true)) {
        return Err(Error::forbidden(messages::feature_disabled("Code execution")));
    }
    Err(Error::bad_request(messages::CODE_ENGINE_NOT_SUPPORTED))
}

/// `GET /api/v1/utils/db/download`: 401 without `ENABLE_ADMIN_EXPORT`, else 400: the database is
/// PostgreSQL, never SQLite.
pub fn download_db(ctx: &ServerContext) -> Result<Value> {
    if !ctx.config.env_bool("ENABLE_ADMIN_EXPORT", true) {
        return Err(Error::unauthorized(messages::ACCESS_PROHIBITED));
    }
    Err(Error::bad_request(messages::DB_NOT_SQLITE))
}

/// `os.path.abspath` without the file system: `.` and `..` resolved lexically.
fn lexical_abs(path: &Path) -> PathBuf {
    let mut out = PathBuf::from("/");
    for c in path.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::Normal(p) => out.push(p),
            Component::RootDir | Component::CurDir | Component::Prefix(_) => {}
        }
    }
    out
}

/// `GET /cache/{path}`: the file under `{DATA_DIR}/cache` the path names (404 for anything outside
/// it, as the reference's `abspath` check, or not a regular file), and whether it may be shown
/// inline (image, audio, video) rather than as an attachment.
pub fn cache_file(ctx: &ServerContext, segments: &[String]) -> Result<(PathBuf, std::fs::Metadata, bool)> {
    let not_found = || Error::not_found(messages::FILE_NOT_FOUND);
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/"));
    let root = lexical_abs(&cwd.join(&ctx.config.data_dir).join("cache"));
    let full = lexical_abs(&root.join(segments.join("/")));
    if full == root || !full.starts_with(&root) {
        return Err(not_found());
    }
    let meta = std::fs::metadata(&full).map_err(|_| not_found())?;
    if !meta.is_file() {
        return Err(not_found());
    }
    let ctype = crate::http::frontend::content_type(&full);
    let inline = ["image/", "audio/", "video/"].iter().any(|p| ctype.starts_with(p));
    Ok((full, meta, inline))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gravatar_as_the_reference() {
        // hashlib.sha256(b'someone@example.com').hexdigest()
        assert_eq!(
            gravatar_url("  Someone@Example.com "),
            format!("https://www.gravatar.com/avatar/{}?d=mp", hex::encode(Sha256::digest(b"someone@example.com")))
        );
    }

    #[test]
    fn abspath_is_lexical() {
        assert_eq!(lexical_abs(Path::new("/d/cache/../x")), PathBuf::from("/d/x"));
        assert_eq!(lexical_abs(Path::new("/d/cache/a/./b/../c")), PathBuf::from("/d/cache/a/c"));
        assert_eq!(lexical_abs(Path::new("/../..")), PathBuf::from("/"));
    }
}
