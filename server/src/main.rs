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

#[tokio::main]
async fn main() {
    let config = server::config::Config::from_env().unwrap_or_else(|e| fail(e));
    let log = ConfigLogging::StderrTerminal { level: log_level(&config.log_level) }
        .to_logger("open-webui")
        .unwrap_or_else(|e| fail(format!("cannot set up logging: {e}")));
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
