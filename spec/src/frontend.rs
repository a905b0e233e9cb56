//! The web UI routes: the stock frontend build's files and its client-side routes (unpublished:
//! not in the reference's OpenAPI document). The reference mounts the build at `/`; dropshot cannot
//! catch all at the root beside `/api`, so: `GET /` and `HEAD /`, one catch-all per top-level
//! directory and client-side route of the build, one route per top-level file.

use dropshot::{Body, Path, RequestContext};
use http::Response;
use schemars::JsonSchema;
use serde::Deserialize;

use crate::Detail;

/// The rest of the path under a web UI prefix (`/_app/{path:.*}`), one entry per segment,
/// percent-decoded.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct FrontendPath {
    pub path: Vec<String>,
}

api_traits! {
/// The web UI (`SPAStaticFiles` at `/`, `StaticFiles` at `/static` and `/pyodide` in the reference).
pub trait FrontendApi in frontend_api_invokers {
    type Context: Send + Sync + 'static;

    /// The web UI's `index.html`.
    #[endpoint { method = GET, path = "/", unpublished = true }]
    async fn frontend_root(
        rqctx: RequestContext<Self::Context>,
    ) -> Result<Response<Body>, Detail>;

    /// `HEAD /`.
    #[endpoint { method = HEAD, path = "/", unpublished = true }]
    async fn frontend_root_head(
        rqctx: RequestContext<Self::Context>,
    ) -> Result<Response<Body>, Detail>;

    /// The web UI: the build's `_app/` (SvelteKit bundles, `version.json`).
    #[endpoint { method = GET, path = "/_app/{path:.*}", unpublished = true }]
    async fn frontend_prefix_app(
        rqctx: RequestContext<Self::Context>,
        path: Path<FrontendPath>,
    ) -> Result<Response<Body>, Detail>;

    /// The web UI: the build's `assets/` (fonts, emojis, videos).
    #[endpoint { method = GET, path = "/assets/{path:.*}", unpublished = true }]
    async fn frontend_prefix_assets(
        rqctx: RequestContext<Self::Context>,
        path: Path<FrontendPath>,
    ) -> Result<Response<Body>, Detail>;

    /// The web UI: the build's `audio/`.
    #[endpoint { method = GET, path = "/audio/{path:.*}", unpublished = true }]
    async fn frontend_prefix_audio(
        rqctx: RequestContext<Self::Context>,
        path: Path<FrontendPath>,
    ) -> Result<Response<Body>, Detail>;

    /// The web UI: the build's `licenses/`.
    #[endpoint { method = GET, path = "/licenses/{path:.*}", unpublished = true }]
    async fn frontend_prefix_licenses(
        rqctx: RequestContext<Self::Context>,
        path: Path<FrontendPath>,
    ) -> Result<Response<Body>, Detail>;

    /// The web UI: the build's `pyodide/` (the reference's CORS mount).
    #[endpoint { method = GET, path = "/pyodide/{path:.*}", unpublished = true }]
    async fn frontend_prefix_pyodide(
        rqctx: RequestContext<Self::Context>,
        path: Path<FrontendPath>,
    ) -> Result<Response<Body>, Detail>;

    /// The web UI: the build's `sql.js/`.
    #[endpoint { method = GET, path = "/sql.js/{path:.*}", unpublished = true }]
    async fn frontend_prefix_sqljs(
        rqctx: RequestContext<Self::Context>,
        path: Path<FrontendPath>,
    ) -> Result<Response<Body>, Detail>;

    /// The web UI: `/static` (the reference's STATIC_DIR: the build's `static/`, then the wheel's).
    #[endpoint { method = GET, path = "/static/{path:.*}", unpublished = true }]
    async fn frontend_prefix_static(
        rqctx: RequestContext<Self::Context>,
        path: Path<FrontendPath>,
    ) -> Result<Response<Body>, Detail>;

    /// The web UI: the build's `wasm/`.
    #[endpoint { method = GET, path = "/wasm/{path:.*}", unpublished = true }]
    async fn frontend_prefix_wasm(
        rqctx: RequestContext<Self::Context>,
        path: Path<FrontendPath>,
    ) -> Result<Response<Body>, Detail>;

    /// The web UI: client-side route `/admin/...`.
    #[endpoint { method = GET, path = "/admin/{path:.*}", unpublished = true }]
    async fn frontend_prefix_admin(
        rqctx: RequestContext<Self::Context>,
        path: Path<FrontendPath>,
    ) -> Result<Response<Body>, Detail>;

    /// The web UI: client-side route `/auth`.
    #[endpoint { method = GET, path = "/auth/{path:.*}", unpublished = true }]
    async fn frontend_prefix_auth(
        rqctx: RequestContext<Self::Context>,
        path: Path<FrontendPath>,
    ) -> Result<Response<Body>, Detail>;

    /// The web UI: client-side route `/automations/...`.
    #[endpoint { method = GET, path = "/automations/{path:.*}", unpublished = true }]
    async fn frontend_prefix_automations(
        rqctx: RequestContext<Self::Context>,
        path: Path<FrontendPath>,
    ) -> Result<Response<Body>, Detail>;

    /// The web UI: client-side route `/c/{id}`.
    #[endpoint { method = GET, path = "/c/{path:.*}", unpublished = true }]
    async fn frontend_prefix_c(
        rqctx: RequestContext<Self::Context>,
        path: Path<FrontendPath>,
    ) -> Result<Response<Body>, Detail>;

    /// The web UI: client-side route `/calendar`.
    #[endpoint { method = GET, path = "/calendar/{path:.*}", unpublished = true }]
    async fn frontend_prefix_calendar(
        rqctx: RequestContext<Self::Context>,
        path: Path<FrontendPath>,
    ) -> Result<Response<Body>, Detail>;

    /// The web UI: client-side route `/channels/{id}`.
    #[endpoint { method = GET, path = "/channels/{path:.*}", unpublished = true }]
    async fn frontend_prefix_channels(
        rqctx: RequestContext<Self::Context>,
        path: Path<FrontendPath>,
    ) -> Result<Response<Body>, Detail>;

    /// The web UI: client-side route `/error`.
    #[endpoint { method = GET, path = "/error/{path:.*}", unpublished = true }]
    async fn frontend_prefix_error(
        rqctx: RequestContext<Self::Context>,
        path: Path<FrontendPath>,
    ) -> Result<Response<Body>, Detail>;

    /// The web UI: client-side route `/folders/{id}`.
    #[endpoint { method = GET, path = "/folders/{path:.*}", unpublished = true }]
    async fn frontend_prefix_folders(
        rqctx: RequestContext<Self::Context>,
        path: Path<FrontendPath>,
    ) -> Result<Response<Body>, Detail>;

    /// The web UI: client-side route `/home`.
    #[endpoint { method = GET, path = "/home/{path:.*}", unpublished = true }]
    async fn frontend_prefix_home(
        rqctx: RequestContext<Self::Context>,
        path: Path<FrontendPath>,
    ) -> Result<Response<Body>, Detail>;

    /// The web UI: client-side route `/notes/...`.
    #[endpoint { method = GET, path = "/notes/{path:.*}", unpublished = true }]
    async fn frontend_prefix_notes(
        rqctx: RequestContext<Self::Context>,
        path: Path<FrontendPath>,
    ) -> Result<Response<Body>, Detail>;

    /// The web UI: client-side route `/playground/...`.
    #[endpoint { method = GET, path = "/playground/{path:.*}", unpublished = true }]
    async fn frontend_prefix_playground(
        rqctx: RequestContext<Self::Context>,
        path: Path<FrontendPath>,
    ) -> Result<Response<Body>, Detail>;

    /// The web UI: client-side route `/s/{id}` (shared chats).
    #[endpoint { method = GET, path = "/s/{path:.*}", unpublished = true }]
    async fn frontend_prefix_s(
        rqctx: RequestContext<Self::Context>,
        path: Path<FrontendPath>,
    ) -> Result<Response<Body>, Detail>;

    /// The web UI: client-side route `/watch`.
    #[endpoint { method = GET, path = "/watch/{path:.*}", unpublished = true }]
    async fn frontend_prefix_watch(
        rqctx: RequestContext<Self::Context>,
        path: Path<FrontendPath>,
    ) -> Result<Response<Body>, Detail>;

    /// The web UI: client-side route `/workspace/...`.
    #[endpoint { method = GET, path = "/workspace/{path:.*}", unpublished = true }]
    async fn frontend_prefix_workspace(
        rqctx: RequestContext<Self::Context>,
        path: Path<FrontendPath>,
    ) -> Result<Response<Body>, Detail>;

    /// The web UI: the build's `BRANDING.md`.
    #[endpoint { method = GET, path = "/BRANDING.md", unpublished = true }]
    async fn frontend_file_branding_md(
        rqctx: RequestContext<Self::Context>,
    ) -> Result<Response<Body>, Detail>;

    /// The web UI: the build's `README.md`.
    #[endpoint { method = GET, path = "/README.md", unpublished = true }]
    async fn frontend_file_readme_md(
        rqctx: RequestContext<Self::Context>,
    ) -> Result<Response<Body>, Detail>;

    /// The web UI: the build's `favicon.png`.
    #[endpoint { method = GET, path = "/favicon.png", unpublished = true }]
    async fn frontend_file_favicon_png(
        rqctx: RequestContext<Self::Context>,
    ) -> Result<Response<Body>, Detail>;

    /// The web UI: the build's `image-placeholder.png`.
    #[endpoint { method = GET, path = "/image-placeholder.png", unpublished = true }]
    async fn frontend_file_image_placeholder_png(
        rqctx: RequestContext<Self::Context>,
    ) -> Result<Response<Body>, Detail>;

    /// The web UI: the build's `index.html`.
    #[endpoint { method = GET, path = "/index.html", unpublished = true }]
    async fn frontend_file_index_html(
        rqctx: RequestContext<Self::Context>,
    ) -> Result<Response<Body>, Detail>;

    /// The web UI: the build's `marker-icon-2x.png`.
    #[endpoint { method = GET, path = "/marker-icon-2x.png", unpublished = true }]
    async fn frontend_file_marker_icon_2x_png(
        rqctx: RequestContext<Self::Context>,
    ) -> Result<Response<Body>, Detail>;

    /// The web UI: the build's `marker-icon.png`.
    #[endpoint { method = GET, path = "/marker-icon.png", unpublished = true }]
    async fn frontend_file_marker_icon_png(
        rqctx: RequestContext<Self::Context>,
    ) -> Result<Response<Body>, Detail>;

    /// The web UI: the build's `marker-shadow.png`.
    #[endpoint { method = GET, path = "/marker-shadow.png", unpublished = true }]
    async fn frontend_file_marker_shadow_png(
        rqctx: RequestContext<Self::Context>,
    ) -> Result<Response<Body>, Detail>;

    /// The web UI: the build's `robots.txt`.
    #[endpoint { method = GET, path = "/robots.txt", unpublished = true }]
    async fn frontend_file_robots_txt(
        rqctx: RequestContext<Self::Context>,
    ) -> Result<Response<Body>, Detail>;

    /// The web UI: the build's `user.png`.
    #[endpoint { method = GET, path = "/user.png", unpublished = true }]
    async fn frontend_file_user_png(
        rqctx: RequestContext<Self::Context>,
    ) -> Result<Response<Body>, Detail>;
}
}
