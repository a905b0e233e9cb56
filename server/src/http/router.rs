//! The front door: every request reaches one unpublished catch-all endpoint, which routes it as
//! the reference's Starlette router would and calls the matched operation.
//!
//! Why not dropshot's own router: it cannot hold a literal segment beside a variable one
//! (`/api/v1/users/all` beside `/api/v1/users/{user_id}`; the reference has 28 such places), and
//! answers unknown paths and methods itself, with a body of its own, before any handler runs.
//! Here the routes of each API trait are kept in a dropshot `HttpRouter` of their own (built from
//! the trait's description, never merged, so nothing clashes), and a request goes to the first
//! router that matches it fully, literal routes' router first: the order in which the reference
//! declares its routes, literals before the variable route beside them. The matched operation is
//! called through its [`Invoker`] (`webui_api::dispatch`), with the request context's endpoint
//! metadata (path variables, body limit) replaced by the matched operation's.
//!
//! What no route matches gets what the reference's catch-all mount at `/` (`SPAStaticFiles`)
//! answers: the web UI's files or `index.html` for `GET` and `HEAD`, 405 `{"detail":"Method Not
//! Allowed"}` for other methods. A route matched on its path but not its method is Starlette's
//! "partial" match, which loses to the mount too: `HEAD` gets the web UI, other methods 405.
//!
//! Every answer then gets the reference's middleware: the configured security headers
//! (`SecurityHeadersMiddleware`) and CORS (`CORSMiddleware`, see [`super::cors`]).

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use dropshot::{ApiDescription, ApiEndpoint, ApiEndpointVersions, Body, RawRequest, RequestContext, RequestEndpointMetadata};
use http::{Method, Response};
use webui_api::dispatch::{error_response, Invoker};
use webui_api::Detail;

use super::ServerImpl;
use crate::context::ServerContext;

type Ctx = RequestContext<Arc<ServerContext>>;

/// The methods the front door takes (dropshot registers an endpoint per method).
const METHODS: [Method; 7] =
    [Method::GET, Method::POST, Method::PUT, Method::DELETE, Method::PATCH, Method::HEAD, Method::OPTIONS];

/// One served API trait: its description and its operations' invokers.
type Served = (ApiDescription<Arc<ServerContext>>, Vec<(&'static str, Invoker<Arc<ServerContext>>)>);

/// Every API trait the server implements (`webui_api::API_DOCUMENTS`), in the order requests are
/// matched against them: the literal traits first, as the reference declares a literal route
/// before the variable one beside it.
fn served() -> Vec<Served> {
    use webui_api::{auths, chats, chats_more, completions, config, configs, connections, folders, frontend, functions};
    use webui_api::{groups, health, models, models_transfer, notes, oauth, ollama, openai, prompts, scim, task_gen};
    use webui_api::{events, pipeline, tasks, tools, users, utils, version};
    use webui_api::{analytics, audio, evaluations, images, knowledge, memories, pipelines, retrieval, skills, terminals};
    vec![
        (auths::auths_literal_api_mod::api_description::<ServerImpl>(), auths::auths_literal_api_invokers::invokers::<ServerImpl>()),
        (oauth::oauth_literal_api_mod::api_description::<ServerImpl>(), oauth::oauth_literal_api_invokers::invokers::<ServerImpl>()),
        (users::users_literal_api_mod::api_description::<ServerImpl>(), users::users_literal_api_invokers::invokers::<ServerImpl>()),
        (chats::chats_literal_api_mod::api_description::<ServerImpl>(), chats::chats_literal_api_invokers::invokers::<ServerImpl>()),
        (chats::chats_share_api_mod::api_description::<ServerImpl>(), chats::chats_share_api_invokers::invokers::<ServerImpl>()),
        (chats_more::chats_more_literal_api_mod::api_description::<ServerImpl>(), chats_more::chats_more_literal_api_invokers::invokers::<ServerImpl>()),
        (folders::folders_literal_api_mod::api_description::<ServerImpl>(), folders::folders_literal_api_invokers::invokers::<ServerImpl>()),
        (prompts::prompts_literal_api_mod::api_description::<ServerImpl>(), prompts::prompts_literal_api_invokers::invokers::<ServerImpl>()),
        (notes::notes_literal_api_mod::api_description::<ServerImpl>(), notes::notes_literal_api_invokers::invokers::<ServerImpl>()),
        (health::health_api_mod::api_description::<ServerImpl>(), health::health_api_invokers::invokers::<ServerImpl>()),
        (version::version_api_mod::api_description::<ServerImpl>(), version::version_api_invokers::invokers::<ServerImpl>()),
        (events::events_api_mod::api_description::<ServerImpl>(), events::events_api_invokers::invokers::<ServerImpl>()),
        (config::config_api_mod::api_description::<ServerImpl>(), config::config_api_invokers::invokers::<ServerImpl>()),
        (frontend::frontend_api_mod::api_description::<ServerImpl>(), frontend::frontend_api_invokers::invokers::<ServerImpl>()),
        (auths::auths_api_mod::api_description::<ServerImpl>(), auths::auths_api_invokers::invokers::<ServerImpl>()),
        (oauth::oauth_api_mod::api_description::<ServerImpl>(), oauth::oauth_api_invokers::invokers::<ServerImpl>()),
        (users::users_api_mod::api_description::<ServerImpl>(), users::users_api_invokers::invokers::<ServerImpl>()),
        (groups::groups_api_mod::api_description::<ServerImpl>(), groups::groups_api_invokers::invokers::<ServerImpl>()),
        (scim::scim_api_mod::api_description::<ServerImpl>(), scim::scim_api_invokers::invokers::<ServerImpl>()),
        (chats::chats_api_mod::api_description::<ServerImpl>(), chats::chats_api_invokers::invokers::<ServerImpl>()),
        (chats_more::chats_more_api_mod::api_description::<ServerImpl>(), chats_more::chats_more_api_invokers::invokers::<ServerImpl>()),
        (folders::folders_api_mod::api_description::<ServerImpl>(), folders::folders_api_invokers::invokers::<ServerImpl>()),
        (tasks::tasks_api_mod::api_description::<ServerImpl>(), tasks::tasks_api_invokers::invokers::<ServerImpl>()),
        (task_gen::task_gen_api_mod::api_description::<ServerImpl>(), task_gen::task_gen_api_invokers::invokers::<ServerImpl>()),
        (pipeline::pipeline_api_mod::api_description::<ServerImpl>(), pipeline::pipeline_api_invokers::invokers::<ServerImpl>()),
        (completions::completions_api_mod::api_description::<ServerImpl>(), completions::completions_api_invokers::invokers::<ServerImpl>()),
        (configs::configs_api_mod::api_description::<ServerImpl>(), configs::configs_api_invokers::invokers::<ServerImpl>()),
        (connections::connections_api_mod::api_description::<ServerImpl>(), connections::connections_api_invokers::invokers::<ServerImpl>()),
        (models::models_api_mod::api_description::<ServerImpl>(), models::models_api_invokers::invokers::<ServerImpl>()),
        (models_transfer::models_transfer_api_mod::api_description::<ServerImpl>(), models_transfer::models_transfer_api_invokers::invokers::<ServerImpl>()),
        (tools::tools_api_mod::api_description::<ServerImpl>(), tools::tools_api_invokers::invokers::<ServerImpl>()),
        (functions::functions_api_mod::api_description::<ServerImpl>(), functions::functions_api_invokers::invokers::<ServerImpl>()),
        (prompts::prompts_api_mod::api_description::<ServerImpl>(), prompts::prompts_api_invokers::invokers::<ServerImpl>()),
        (notes::notes_api_mod::api_description::<ServerImpl>(), notes::notes_api_invokers::invokers::<ServerImpl>()),
        (retrieval::retrieval_api_mod::api_description::<ServerImpl>(), retrieval::retrieval_api_invokers::invokers::<ServerImpl>()),
        (images::images_api_mod::api_description::<ServerImpl>(), images::images_api_invokers::invokers::<ServerImpl>()),
        (audio::audio_api_mod::api_description::<ServerImpl>(), audio::audio_api_invokers::invokers::<ServerImpl>()),
        (evaluations::evaluations_api_mod::api_description::<ServerImpl>(), evaluations::evaluations_api_invokers::invokers::<ServerImpl>()),
        (pipelines::pipelines_api_mod::api_description::<ServerImpl>(), pipelines::pipelines_api_invokers::invokers::<ServerImpl>()),
        (skills::skills_api_mod::api_description::<ServerImpl>(), skills::skills_api_invokers::invokers::<ServerImpl>()),
        (memories::memories_api_mod::api_description::<ServerImpl>(), memories::memories_api_invokers::invokers::<ServerImpl>()),
        (terminals::terminals_api_mod::api_description::<ServerImpl>(), terminals::terminals_api_invokers::invokers::<ServerImpl>()),
        (knowledge::knowledge_api_mod::api_description::<ServerImpl>(), knowledge::knowledge_api_invokers::invokers::<ServerImpl>()),
        (knowledge::knowledge_item_api_mod::api_description::<ServerImpl>(), knowledge::knowledge_item_api_invokers::invokers::<ServerImpl>()),
        (utils::utils_api_mod::api_description::<ServerImpl>(), utils::utils_api_invokers::invokers::<ServerImpl>()),
        (utils::cache_api_mod::api_description::<ServerImpl>(), utils::cache_api_invokers::invokers::<ServerImpl>()),
        (analytics::analytics_api_mod::api_description::<ServerImpl>(), analytics::analytics_api_invokers::invokers::<ServerImpl>()),
        (ollama::ollama_api_mod::api_description::<ServerImpl>(), ollama::ollama_api_invokers::invokers::<ServerImpl>()),
        (openai::openai_api_mod::api_description::<ServerImpl>(), openai::openai_api_invokers::invokers::<ServerImpl>()),
        // The reference's `/openai/{path:path}` catch-all is declared after every /openai route.
        (openai::openai_passthrough_api_mod::api_description::<ServerImpl>(), openai::openai_passthrough_api_invokers::invokers::<ServerImpl>()),
        (openai::openai_passthrough_rest_api_mod::api_description::<ServerImpl>(), openai::openai_passthrough_rest_api_invokers::invokers::<ServerImpl>()),
    ]
    .into_iter()
    .map(|(d, i)| (d.expect("an API trait's endpoints register"), i))
    .collect()
}

/// The API descriptions the server serves, in the order requests are matched against them.
pub fn descriptions() -> Vec<ApiDescription<Arc<ServerContext>>> {
    served().into_iter().map(|(d, _)| d).collect()
}

/// The OpenAPI documents of [`descriptions`], as JSON (the route-auth matrix reads them).
pub fn documents() -> Vec<serde_json::Value> {
    descriptions()
        .into_iter()
        .map(|d| d.openapi("Open WebUI", semver::Version::new(0, 12, 4)).json().expect("the API description as JSON"))
        .collect()
}

/// The routing table, built once.
/// One trait's router (dropshot's `HttpRouter`, which dropshot does not export by name): the
/// matched operation's metadata, or the router's status (404, or 405 for a path it has with
/// other methods).
type Lookup = Box<dyn Fn(&Method, &str) -> Result<RequestEndpointMetadata, u16> + Send + Sync>;

struct Routes {
    layers: Vec<Lookup>,
    invokers: HashMap<&'static str, Invoker<Arc<ServerContext>>>,
    /// Whether each operation's declared path ends with a slash; `None` for paths ending in a
    /// catch-all variable. Starlette matches the declared form only (`/health/` is not `/health`).
    trailing_slash: HashMap<String, Option<bool>>,
}

fn routes() -> &'static Routes {
    static ROUTES: OnceLock<Routes> = OnceLock::new();
    ROUTES.get_or_init(|| {
        let served = served();
        let mut invokers: HashMap<&'static str, Invoker<Arc<ServerContext>>> = HashMap::new();
        let mut trailing_slash = HashMap::new();
        let mut layers: Vec<Lookup> = Vec::new();
        for (d, table) in served {
            for (name, invoker) in table {
                assert!(invokers.insert(name, invoker).is_none(), "operation {name} is in two traits");
            }
            let router = d.into_router();
            for (_, _, endpoint) in router.endpoints(None) {
                // The path as the trait declares it (the router's own form drops the slash).
                let path = &endpoint.path;
                assert!(
                    invokers.contains_key(endpoint.operation_id.as_str()),
                    "operation {} has no invoker",
                    endpoint.operation_id
                );
                let rest = path.ends_with(".*}");
                trailing_slash.insert(endpoint.operation_id.clone(), (!rest).then(|| path.len() > 1 && path.ends_with('/')));
            }
            layers.push(Box::new(move |method: &Method, path: &str| {
                router.lookup_route(method, path.into(), None).map(|r| r.endpoint).map_err(|e| e.status_code.as_u16())
            }));
        }
        Routes { layers, invokers, trailing_slash }
    })
}

/// What routing found for a request.
enum Found {
    Operation(RequestEndpointMetadata),
    /// A route has the path but not the method.
    PathOnly,
    Nothing,
}

impl Routes {
    fn find(&self, method: &Method, path: &str) -> Found {
        let slash = path.len() > 1 && path.ends_with('/');
        let mut path_only = false;
        for layer in &self.layers {
            match layer(method, path) {
                Ok(endpoint) => {
                    let declared = self.trailing_slash.get(&endpoint.operation_id).copied().flatten();
                    if declared.is_none_or(|d| d == slash) {
                        return Found::Operation(endpoint);
                    }
                }
                Err(405) => {
                    // Only a path the route really declares (trailing slash included).
                    path_only |= self.declares(layer, path, slash);
                }
                Err(_) => {}
            }
        }
        if path_only {
            Found::PathOnly
        } else {
            Found::Nothing
        }
    }

    /// Whether some method's route in `layer` matches `path` with its declared trailing slash.
    fn declares(&self, layer: &Lookup, path: &str, slash: bool) -> bool {
        METHODS.iter().any(|m| match layer(m, path) {
            Ok(endpoint) => self.trailing_slash.get(&endpoint.operation_id).copied().flatten().is_none_or(|d| d == slash),
            Err(_) => false,
        })
    }
}

/// Registers the front door: `/{path:.*}` for every method, unpublished.
pub fn api() -> ApiDescription<Arc<ServerContext>> {
    // Build the table now, so that a trait method without an invoker fails at start.
    let _ = routes();
    let mut api = ApiDescription::new();
    for method in METHODS {
        let operation_id = format!("front_door_{}", method.as_str().to_lowercase());
        let endpoint = ApiEndpoint::new(
            operation_id,
            front_door,
            method,
            "application/json",
            "/{path:.*}",
            ApiEndpointVersions::All,
        )
        // The matched operation's own limit applies (its metadata replaces this endpoint's);
        // this one only has to let any body through to it.
        .request_body_max_bytes(usize::MAX)
        .visible(false);
        api.register(endpoint).expect("the front door registers");
    }
    api
}

/// The catch-all path variable (unused: routing reads the request's own path).
#[derive(serde::Deserialize, schemars::JsonSchema)]
struct AnyPath {
    #[allow(dead_code)]
    path: Vec<String>,
}

async fn front_door(mut rqctx: Ctx, _path: dropshot::Path<AnyPath>, raw: RawRequest) -> Result<Response<Body>, Detail> {
    let request = raw.into_inner();
    let ctx = rqctx.context().clone();
    let cors = super::cors::Cors::of(&ctx, rqctx.request.headers());
    if let Some(preflight) = cors.as_ref().and_then(|c| c.preflight(rqctx.request.method(), rqctx.request.headers())) {
        return Ok(preflight);
    }
    let routes = routes();
    let method = request.method().clone();
    let path = request.uri().path();
    // socket.io's paths are no route's: not looked up.
    let found = (!is_socket_io(path)).then(|| match routes.find(&method, path) {
        // `ENABLE_ADMIN_ANALYTICS=false`: the reference does not mount the analytics router.
        Found::Operation(_) if analytics_unmounted(&ctx, path) => Found::Nothing,
        Found::PathOnly if method == Method::HEAD => mount_head(routes, path),
        found => found,
    });
    let mut response = match found {
        // The rest of the reference's `/ws` mount: python-engineio's `ASGIApp.not_found`.
        _ if path.starts_with("/ws/") && !is_socket_io(path) => ws_not_found(),
        None => socket_io(&ctx, request).await,
        Some(Found::Operation(endpoint)) => {
            let invoker = &routes.invokers[endpoint.operation_id.as_str()];
            rqctx.endpoint = endpoint;
            let changes = crate::app::session::cache::changes_sessions(&method, path);
            let response = invoker.call(rqctx, request).await.unwrap_or_else(error_response);
            if changes {
                crate::app::session::cache::changed(&ctx).await;
            }
            response
        }
        Some(Found::PathOnly | Found::Nothing) if method == Method::GET || method == Method::HEAD => {
            super::frontend::serve(&rqctx, super::frontend::Mount::Spa, segments(request.uri().path()))
                .await
                .unwrap_or_else(error_response)
        }
        Some(Found::PathOnly | Found::Nothing) => error_response(Detail::new(405, "Method Not Allowed")),
    };
    // `SecurityHeadersMiddleware`: the configured headers replace the route's own.
    for (name, value) in &ctx.config.security_headers {
        response.headers_mut().insert(name.clone(), value.clone());
    }
    if let Some(cors) = cors {
        cors.simple_response(&mut response);
    }
    Ok(response)
}

/// Whether `path` is under `/api/v1/analytics` with `ENABLE_ADMIN_ANALYTICS` off (the router not
/// mounted: such a path falls through to the web UI as any unknown one).
fn analytics_unmounted(ctx: &ServerContext, path: &str) -> bool {
    path.starts_with("/api/v1/analytics/") && !ctx.config.env_bool("ENABLE_ADMIN_ANALYTICS", true)
}

/// `HEAD` on a path whose `GET` is one of the web UI's routes: those are Starlette mounts in the
/// reference (`StaticFiles` at `/static`, `/pyodide`, and the SPA mount at `/` our prefixes split),
/// which answer `HEAD` as `GET` without the body, a missing file's 404 included. (A `GET` API
/// route's `HEAD` stays a partial match that loses to the SPA mount, as in the reference.)
fn mount_head(routes: &Routes, path: &str) -> Found {
    match routes.find(&Method::GET, path) {
        Found::Operation(endpoint) if endpoint.operation_id.starts_with("frontend_") => Found::Operation(endpoint),
        _ => Found::PathOnly,
    }
}

/// What the reference's `/ws` mount (the socket.io ASGI app, no other app behind it) answers any
/// method on a path under `/ws/` that is not socket.io's: 404 `text/plain` `Not Found`.
fn ws_not_found() -> Response<Body> {
    let mut rsp = Response::new(Body::from("Not Found"));
    *rsp.status_mut() = http::StatusCode::NOT_FOUND;
    rsp.headers_mut().insert(http::header::CONTENT_TYPE, http::HeaderValue::from_static("text/plain"));
    rsp
}

/// Whether socket.io serves `path` (the reference mounts its ASGI app there).
fn is_socket_io(path: &str) -> bool {
    path.strip_prefix(crate::socket::PATH).is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// Hands the request to socketioxide (Engine.IO's polling requests, and the websocket upgrade:
/// the request keeps hyper's upgrade handle, and dropshot serves connections with upgrades),
/// after the reference's own checks and with its wording of a session Engine.IO does not know
/// ([`crate::socket::gate`]). Its answer's body is read whole first (dropshot's `Body` needs a
/// `Sync` body; a polling answer is one batch of packets, bounded by `maxPayload`).
async fn socket_io(ctx: &ServerContext, request: http::Request<Body>) -> Response<Body> {
    use crate::socket::gate;
    use http_body_util::BodyExt;
    let refused = |r: gate::Refusal| {
        let mut rsp = Response::new(Body::from(r.body));
        *rsp.status_mut() = r.status;
        rsp.headers_mut().insert(http::header::CONTENT_TYPE, http::HeaderValue::from_static(r.content_type));
        rsp
    };
    let query = request.uri().query().unwrap_or("").to_owned();
    let (method, headers) = (request.method(), request.headers());
    if let Some(r) = gate::check(method, &query, headers, ctx.config.enable_websocket, &ctx.config.cors_allow_origin) {
        return refused(r);
    }
    let Some(svc) = ctx.sockets.service() else {
        return error_response(Detail::new(503, "Service Unavailable"));
    };
    let response = match hyper::service::Service::call(svc, request).await {
        Ok(r) => r,
        Err(e) => match e {},
    };
    let (parts, body) = response.into_parts();
    let bytes = body.collect().await.map(|b| b.to_bytes()).unwrap_or_else(|e| match e {});
    // socketioxide: 400 `{"code":"1","message":"Session ID unknown"}`.
    if parts.status == http::StatusCode::BAD_REQUEST && bytes.starts_with(br#"{"code":"1""#) {
        return refused(gate::unknown_session(&gate::sid(&query).unwrap_or_default()));
    }
    Response::from_parts(parts, Body::from(bytes))
}

/// The request path's segments, percent-decoded, as dropshot's router decodes them.
fn segments(path: &str) -> Vec<String> {
    path.split('/')
        .filter(|s| !s.is_empty())
        .map(|s| percent_encoding::percent_decode_str(s).decode_utf8_lossy().into_owned())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Starlette matches a route's declared path only: `/api/v1/users/` is not `/api/v1/users`.
    /// So each operation must declare its path with the reference's trailing slash (the
    /// published documents drop it, and cannot show a mismatch).
    #[test]
    fn paths_keep_the_references_trailing_slash() {
        let reference: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../spec/openapi/reference.json")).unwrap(),
        )
        .unwrap();
        let mut declared: HashMap<String, String> = HashMap::new();
        for path in reference["paths"].as_object().unwrap().keys() {
            declared.insert(path.trim_end_matches('/').to_string(), path.clone());
        }
        let mut wrong = vec![];
        for d in descriptions() {
            for (_, _, e) in d.into_router().endpoints(None) {
                if let Some(theirs) = declared.get(e.path.trim_end_matches('/')) {
                    if *theirs != e.path {
                        wrong.push(format!("{} {} (reference: {theirs})", e.method, e.path));
                    }
                }
            }
        }
        assert!(wrong.is_empty(), "declared without the reference's trailing slash: {wrong:?}");
    }

    /// The server serves every trait that has a document (`webui_api::API_DOCUMENTS`), each once.
    #[test]
    fn every_documented_trait_is_served() {
        let ops = |doc: &serde_json::Value| -> Vec<String> {
            let mut v: Vec<String> = doc["paths"]
                .as_object()
                .into_iter()
                .flat_map(|p| p.values())
                .flat_map(|item| item.as_object().into_iter().flat_map(|m| m.values()))
                .filter_map(|op| op["operationId"].as_str().map(str::to_owned))
                .collect();
            v.sort();
            v
        };
        let mut served: Vec<String> = documents().iter().flat_map(ops).collect();
        let mut documented: Vec<String> = webui_api::API_DOCUMENTS
            .iter()
            .map(|d| (d.describe)().unwrap().openapi(d.title, semver::Version::new(0, 12, 4)).json().unwrap())
            .flat_map(|d| ops(&d))
            .collect();
        served.sort();
        documented.sort();
        assert_eq!(served, documented);
        assert_eq!(descriptions().len(), webui_api::API_DOCUMENTS.len());
    }

    fn op(r: &Routes, method: Method, path: &str) -> Option<String> {
        match r.find(&method, path) {
            Found::Operation(e) => Some(e.operation_id),
            _ => None,
        }
    }

    #[test]
    fn literal_routes_win_and_unknown_paths_fall_through() {
        let r = routes();
        // A literal beats the variable beside it; another method of the literal's path reaches
        // the variable route (Starlette tries every route in order), a longer path too.
        assert_eq!(op(r, Method::GET, "/api/v1/users/all").as_deref(), Some("users_get_all"));
        assert_eq!(op(r, Method::GET, "/api/v1/users/u-1").as_deref(), Some("users_get_by_id"));
        assert_eq!(op(r, Method::DELETE, "/api/v1/users/all").as_deref(), Some("users_delete_by_id"));
        assert_eq!(op(r, Method::GET, "/api/v1/users/user/info").as_deref(), Some("users_get_info_by_session"));
        assert_eq!(op(r, Method::GET, "/api/v1/users/u-1/info").as_deref(), Some("users_get_info_by_id"));
        assert_eq!(op(r, Method::POST, "/oauth/backchannel-logout").as_deref(), Some("oauth_backchannel_logout"));
        assert_eq!(op(r, Method::GET, "/oauth/google/login").as_deref(), Some("oauth_login"));
        assert_eq!(op(r, Method::GET, "/oauth/clients/c1/authorize").as_deref(), Some("oauth_client_authorize"));
        assert!(matches!(r.find(&Method::GET, "/api/v1/auths/"), Found::Operation(_)));
        assert!(matches!(r.find(&Method::GET, "/api/v1/auths"), Found::Nothing));
        assert!(matches!(r.find(&Method::POST, "/api/v1/auths/"), Found::PathOnly));
        assert!(matches!(r.find(&Method::GET, "/api/v1/no-such-route"), Found::Nothing));
        assert!(matches!(r.find(&Method::GET, "/health/"), Found::Nothing));
    }
}
