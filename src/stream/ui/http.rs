//! The little HTTP/1.1 the page needs: read one request's line and headers, answer it, close the connection.
use std::io::{Read, Write};
use std::net::TcpStream;

/// Requests larger than this (line + headers) are refused: the page's requests are a few hundred bytes.
const MAX_REQUEST_BYTES: usize = 16 * 1024;

/// A request's method and target path (the query string split off).
#[derive(Debug, PartialEq)]
pub struct Request {
    pub method: String,
    pub path: String,
    pub query: String,
}

/// Read the request head; None for a connection that closed, timed out or sent something that is not HTTP.
pub fn read_request(stream: &mut TcpStream) -> Option<Request> {
    let mut head = Vec::with_capacity(1024);
    let mut chunk = [0u8; 2048];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = stream.read(&mut chunk).ok()?;
        if n == 0 || head.len() + n > MAX_REQUEST_BYTES {
            return None;
        }
        head.extend_from_slice(&chunk[..n]);
    }
    parse_request_line(std::str::from_utf8(&head).ok()?.lines().next()?)
}

/// `GET /api/queries?x=1 HTTP/1.1` → method, path, query.
pub fn parse_request_line(line: &str) -> Option<Request> {
    let mut parts = line.split_whitespace();
    let (method, target, version) = (parts.next()?, parts.next()?, parts.next()?);
    if !version.starts_with("HTTP/1.") || parts.next().is_some() {
        return None;
    }
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    Some(Request { method: method.to_string(), path: path.to_string(), query: query.to_string() })
}

/// Write a complete response and let the connection close (no keep-alive: one request per connection).
pub fn respond(stream: &mut TcpStream, status: u16, content_type: &str, body: &[u8], head_only: bool) {
    let reason = match status {
        200 => "OK",
        404 => "Not Found",
        405 => "Method Not Allowed",
        _ => "Bad Request",
    };
    let header = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n",
        body.len()
    );
    // A client that went away mid-answer is no error of the server's.
    let _ = stream.write_all(header.as_bytes());
    if !head_only {
        let _ = stream.write_all(body);
    }
    let _ = stream.flush();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_lines() {
        let r = parse_request_line("GET /api/queries/abc?x=1 HTTP/1.1").unwrap();
        assert_eq!((r.method.as_str(), r.path.as_str(), r.query.as_str()), ("GET", "/api/queries/abc", "x=1"));
        assert_eq!(parse_request_line("GET / HTTP/1.0").unwrap().path, "/");
        assert!(parse_request_line("GET /").is_none());
        assert!(parse_request_line("GET / SPDY/3").is_none());
        assert!(parse_request_line("").is_none());
    }
}
