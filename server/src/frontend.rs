//! The stock web UI: open-webui 0.12.4's frontend build, the wheel's `static/` directory and
//! upstream's `CHANGELOG.md`, found on disk or fetched once from PyPI.
//!
//! Where they come from, first match wins:
//! 1. `FRONTEND_BUILD_DIR` (the reference's variable) names the build; `static/` and
//!    `CHANGELOG.md` are taken from beside it (the wheel's `open_webui/` layout), else from the
//!    cache directory. A `FRONTEND_BUILD_DIR` that does not exist means "API only", as in the
//!    reference (no download).
//! 2. The cache directory (`OWUI_FRONTEND_DIR`, default `~/.cache/owui-rs/webui-0.12.4`):
//!    `frontend/`, `static/`, `CHANGELOG.md`, as `tools/frontend ensure` leaves them.
//! 3. Neither: a background task downloads the open-webui 0.12.4 wheel from PyPI (checking the
//!    sha256 PyPI lists), unpacks those three paths into the cache directory and switches the
//!    UI on. With `OFFLINE_MODE=true`, or when that fails, the server goes on serving the API
//!    and logs how to get the UI.
//!
//! The changelog is parsed once per process and file, off the request path.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, LazyLock, Mutex, RwLock};

use serde_json::Value;
use slog::{info, warn, Logger};

use crate::config::Config;

/// What the web UI answers with right now.
#[derive(Clone)]
pub enum State {
    /// Being fetched from PyPI: bytes received, of `total`.
    Downloading { received: u64, total: u64 },
    /// On disk and served.
    Ready(Arc<Build>),
    /// Not available: the server answers the API only.
    Missing,
}

/// A web UI build on disk.
#[derive(Debug)]
pub struct Build {
    /// The build (index.html, `_app/`, `static/`, `pyodide/`, ...), canonical.
    pub root: PathBuf,
    /// Where `/static/...` is looked up, in order (canonical): the build's `static/` (what the
    /// reference copies into its STATIC_DIR at start), then the wheel's `static/` (which keeps
    /// `swagger-ui/` there).
    pub static_dirs: Vec<PathBuf>,
    /// Upstream's CHANGELOG.md, when found.
    pub changelog: Option<PathBuf>,
}

pub struct Frontend {
    log: Logger,
    state: RwLock<State>,
    cache_dir: PathBuf,
    /// `FRONTEND_BUILD_DIR`, when set.
    explicit: Option<PathBuf>,
}

impl Frontend {
    /// Looks for the build (a few `stat`s); see the module documentation for the order.
    pub fn locate(config: &Config, log: Logger) -> Arc<Frontend> {
        let f = Frontend {
            log,
            state: RwLock::new(State::Missing),
            cache_dir: config.frontend_cache_dir.clone(),
            explicit: config.frontend_build_dir.clone(),
        };
        if let Some(build) = f.find() {
            info!(f.log, "serving the web UI"; "dir" => %build.root.display());
            *f.state.write().unwrap() = State::Ready(Arc::new(build));
        }
        Arc::new(f)
    }

    /// The current state.
    pub fn state(&self) -> State {
        self.state.read().unwrap().clone()
    }

    /// The build, when it is there.
    pub fn build(&self) -> Option<Arc<Build>> {
        match &*self.state.read().unwrap() {
            State::Ready(b) => Some(b.clone()),
            _ => None,
        }
    }

    fn find(&self) -> Option<Build> {
        let (root, beside) = match &self.explicit {
            // Only a directory laid out as the wheel's `open_webui/` (or our cache) lends its
            // `static/` and `CHANGELOG.md`: never an unrelated `static/` next to the build.
            Some(dir) => (dir.clone(), dir.parent().filter(|p| p.join("CHANGELOG.md").is_file()).map(Path::to_path_buf)),
            None => (self.cache_dir.join("frontend"), None),
        };
        if !root.join("index.html").is_file() {
            return None;
        }
        let root = std::fs::canonicalize(&root).ok()?;
        let mut static_dirs = vec![root.join("static")];
        let mut changelog = None;
        for dir in beside.iter().chain(std::iter::once(&self.cache_dir)) {
            if static_dirs.len() == 1 && dir.join("static").is_dir() {
                static_dirs.push(dir.join("static"));
            }
            if changelog.is_none() && dir.join("CHANGELOG.md").is_file() {
                changelog = Some(dir.join("CHANGELOG.md"));
            }
        }
        let static_dirs = static_dirs.into_iter().filter_map(|d| std::fs::canonicalize(d).ok()).collect();
        Some(Build { root, static_dirs, changelog })
    }

    /// After start-up: parses the changelog ahead of the first request, or fetches the UI
    /// when it is missing (unless `OFFLINE_MODE`).
    pub fn start_background(self: &Arc<Self>, config: &Config) {
        match self.state() {
            State::Ready(build) => {
                if let Some(path) = build.changelog.clone() {
                    tokio::spawn(async move {
                        changelog_for(&path).await;
                    });
                }
            }
            State::Downloading { .. } => {}
            State::Missing => {
                if let Some(dir) = &self.explicit {
                    warn!(self.log, "Frontend build directory not found at '{}'. Serving API only.", dir.display());
                } else if config.offline_mode {
                    self.log_how_to_get_it("OFFLINE_MODE is set");
                } else {
                    *self.state.write().unwrap() = State::Downloading { received: 0, total: 0 };
                    let this = self.clone();
                    tokio::spawn(async move {
                        match this.download().await {
                            Ok(()) => match this.find() {
                                Some(build) => {
                                    info!(this.log, "serving the web UI"; "dir" => %build.root.display());
                                    let path = build.changelog.clone();
                                    *this.state.write().unwrap() = State::Ready(Arc::new(build));
                                    if let Some(path) = path {
                                        changelog_for(&path).await;
                                    }
                                }
                                None => {
                                    *this.state.write().unwrap() = State::Missing;
                                    this.log_how_to_get_it("the download left no build");
                                }
                            },
                            Err(e) => {
                                *this.state.write().unwrap() = State::Missing;
                                this.log_how_to_get_it(&format!("cannot download it: {e}"));
                            }
                        }
                    });
                }
            }
        }
    }

    fn log_how_to_get_it(&self, why: &str) {
        warn!(
            self.log,
            "the web UI (open-webui {} frontend) is not installed ({why}); serving the API only. \
             To get it: run `tools/frontend ensure` (fills {}), or set FRONTEND_BUILD_DIR to a build, then restart",
            webui_api::UPSTREAM_VERSION,
            self.cache_dir.display()
        );
    }

    /// `GET /api/changelog`'s answer: the first five versions, or `{}` without a changelog.
    pub async fn changelog(&self) -> Value {
        match self.build().and_then(|b| b.changelog.clone()) {
            Some(path) => changelog_for(&path).await.as_ref().clone(),
            None => Value::Object(Default::default()),
        }
    }

    /// Fetches the wheel into the cache directory (under the lock `tools/frontend` takes).
    async fn download(&self) -> Result<(), String> {
        let parent = self.cache_dir.parent().ok_or("the cache directory has no parent")?.to_path_buf();
        std::fs::create_dir_all(&parent).map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
        let lock_path = with_suffix(&self.cache_dir, ".lock");
        let lock = tokio::task::spawn_blocking(move || {
            let file = std::fs::OpenOptions::new()
                .create(true)
                .truncate(false)
                .write(true)
                .open(&lock_path)
                .map_err(|e| format!("cannot open {}: {e}", lock_path.display()))?;
            nix::fcntl::Flock::lock(file, nix::fcntl::FlockArg::LockExclusive)
                .map_err(|(_, e)| format!("cannot lock {}: {e}", lock_path.display()))
        })
        .await
        .map_err(|e| e.to_string())??;
        if self.find().is_some() {
            // Another process (tools/frontend, another server) got it meanwhile.
            return Ok(());
        }
        let wheel = self.fetch_wheel().await?;
        let unpack_to = with_suffix(&self.cache_dir, &format!(".tmp.{}", std::process::id()));
        let cache_dir = self.cache_dir.clone();
        let log = self.log.clone();
        let result = tokio::task::spawn_blocking(move || -> Result<(), String> {
            info!(log, "unpacking the web UI"; "into" => %cache_dir.display());
            let _ = std::fs::remove_dir_all(&unpack_to);
            unpack_wheel(&wheel, &unpack_to)?;
            let _ = std::fs::remove_file(&wheel);
            if cache_dir.exists() || cache_dir.is_symlink() {
                let old = with_suffix(&cache_dir, &format!(".old.{}", std::process::id()));
                std::fs::rename(&cache_dir, &old).map_err(|e| format!("cannot move {} aside: {e}", cache_dir.display()))?;
                let _ = std::fs::remove_dir_all(&old);
            }
            std::fs::rename(&unpack_to, &cache_dir).map_err(|e| format!("cannot rename into {}: {e}", cache_dir.display()))
        })
        .await
        .map_err(|e| e.to_string())?;
        drop(lock);
        result
    }

    /// Downloads the wheel PyPI lists for this version to a file beside the cache directory,
    /// checking its sha256.
    async fn fetch_wheel(&self) -> Result<PathBuf, String> {
        use futures::StreamExt;
        use sha2::Digest;

        let version = webui_api::UPSTREAM_VERSION;
        let client = reqwest::Client::builder()
            .connect_timeout(std::time::Duration::from_secs(15))
            .read_timeout(std::time::Duration::from_secs(60))
            .user_agent(concat!("open-webui-rs/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| e.to_string())?;
        // The release's JSON; some PyPI mirrors answer only the project's (every release).
        let mut meta = None;
        for api in [format!("https://pypi.org/pypi/open-webui/{version}/json"), "https://pypi.org/pypi/open-webui/json".to_string()] {
            info!(self.log, "asking PyPI for the web UI"; "url" => &api);
            match client.get(&api).send().await.and_then(|r| r.error_for_status()) {
                Ok(resp) => {
                    let body: Value = resp.json().await.map_err(|e| format!("{api}: {e}"))?;
                    meta = Some((api, body));
                    break;
                }
                Err(e) => info!(self.log, "no answer there"; "url" => &api, "error" => %e),
            }
        }
        let (api, meta) = meta.ok_or("PyPI cannot be reached")?;
        let files = meta.get("releases").and_then(|r| r.get(version)).or_else(|| meta.get("urls"));
        let wheel = files
            .and_then(Value::as_array)
            .and_then(|fs| fs.iter().find(|f| f["packagetype"] == "bdist_wheel"))
            .ok_or_else(|| format!("PyPI lists no wheel of open-webui {version}"))?;
        let (Some(url), Some(sha256), Some(name)) =
            (wheel["url"].as_str(), wheel["digests"]["sha256"].as_str(), wheel["filename"].as_str())
        else {
            return Err("PyPI's wheel entry lacks url, sha256 or filename".into());
        };
        let url = reqwest::Url::parse(&api).and_then(|base| base.join(url)).map_err(|e| format!("wheel URL {url}: {e}"))?;
        let path = with_suffix(&self.cache_dir, &format!(".download.{}.whl", std::process::id()));
        let resp = client.get(url.clone()).send().await.and_then(|r| r.error_for_status()).map_err(|e| format!("{url}: {e}"))?;
        let total = resp.content_length().or_else(|| wheel["size"].as_u64()).unwrap_or(0);
        info!(self.log, "downloading the web UI"; "file" => name, "bytes" => total, "url" => %url);
        let mut file = std::fs::File::create(&path).map_err(|e| format!("cannot create {}: {e}", path.display()))?;
        let mut hasher = sha2::Sha256::new();
        let mut received: u64 = 0;
        let mut next_report = 10;
        let mut body = resp.bytes_stream();
        while let Some(chunk) = body.next().await {
            let chunk = chunk.map_err(|e| format!("{url}: {e}"))?;
            hasher.update(&chunk);
            file.write_all(&chunk).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
            received += chunk.len() as u64;
            *self.state.write().unwrap() = State::Downloading { received, total };
            if total > 0 && received * 100 / total >= next_report {
                info!(self.log, "downloading the web UI"; "percent" => next_report, "bytes" => received);
                next_report += 10;
            }
        }
        file.flush().map_err(|e| e.to_string())?;
        drop(file);
        let got = hex::encode(hasher.finalize());
        if !got.eq_ignore_ascii_case(sha256) {
            let _ = std::fs::remove_file(&path);
            return Err(format!("sha256 of {name} is {got}, PyPI lists {sha256}"));
        }
        info!(self.log, "downloaded the web UI; sha256 matches PyPI"; "file" => name);
        Ok(path)
    }
}

/// `path` with `suffix` appended to its last component.
fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

/// Unpacks `open_webui/frontend/`, `open_webui/static/` and `open_webui/CHANGELOG.md` of the
/// wheel into `dir` (as `frontend/`, `static/`, `CHANGELOG.md`).
fn unpack_wheel(wheel: &Path, dir: &Path) -> Result<(), String> {
    let file = std::fs::File::open(wheel).map_err(|e| format!("cannot open {}: {e}", wheel.display()))?;
    let mut zip = zip::ZipArchive::new(std::io::BufReader::new(file)).map_err(|e| format!("{}: {e}", wheel.display()))?;
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).map_err(|e| e.to_string())?;
        if entry.is_dir() {
            continue;
        }
        // `enclosed_name` refuses absolute paths and `..`.
        let Some(name) = entry.enclosed_name() else { continue };
        let target = if let Ok(rest) = name.strip_prefix("open_webui/frontend") {
            dir.join("frontend").join(rest)
        } else if let Ok(rest) = name.strip_prefix("open_webui/static") {
            dir.join("static").join(rest)
        } else if name == Path::new("open_webui/CHANGELOG.md") {
            dir.join("CHANGELOG.md")
        } else {
            continue;
        };
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
        }
        let mut out = std::fs::File::create(&target).map_err(|e| format!("cannot create {}: {e}", target.display()))?;
        std::io::copy(&mut entry, &mut out).map_err(|e| format!("cannot write {}: {e}", target.display()))?;
    }
    if !dir.join("frontend/index.html").is_file() {
        return Err("the wheel has no open_webui/frontend/index.html".into());
    }
    Ok(())
}

/// Hands the memory freed so far back to the system. Parsing the 1.5 MB changelog (markdown, then
/// HTML, then the five versions kept) peaks at about 17 MB on a blocking thread; glibc keeps what
/// that thread's arena freed, so without this the server idles at 38 MB RSS with the web UI instead
/// of 21 MB (issue 15; measured with `/proc/PID/status` after 4 s idle).
fn release_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only walks the allocator's own free lists.
    unsafe {
        libc::malloc_trim(0);
    }
}

type Parsed = Arc<tokio::sync::OnceCell<Arc<Value>>>;

/// The served changelog of the file at `path`, parsed once per process (on a blocking thread).
async fn changelog_for(path: &Path) -> Arc<Value> {
    static PARSED: LazyLock<Mutex<HashMap<PathBuf, Parsed>>> = LazyLock::new(Default::default);
    let cell = PARSED.lock().unwrap().entry(path.to_path_buf()).or_default().clone();
    cell.get_or_init(|| async {
        let path = path.to_path_buf();
        let parsed = tokio::task::spawn_blocking(move || {
            let served = match std::fs::read_to_string(&path) {
                Ok(text) => crate::changelog::served(&crate::changelog::parse(&text)),
                // The reference falls back to an empty changelog when it cannot read the file.
                Err(_) => Value::Object(Default::default()),
            };
            release_freed_memory();
            served
        })
        .await
        .unwrap_or_else(|_| Value::Object(Default::default()));
        Arc::new(parsed)
    })
    .await
    .clone()
}
