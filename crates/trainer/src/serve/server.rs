//! The explorer's HTTP server: hyper's HTTP/1.1 on tokio, with a limit on
//! everything a client controls (docs/explorer.md, "Limits").
//!
//! - Connections: at most [`Limits::connections`] are served at once. One
//!   more is answered 503 at once and closed, so no number of clients can use
//!   up the process's open files, and none waits unanswered in a queue that
//!   would outlast them. (Before closing, the server reads what the client
//!   had sent, for at most [`LINGER`], at most [`LINGERING`] such connections
//!   at once; see [`refuse`].)
//! - Headers: a request's headers must arrive within
//!   [`Limits::header_timeout`] of the connection opening, or of the previous
//!   answer on a kept-alive one (hyper's `header_read_timeout`); a client that
//!   sent part of them gets a 408, an idle one is closed. They are read into
//!   at most [`MAX_HEADER`] bytes (431 over it, hyper's own answer).
//! - The body: [`MAX_BODY`] bytes within [`BODY_TIMEOUT`].
//! - The answer: a client that takes none of it for [`WRITE_TIMEOUT`] is
//!   closed.
//! - The model: one request at a time. The others wait for their turn as
//!   futures, not on threads of their own, so a burst of requests holds one
//!   blocking thread and one set of the model's buffers, not one per request.

use std::convert::Infallible;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use http_body_util::{BodyExt as _, Full, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::http::{HeaderValue, StatusCode, header};
use hyper::{Request, Response};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt as _, ReadBuf};
use tokio::net::TcpStream;
use tokio::sync::Semaphore;

use super::host::{self, Loopback};
use super::{BODY_TIMEOUT, Explorer, MAX_BODY, Reply, printable, route};
use crate::TrainError;

/// The most bytes of a request's headers read (hyper's read buffer, whose least is 8 KiB).
pub const MAX_HEADER: usize = 64 * 1024;
/// How long an answer may wait for the client to take any of it.
pub const WRITE_TIMEOUT: Duration = Duration::from_secs(30);
/// Open files the process keeps for itself beside its connections: the standard streams, the
/// runtime's epoll and wakers, the listener, with room to spare. The connection limit is lowered
/// to leave these below the process's limit of open files.
const OWN_FILES: u64 = 32;

/// The limits on clients that can be set: [`Limits::default`] unless the environment says.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Limits {
    /// How long a request's headers may take to arrive, and an idle connection may stay open.
    /// Default 10 s; `ATTN_SERVE_HEADER_TIMEOUT` (seconds, fractions allowed) sets it.
    pub header_timeout: Duration,
    /// The most connections served at once; one more is answered 503. Default 256;
    /// `ATTN_SERVE_MAX_CONNECTIONS` sets it. [`Server::bind`] lowers it to leave room under the
    /// process's limit of open files (`ulimit -n`).
    pub connections: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            header_timeout: Duration::from_secs(10),
            connections: 256,
        }
    }
}

impl Limits {
    /// The defaults, with the settings of `ATTN_SERVE_HEADER_TIMEOUT` and
    /// `ATTN_SERVE_MAX_CONNECTIONS` where they are set.
    ///
    /// # Errors
    ///
    /// `TrainError::Input` for a value that is not a positive number.
    pub fn from_env() -> Result<Self, TrainError> {
        Self::from_vars(|name| std::env::var(name).ok())
    }

    /// [`from_env`](Self::from_env) over any source of variables.
    fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<Self, TrainError> {
        let mut limits = Self::default();
        let bad = |name: &str, value: &str, what: &str| {
            TrainError::Input(format!("{name}={}: expected {what}", printable(value)))
        };
        let name = "ATTN_SERVE_HEADER_TIMEOUT";
        if let Some(value) = var(name) {
            limits.header_timeout = value
                .trim()
                .parse::<f64>()
                .ok()
                .filter(|s| *s > 0.0)
                .and_then(|s| Duration::try_from_secs_f64(s).ok())
                .ok_or_else(|| bad(name, &value, "a positive number of seconds"))?;
        }
        let name = "ATTN_SERVE_MAX_CONNECTIONS";
        if let Some(value) = var(name) {
            limits.connections = value
                .trim()
                .parse::<usize>()
                .ok()
                .filter(|n| *n > 0)
                .ok_or_else(|| bad(name, &value, "a positive whole number"))?;
        }
        Ok(limits)
    }

    /// These limits with at most as many connections as `open_files` (the process's limit) leaves
    /// room for, and at least one.
    fn within(self, open_files: u64) -> Self {
        let room = usize::try_from(open_files.saturating_sub(OWN_FILES)).unwrap_or(usize::MAX);
        Self {
            connections: self.connections.min(room).max(1),
            ..self
        }
    }
}

/// The process's limit of open files (the soft one, which `open` meets first).
fn open_files_limit() -> u64 {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes one plain struct that outlives the call.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &raw mut limit) } != 0 || limit.rlim_cur == libc::RLIM_INFINITY {
        return u64::MAX;
    }
    limit.rlim_cur
}

/// A bound explorer, ready to [`run`](Self::run).
pub struct Server {
    listener: std::net::TcpListener,
    explorer: Arc<Explorer>,
    address: SocketAddr,
    limits: Limits,
}

impl Server {
    /// Listens on `host:port` (port 0: one the system picks) for `explorer`,
    /// with the [`Limits`] the environment sets.
    ///
    /// # Errors
    ///
    /// `TrainError::Io` when the address cannot be bound (in use, say);
    /// `TrainError::Input` for a limit in the environment that is not one.
    pub fn bind(explorer: Explorer, host: std::net::IpAddr, port: u16) -> Result<Self, TrainError> {
        let limits = Limits::from_env()?.within(open_files_limit());
        let wanted = SocketAddr::new(host, port);
        let failed = |e: std::io::Error| TrainError::Io(format!("cannot listen on {wanted}: {e}"));
        let listener = std::net::TcpListener::bind(wanted).map_err(failed)?;
        listener.set_nonblocking(true).map_err(failed)?;
        let address = listener.local_addr().map_err(failed)?;
        Ok(Self {
            listener,
            explorer: Arc::new(explorer),
            address,
            limits,
        })
    }

    /// The address it listens on.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// The limits it serves under.
    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// Answers requests until the process ends. Memory freed after a burst of requests is given
    /// back to the system ([`crate::allocator::return_freed_memory`]).
    ///
    /// # Errors
    ///
    /// `TrainError::Io` when the runtime cannot start or the listener fails.
    pub fn run(self) -> Result<(), TrainError> {
        crate::allocator::return_freed_memory();
        let address = self.address;
        let failed = |e: std::io::Error| TrainError::Io(format!("the explorer on {address} stopped: {e}"));
        // Blocking threads answer one model request at a time (Shared::model_turn) and draw the
        // curves of a run that has none; a few are plenty, and each is a heap of its own.
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .max_blocking_threads(4)
            .build()
            .map_err(failed)?;
        let shared = Arc::new(Shared {
            explorer: self.explorer,
            loopback: Loopback::guarding(address.ip()),
            model_turn: Semaphore::new(1),
            limits: self.limits,
        });
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(self.listener).map_err(failed)?;
            let slots = Arc::new(Semaphore::new(shared.limits.connections));
            let lingering = Arc::new(Semaphore::new(LINGERING));
            loop {
                let stream = match listener.accept().await {
                    Ok((stream, _)) => stream,
                    Err(e) => {
                        accept_failed(&e).await;
                        continue;
                    }
                };
                let Ok(slot) = Arc::clone(&slots).try_acquire_owned() else {
                    refuse(stream, shared.limits.connections, &lingering);
                    continue;
                };
                let shared = Arc::clone(&shared);
                tokio::spawn(async move {
                    serve_connection(stream, shared).await;
                    drop(slot);
                });
            }
        })
    }
}

/// After `accept` failed: a connection that went away before it was accepted is no matter; out of
/// files or memory, the server waits a moment for connections to close rather than spin (hyper's
/// and axum's way).
async fn accept_failed(error: &io::Error) {
    if matches!(
        error.kind(),
        io::ErrorKind::ConnectionAborted | io::ErrorKind::ConnectionReset | io::ErrorKind::ConnectionRefused
    ) {
        return;
    }
    tracing::error!("cannot accept a connection: {error}");
    tokio::time::sleep(Duration::from_millis(100)).await;
}

/// How long a refused connection is kept open to read what its client sent
/// ([`refuse`]).
pub const LINGER: Duration = Duration::from_secs(1);

/// The most refused connections kept open at once to read what their clients
/// sent ([`refuse`]); past it, one is closed after what has arrived is read.
pub const LINGERING: usize = 64;

/// Answers a connection over the limit 503 and closes it, without a task of
/// the connection's own or a wait in the accept loop: the answer fits a fresh
/// socket's buffer, so the write does not wait.
///
/// A socket closed with unread bytes resets the connection, and a reset can
/// cost the client the answer it had not read yet. So what the client sends
/// is read first, up to 64 KiB: for at most [`LINGER`], in a task, while
/// fewer than [`LINGERING`] refused connections are held this way (files
/// that more clients cannot multiply); otherwise only what has arrived.
fn refuse(stream: TcpStream, limit: usize, lingering: &Arc<Semaphore>) {
    use std::io::{Read as _, Write as _};
    let Ok(mut stream) = stream.into_std() else {
        return;
    };
    let reply = Reply::error(
        503,
        format!("the explorer is serving {limit} connections, its limit; try again in a moment"),
    )
    .header("retry-after", "1");
    let _ = stream.write_all(&response_bytes(&reply));
    let _ = stream.shutdown(std::net::Shutdown::Write);
    tracing::info!("(over {limit} connections) -> 503");
    const MOST: usize = 64 * 1024;
    if let Ok(permit) = Arc::clone(lingering).try_acquire_owned() {
        let Ok(mut stream) = TcpStream::from_std(stream) else {
            return;
        };
        tokio::spawn(async move {
            use tokio::io::AsyncReadExt as _;
            let mut sink = [0; 4096];
            let mut read = 0;
            let _ = tokio::time::timeout(LINGER, async {
                while read < MOST {
                    match stream.read(&mut sink).await {
                        Ok(n) if n > 0 => read += n,
                        _ => break,
                    }
                }
            })
            .await;
            drop(permit);
        });
        return;
    }
    // The stream is non-blocking: what has arrived, then the close.
    let mut sink = [0; 4096];
    for _ in 0..MOST / sink.len() {
        if !matches!(stream.read(&mut sink), Ok(n) if n > 0) {
            break;
        }
    }
}

/// What every request's handler reads.
struct Shared {
    explorer: Arc<Explorer>,
    /// The `Host` guard, while the server listens on a loopback address.
    loopback: Option<Loopback>,
    /// One permit: the turn to ask the model.
    model_turn: Semaphore,
    limits: Limits,
}

/// Serves one connection until it closes, or its client stalls past a limit.
async fn serve_connection(stream: TcpStream, shared: Arc<Shared>) {
    let header_timeout = shared.limits.header_timeout;
    let service = hyper::service::service_fn(move |request| {
        let shared = Arc::clone(&shared);
        Box::pin(async move { Ok::<_, Infallible>(handle(&shared, request).await) })
    });
    let mut connection = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(header_timeout)
        .max_buf_size(MAX_HEADER)
        .serve_connection(TokioIo::new(Deadlined::new(stream, WRITE_TIMEOUT)), service);
    // Without hyper's shutdown, so that the stream is still there to answer a timeout on.
    let result = std::future::poll_fn(|cx| connection.poll_without_shutdown(cx)).await;
    let parts = connection.into_parts();
    let mut stream = parts.io.into_inner().stream;
    if let Err(e) = &result {
        // Part of a request, then nothing: tell the client why it is closed. A connection with
        // nothing unanswered (opened and unused, or idle between requests) is closed quietly.
        if e.is_timeout() && !parts.read_buf.is_empty() {
            let reply = Reply::error(
                408,
                format!(
                    "the request's headers did not arrive within {} s",
                    header_timeout.as_secs_f64()
                ),
            );
            tracing::info!("(headers unfinished) -> 408");
            let _ = tokio::time::timeout(Duration::from_secs(1), stream.write_all(&response_bytes(&reply))).await;
        } else {
            tracing::debug!("connection ended: {e}");
        }
    }
    let _ = tokio::time::timeout(Duration::from_secs(1), stream.shutdown()).await;
}

/// `reply` as a whole HTTP/1.1 response that closes the connection, for
/// answers given outside hyper.
fn response_bytes(reply: &Reply) -> Vec<u8> {
    let reason = StatusCode::from_u16(reply.status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("");
    let mut head = format!(
        "HTTP/1.1 {} {reason}\r\ncontent-type: {}\r\ncache-control: no-store\r\nconnection: close\r\n\
         content-length: {}\r\n",
        reply.status,
        reply.content_type,
        reply.body.len()
    );
    for (name, value) in &reply.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    let mut bytes = head.into_bytes();
    bytes.extend_from_slice(&reply.body);
    bytes
}

/// One request, whatever its path: checks what can be checked before the
/// body is read, reads it within [`MAX_BODY`] and [`BODY_TIMEOUT`], then
/// answers, on a blocking thread where it asks the model (which is not async)
/// or may draw the curves.
async fn handle(shared: &Shared, request: Request<Incoming>) -> Response<Full<Bytes>> {
    let (parts, body) = request.into_parts();
    let method = parts.method.as_str();
    let url = parts.uri.path_and_query().map_or("", |p| p.as_str());
    let reply = match check(shared, &parts, method, url) {
        Err(reply) => reply,
        Ok(path) => match tokio::time::timeout(BODY_TIMEOUT, Limited::new(body, MAX_BODY).collect()).await {
            Err(_) => Reply::error(
                408,
                format!("the body did not arrive within {} s", BODY_TIMEOUT.as_secs()),
            ),
            Ok(Err(e)) if e.is::<http_body_util::LengthLimitError>() => {
                Reply::error(413, format!("the body is over {MAX_BODY} bytes"))
            }
            Ok(Err(e)) => Reply::error(400, format!("cannot read the body: {e}")),
            Ok(Ok(body)) => answer(shared, path, method, url, body.to_bytes()).await,
        },
    };
    tracing::info!("{method} {} -> {}", printable(url), reply.status);
    let mut response = Response::new(Full::new(Bytes::from(reply.body)));
    *response.status_mut() = StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let headers = response.headers_mut();
    let fixed = [
        ("content-type", reply.content_type.to_string()),
        ("cache-control", "no-store".to_string()),
    ];
    for (name, value) in fixed.into_iter().chain(reply.headers) {
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.insert(name, value);
        }
    }
    response
}

/// The explorer's answer at `path`, which [`check`] accepted.
async fn answer(shared: &Shared, path: &str, method: &str, url: &str, body: Bytes) -> Reply {
    // Waiting for the model's turn here, as a future, rather than on a blocking thread at the
    // model's lock, keeps a burst of requests to one thread and one set of the model's buffers.
    let turn = match path {
        "/api/translate" | "/api/classify" => match shared.model_turn.acquire().await {
            Ok(turn) => Some(turn),
            Err(_) => unreachable!("the model's turn is never closed"),
        },
        _ => None,
    };
    let explorer = Arc::clone(&shared.explorer);
    let (method, url) = (method.to_string(), url.to_string());
    // A panic in a handler ends its blocking task, not the server: it answers 500.
    let reply = tokio::task::spawn_blocking(move || explorer.answer(&method, &url, &body))
        .await
        .unwrap_or_else(|_| Reply::error(500, "internal error; see the server's log".into()));
    drop(turn);
    reply
}

/// What is refused before the body is read: a request that names no host,
/// two, or (on loopback) another one than this server; an unknown path or a
/// wrong method; a POST that does not say it is JSON; a declared length over
/// [`MAX_BODY`]. The path, where none of these.
fn check<'a>(
    shared: &Shared,
    parts: &hyper::http::request::Parts,
    method: &str,
    url: &'a str,
) -> Result<&'a str, Reply> {
    host::check(shared.loopback, parts.version, &parts.uri, &parts.headers)?;
    let path = route(method, url)?;
    if method == "POST" {
        let types: Vec<_> = parts.headers.get_all(header::CONTENT_TYPE).iter().collect();
        match types[..] {
            [one] => json_content_type(&String::from_utf8_lossy(one.as_bytes()))?,
            [] => json_content_type("")?,
            _ => {
                return Err(Reply::error(
                    400,
                    format!("the request has {} Content-Type headers; HTTP allows one", types.len()),
                ));
            }
        }
    }
    let declared = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_BODY as u64) {
        return Err(Reply::error(413, format!("the body is over {MAX_BODY} bytes")));
    }
    Ok(path)
}

/// Accepts a `Content-Type` of `application/json`, in any case (media types
/// are case-insensitive, RFC 9110 8.3.1), with any parameters but a charset
/// other than UTF-8 (JSON's only one, RFC 8259 8.1).
fn json_content_type(value: &str) -> Result<(), Reply> {
    let refused = |why: &str| {
        Reply::error(
            415,
            format!("POST a JSON body with Content-Type: application/json, {why}"),
        )
    };
    let mut fields = value.split(';');
    let media = fields.next().unwrap_or("").trim();
    if !media.eq_ignore_ascii_case("application/json") {
        return Err(refused(&format!("not `{}`", printable(value))));
    }
    for parameter in fields {
        let (name, charset) = parameter.split_once('=').unwrap_or((parameter, ""));
        let charset = charset.trim().trim_matches('"');
        if name.trim().eq_ignore_ascii_case("charset") && !charset.eq_ignore_ascii_case("utf-8") {
            return Err(refused(&format!("in UTF-8, not charset `{}`", printable(charset))));
        }
    }
    Ok(())
}

/// A connection whose writes fail when the client takes none of an answer for
/// a while: without it, a client that never reads would hold its connection,
/// and its turn among [`Limits::connections`], for ever.
struct Deadlined<T> {
    stream: T,
    timeout: Duration,
    /// Running while a write waits for the client.
    stalled: Option<Pin<Box<tokio::time::Sleep>>>,
}

impl<T> Deadlined<T> {
    fn new(stream: T, timeout: Duration) -> Self {
        Self {
            stream,
            timeout,
            stalled: None,
        }
    }

    /// `poll` of a write: its result when ready (and the clock stopped), an
    /// error when it has waited for the client past the timeout.
    fn deadline<R>(&mut self, cx: &mut Context<'_>, poll: Poll<io::Result<R>>) -> Poll<io::Result<R>> {
        if poll.is_ready() {
            self.stalled = None;
            return poll;
        }
        let timeout = self.timeout;
        let stalled = self
            .stalled
            .get_or_insert_with(|| Box::pin(tokio::time::sleep(timeout)));
        match stalled.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(Err(io::Error::new(
                io::ErrorKind::TimedOut,
                format!("the client took none of the answer for {} s", timeout.as_secs_f64()),
            ))),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for Deadlined<T> {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_read(cx, buf)
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Deadlined<T> {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let poll = Pin::new(&mut self.stream).poll_write(cx, buf);
        self.deadline(cx, poll)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let poll = Pin::new(&mut self.stream).poll_write_vectored(cx, bufs);
        self.deadline(cx, poll)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let poll = Pin::new(&mut self.stream).poll_flush(cx);
        self.deadline(cx, poll)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let poll = Pin::new(&mut self.stream).poll_shutdown(cx);
        self.deadline(cx, poll)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_is_recognised_in_any_case_with_parameters() {
        for kind in [
            "application/json",
            "APPLICATION/JSON",
            " Application/Json ; charset=UTF-8",
            "application/json;charset=\"utf-8\"",
            "application/json; foo=bar",
        ] {
            assert!(json_content_type(kind).is_ok(), "{kind}");
        }
        for (kind, message) in [
            (
                "text/plain",
                "POST a JSON body with Content-Type: application/json, not `text/plain`",
            ),
            ("", "POST a JSON body with Content-Type: application/json, not ``"),
            (
                "application/jsonx",
                "POST a JSON body with Content-Type: application/json, not `application/jsonx`",
            ),
            (
                "application/json; charset=latin1",
                "POST a JSON body with Content-Type: application/json, in UTF-8, not charset `latin1`",
            ),
        ] {
            let reply = json_content_type(kind).unwrap_err();
            assert_eq!(reply.status, 415);
            let body: serde_json::Value = serde_json::from_slice(&reply.body).unwrap();
            assert_eq!(body["error"], message);
        }
    }

    #[test]
    fn limits_come_from_the_environment_and_leave_room_for_the_process() {
        let vars = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| pairs.iter().find(|(n, _)| *n == name).map(|(_, v)| (*v).to_string())
        };
        assert_eq!(Limits::from_vars(vars(&[])).unwrap(), Limits::default());
        let set = Limits::from_vars(vars(&[
            ("ATTN_SERVE_HEADER_TIMEOUT", "0.5"),
            ("ATTN_SERVE_MAX_CONNECTIONS", "8"),
        ]))
        .unwrap();
        assert_eq!((set.header_timeout, set.connections), (Duration::from_millis(500), 8));
        for (name, value) in [
            ("ATTN_SERVE_HEADER_TIMEOUT", "0"),
            ("ATTN_SERVE_HEADER_TIMEOUT", "soon"),
            ("ATTN_SERVE_MAX_CONNECTIONS", "0"),
            ("ATTN_SERVE_MAX_CONNECTIONS", "-3"),
        ] {
            let err = Limits::from_vars(|n| (n == name).then(|| value.to_string())).unwrap_err();
            assert!(
                err.to_string()
                    .starts_with(&format!("{name}={value}: expected a positive")),
                "{err}"
            );
        }
        // `ulimit -n 100` leaves 68 connections beside the process's own 32 files; 10 leaves one.
        assert_eq!(Limits::default().within(100).connections, 68);
        assert_eq!(Limits::default().within(10).connections, 1);
        assert_eq!(Limits::default().within(u64::MAX).connections, 256);
    }

    #[test]
    fn a_client_that_takes_none_of_an_answer_is_let_go() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            // A pipe of 64 bytes that nobody reads: the second write of 64 waits for ever.
            let (client, server) = tokio::io::duplex(64);
            let mut server = Deadlined::new(server, Duration::from_millis(50));
            server.write_all(&[0; 64]).await.unwrap();
            let started = std::time::Instant::now();
            let err = server.write_all(&[0; 64]).await.unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::TimedOut);
            assert!(started.elapsed() >= Duration::from_millis(50));
            drop(client);
        });
    }
}
