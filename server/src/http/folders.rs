//! `/api/v1/folders`: the implementations of [`FoldersApi`] and [`FoldersLiteralApi`]. Thin
//! handlers: authenticate, validate the body or query as FastAPI does, call the app layer
//! (`crate::app::folders`), convert.

use std::sync::Arc;

use dropshot::{HttpResponseOk, Path, Query, RequestContext};
use serde_json::{json, Map, Value};
use webui_api::folders::{
    FolderAccessGrantsForm, FolderAccessResponse, FolderDeleteQuery, FolderForm, FolderIdPath, FolderIsExpandedForm, FolderModel,
    FolderNameIdResponse, FolderParentIdForm, FolderReadResponse, FolderResponse, FolderSharedChatsQuery, FolderUpdateForm,
    FoldersApi, FoldersLiteralApi, SharedFolder, SharedFolderChats,
};
use webui_api::{Detail, FastJson, Shaped};

use super::{auth, query, ServerImpl};
use crate::app::folders::{self as app, FolderChanges, FolderInput};
use crate::context::ServerContext;

type Ctx = RequestContext<Arc<ServerContext>>;

/// Pydantic's checks of one form field (`loc` `["body", key]`).
struct Form<'a> {
    body: &'a Map<String, Value>,
    errors: Vec<Value>,
}

impl<'a> Form<'a> {
    fn new(body: &'a Map<String, Value>) -> Self {
        Form { body, errors: Vec::new() }
    }

    fn error(&mut self, kind: &str, key: &str, msg: &str, input: &Value) {
        self.errors.push(json!({"type": kind, "loc": ["body", key], "msg": msg, "input": input}));
    }

    /// A required `str`.
    fn required_str(&mut self, key: &str) -> String {
        match self.body.get(key) {
            Some(Value::String(s)) => s.clone(),
            Some(v) => {
                let v = v.clone();
                self.error("string_type", key, "Input should be a valid string", &v);
                String::new()
            }
            None => {
                let whole = Value::Object(self.body.clone());
                self.error("missing", key, "Field required", &whole);
                String::new()
            }
        }
    }

    /// An `Optional[str]`: `None` absent, `Some(None)` null.
    fn opt_str(&mut self, key: &str) -> Option<Option<String>> {
        match self.body.get(key) {
            None => None,
            Some(Value::Null) => Some(None),
            Some(Value::String(s)) => Some(Some(s.clone())),
            Some(v) => {
                let v = v.clone();
                self.error("string_type", key, "Input should be a valid string", &v);
                None
            }
        }
    }

    /// An `Optional[dict]`.
    fn opt_dict(&mut self, key: &str) -> Option<Option<Map<String, Value>>> {
        match self.body.get(key) {
            None => None,
            Some(Value::Null) => Some(None),
            Some(Value::Object(m)) => Some(Some(m.clone())),
            Some(v) => {
                let v = v.clone();
                self.error("dict_type", key, "Input should be a valid dictionary", &v);
                None
            }
        }
    }

    /// `extra='forbid'`: every other key, after the fields' errors.
    fn forbid_extra(&mut self, fields: &[&str]) {
        let extra: Vec<(String, Value)> =
            self.body.iter().filter(|(k, _)| !fields.contains(&k.as_str())).map(|(k, v)| (k.clone(), v.clone())).collect();
        for (k, v) in extra {
            self.error("extra_forbidden", &k, "Extra inputs are not permitted", &v);
        }
    }

    fn finish<T>(self, value: T) -> Result<T, Detail> {
        if self.errors.is_empty() {
            Ok(value)
        } else {
            Err(Detail::validation(self.errors))
        }
    }
}

/// `FolderForm`.
fn folder_form(body: &Map<String, Value>) -> Result<FolderInput, Detail> {
    let mut f = Form::new(body);
    let name = f.required_str("name");
    let data = f.opt_dict("data").flatten().map(Value::Object);
    let meta = f.opt_dict("meta").flatten().map(Value::Object);
    let parent_id = f.opt_str("parent_id").flatten();
    f.forbid_extra(&["name", "data", "meta", "parent_id"]);
    f.finish(FolderInput { name, data, meta, parent_id })
}

/// `FolderUpdateForm`.
fn folder_update_form(body: &Map<String, Value>) -> Result<FolderChanges, Detail> {
    let mut f = Form::new(body);
    let name = f.opt_str("name");
    let data = f.opt_dict("data");
    let meta = f.opt_dict("meta");
    f.forbid_extra(&["name", "data", "meta"]);
    f.finish(FolderChanges { name, data, meta })
}

/// `FolderAccessGrantsForm`: `access_grants: list[dict]`, `share_mode: Literal['continue'] | None`
/// (`None` absent, `Some(None)` null).
fn access_form(body: &Map<String, Value>) -> Result<(Vec<Value>, Option<Option<String>>), Detail> {
    let mut f = Form::new(body);
    let mut grants = Vec::new();
    match body.get("access_grants") {
        None => {
            let whole = Value::Object(body.clone());
            f.error("missing", "access_grants", "Field required", &whole);
        }
        Some(Value::Array(items)) => {
            for (i, item) in items.iter().enumerate() {
                if item.is_object() {
                    grants.push(item.clone());
                } else {
                    f.errors.push(json!({
                        "type": "dict_type", "loc": ["body", "access_grants", i], "msg": "Input should be a valid dictionary", "input": item,
                    }));
                }
            }
        }
        Some(v) => {
            let v = v.clone();
            f.error("list_type", "access_grants", "Input should be a valid list", &v);
        }
    }
    let share_mode = match body.get("share_mode") {
        None => None,
        Some(Value::Null) => Some(None),
        Some(Value::String(s)) if s == "continue" => Some(Some(s.clone())),
        Some(v) => {
            f.errors.push(json!({
                "type": "literal_error", "loc": ["body", "share_mode"], "msg": "Input should be 'continue'", "input": v,
                "ctx": {"expected": "'continue'"},
            }));
            None
        }
    };
    f.finish((grants, share_mode))
}

/// `page: int | None = Query(None, ge=1)`.
fn page(v: &Option<String>) -> Result<Option<i64>, Detail> {
    let p = query::int("page", v)?;
    if let Some(n) = p {
        if n < 1 {
            return Err(Detail::validation(vec![json!({
                "type": "greater_than_equal", "loc": ["query", "page"], "msg": "Input should be greater than or equal to 1",
                "input": v, "ctx": {"ge": 1},
            })]));
        }
    }
    Ok(p)
}

impl FoldersApi for ServerImpl {
    type Context = Arc<ServerContext>;

    async fn folders_get(rqctx: Ctx) -> Result<HttpResponseOk<Vec<FolderNameIdResponse>>, Detail> {
        let s = auth::require_user(&rqctx).await?;
        Ok(HttpResponseOk(app::list(rqctx.context(), &s).await?))
    }

    async fn folders_create(rqctx: Ctx, body: FastJson<Shaped<FolderForm, Map<String, Value>>>) -> Result<HttpResponseOk<FolderModel>, Detail> {
        let s = auth::require_user(&rqctx).await?;
        let form = folder_form(&body.into_inner()?.value)?;
        Ok(HttpResponseOk(app::create(rqctx.context(), &s, form).await?))
    }

    async fn folders_get_by_id(rqctx: Ctx, path: Path<FolderIdPath>) -> Result<HttpResponseOk<FolderResponse>, Detail> {
        let s = auth::require_user(&rqctx).await?;
        Ok(HttpResponseOk(app::get(rqctx.context(), &s, &path.into_inner().id).await?))
    }

    async fn folders_delete_by_id(rqctx: Ctx, path: Path<FolderIdPath>, q: Query<FolderDeleteQuery>) -> Result<HttpResponseOk<bool>, Detail> {
        let s = auth::require_user(&rqctx).await?;
        let q = q.into_inner();
        let delete_contents = query::opt_boolean("delete_contents", &q.delete_contents)?.unwrap_or(true);
        Ok(HttpResponseOk(app::delete(rqctx.context(), &s, &path.into_inner().id, delete_contents).await?))
    }

    async fn folders_update_name_by_id(
        rqctx: Ctx,
        path: Path<FolderIdPath>,
        body: FastJson<Shaped<FolderUpdateForm, Map<String, Value>>>,
    ) -> Result<HttpResponseOk<FolderModel>, Detail> {
        let s = auth::require_user(&rqctx).await?;
        let form = folder_update_form(&body.into_inner()?.value)?;
        Ok(HttpResponseOk(app::update(rqctx.context(), &s, &path.into_inner().id, form).await?))
    }

    async fn folders_update_parent_id_by_id(
        rqctx: Ctx,
        path: Path<FolderIdPath>,
        body: FastJson<FolderParentIdForm>,
    ) -> Result<HttpResponseOk<FolderModel>, Detail> {
        let s = auth::require_user(&rqctx).await?;
        let form = body.into_inner()?;
        Ok(HttpResponseOk(app::update_parent(rqctx.context(), &s, &path.into_inner().id, form.parent_id).await?))
    }

    async fn folders_update_is_expanded_by_id(
        rqctx: Ctx,
        path: Path<FolderIdPath>,
        body: FastJson<FolderIsExpandedForm>,
    ) -> Result<HttpResponseOk<Option<FolderModel>>, Detail> {
        let s = auth::require_user(&rqctx).await?;
        let form = body.into_inner()?;
        Ok(HttpResponseOk(app::update_expanded(rqctx.context(), &s, &path.into_inner().id, form.is_expanded).await?))
    }

    async fn folders_update_access_by_id(
        rqctx: Ctx,
        path: Path<FolderIdPath>,
        body: FastJson<Shaped<FolderAccessGrantsForm, Map<String, Value>>>,
    ) -> Result<HttpResponseOk<FolderAccessResponse>, Detail> {
        let s = auth::require_user(&rqctx).await?;
        let (grants, share_mode) = access_form(&body.into_inner()?.value)?;
        Ok(HttpResponseOk(app::update_access(rqctx.context(), &s, &path.into_inner().id, grants, share_mode).await?))
    }

    async fn folders_get_shared_chats(
        rqctx: Ctx,
        path: Path<FolderIdPath>,
        q: Query<FolderSharedChatsQuery>,
    ) -> Result<HttpResponseOk<SharedFolderChats>, Detail> {
        let s = auth::require_user(&rqctx).await?;
        let q = q.into_inner();
        let page = page(&q.page)?;
        let sort_by = q.sort_by.as_deref().unwrap_or("unread_updated_at");
        let sort_dir = q.sort_dir.as_deref().unwrap_or("desc");
        Ok(HttpResponseOk(app::shared_chats(rqctx.context(), &s, &path.into_inner().id, page, sort_by, sort_dir).await?))
    }

    async fn folders_mark_chats_read_by_id(rqctx: Ctx, path: Path<FolderIdPath>) -> Result<HttpResponseOk<FolderReadResponse>, Detail> {
        let s = auth::require_user(&rqctx).await?;
        Ok(HttpResponseOk(app::mark_read(rqctx.context(), &s, &path.into_inner().id).await?))
    }
}

impl FoldersLiteralApi for ServerImpl {
    type Context = Arc<ServerContext>;

    async fn folders_get_shared(rqctx: Ctx) -> Result<HttpResponseOk<Vec<SharedFolder>>, Detail> {
        let s = auth::require_user(&rqctx).await?;
        Ok(HttpResponseOk(app::shared(rqctx.context(), &s).await?))
    }
}
