//! FastAPI's answer to a known path with an unserved method: 405 `{"detail":"Method Not
//! Allowed"}` (HEAD instead reaches the SPA mount, as on the reference). Dropshot's router would answer such requests itself, before any
//! handler, with its own `{"request_id","message"}` body; registering an unpublished handler for
//! every other method of every published path keeps the answer in our hands.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use dropshot::{ApiDescription, ApiEndpoint, ApiEndpointVersions, Body, Path, RequestContext};
use http::{Method, Response};
use schemars::schema::{InstanceType, ObjectValidation, Schema, SchemaObject};
use webui_api::Detail;

use crate::context::ServerContext;

const METHODS: [Method; 7] =
    [Method::GET, Method::POST, Method::PUT, Method::DELETE, Method::PATCH, Method::HEAD, Method::OPTIONS];

thread_local! {
    /// The path variables of the endpoint being built: dropshot asks the `Path` extractor's
    /// schema for them once, inside `ApiEndpoint::new`, and requires them to match the path.
    static VARS: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
}

/// Whatever path variables the current fallback's path has, all strings, never read.
#[derive(serde::Deserialize)]
#[serde(transparent)]
struct AnyPathVars(#[allow(dead_code)] HashMap<String, String>);

impl schemars::JsonSchema for AnyPathVars {
    fn schema_name() -> String {
        "AnyPathVars".into()
    }
    fn is_referenceable() -> bool {
        false
    }
    fn json_schema(generator: &mut schemars::r#gen::SchemaGenerator) -> Schema {
        let mut object = ObjectValidation::default();
        VARS.with(|v| {
            for name in v.borrow().iter() {
                object.properties.insert(name.clone(), generator.subschema_for::<String>());
                object.required.insert(name.clone());
            }
        });
        SchemaObject { instance_type: Some(InstanceType::Object.into()), object: Some(Box::new(object)), ..Default::default() }
            .into()
    }
}

/// HEAD on an API path: FastAPI's routes do not take HEAD, so the reference's request falls
/// through to the SPA mount at `/` (index.html's headers, or the file of that name).
async fn head_to_spa(
    rqctx: RequestContext<Arc<ServerContext>>,
    _vars: Path<AnyPathVars>,
) -> Result<Response<Body>, Detail> {
    let segments: Vec<String> = rqctx.request.uri().path().split('/').filter(|s| !s.is_empty()).map(String::from).collect();
    super::frontend::serve(&rqctx, super::frontend::Mount::Spa, segments).await
}

/// The answer to every method a path does not serve.
async fn method_not_allowed(
    _rqctx: RequestContext<Arc<ServerContext>>,
    _vars: Path<AnyPathVars>,
) -> Result<Response<Body>, Detail> {
    Err(Detail::new(405, "Method Not Allowed"))
}

/// Registers [`method_not_allowed`] for every method of every published path that has no
/// handler. Paths come from the API's own OpenAPI document, so new routes are covered the day
/// they land.
pub fn register_method_fallbacks(api: &mut ApiDescription<Arc<ServerContext>>) {
    let doc = webui_api::webui_api_mod::stub_api_description()
        .expect("the API trait's endpoints register")
        .openapi("fallbacks", semver::Version::new(0, 0, 0))
        .json()
        .expect("the API description serialises");
    let mut served: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    if let Some(paths) = doc.get("paths").and_then(|p| p.as_object()) {
        for (path, item) in paths {
            let methods = item.as_object().map(|o| o.keys().map(|k| k.to_ascii_uppercase()).collect()).unwrap_or_default();
            served.insert(path.clone(), methods);
        }
    }
    for (path, methods) in served {
        let vars: Vec<String> = path
            .split('/')
            .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
            .map(|s| s.split(':').next().unwrap_or(s).to_string())
            .collect();
        VARS.with(|v| *v.borrow_mut() = vars.clone());
        for method in METHODS.iter().filter(|m| !methods.contains(m.as_str())) {
            let operation_id = format!("method_not_allowed_{}_{}", method.as_str().to_lowercase(), path);
            let endpoint = if *method == Method::HEAD {
                ApiEndpoint::new(operation_id, head_to_spa, method.clone(), "application/json", &path, ApiEndpointVersions::All)
            } else {
                ApiEndpoint::new(operation_id, method_not_allowed, method.clone(), "application/json", &path, ApiEndpointVersions::All)
            }
            .visible(false);
            // A method served by an unpublished endpoint is already registered; that error is fine.
            let _ = api.register(endpoint);
        }
    }
}
