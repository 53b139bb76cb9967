//! Parsing of server targets: a URL, `host:port`, or gRPC's name syntax
//! (`dns:///host:port`, `ipv4:a:p,b:p`, `ipv6:[a]:p,...`).
//!
//! Only plaintext HTTP/2 is supported (no TLS), so `https://` is refused.
//! `dns://AUTHORITY/...` (a custom DNS server) and `unix:` are refused too.
//! Unlike gRPC's default of 443, a port is required everywhere.

use std::net::{IpAddr, SocketAddr};

use crate::ClientError;

/// Where a [`Client`](crate::Client) sends its calls.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Target {
    /// One endpoint, `host:port`; a host name is resolved by the connector
    /// at each connect, as `http://` URLs usually are.
    Single(String),
    /// `dns:///host:port`: every address the name resolves to is an
    /// endpoint; re-resolved periodically and when a connection fails.
    Dns(String),
    /// `ipv4:` / `ipv6:` lists: a fixed set of endpoints.
    Static(Vec<SocketAddr>),
}

impl Target {
    /// Parses a target string.
    pub fn parse(target: &str) -> Result<Target, ClientError> {
        let bad = |reason: &str| ClientError::InvalidTarget {
            target: target.to_owned(),
            reason: reason.to_owned(),
        };
        let t = target.trim();
        if t.is_empty() {
            return Err(bad("empty target"));
        }
        if let Some(rest) = t.strip_prefix("dns:") {
            let name = if let Some(after) = rest.strip_prefix("//") {
                let (authority, name) = after
                    .split_once('/')
                    .ok_or_else(|| bad("expected dns:///host:port"))?;
                if !authority.is_empty() {
                    return Err(bad("a custom DNS authority is not supported"));
                }
                name
            } else {
                rest
            };
            check_host_port(name).map_err(|r| bad(&r))?;
            return Ok(Target::Dns(name.to_owned()));
        }
        if let Some(rest) = t.strip_prefix("ipv4:") {
            let addrs = parse_list(rest, false).map_err(|r| bad(&r))?;
            return Ok(Target::Static(addrs));
        }
        if let Some(rest) = t.strip_prefix("ipv6:") {
            let addrs = parse_list(rest, true).map_err(|r| bad(&r))?;
            return Ok(Target::Static(addrs));
        }
        if t.starts_with("https://") {
            return Err(bad("TLS is not supported; use http:// or a gRPC target"));
        }
        if t.starts_with("unix:") {
            return Err(bad("unix sockets are not supported"));
        }
        let rest = t.strip_prefix("http://").unwrap_or(t);
        let rest = rest.strip_suffix('/').unwrap_or(rest);
        if rest.contains('/') {
            return Err(bad("a path is not allowed in a target"));
        }
        check_host_port(rest).map_err(|r| bad(&r))?;
        Ok(Target::Single(rest.to_owned()))
    }
}

impl std::str::FromStr for Target {
    type Err = ClientError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Target::parse(s)
    }
}

fn check_host_port(s: &str) -> Result<(), String> {
    let (host, port) = s
        .rsplit_once(':')
        .ok_or_else(|| format!("expected host:port, got {s:?}"))?;
    if host.is_empty() {
        return Err("empty host".to_owned());
    }
    if host.starts_with('[') != host.ends_with(']') {
        return Err(format!("unbalanced brackets in {host:?}"));
    }
    port.parse::<u16>()
        .map_err(|_| format!("bad port {port:?}"))?;
    Ok(())
}

fn parse_list(list: &str, v6: bool) -> Result<Vec<SocketAddr>, String> {
    let mut out = Vec::new();
    for item in list.split(',') {
        let item = item.trim();
        if item.is_empty() {
            return Err("empty address in list".to_owned());
        }
        let addr: SocketAddr = item
            .parse()
            .map_err(|_| format!("expected addr:port, got {item:?}"))?;
        match (addr.ip(), v6) {
            (IpAddr::V4(_), false) | (IpAddr::V6(_), true) => {}
            _ => {
                return Err(format!(
                    "{item:?} is not an {} address",
                    if v6 { "IPv6" } else { "IPv4" }
                ));
            }
        }
        if !out.contains(&addr) {
            out.push(addr);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sa(s: &str) -> SocketAddr {
        s.parse().expect("test address")
    }

    #[test]
    fn parses_targets() {
        let cases: &[(&str, Option<Target>)] = &[
            (
                "http://127.0.0.1:50051",
                Some(Target::Single("127.0.0.1:50051".into())),
            ),
            (
                "http://localhost:50051/",
                Some(Target::Single("localhost:50051".into())),
            ),
            ("localhost:7", Some(Target::Single("localhost:7".into()))),
            ("[::1]:7", Some(Target::Single("[::1]:7".into()))),
            (
                "dns:///svc.ns.svc:50051",
                Some(Target::Dns("svc.ns.svc:50051".into())),
            ),
            ("dns:svc:1", Some(Target::Dns("svc:1".into()))),
            (
                "ipv4:127.0.0.1:1,127.0.0.2:1, 127.0.0.3:1",
                Some(Target::Static(vec![
                    sa("127.0.0.1:1"),
                    sa("127.0.0.2:1"),
                    sa("127.0.0.3:1"),
                ])),
            ),
            (
                "ipv4:127.0.0.1:1,127.0.0.1:1",
                Some(Target::Static(vec![sa("127.0.0.1:1")])),
            ),
            (
                "ipv6:[::1]:5,[::2]:5",
                Some(Target::Static(vec![sa("[::1]:5"), sa("[::2]:5")])),
            ),
            ("", None),
            ("https://x:1", None),
            ("dns://8.8.8.8/x:1", None),
            ("dns:///x", None),
            ("ipv4:127.0.0.1", None),
            ("ipv4:[::1]:1", None),
            ("ipv6:127.0.0.1:1", None),
            ("ipv4:127.0.0.1:1,", None),
            ("localhost", None),
            ("host:99999", None),
            ("http://h:1/path", None),
            ("unix:/tmp/s", None),
        ];
        for (input, want) in cases {
            let got = Target::parse(input).ok();
            assert_eq!(&got, want, "{input:?}");
        }
    }
}
