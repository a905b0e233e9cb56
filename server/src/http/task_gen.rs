//! `/api/v1/tasks`: the implementation of [`TaskGenApi`] over [`crate::app::task_gen`].

use std::sync::Arc;

use dropshot::{Body, HttpResponseOk, RequestContext};
use http::Response;
use serde_json::{Map, Value};
use webui_api::task_gen::{TaskConfigForm, TaskGenApi};
use webui_api::{Detail, FastJson};

use super::completions::respond;
use super::{auth, ServerImpl};
use crate::app::task_gen::{self as app, Kind};
use crate::context::ServerContext;

type Ctx = RequestContext<Arc<ServerContext>>;

/// A generation route: a verified user, the reference's route for `kind`, its answer as it came.
async fn generation(rqctx: &Ctx, kind: Kind, body: FastJson<Map<String, Value>>) -> Result<Response<Body>, Detail> {
    let user = auth::require_user(rqctx).await?;
    let form = body.into_inner()?;
    respond(app::generate(rqctx.context(), &user, kind, form).await?)
}

impl TaskGenApi for ServerImpl {
    type Context = Arc<ServerContext>;

    /// `get_task_config` (`get_verified_user`).
    async fn tasks_get_config(rqctx: Ctx) -> Result<HttpResponseOk<Map<String, Value>>, Detail> {
        auth::require_user(&rqctx).await?;
        Ok(HttpResponseOk(app::config(rqctx.context())))
    }

    /// `update_task_config` (admin).
    async fn tasks_update_config(rqctx: Ctx, body: FastJson<TaskConfigForm>) -> Result<HttpResponseOk<Map<String, Value>>, Detail> {
        auth::require_admin(&rqctx).await?;
        let form = body.into_inner()?;
        Ok(HttpResponseOk(app::set_config(rqctx.context(), form).await?))
    }

    /// `generate_title`.
    async fn tasks_generate_title(rqctx: Ctx, body: FastJson<Map<String, Value>>) -> Result<Response<Body>, Detail> {
        generation(&rqctx, Kind::Title, body).await
    }

    /// `generate_follow_ups`.
    async fn tasks_generate_follow_ups(rqctx: Ctx, body: FastJson<Map<String, Value>>) -> Result<Response<Body>, Detail> {
        generation(&rqctx, Kind::FollowUp, body).await
    }

    /// `generate_chat_tags`.
    async fn tasks_generate_chat_tags(rqctx: Ctx, body: FastJson<Map<String, Value>>) -> Result<Response<Body>, Detail> {
        generation(&rqctx, Kind::Tags, body).await
    }

    /// `generate_image_prompt`.
    async fn tasks_generate_image_prompt(rqctx: Ctx, body: FastJson<Map<String, Value>>) -> Result<Response<Body>, Detail> {
        generation(&rqctx, Kind::ImagePrompt, body).await
    }

    /// `generate_queries`.
    async fn tasks_generate_queries(rqctx: Ctx, body: FastJson<Map<String, Value>>) -> Result<Response<Body>, Detail> {
        generation(&rqctx, Kind::Queries, body).await
    }

    /// `generate_autocompletion`.
    async fn tasks_generate_autocompletion(rqctx: Ctx, body: FastJson<Map<String, Value>>) -> Result<Response<Body>, Detail> {
        generation(&rqctx, Kind::Auto, body).await
    }

    /// `generate_emoji`.
    async fn tasks_generate_emoji(rqctx: Ctx, body: FastJson<Map<String, Value>>) -> Result<Response<Body>, Detail> {
        generation(&rqctx, Kind::Emoji, body).await
    }

    /// `generate_moa_response`.
    async fn tasks_generate_moa_response(rqctx: Ctx, body: FastJson<Map<String, Value>>) -> Result<Response<Body>, Detail> {
        generation(&rqctx, Kind::Moa, body).await
    }
}
