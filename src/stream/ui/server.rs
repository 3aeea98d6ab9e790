//! The page's server: a loopback (by default) TCP listener on its own thread, answering one connection at a time
//! (the page's polls are small and a browser's few connections queue in the backlog).
use std::io::ErrorKind;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use crate::error::{EmberError, Result};
use crate::stream::ui::{api, http, UiSettings};

/// The page: inline script, style and SVG charts, nothing fetched from elsewhere.
const PAGE: &str = include_str!("page.html");

/// How often the accept loop looks at the stop flag when no one connects.
const IDLE_POLL: Duration = Duration::from_millis(50);
/// A client that sends nothing for this long is dropped, so it cannot hold the server.
const CLIENT_TIMEOUT: Duration = Duration::from_secs(2);

#[derive(Debug)]
pub struct UiServer {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl UiServer {
    /// Bind `settings.port` or, when taken, the next of `retries` ports (Spark's rule; 0 binds any free port).
    pub fn start(settings: &UiSettings) -> Result<UiServer> {
        let listener = bind(settings)?;
        let addr = listener.local_addr().map_err(|e| EmberError::execution(format!("UI address: {e}")))?;
        listener.set_nonblocking(true).map_err(|e| EmberError::execution(format!("UI listener: {e}")))?;
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::Builder::new()
            .name("ember-ui".into())
            .spawn(move || serve(listener, &flag))
            .map_err(|e| EmberError::execution(format!("cannot start the UI thread: {e}")))?;
        Ok(UiServer { addr, stop, thread: Some(thread) })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://host:port`, as `uiWebUrl` reports it.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn stop(mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn bind(settings: &UiSettings) -> Result<TcpListener> {
    let attempts = if settings.port == 0 { 0 } else { settings.retries };
    let mut last = None;
    for offset in 0..=attempts {
        let Some(port) = settings.port.checked_add(offset) else { break };
        match TcpListener::bind((settings.host.as_str(), port)) {
            Ok(listener) => return Ok(listener),
            Err(e) if e.kind() == ErrorKind::AddrInUse => last = Some(e),
            Err(e) => {
                return Err(EmberError::execution(format!("cannot bind the UI to {}:{port}: {e}", settings.host)))
            }
        }
    }
    Err(EmberError::execution(format!(
        "cannot bind the UI to {} on ports {}..={} ({}): all in use",
        settings.host,
        settings.port,
        settings.port.saturating_add(attempts),
        last.map(|e| e.to_string()).unwrap_or_default()
    )))
}

fn serve(listener: TcpListener, stop: &AtomicBool) {
    while !stop.load(Ordering::SeqCst) {
        match listener.accept() {
            Ok((stream, _)) => answer(stream),
            Err(e) if e.kind() == ErrorKind::WouldBlock => std::thread::sleep(IDLE_POLL),
            // A connection reset before it was accepted, or descriptors running out: wait and go on.
            Err(_) => std::thread::sleep(IDLE_POLL),
        }
    }
}

fn answer(mut stream: TcpStream) {
    if stream.set_nonblocking(false).is_err() || stream.set_read_timeout(Some(CLIENT_TIMEOUT)).is_err() {
        return;
    }
    let _ = stream.set_write_timeout(Some(CLIENT_TIMEOUT));
    let Some(request) = http::read_request(&mut stream) else { return };
    let head_only = request.method == "HEAD";
    if request.method != "GET" && !head_only {
        return http::respond(&mut stream, 405, "text/plain; charset=utf-8", b"GET only\n", false);
    }
    let json = "application/json; charset=utf-8";
    match request.path.as_str() {
        "/" | "/StreamingQuery" | "/StreamingQuery/" => {
            http::respond(&mut stream, 200, "text/html; charset=utf-8", page().as_bytes(), head_only)
        }
        "/api/queries" => http::respond(&mut stream, 200, json, api::queries_json().as_bytes(), head_only),
        path => match path.strip_prefix("/api/queries/").and_then(api::query_json) {
            Some(body) => http::respond(&mut stream, 200, json, body.as_bytes(), head_only),
            None => http::respond(&mut stream, 404, "text/plain; charset=utf-8", b"not found\n", head_only),
        },
    }
}

/// The page with the current query list inlined, so it shows the queries on its first paint (and a page dumped
/// before its first poll returns has them too).
fn page() -> String {
    // `</` inside a script element would end it: JSON allows `<\/` for the same text.
    PAGE.replace("/*INITIAL_QUERIES*/null", &api::queries_json().replace("</", "<\\/"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};

    fn get(addr: SocketAddr, request: &str) -> String {
        let mut s = TcpStream::connect(addr).unwrap();
        s.write_all(request.as_bytes()).unwrap();
        let mut out = String::new();
        s.read_to_string(&mut out).unwrap();
        out
    }

    #[test]
    fn serves_the_page_and_the_api_on_loopback() {
        let settings = UiSettings { host: "127.0.0.1".into(), port: 0, retries: 16 };
        let server = UiServer::start(&settings).unwrap();
        let addr = server.addr();
        assert!(addr.ip().is_loopback());
        let page = get(addr, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        assert!(page.starts_with("HTTP/1.1 200 OK\r\n") && page.contains("text/html"), "{page}");
        assert!(page.contains("const INITIAL = {\"queries\":["), "the query list is inlined");
        let api = get(addr, "GET /api/queries HTTP/1.1\r\n\r\n");
        let body = api.split("\r\n\r\n").nth(1).unwrap();
        assert!(serde_json::from_str::<serde_json::Value>(body).unwrap()["queries"].is_array());
        assert!(get(addr, "GET /api/queries/no-such-run HTTP/1.1\r\n\r\n").starts_with("HTTP/1.1 404"));
        assert!(get(addr, "POST / HTTP/1.1\r\n\r\n").starts_with("HTTP/1.1 405"));
        let head = get(addr, "HEAD / HTTP/1.1\r\n\r\n");
        assert!(head.ends_with("\r\n\r\n"), "HEAD has no body");
        server.stop();
    }

    #[test]
    fn a_taken_port_moves_to_the_next_one() {
        let taken = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = taken.local_addr().unwrap().port();
        let settings = UiSettings { host: "127.0.0.1".into(), port, retries: 16 };
        match UiServer::start(&settings) {
            Ok(server) => {
                assert!(server.addr().port() > port && server.addr().port() <= port + 16);
                server.stop();
            }
            // Only when all 16 following ports are taken too (another process's luck).
            Err(e) => assert!(e.to_string().contains("all in use"), "{e}"),
        }
        let none = UiSettings { host: "127.0.0.1".into(), port, retries: 0 };
        assert!(UiServer::start(&none).unwrap_err().to_string().contains("all in use"));
    }
}
