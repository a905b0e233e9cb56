//! Hand-written calls for the operations progenitor cannot generate: the reference's
//! `multipart/form-data` routes. The converted document lists them under `x-set-aside`; the
//! method names are the `operationId`s given there, so they read like the generated ones.
//!
//! | Method | Route |
//! |---|---|
//! | [`Client::files_upload`] | `POST /api/v1/files/` |
//! | [`Client::audio_transcription`] | `POST /api/v1/audio/transcriptions` |
//! | [`Client::skills_preview_import`] | `POST /api/v1/skills/import/preview` |
//! | [`Client::skills_import`] | `POST /api/v1/skills/import` |
//! | [`Client::pipelines_upload`] | `POST /api/v1/pipelines/upload` |
//! | [`Client::ollama_upload_model`] | `POST /ollama/models/upload` |
//! | [`Client::ollama_upload_model_by_url_idx`] | `POST /ollama/models/upload/{url_idx}` |
//!
//! The two `OPTIONS` routes of the terminal proxy are set aside too (reqwest has no `options()`
//! shortcut); send them with `client.client().request(Method::OPTIONS, ..)` if ever needed.

use progenitor_client::{encode_path, ClientHooks, ClientInfo, OperationInfo};
use serde::de::DeserializeOwned;

use crate::{types, Client, Error, ResponseValue};

/// One file of a multipart upload.
#[derive(Clone, Debug)]
pub struct FilePart {
    pub file_name: String,
    /// The part's `Content-Type`; the server guesses from the name when absent.
    pub content_type: Option<String>,
    pub bytes: Vec<u8>,
}

impl FilePart {
    pub fn new(file_name: impl Into<String>, bytes: impl Into<Vec<u8>>) -> Self {
        Self { file_name: file_name.into(), content_type: None, bytes: bytes.into() }
    }

    pub fn content_type(mut self, content_type: impl Into<String>) -> Self {
        self.content_type = Some(content_type.into());
        self
    }

    fn into_part<E>(self) -> Result<reqwest::multipart::Part, Error<E>> {
        let part = reqwest::multipart::Part::bytes(self.bytes).file_name(self.file_name);
        match self.content_type {
            Some(ct) => part.mime_str(&ct).map_err(|e| Error::InvalidRequest(format!("content type {ct:?}: {e}"))),
            None => Ok(part),
        }
    }
}

type Answer<T> = Result<ResponseValue<T>, Error<types::HttpValidationError>>;

impl Client {
    /// `POST /api/v1/files/`: uploads a file (the reference's `upload_file`). `metadata` goes
    /// as a JSON form field; `process` (default true) extracts the text for retrieval,
    /// `process_in_background` (default true) answers before processing finishes.
    pub async fn files_upload(
        &self,
        file: FilePart,
        metadata: Option<&serde_json::Value>,
        process: Option<bool>,
        process_in_background: Option<bool>,
    ) -> Answer<types::FileModelResponse> {
        let mut form = reqwest::multipart::Form::new().part("file", file.into_part()?);
        if let Some(m) = metadata {
            form = form.text("metadata", m.to_string());
        }
        let mut query = Vec::new();
        if let Some(p) = process {
            query.push(("process", p.to_string()));
        }
        if let Some(p) = process_in_background {
            query.push(("process_in_background", p.to_string()));
        }
        self.send_multipart("files_upload", "/api/v1/files/", &query, form).await
    }

    /// `POST /api/v1/audio/transcriptions`: speech to text for an audio file.
    pub async fn audio_transcription(&self, file: FilePart, language: Option<&str>) -> Answer<serde_json::Value> {
        let mut form = reqwest::multipart::Form::new().part("file", file.into_part()?);
        if let Some(l) = language {
            form = form.text("language", l.to_owned());
        }
        self.send_multipart("audio_transcription", "/api/v1/audio/transcriptions", &[], form).await
    }

    /// `POST /api/v1/skills/import/preview`: what importing these skill files would do.
    pub async fn skills_preview_import(&self, files: Vec<FilePart>) -> Answer<serde_json::Value> {
        let mut form = reqwest::multipart::Form::new();
        for f in files {
            form = form.part("files", f.into_part()?);
        }
        self.send_multipart("skills_preview_import", "/api/v1/skills/import/preview", &[], form).await
    }

    /// `POST /api/v1/skills/import`: imports skill files; `decisions` is the JSON the preview
    /// step's answers produce.
    pub async fn skills_import(&self, files: Vec<FilePart>, decisions: &str) -> Answer<serde_json::Value> {
        let mut form = reqwest::multipart::Form::new();
        for f in files {
            form = form.part("files", f.into_part()?);
        }
        form = form.text("decisions", decisions.to_owned());
        self.send_multipart("skills_import", "/api/v1/skills/import", &[], form).await
    }

    /// `POST /api/v1/pipelines/upload`: uploads a pipeline file to the pipelines server at
    /// `url_idx`.
    pub async fn pipelines_upload(&self, url_idx: i64, file: FilePart) -> Answer<serde_json::Value> {
        let form = reqwest::multipart::Form::new().text("urlIdx", url_idx.to_string()).part("file", file.into_part()?);
        self.send_multipart("pipelines_upload", "/api/v1/pipelines/upload", &[], form).await
    }

    /// `POST /ollama/models/upload`: uploads a GGUF model to an Ollama server (the first one,
    /// or `url_idx`).
    pub async fn ollama_upload_model(&self, url_idx: Option<i64>, file: FilePart) -> Answer<serde_json::Value> {
        let form = reqwest::multipart::Form::new().part("file", file.into_part()?);
        let query: Vec<(&str, String)> = url_idx.map(|i| ("url_idx", i.to_string())).into_iter().collect();
        self.send_multipart("ollama_upload_model", "/ollama/models/upload", &query, form).await
    }

    /// `POST /ollama/models/upload/{url_idx}`: as [`Client::ollama_upload_model`], with the
    /// server index in the path.
    pub async fn ollama_upload_model_by_url_idx(&self, url_idx: i64, file: FilePart) -> Answer<serde_json::Value> {
        let form = reqwest::multipart::Form::new().part("file", file.into_part()?);
        let path = format!("/ollama/models/upload/{}", encode_path(&url_idx.to_string()));
        self.send_multipart("ollama_upload_model_by_url_idx", &path, &[], form).await
    }

    /// Sends a multipart POST the way generated methods send theirs (hooks included) and maps
    /// the answer like they do: 200 is `T`, 422 FastAPI's validation error, anything else
    /// `Error::UnexpectedResponse`.
    async fn send_multipart<T: DeserializeOwned>(
        &self,
        operation_id: &'static str,
        path: &str,
        query: &[(&str, String)],
        form: reqwest::multipart::Form,
    ) -> Answer<T> {
        let url = format!("{}{}", self.baseurl(), path);
        let mut request = self
            .client()
            .post(url)
            .header(reqwest::header::ACCEPT, reqwest::header::HeaderValue::from_static("application/json"))
            .query(query)
            .multipart(form)
            .build()?;
        let info = OperationInfo { operation_id };
        self.pre(&mut request, &info).await?;
        let result = self.exec(request, &info).await;
        self.post(&result, &info).await?;
        let response = result?;
        match response.status().as_u16() {
            200u16 => ResponseValue::from_response(response).await,
            422u16 => Err(Error::ErrorResponse(ResponseValue::from_response(response).await?)),
            _ => Err(Error::UnexpectedResponse(response)),
        }
    }
}
