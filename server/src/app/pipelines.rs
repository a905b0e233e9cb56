//! `/api/v1/pipelines` (`routers/pipelines.py`): which OpenAI connections are Pipelines
//! servers (their `/models` answer has a `pipelines` key).

use webui_api::pipelines::{PipelinesList, PipelinesServer};

use crate::app::connections::{api_config, fit_keys, get_json, headers_for, model_list_timeout, openai_runtime};
use crate::app::session::{truthy, SessionUser};
use crate::context::ServerContext;

/// `GET /api/v1/pipelines/list` (`get_pipelines_list` over `get_all_models_responses`): each
/// enabled connection without a fixed model list is asked `{url}/models` (as the model list asks
/// them; the answers are not cached), and those that answer with `pipelines` are listed.
pub async fn list(ctx: &ServerContext, user: &SessionUser) -> PipelinesList {
    let rt = openai_runtime(ctx);
    if !rt.enable {
        return PipelinesList { data: Vec::new() };
    }
    let keys = fit_keys(rt.keys.clone(), rt.urls.len());
    let timeout = model_list_timeout(ctx);
    let asks = rt.urls.iter().enumerate().map(|(idx, url)| {
        let cfg = api_config(&rt.configs, idx, url);
        let ask = match cfg {
            None => true,
            Some(c) => c.get("enable").is_none_or(|e| truthy(Some(e))) && c.get("model_ids").is_none_or(|m| !truthy(Some(m))),
        };
        let headers = headers_for(url, Some(&keys[idx]), cfg, Some(user));
        async move {
            match ask {
                true => get_json(&format!("{url}/models"), headers, timeout).await,
                false => None,
            }
        }
    });
    let answers = futures::future::join_all(asks).await;
    let data = answers
        .iter()
        .enumerate()
        .filter(|(_, a)| a.as_ref().and_then(|a| a.as_object()).is_some_and(|o| o.contains_key("pipelines")))
        .map(|(idx, _)| PipelinesServer { url: rt.urls[idx].clone(), idx: idx as i64 })
        .collect();
    PipelinesList { data }
}
