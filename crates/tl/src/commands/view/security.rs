//! What keeps `tl view` private to the user who started it.
//!
//! The server listens on 127.0.0.1 only, but a loopback port is reachable from every web page the
//! user has open: a page can `fetch("http://127.0.0.1:9876/api/…")` (the answer is opaque to it
//! without CORS, but the request still runs), and a DNS-rebinding page on `evil.example` that
//! resolves to 127.0.0.1 can read answers as same-origin. Two checks close both:
//!
//! - every request's `Host` must be this server's own (`127.0.0.1:PORT` or `localhost:PORT`), and
//!   its `Origin`, when the browser sends one, the same origin: a rebinding page sends its own host
//!   name, a cross-site `fetch` its own origin;
//! - every `/api/` request carries the per-run token that `tl view` printed (query `token` or
//!   header `X-TL-Token`), 128 random bits no other page can know.
//!
//! Nothing here takes a file path, and no endpoint writes.

use std::io::Read as _;
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// The secret of one run, as lowercase hex.
#[derive(Clone)]
pub struct Token(String);

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never in a log line or a panic message.
        f.write_str("Token(…)")
    }
}

impl Token {
    /// 128 bits from the kernel's generator.
    ///
    /// # Errors
    /// When `/dev/urandom` cannot be read.
    pub fn generate() -> std::io::Result<Token> {
        let mut bytes = [0u8; 16];
        std::fs::File::open("/dev/urandom")?.read_exact(&mut bytes)?;
        Ok(Token(bytes.iter().map(|b| format!("{b:02x}")).collect()))
    }

    /// The hex text, for the printed URL.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether `given` is this token, in time independent of where they differ.
    fn matches(&self, given: &str) -> bool {
        let (a, b) = (self.0.as_bytes(), given.as_bytes());
        a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
    }
}

/// What the checks compare against.
#[derive(Debug)]
pub struct Guard {
    /// The run's token.
    pub token: Token,
    /// The port actually bound (not the one asked for, which may be 0).
    pub port: u16,
}

impl Guard {
    /// Whether a `Host` header names this server.
    fn host_ok(&self, host: &str) -> bool {
        let Some((name, port)) = host.rsplit_once(':') else { return false };
        port.parse::<u16>().ok() == Some(self.port)
            && (name == "127.0.0.1" || name.eq_ignore_ascii_case("localhost"))
    }

    /// Whether an `Origin` header is this server's own origin.
    fn origin_ok(&self, origin: &str) -> bool {
        origin.strip_prefix("http://").is_some_and(|host| self.host_ok(host))
    }

    /// The token of a request: header `X-TL-Token`, or query parameter `token` (what an
    /// `EventSource`, which cannot set headers, uses).
    fn token_of<'r>(headers: &'r HeaderMap, query: Option<&'r str>) -> Option<&'r str> {
        if let Some(v) = headers.get("x-tl-token").and_then(|v| v.to_str().ok()) {
            return Some(v);
        }
        query?.split('&').find_map(|pair| pair.strip_prefix("token="))
    }
}

/// Refuses a request whose `Host` or `Origin` is not this server's (every route).
pub async fn check_origin(
    State(guard): State<Arc<Guard>>,
    request: Request,
    next: Next,
) -> Response {
    let headers = request.headers();
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("");
    if !guard.host_ok(host) {
        return refuse(
            "the Host header is not this server's own (tl view answers only 127.0.0.1:PORT and localhost:PORT)",
        );
    }
    if let Some(origin) = headers.get(header::ORIGIN)
        && !origin.to_str().is_ok_and(|o| guard.origin_ok(o))
    {
        return refuse("the request comes from another origin");
    }
    let mut response = next.run(request).await;
    let h = response.headers_mut();
    // The page loads only its own assets, runs no inline script, and never sends the URL (with
    // its token) as a Referer.
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
        ),
    );
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    response
}

/// Refuses an `/api/` request without the run's token.
pub async fn check_token(
    State(guard): State<Arc<Guard>>,
    request: Request,
    next: Next,
) -> Response {
    let given = Guard::token_of(request.headers(), request.uri().query());
    if !given.is_some_and(|t| guard.token.matches(t)) {
        return refuse("missing or wrong token: open the URL `tl view` printed");
    }
    let mut response = next.run(request).await;
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

fn refuse(why: &'static str) -> Response {
    (StatusCode::FORBIDDEN, axum::Json(serde_json::json!({ "error": why }))).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn guard() -> Guard {
        Guard { token: Token("00ff".into()), port: 9876 }
    }

    #[test]
    fn hosts() {
        let g = guard();
        for (host, ok) in [
            ("127.0.0.1:9876", true),
            ("localhost:9876", true),
            ("LOCALHOST:9876", true),
            ("127.0.0.1:9877", false),
            ("127.0.0.1", false),
            ("evil.example:9876", false),
            ("127.0.0.1.evil.example:9876", false),
            ("", false),
        ] {
            assert_eq!(g.host_ok(host), ok, "{host}");
        }
        assert!(g.origin_ok("http://localhost:9876"));
        assert!(!g.origin_ok("https://localhost:9876"));
        assert!(!g.origin_ok("null"));
        assert!(!g.origin_ok("http://evil.example:9876"));
    }

    #[test]
    fn tokens() {
        let g = guard();
        assert!(g.token.matches("00ff"));
        assert!(!g.token.matches("00fe"));
        assert!(!g.token.matches("00ff0"));
        let t = Token::generate().unwrap();
        assert_eq!(t.as_str().len(), 32);
        assert!(t.as_str().bytes().all(|b| b.is_ascii_hexdigit()));
        let headers = HeaderMap::new();
        assert_eq!(Guard::token_of(&headers, Some("a=1&token=abc&b=2")), Some("abc"));
        assert_eq!(Guard::token_of(&headers, Some("xtoken=abc")), None);
        assert_eq!(Guard::token_of(&headers, None), None);
    }
}
