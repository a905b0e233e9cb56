//! `/api/v1/models/export` (the reference's `routers/models.py::export_models`): the workspace
//! models a user may write, for moving them to another instance.

use dropshot::{HttpResponseOk, Query, RequestContext};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;

use crate::Detail;

/// `?ids=a&ids=b`: the models to export (all without it). A repeated key, which neither a query
/// struct nor dropshot (scalar query parameters only) takes: documented as one string, read
/// from the raw query by the handler.
#[derive(Debug, Default, JsonSchema)]
pub struct ModelExportQuery {
    #[schemars(with = "Option<String>")]
    pub ids: Option<()>,
}

impl<'de> Deserialize<'de> for ModelExportQuery {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        serde::de::IgnoredAny::deserialize(d)?;
        Ok(ModelExportQuery { ids: None })
    }
}

api_traits! {
/// The workspace models' export.
pub trait ModelsTransferApi in models_transfer_api_invokers {
    type Context: Send + Sync + 'static;

    /// The workspace models the user may write (every one for an admin), each a
    /// `ModelExportResponse` (`ModelModel` and `background_image_data`); with `ids`, exactly
    /// those or 403.
    #[endpoint { method = GET, path = "/api/v1/models/export", tags = ["models"] }]
    async fn models_export(
        rqctx: RequestContext<Self::Context>,
        query: Query<ModelExportQuery>,
    ) -> Result<HttpResponseOk<Vec<Value>>, Detail>;
}
}
