//! Which host a request may name: the guard against DNS rebinding.
//!
//! A web page elsewhere can point its own name at this machine's loopback
//! address (DNS rebinding) and then read whatever a local server answers, as
//! if it were its own. The browser still names the page's host, in `Host` and
//! in an absolute request line, so a server that listens on loopback answers
//! only requests that name it: `localhost` or the address it listens on. The
//! port is not checked: a tunnel (`ssh -L 9000:localhost:8000`) or a port
//! forward renames it, and rebinding changes the name, never only the port.
//!
//! Whatever the address, a request must name one host (RFC 9112, section 3.2):
//! one `Host` header (none is allowed in HTTP/1.0), and a request line that
//! names a host names the same one.

use std::net::IpAddr;

use hyper::http::{HeaderMap, Uri, Version, header};

use super::{Reply, printable};

/// The hosts a server listening on a loopback address answers to.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct Loopback {
    /// The address it listens on.
    address: IpAddr,
}

impl Loopback {
    /// The guard for a server listening on `address`; `None` when it is not a
    /// loopback address, where other machines are let in by name anyway.
    pub(super) fn guarding(address: IpAddr) -> Option<Self> {
        address.is_loopback().then_some(Self { address })
    }

    /// Whether `host` (a name or an address, without its port) is this
    /// server: `localhost` (in any case, with or without the root's dot) or
    /// the address it listens on (an IPv6 one in brackets).
    fn names_this_server(&self, host: &str) -> bool {
        let name = host.strip_suffix('.').unwrap_or(host);
        if name.eq_ignore_ascii_case("localhost") {
            return true;
        }
        let address = match self.address {
            IpAddr::V4(_) => name.parse::<IpAddr>().ok(),
            IpAddr::V6(_) => name
                .strip_prefix('[')
                .and_then(|n| n.strip_suffix(']'))
                .and_then(|n| n.parse::<IpAddr>().ok()),
        };
        address == Some(self.address)
    }

    /// The 403 for `what` (`Host`, or the request line) naming `value`.
    fn refuse(&self, what: &str, value: &str) -> Reply {
        let address = match self.address {
            IpAddr::V4(a) => a.to_string(),
            IpAddr::V6(a) => format!("[{a}]"),
        };
        Reply::error(
            403,
            format!(
                "{what} `{}` is not this server: it listens on the loopback address {} and answers only \
                 to `localhost` and `{address}` (a guard against DNS rebinding)",
                printable(value),
                self.address
            ),
        )
    }
}

/// The host of a `Host` header or of the authority of a request line:
/// `host[:port]`, with no user name. `None` when it is not that.
fn host_of(authority: &str) -> Option<&str> {
    let (host, port) = if authority.starts_with('[') {
        let end = authority.find(']')? + 1;
        let port = match &authority[end..] {
            "" => None,
            rest => Some(rest.strip_prefix(':')?),
        };
        (&authority[..end], port)
    } else {
        match authority.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        }
    };
    // An empty port is allowed (RFC 3986: `port = *DIGIT`); its value is not checked (module docs).
    let port_ok = match port {
        None | Some("") => true,
        Some(p) => p.bytes().all(|b| b.is_ascii_digit()) && p.parse::<u16>().is_ok(),
    };
    let name_ok = if let Some(inner) = host.strip_prefix('[') {
        inner
            .strip_suffix(']')
            .is_some_and(|a| a.parse::<std::net::Ipv6Addr>().is_ok())
    } else {
        !host.is_empty() && host.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b))
    };
    (port_ok && name_ok).then_some(host)
}

/// Checks the hosts a request names: exactly one `Host` header (none in
/// HTTP/1.0), well formed; a request line naming a host (absolute form) names
/// the same one, over `http`; and, with a `loopback` guard, each names this
/// server.
///
/// # Errors
///
/// The 400 reply for a request that names no host, two, or a malformed one;
/// the 403 reply for one that names another host than this loopback server.
pub(super) fn check(loopback: Option<Loopback>, version: Version, uri: &Uri, headers: &HeaderMap) -> Result<(), Reply> {
    let hosts: Vec<_> = headers.get_all(header::HOST).iter().collect();
    let host = match hosts[..] {
        [] if version <= Version::HTTP_10 => None,
        [] => {
            return Err(Reply::error(
                400,
                "the request has no Host header, which HTTP/1.1 requires".into(),
            ));
        }
        [one] => {
            let value = one.to_str().unwrap_or("");
            let name = host_of(value).ok_or_else(|| {
                let shown = String::from_utf8_lossy(one.as_bytes());
                Reply::error(
                    400,
                    format!("Host `{}` is not a host with an optional port", printable(&shown)),
                )
            })?;
            Some((value, name))
        }
        _ => {
            return Err(Reply::error(
                400,
                format!("the request has {} Host headers; HTTP allows one", hosts.len()),
            ));
        }
    };
    if let Some(authority) = uri.authority() {
        let target = uri.to_string();
        if !uri.scheme_str().is_some_and(|s| s.eq_ignore_ascii_case("http")) {
            return Err(Reply::error(
                400,
                format!(
                    "the request line names `{}`: this server is not a proxy; send the path alone, as `GET /api/run`",
                    printable(&target)
                ),
            ));
        }
        let named = host_of(authority.as_str()).ok_or_else(|| {
            Reply::error(
                400,
                format!(
                    "the request line's host `{}` is malformed",
                    printable(authority.as_str())
                ),
            )
        })?;
        if let Some(guard) = loopback
            && !guard.names_this_server(named)
        {
            return Err(guard.refuse("the request line's host", authority.as_str()));
        }
        if let Some((value, name)) = host
            && !name.eq_ignore_ascii_case(named)
        {
            return Err(Reply::error(
                400,
                format!(
                    "the request line names host `{}` but the Host header names `{}`",
                    printable(named),
                    printable(value)
                ),
            ));
        }
    }
    if let (Some(guard), Some((value, name))) = (loopback, host)
        && !guard.names_this_server(name)
    {
        return Err(guard.refuse("Host", value));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(target: &str, hosts: &[&str]) -> (Uri, HeaderMap) {
        let mut headers = HeaderMap::new();
        for host in hosts {
            headers.append(header::HOST, host.parse().unwrap());
        }
        (target.parse().unwrap(), headers)
    }

    /// The status and message of checking `target` with `hosts` on a server at `address`.
    fn checked(address: &str, target: &str, hosts: &[&str]) -> Result<(), (u16, String)> {
        let (uri, headers) = request(target, hosts);
        let guard = Loopback::guarding(address.parse().unwrap());
        check(guard, Version::HTTP_11, &uri, &headers).map_err(|reply| {
            let body: serde_json::Value = serde_json::from_slice(&reply.body).unwrap();
            (reply.status, body["error"].as_str().unwrap().to_string())
        })
    }

    #[test]
    fn a_loopback_server_answers_to_localhost_and_its_own_address() {
        for host in [
            "localhost",
            "LocalHost:8000",
            "localhost.:1",
            "127.0.0.2",
            "127.0.0.2:9000",
            "127.0.0.2:",
        ] {
            assert_eq!(checked("127.0.0.2", "/", &[host]), Ok(()), "{host}");
        }
        for host in ["[::1]", "[::1]:8000", "localhost:8000"] {
            assert_eq!(checked("::1", "/api/run", &[host]), Ok(()), "{host}");
        }
        for (address, host) in [
            ("127.0.0.2", "127.0.0.1:8000"),
            ("127.0.0.1", "[::1]:8000"),
            ("::1", "127.0.0.1"),
            ("127.0.0.1", "attacker.example:8000"),
            ("127.0.0.1", "localhost.attacker.example"),
        ] {
            let (status, message) = checked(address, "/", &[host]).unwrap_err();
            assert_eq!(status, 403, "{address} {host}");
            assert!(
                message.starts_with(&format!("Host `{host}` is not this server")),
                "{message}"
            );
        }
        let (_, message) = checked("127.0.0.2", "/", &["evil"]).unwrap_err();
        assert_eq!(
            message,
            "Host `evil` is not this server: it listens on the loopback address 127.0.0.2 and answers only to \
             `localhost` and `127.0.0.2` (a guard against DNS rebinding)"
        );
        // Any host is named on another address (the warning at start says why), if well formed.
        assert_eq!(checked("0.0.0.0", "/", &["machine.lan:8000"]), Ok(()));
    }

    #[test]
    fn a_request_names_one_well_formed_host_and_the_same_one_twice() {
        for address in ["127.0.0.1", "0.0.0.0"] {
            assert_eq!(
                checked(address, "/", &["localhost", "evil.example"]),
                Err((400, "the request has 2 Host headers; HTTP allows one".into()))
            );
            assert_eq!(
                checked(address, "/", &[]),
                Err((400, "the request has no Host header, which HTTP/1.1 requires".into()))
            );
            for host in [
                "a b",
                "user@localhost",
                "localhost:http",
                "localhost:99999",
                "[::1",
                "",
                "/",
            ] {
                let (status, message) = checked(address, "/", &[host]).unwrap_err();
                assert_eq!(status, 400, "{host}");
                assert!(message.ends_with("is not a host with an optional port"), "{message}");
            }
            assert_eq!(
                checked(address, "http://evil.example/api/run", &["localhost"]).map_err(|e| e.0),
                Err(if address == "0.0.0.0" { 400 } else { 403 })
            );
            assert_eq!(
                checked(address, "https://localhost/api/run", &["localhost"]).map_err(|e| e.0),
                Err(400)
            );
        }
        let (status, message) = checked("127.0.0.1", "http://evil.example/api/run", &["localhost"]).unwrap_err();
        assert_eq!(status, 403);
        assert!(
            message.starts_with("the request line's host `evil.example` is not this server"),
            "{message}"
        );
        assert_eq!(
            checked("0.0.0.0", "http://evil.example/api/run", &["localhost:8000"]),
            Err((
                400,
                "the request line names host `evil.example` but the Host header names `localhost:8000`".into()
            ))
        );
        // The absolute form is HTTP's, and allowed when it names this server (RFC 9112, 3.2.2).
        assert_eq!(
            checked("127.0.0.1", "http://localhost:8000/api/run", &["localhost:8000"]),
            Ok(())
        );
        // HTTP/1.0 needs no Host.
        let (uri, headers) = request("/", &[]);
        assert!(
            check(
                Loopback::guarding([127, 0, 0, 1].into()),
                Version::HTTP_10,
                &uri,
                &headers
            )
            .is_ok()
        );
    }
}
