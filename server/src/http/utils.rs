//! `/api/v1/utils` and `GET /cache/{path}`: the implementations of [`UtilsApi`] and [`CacheApi`].

use std::sync::Arc;

use dropshot::{Body, HttpResponseOk, Path, Query, RequestContext};
use http::{header, HeaderValue, Response, StatusCode};
use serde_json::{json, Value};
use webui_api::utils::{CacheApi, CachePath, CodeForm, GravatarQuery, UtilsApi};
use webui_api::{Detail, FastJson};

use super::{auth, ServerImpl};
use crate::app::utils as app;
use crate::context::ServerContext;

type Ctx = RequestContext<Arc<ServerContext>>;

impl UtilsApi for ServerImpl {
    type Context = Arc<ServerContext>;

    async fn utils_get_gravatar(rqctx: Ctx, query: Query<GravatarQuery>) -> Result<HttpResponseOk<String>, Detail> {
        auth::require_user(&rqctx).await?;
        let Some(email) = query.into_inner().email else {
            return Err(Detail::validation(vec![json!({"type": "missing", "loc": ["query", "email"], "msg": "Field required", "input": null})]));
        };
        Ok(HttpResponseOk(app::gravatar_url(&email)))
    }

    async fn utils_execute_code(rqctx: Ctx, body: FastJson<CodeForm>) -> Result<HttpResponseOk<Value>, Detail> {
        auth::require_user(&rqctx).await?;
        let form = body.into_inner()?;
        Ok(HttpResponseOk(app::execute_code(rqctx.context(), &form.code)?))
    }

    async fn utils_download_db(rqctx: Ctx) -> Result<HttpResponseOk<Value>, Detail> {
        auth::require_admin(&rqctx).await?;
        Ok(HttpResponseOk(app::download_db(rqctx.context())?))
    }
}

impl CacheApi for ServerImpl {
    type Context = Arc<ServerContext>;

    async fn cache_serve_file(rqctx: Ctx, path: Path<CachePath>) -> Result<Response<Body>, Detail> {
        auth::require_user(&rqctx).await?;
        let (full, meta, inline) = app::cache_file(rqctx.context(), &path.into_inner().path)?;
        let mut extra = vec![(header::HeaderName::from_static("x-content-type-options"), HeaderValue::from_static("nosniff"))];
        if !inline {
            let name = full.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
                extra.push((header::CONTENT_DISPOSITION, v));
            }
        }
        let head = rqctx.request.method() == http::Method::HEAD;
        super::frontend::stream_file(&full, &meta, StatusCode::OK, rqctx.request.headers(), head, extra, true).await
    }
}
