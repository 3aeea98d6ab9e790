//! The Structured Streaming monitoring page (Spark UI's streaming tab, for ember): one process-wide HTTP server,
//! started lazily by the first query start or the first `uiWebUrl` lookup, serving a self-contained HTML page and
//! the JSON it polls. Bound to loopback unless `spark.ui.host` / `spark.driver.bindAddress` names another address.
pub mod api;
pub mod http;
pub mod retained;
pub mod server;

use std::sync::Mutex;

use crate::session::Session;
use server::UiServer;

/// The running server, if any (one per process, as Spark has one UI per SparkContext).
static UI: Mutex<Option<UiServer>> = Mutex::new(None);

/// Spark's `spark.port.maxRetries` default: ports tried after `spark.ui.port` when it is taken.
const DEFAULT_PORT_RETRIES: u16 = 16;

/// Where the page listens, from the session's conf (None when `spark.ui.enabled` is false).
#[derive(Debug, Clone, PartialEq)]
pub struct UiSettings {
    pub host: String,
    pub port: u16,
    pub retries: u16,
}

impl UiSettings {
    pub fn from_conf(get: impl Fn(&str) -> Option<String>) -> Option<UiSettings> {
        if get("spark.ui.enabled").is_some_and(|v| v.trim().eq_ignore_ascii_case("false")) {
            return None;
        }
        let host = get("spark.ui.host")
            .or_else(|| get("spark.driver.bindAddress"))
            .map(|h| h.trim().to_string())
            .filter(|h| !h.is_empty())
            .unwrap_or_else(|| "127.0.0.1".to_string());
        let port = get("spark.ui.port").and_then(|p| p.trim().parse().ok()).unwrap_or(4040);
        let retries = get("spark.port.maxRetries").and_then(|p| p.trim().parse().ok()).unwrap_or(DEFAULT_PORT_RETRIES);
        Some(UiSettings { host, port, retries })
    }
}

/// Start the page if the session's conf enables it and it is not running yet; its URL (None when disabled or
/// when no port could be bound — the query runs without a page, as a failed bind is no reason to fail it).
pub fn ensure_started(session: &Session) -> Option<String> {
    start_with(UiSettings::from_conf(|k| session.conf_get(k))?)
}

/// `ensure_started` on a helper thread: a query's start does not wait for the bind and the server thread's spawn.
pub fn start_in_background(session: &Session) {
    let Some(settings) = UiSettings::from_conf(|k| session.conf_get(k)) else { return };
    if UI.lock().unwrap().is_some() {
        return;
    }
    // No thread to spare is no reason to fail the query: the page starts with the next query or uiWebUrl.
    let _ = std::thread::Builder::new().name("ember-ui-start".into()).spawn(move || start_with(settings));
}

fn start_with(settings: UiSettings) -> Option<String> {
    let mut ui = UI.lock().unwrap();
    if let Some(server) = ui.as_ref() {
        return Some(server.url());
    }
    match UiServer::start(&settings) {
        Ok(server) => {
            let url = server.url();
            *ui = Some(server);
            Some(url)
        }
        Err(e) => {
            eprintln!("WARN the streaming monitoring page could not start: {e}");
            None
        }
    }
}

/// The page's URL if it is running.
pub fn url() -> Option<String> {
    UI.lock().unwrap().as_ref().map(UiServer::url)
}

/// Stop the page (session stop); the next query start or `uiWebUrl` starts a new one.
pub fn stop() {
    let server = UI.lock().unwrap().take();
    if let Some(server) = server {
        server.stop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(pairs: &[(&str, &str)]) -> Option<UiSettings> {
        UiSettings::from_conf(|k| pairs.iter().find(|(key, _)| *key == k).map(|(_, v)| v.to_string()))
    }

    #[test]
    fn loopback_and_4040_by_default() {
        assert_eq!(settings(&[]), Some(UiSettings { host: "127.0.0.1".into(), port: 4040, retries: 16 }));
        assert_eq!(settings(&[("spark.ui.enabled", "false")]), None);
        let s = settings(&[("spark.driver.bindAddress", "0.0.0.0"), ("spark.ui.port", "5050")]).unwrap();
        assert_eq!((s.host.as_str(), s.port), ("0.0.0.0", 5050));
        let s = settings(&[("spark.driver.bindAddress", "0.0.0.0"), ("spark.ui.host", "::1")]).unwrap();
        assert_eq!(s.host, "::1");
    }
}
