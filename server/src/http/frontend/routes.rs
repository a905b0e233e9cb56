//! The web UI's routes: the implementation of [`FrontendApi`], each route serving its part of
//! the build through [`super::serve`] (the reference's `SPAStaticFiles` and `StaticFiles` mounts).

use std::sync::Arc;

use dropshot::{Body, Path};
use http::Response;
use webui_api::frontend::FrontendApi;
use webui_api::{Detail, FrontendPath};

use super::super::{Ctx, ServerImpl};
use crate::context::ServerContext;

impl FrontendApi for ServerImpl {
    type Context = Arc<ServerContext>;

    async fn frontend_root(rqctx: Ctx) -> Result<Response<Body>, Detail> {
        super::serve(&rqctx, super::Mount::Spa, Vec::new()).await
    }

    async fn frontend_root_head(rqctx: Ctx) -> Result<Response<Body>, Detail> {
        super::serve(&rqctx, super::Mount::Spa, Vec::new()).await
    }

    async fn frontend_prefix_app(rqctx: Ctx, path: Path<FrontendPath>) -> Result<Response<Body>, Detail> {
        super::serve(&rqctx, super::Mount::Spa, super::under("_app", path.into_inner().path)).await
    }

    async fn frontend_prefix_assets(rqctx: Ctx, path: Path<FrontendPath>) -> Result<Response<Body>, Detail> {
        super::serve(&rqctx, super::Mount::Spa, super::under("assets", path.into_inner().path)).await
    }

    async fn frontend_prefix_audio(rqctx: Ctx, path: Path<FrontendPath>) -> Result<Response<Body>, Detail> {
        super::serve(&rqctx, super::Mount::Spa, super::under("audio", path.into_inner().path)).await
    }

    async fn frontend_prefix_licenses(rqctx: Ctx, path: Path<FrontendPath>) -> Result<Response<Body>, Detail> {
        super::serve(&rqctx, super::Mount::Spa, super::under("licenses", path.into_inner().path)).await
    }

    async fn frontend_prefix_pyodide(rqctx: Ctx, path: Path<FrontendPath>) -> Result<Response<Body>, Detail> {
        super::serve(&rqctx, super::Mount::Pyodide, path.into_inner().path).await
    }

    async fn frontend_prefix_sqljs(rqctx: Ctx, path: Path<FrontendPath>) -> Result<Response<Body>, Detail> {
        super::serve(&rqctx, super::Mount::Spa, super::under("sql.js", path.into_inner().path)).await
    }

    async fn frontend_prefix_static(rqctx: Ctx, path: Path<FrontendPath>) -> Result<Response<Body>, Detail> {
        super::serve(&rqctx, super::Mount::Static, path.into_inner().path).await
    }

    async fn frontend_prefix_wasm(rqctx: Ctx, path: Path<FrontendPath>) -> Result<Response<Body>, Detail> {
        super::serve(&rqctx, super::Mount::Spa, super::under("wasm", path.into_inner().path)).await
    }

    async fn frontend_prefix_admin(rqctx: Ctx, path: Path<FrontendPath>) -> Result<Response<Body>, Detail> {
        super::serve(&rqctx, super::Mount::Spa, super::under("admin", path.into_inner().path)).await
    }

    async fn frontend_prefix_auth(rqctx: Ctx, path: Path<FrontendPath>) -> Result<Response<Body>, Detail> {
        super::serve(&rqctx, super::Mount::Spa, super::under("auth", path.into_inner().path)).await
    }

    async fn frontend_prefix_automations(rqctx: Ctx, path: Path<FrontendPath>) -> Result<Response<Body>, Detail> {
        super::serve(&rqctx, super::Mount::Spa, super::under("automations", path.into_inner().path)).await
    }

    async fn frontend_prefix_c(rqctx: Ctx, path: Path<FrontendPath>) -> Result<Response<Body>, Detail> {
        super::serve(&rqctx, super::Mount::Spa, super::under("c", path.into_inner().path)).await
    }

    async fn frontend_prefix_calendar(rqctx: Ctx, path: Path<FrontendPath>) -> Result<Response<Body>, Detail> {
        super::serve(&rqctx, super::Mount::Spa, super::under("calendar", path.into_inner().path)).await
    }

    async fn frontend_prefix_channels(rqctx: Ctx, path: Path<FrontendPath>) -> Result<Response<Body>, Detail> {
        super::serve(&rqctx, super::Mount::Spa, super::under("channels", path.into_inner().path)).await
    }

    async fn frontend_prefix_error(rqctx: Ctx, path: Path<FrontendPath>) -> Result<Response<Body>, Detail> {
        super::serve(&rqctx, super::Mount::Spa, super::under("error", path.into_inner().path)).await
    }

    async fn frontend_prefix_folders(rqctx: Ctx, path: Path<FrontendPath>) -> Result<Response<Body>, Detail> {
        super::serve(&rqctx, super::Mount::Spa, super::under("folders", path.into_inner().path)).await
    }

    async fn frontend_prefix_home(rqctx: Ctx, path: Path<FrontendPath>) -> Result<Response<Body>, Detail> {
        super::serve(&rqctx, super::Mount::Spa, super::under("home", path.into_inner().path)).await
    }

    async fn frontend_prefix_notes(rqctx: Ctx, path: Path<FrontendPath>) -> Result<Response<Body>, Detail> {
        super::serve(&rqctx, super::Mount::Spa, super::under("notes", path.into_inner().path)).await
    }

    async fn frontend_prefix_playground(rqctx: Ctx, path: Path<FrontendPath>) -> Result<Response<Body>, Detail> {
        super::serve(&rqctx, super::Mount::Spa, super::under("playground", path.into_inner().path)).await
    }

    async fn frontend_prefix_s(rqctx: Ctx, path: Path<FrontendPath>) -> Result<Response<Body>, Detail> {
        super::serve(&rqctx, super::Mount::Spa, super::under("s", path.into_inner().path)).await
    }

    async fn frontend_prefix_watch(rqctx: Ctx, path: Path<FrontendPath>) -> Result<Response<Body>, Detail> {
        super::serve(&rqctx, super::Mount::Spa, super::under("watch", path.into_inner().path)).await
    }

    async fn frontend_prefix_workspace(rqctx: Ctx, path: Path<FrontendPath>) -> Result<Response<Body>, Detail> {
        super::serve(&rqctx, super::Mount::Spa, super::under("workspace", path.into_inner().path)).await
    }

    async fn frontend_file_branding_md(rqctx: Ctx) -> Result<Response<Body>, Detail> {
        super::serve(&rqctx, super::Mount::Spa, vec!["BRANDING.md".into()]).await
    }

    async fn frontend_file_readme_md(rqctx: Ctx) -> Result<Response<Body>, Detail> {
        super::serve(&rqctx, super::Mount::Spa, vec!["README.md".into()]).await
    }

    async fn frontend_file_favicon_png(rqctx: Ctx) -> Result<Response<Body>, Detail> {
        super::serve(&rqctx, super::Mount::Spa, vec!["favicon.png".into()]).await
    }

    async fn frontend_file_image_placeholder_png(rqctx: Ctx) -> Result<Response<Body>, Detail> {
        super::serve(&rqctx, super::Mount::Spa, vec!["image-placeholder.png".into()]).await
    }

    async fn frontend_file_index_html(rqctx: Ctx) -> Result<Response<Body>, Detail> {
        super::serve(&rqctx, super::Mount::Spa, vec!["index.html".into()]).await
    }

    async fn frontend_file_marker_icon_2x_png(rqctx: Ctx) -> Result<Response<Body>, Detail> {
        super::serve(&rqctx, super::Mount::Spa, vec!["marker-icon-2x.png".into()]).await
    }

    async fn frontend_file_marker_icon_png(rqctx: Ctx) -> Result<Response<Body>, Detail> {
        super::serve(&rqctx, super::Mount::Spa, vec!["marker-icon.png".into()]).await
    }

    async fn frontend_file_marker_shadow_png(rqctx: Ctx) -> Result<Response<Body>, Detail> {
        super::serve(&rqctx, super::Mount::Spa, vec!["marker-shadow.png".into()]).await
    }

    async fn frontend_file_robots_txt(rqctx: Ctx) -> Result<Response<Body>, Detail> {
        super::serve(&rqctx, super::Mount::Spa, vec!["robots.txt".into()]).await
    }

    async fn frontend_file_user_png(rqctx: Ctx) -> Result<Response<Body>, Detail> {
        super::serve(&rqctx, super::Mount::Spa, vec!["user.png".into()]).await
    }
}
