//! `server`: runs the backend with the reference's environment variables (see README).

use dropshot::{ConfigLogging, ConfigLoggingLevel};

fn log_level(name: &str) -> ConfigLoggingLevel {
    match name.to_ascii_uppercase().as_str() {
        "TRACE" => ConfigLoggingLevel::Trace,
        "DEBUG" => ConfigLoggingLevel::Debug,
        "WARNING" | "WARN" => ConfigLoggingLevel::Warn,
        "ERROR" => ConfigLoggingLevel::Error,
        "CRITICAL" => ConfigLoggingLevel::Critical,
        _ => ConfigLoggingLevel::Info,
    }
}

fn fail(msg: impl std::fmt::Display) -> ! {
    eprintln!("error: {msg}");
    std::process::exit(1);
}

/// `server mfa reset EMAIL --reason REASON` (the reference's `open-webui mfa reset`): clears the
/// account's authenticator and prints a one-time recovery token (30 minutes) to hand to the
/// verified user, who redeems it at the `recover` step of their next sign-in.
async fn mfa_reset(config: server::config::Config, log: &slog::Logger, args: &[String]) {
    let usage = "usage: server mfa reset EMAIL --reason REASON";
    let (mut email, mut reason) = (None, None);
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--reason" => reason = it.next().cloned(),
            r if r.starts_with("--reason=") => reason = Some(r["--reason=".len()..].to_string()),
            e if email.is_none() => email = Some(e.to_string()),
            _ => fail(usage),
        }
    }
    let (Some(email), Some(reason)) = (email, reason) else { fail(usage) };
    let opened = server::open(config, log).await.unwrap_or_else(|e| fail(e));
    let result = server::app::mfa::reset(&opened.ctx, &email, &reason).await;
    if let Some(c) = opened.cluster {
        c.stop().await;
    }
    match result {
        Ok(ticket) => {
            println!("Recovery token (expires in 30 minutes; deliver securely to the verified user):");
            println!("{ticket}");
        }
        Err(e) => {
            eprintln!("Reset failed: {e}");
            std::process::exit(1);
        }
    }
}

fn main() {
    limit_malloc_arenas();
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| fail(format!("cannot start the async runtime: {e}")))
        .block_on(serve())
}

/// At most one glibc malloc arena per core (glibc's default is eight per core), unless
/// `MALLOC_ARENA_MAX` says otherwise. Each arena keeps the pages its threads touched: the blocking
/// thread that parses the 1.5 MB changelog at start left an arena with 8 MB resident that
/// `malloc_trim` cannot return, because objects made during the parse (the static regexes'
/// programs, the cached answer) stay live in it. Measured on a 2-core machine, release build, web UI
/// served, after 5 s idle (`/proc/PID/status`): 31.9 MB RSS / 12.0 MB anonymous with the default,
/// 27.5 / 7.6 with two arenas (issue 15). Called before any thread exists.
fn limit_malloc_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    if std::env::var_os("MALLOC_ARENA_MAX").is_none() {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get()).max(2);
        // SAFETY: mallopt only sets the allocator's tuning parameter; no thread has started yet.
        unsafe {
            libc::mallopt(libc::M_ARENA_MAX, cores as libc::c_int);
        }
    }
}

async fn serve() {
    let config = server::config::Config::from_env().unwrap_or_else(|e| fail(e));
    let log = ConfigLogging::StderrTerminal { level: log_level(&config.log_level) }
        .to_logger("open-webui")
        .unwrap_or_else(|e| fail(format!("cannot set up logging: {e}")));
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("mfa") && args.get(1).map(String::as_str) == Some("reset") {
        return mfa_reset(config, &log, &args[2..]).await;
    }
    let running = server::start(config, &log).await.unwrap_or_else(|e| fail(e));
    slog::info!(log, "listening"; "address" => %running.local_addr());

    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .unwrap_or_else(|e| fail(format!("cannot handle SIGTERM: {e}")));
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
    slog::info!(log, "shutting down");
    running.stop().await;
}
