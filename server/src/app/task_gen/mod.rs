//! `/api/v1/tasks` (`routers/tasks.py`): the task settings, and the generations the web UI asks
//! the task model for (title, follow-ups, tags, image prompt, queries, autocompletion, emoji,
//! mixture of agents).
//!
//! Each generation: the chat's model must be in the model list; the task model is chosen from
//! it (`get_task_model_id`: `TASK_MODEL` for a local (Ollama) model, `TASK_MODEL_EXTERNAL`
//! otherwise, when set and listed); the prompt is the stored template (else the default) with
//! the chat filled in ([`prompts`]); one non-streamed user message goes to the task model with
//! the task parameters, through [`completions::generate`]. The upstream's answer, or its error
//! status, is passed back as it came. Failures before the upstream answers get the route's own
//! words (400 or 500 `An internal error has occurred.`, or 400 with the error's text).
//!
//! Not done: pipeline inlet filters (`process_pipeline_inlet_filter`), direct connections'
//! models, `request.state.cached_queries`. The model list is fetched when it is empty (the
//! reference answers 404 until something has listed the models since its start).

pub mod defaults;
pub mod prompts;

use serde_json::{json, Map, Value};
use webui_api::task_gen::TaskConfigForm;

use crate::app::completions::{self, Answer};
use crate::app::models;
use crate::app::session::{truthy, SessionUser};
use crate::context::ServerContext;
use crate::error::{Error, Result};
use crate::{messages, settings};

/// `TASK_CONFIG_KEYS`: (form field, `config` key), in the reference's order.
const CONFIG_KEYS: &[(&str, &str)] = &[
    ("TASK_MODEL", "task.model.default"),
    ("TASK_MODEL_EXTERNAL", "task.model.external"),
    ("TASK_MODEL_PARAMS", "task.model.params"),
    ("TITLE_GENERATION_PROMPT_TEMPLATE", "task.title.prompt_template"),
    ("IMAGE_PROMPT_GENERATION_PROMPT_TEMPLATE", "task.image.prompt_template"),
    ("ENABLE_AUTOCOMPLETE_GENERATION", "task.autocomplete.enable"),
    ("AUTOCOMPLETE_GENERATION_INPUT_MAX_LENGTH", "task.autocomplete.input_max_length"),
    ("AUTOCOMPLETE_GENERATION_PROMPT_TEMPLATE", "task.autocomplete.prompt_template"),
    ("TAGS_GENERATION_PROMPT_TEMPLATE", "task.tags.prompt_template"),
    ("FOLLOW_UP_GENERATION_PROMPT_TEMPLATE", "task.follow_up.prompt_template"),
    ("ENABLE_FOLLOW_UP_GENERATION", "task.follow_up.enable"),
    ("ENABLE_TAGS_GENERATION", "task.tags.enable"),
    ("ENABLE_TITLE_GENERATION", "task.title.enable"),
    ("ENABLE_SEARCH_QUERY_GENERATION", "task.query.search.enable"),
    ("ENABLE_RETRIEVAL_QUERY_GENERATION", "task.query.retrieval.enable"),
    ("QUERY_GENERATION_PROMPT_TEMPLATE", "task.query.prompt_template"),
    ("TOOLS_FUNCTION_CALLING_PROMPT_TEMPLATE", "task.tools.prompt_template"),
    ("ENABLE_VOICE_MODE_PROMPT", "task.voice.prompt.enable"),
    ("VOICE_MODE_PROMPT_TEMPLATE", "task.voice.prompt_template"),
];

/// `get_task_config`: every task setting under its form name.
pub fn config(ctx: &ServerContext) -> Map<String, Value> {
    let keys: Vec<&str> = CONFIG_KEYS.iter().map(|(_, k)| *k).collect();
    let stored = ctx.settings_many(&keys);
    CONFIG_KEYS.iter().filter_map(|(field, key)| stored.get(*key).map(|v| (field.to_string(), v.clone()))).collect()
}

/// `update_task_config`: the whole form stored (an absent input limit becomes the environment's
/// `AUTOCOMPLETE_GENERATION_INPUT_MAX_LENGTH`), the settings answered as stored.
pub async fn set_config(ctx: &ServerContext, form: TaskConfigForm) -> Result<Map<String, Value>> {
    let mut dumped = serde_json::to_value(&form).map_err(Error::internal)?;
    if dumped["AUTOCOMPLETE_GENERATION_INPUT_MAX_LENGTH"].is_null() {
        dumped["AUTOCOMPLETE_GENERATION_INPUT_MAX_LENGTH"] =
            ctx.config.setting_default("task.autocomplete.input_max_length").unwrap_or(json!(-1));
    }
    let rows: Vec<(&str, Value)> = CONFIG_KEYS.iter().filter_map(|(f, k)| dumped.get(*f).map(|v| (*k, v.clone()))).collect();
    settings::write(ctx, &rows).await?;
    Ok(config(ctx))
}

/// The generations, as `routers/tasks.py` names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Title,
    FollowUp,
    Tags,
    ImagePrompt,
    Queries,
    Auto,
    Emoji,
    Moa,
}

/// How a route answers a failure of the completion call (its `except Exception` branch).
enum Failure {
    /// `JSONResponse(status, {'detail': 'An internal error has occurred.'})`.
    Internal(u16),
    /// `JSONResponse(400, {'detail': str(e)})`.
    Text,
}

impl Kind {
    fn failure(self) -> Failure {
        match self {
            Kind::Title | Kind::FollowUp | Kind::ImagePrompt => Failure::Internal(400),
            Kind::Tags | Kind::Auto => Failure::Internal(500),
            Kind::Queries | Kind::Emoji | Kind::Moa => Failure::Text,
        }
    }

    /// The stored template's key and the default template.
    fn template(self) -> (&'static str, &'static str) {
        match self {
            Kind::Title => ("task.title.prompt_template", defaults::TITLE_GENERATION),
            Kind::FollowUp => ("task.follow_up.prompt_template", defaults::FOLLOW_UP_GENERATION),
            Kind::Tags => ("task.tags.prompt_template", defaults::TAGS_GENERATION),
            Kind::ImagePrompt => ("task.image.prompt_template", defaults::IMAGE_PROMPT_GENERATION),
            Kind::Queries => ("task.query.prompt_template", defaults::QUERY_GENERATION),
            Kind::Auto => ("task.autocomplete.prompt_template", defaults::AUTOCOMPLETE_GENERATION),
            Kind::Emoji => ("", defaults::EMOJI_GENERATION),
            Kind::Moa => ("", defaults::MOA_GENERATION),
        }
    }

    /// The stored template unless it is empty (`.strip()`-empty for queries and autocompletion).
    fn chosen_template(self, ctx: &ServerContext) -> (String, bool) {
        let (key, default) = self.template();
        if key.is_empty() {
            return (default.to_owned(), true);
        }
        let stored = ctx.setting(key).map(|v| completions::upstream::py_str(&v)).unwrap_or_default();
        let empty = if matches!(self, Kind::Queries | Kind::Auto) { stored.trim().is_empty() } else { stored.is_empty() };
        if empty {
            (default.to_owned(), true)
        } else {
            (stored, false)
        }
    }
}

/// The answer of a disabled generation that the reference sends with 200.
fn disabled(what: &str) -> Answer {
    Answer::json(json!({ "detail": format!("{what} generation is disabled") }))
}

/// The checks a route makes before its model lookup (which generations are on, the input limit).
fn precheck(ctx: &ServerContext, kind: Kind, form: &Map<String, Value>) -> Result<Option<Answer>> {
    let on = |key: &str| truthy(ctx.setting(key).as_ref());
    match kind {
        Kind::Title if !on("task.title.enable") => Ok(Some(disabled("Title"))),
        Kind::FollowUp if !on("task.follow_up.enable") => Ok(Some(disabled("Follow-up"))),
        Kind::Tags if !on("task.tags.enable") => Ok(Some(disabled("Tags"))),
        Kind::Queries => {
            match form.get("type").and_then(Value::as_str) {
                Some("web_search") if !on("task.query.search.enable") => {
                    Err(Error::bad_request(messages::feature_disabled("Search query generation")))
                }
                Some("retrieval") if !on("task.query.retrieval.enable") => {
                    Err(Error::bad_request(messages::feature_disabled("Query generation")))
                }
                _ => Ok(None),
            }
        }
        Kind::Auto => {
            if !on("task.autocomplete.enable") {
                return Err(Error::bad_request(messages::feature_disabled("Autocompletion generation")));
            }
            let max = ctx.setting("task.autocomplete.input_max_length").and_then(|v| v.as_i64()).unwrap_or(-1);
            let len = form.get("prompt").and_then(Value::as_str).map_or(0, |p| p.chars().count());
            if max > 0 && len as i64 > max {
                return Err(Error::bad_request(messages::input_too_long(max)));
            }
            Ok(None)
        }
        _ => Ok(None),
    }
}

/// `get_task_model_generation_config`: the task model's id and the non-empty task parameters.
fn task_model(ctx: &ServerContext, model_id: &str, listed: &Map<String, Value>) -> (String, Map<String, Value>) {
    let config = ctx.settings_many(&["task.model.default", "task.model.external", "task.model.params"]);
    let params: Map<String, Value> = match config.get("task.model.params") {
        Some(Value::Object(p)) => p.iter().filter(|(_, v)| !v.is_null() && v.as_str() != Some("")).map(|(k, v)| (k.clone(), v.clone())).collect(),
        _ => Map::new(),
    };
    let local = listed.get(model_id).and_then(|m| m.get("connection_type")).and_then(Value::as_str) == Some("local");
    let candidate = config.get(if local { "task.model.default" } else { "task.model.external" }).and_then(Value::as_str).unwrap_or("");
    let id = if !candidate.is_empty() && listed.contains_key(candidate) { candidate } else { model_id };
    (id.to_owned(), params)
}

/// The list of messages a generation reads (`form_data['messages']`).
fn messages_of(form: &Map<String, Value>) -> Result<Vec<Value>> {
    match form.get("messages") {
        Some(Value::Array(m)) => Ok(m.clone()),
        Some(_) => Err(Error::bad_request("messages must be a list")),
        None => Err(Error::bad_request(messages::missing_key("messages"))),
    }
}

/// A text field of the form (`form_data['prompt']`).
fn text_of(form: &Map<String, Value>, key: &str) -> Result<String> {
    form.get(key).map(completions::upstream::py_str).ok_or_else(|| Error::bad_request(messages::missing_key(key)))
}

/// One generation: the reference's route for `kind`.
pub async fn generate(ctx: &ServerContext, user: &SessionUser, kind: Kind, form: Map<String, Value>) -> Result<Answer> {
    if let Some(answer) = precheck(ctx, kind, &form)? {
        return Ok(answer);
    }
    let model_id = match form.get("model") {
        None => return Err(Error::bad_request(messages::missing_key("model"))),
        Some(v) => v.as_str().map(str::to_owned),
    };
    if kind == Kind::Title && !truthy(form.get("model")) {
        return Err(Error::bad_request(messages::TITLE_NO_MODEL));
    }
    let listed = models::listed(ctx, user).await?;
    let Some(model_id) = model_id.filter(|m| listed.contains_key(m)) else {
        return Err(Error::not_found(messages::model_not_found("")));
    };
    let (task_model_id, task_params) = if kind == Kind::Moa { (model_id.clone(), Map::new()) } else { task_model(ctx, &model_id, &listed) };

    let (template, use_default) = kind.chosen_template(ctx);
    let content = match kind {
        Kind::FollowUp => prompts::follow_up_template(&template, &messages_of(&form)?, user, use_default),
        Kind::Auto => {
            let messages = match form.get("messages") {
                Some(Value::Array(m)) => Some(m.clone()),
                _ => None,
            };
            let kind_text = form.get("type").filter(|t| truthy(Some(t))).map(completions::upstream::py_str).unwrap_or_default();
            let prompt = form.get("prompt").map(completions::upstream::py_str).unwrap_or_default();
            prompts::autocomplete_template(&template, &prompt, messages.as_deref(), &kind_text, user)
        }
        Kind::Emoji => prompts::emoji_template(&template, &text_of(&form, "prompt")?, user),
        Kind::Moa => {
            let responses = match form.get("responses") {
                Some(Value::Array(r)) => r.clone(),
                _ => return Err(Error::bad_request(messages::missing_key("responses"))),
            };
            prompts::moa_template(&template, &text_of(&form, "prompt")?, &responses)
        }
        _ => prompts::chat_template(&template, &messages_of(&form)?, user),
    };

    let mut payload = Map::new();
    payload.insert("model".into(), Value::String(task_model_id.clone()));
    payload.insert("messages".into(), json!([{"role": "user", "content": content}]));
    let stream = if kind == Kind::Moa { form.get("stream").cloned().unwrap_or(Value::Bool(false)) } else { Value::Bool(false) };
    payload.insert("stream".into(), stream);

    let params = match kind {
        Kind::Moa => Map::new(),
        Kind::Emoji => json!({"max_tokens": 4}).as_object().cloned().unwrap_or_default(),
        Kind::Title if task_params.is_empty() => {
            let max = listed.get(&task_model_id).and_then(|m| m.get("info")).and_then(|i| i.get("params")).and_then(|p| p.get("max_tokens"));
            let mut p = Map::new();
            p.insert("max_tokens".into(), max.cloned().unwrap_or(json!(1000)));
            p
        }
        _ => task_params,
    };
    // `apply_task_model_params`: the model of the payload (else the task model) decides the shape.
    let model = listed.get(&task_model_id).cloned().unwrap_or(Value::Null);
    if !params.is_empty() && !model.is_null() {
        payload.insert("params".into(), Value::Object(params));
        completions::apply_params_to_form(&mut payload, model.get("owned_by").and_then(Value::as_str) == Some("ollama"));
    }
    match call(ctx, user, payload, &model).await {
        Ok(answer) => Ok(answer),
        Err(e) => Err(match kind.failure() {
            Failure::Internal(status) => Error::status(status, messages::TASK_INTERNAL_ERROR),
            Failure::Text => Error::bad_request(exception_text(&e)),
        }),
    }
}

/// `generate_chat_completion` as the task routes call it: a `user` needs read access to the
/// task model (`check_model_access`, unless `BYPASS_MODEL_ACCESS_CONTROL`).
async fn call(ctx: &ServerContext, user: &SessionUser, payload: Map<String, Value>, model: &Value) -> Result<Answer> {
    let model_id = payload.get("model").and_then(Value::as_str).unwrap_or("").to_owned();
    let (bypass_model, _) = models::access_bypasses(ctx);
    if !bypass_model && user.user.role == "user" && !models::readable(ctx, user, Some(model), &model_id).await? {
        return Err(Error::bad_request("Model not found"));
    }
    completions::generate(ctx, user, payload, model).await
}

/// `str(e)` of the exception a route caught: Starlette's `"{status}: {detail}"` for an
/// `HTTPException`, the message for a plain `Exception`.
fn exception_text(e: &Error) -> String {
    match e {
        Error::BadRequest(m) if m == "Model not found" => m.to_string(),
        Error::Internal(_) | Error::Db(_) => messages::TASK_INTERNAL_ERROR.to_owned(),
        other => format!("{}: {other}", other.http_status()),
    }
}
