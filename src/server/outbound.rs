//! The one HTTP client for outgoing requests (webhook deliveries and
//! endpoint checks). A developer chooses the URL, so the client must not
//! become a way into the operator's network (SSRF):
//!
//! - literal IP hosts in any notation (`127.1`, `2130706433`, `0x7f.1`,
//!   `[::ffff:127.0.0.1]`; the `url` crate normalises them as browsers do)
//!   and `localhost` names are checked before anything is sent;
//! - host names are resolved by our resolver, which refuses the whole
//!   answer if any address is in a block the IANA special-purpose
//!   registries say is not globally reachable (private, loopback,
//!   link-local, CGNAT, unspecified, reserved, IPv4-mapped, local NAT64,
//!   …), multicast, or carries such an IPv4 address (NAT64, 6to4); the
//!   connection uses exactly the addresses checked, so a second DNS answer
//!   cannot slip in (rebinding);
//! - redirects are never followed, and no system proxy is used.
//!
//! `allow_private` (PORTICO_ALLOW_PRIVATE_OUTBOUND) lifts the address
//! rules for local development and tests.

use std::future::Future;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How much of a response body is kept (for the delivery log).
pub const EXCERPT_BYTES: usize = 4096;

/// Why a request was not made or did not complete.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OutboundError {
    /// The URL is not an absolute http(s) URL.
    #[error("{0}")]
    InvalidUrl(String),
    /// The address is not allowed (private network and the like).
    #[error("{0}")]
    Blocked(String),
    /// No answer within the time allowed.
    #[error("No answer within {0} ms.")]
    Timeout(u128),
    /// The connection failed (refused, reset, DNS failure, TLS).
    #[error("{0}")]
    Failed(String),
}

/// What came back.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    /// The first `EXCERPT_BYTES` of the body.
    pub body: Vec<u8>,
    pub latency_ms: i64,
}

/// True for addresses an outgoing request must not reach unless the
/// operator allows private destinations.
pub fn is_forbidden_ip(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_forbidden_v4(v4),
        IpAddr::V6(v6) => is_forbidden_v6(v6),
    }
}

// The address rules are the IANA special-purpose address registries
// (https://www.iana.org/assignments/iana-ipv4-special-registry and
// .../iana-ipv6-special-registry, RFC 6890): every block whose "Globally
// Reachable" is False or N/A is refused, plus multicast, and the old
// site-local fec0::/10. No maintained crate carries them on stable Rust:
// `Ipv6Addr::is_global` is unstable, and `ip_rfc` 0.1 / `ip_network` 0.4
// predate the IPv4-mapped, NAT64 and newer IPv6 entries. Deliberately not
// refused, although the registries mark them not globally reachable: the
// documentation blocks (192.0.2/24, 198.51.100/24, 203.0.113/24,
// 2001:db8::/32, 3fff::/20), which reach no one, so that tests have a
// "public" address that leads nowhere.
//
// Three blocks carry an IPv4 address and are judged by it instead:
// NAT64's well-known 64:ff9b::/96 (RFC 6052) and 6to4 2002::/16 (RFC
// 3056), whose gateways forward to it.

/// IPv4: (network, prefix length).
const FORBIDDEN_V4: &[(Ipv4Addr, u8)] = &[
    (Ipv4Addr::new(0, 0, 0, 0), 8),      // "this network" (RFC 791)
    (Ipv4Addr::new(10, 0, 0, 0), 8),     // private (RFC 1918)
    (Ipv4Addr::new(100, 64, 0, 0), 10),  // shared, CGNAT (RFC 6598)
    (Ipv4Addr::new(127, 0, 0, 0), 8),    // loopback
    (Ipv4Addr::new(169, 254, 0, 0), 16), // link-local (cloud metadata)
    (Ipv4Addr::new(172, 16, 0, 0), 12),  // private
    (Ipv4Addr::new(192, 0, 0, 0), 24),   // IETF protocol assignments (RFC 6890)
    (Ipv4Addr::new(192, 88, 99, 0), 24), // 6to4 relay anycast, deprecated (RFC 7526)
    (Ipv4Addr::new(192, 168, 0, 0), 16), // private
    (Ipv4Addr::new(198, 18, 0, 0), 15),  // benchmarking (RFC 2544)
    (Ipv4Addr::new(224, 0, 0, 0), 4),    // multicast
    (Ipv4Addr::new(240, 0, 0, 0), 4),    // reserved, and 255.255.255.255 broadcast
];

/// IPv6: (network, prefix length).
const FORBIDDEN_V6: &[(Ipv6Addr, u8)] = &[
    (Ipv6Addr::new(0, 0, 0, 0, 0, 0, 0, 0), 128), // unspecified
    (Ipv6Addr::new(0, 0, 0, 0, 0, 0, 0, 1), 128), // loopback
    // IPv4-compatible ::a.b.c.d, deprecated (RFC 4291 §2.5.5.1).
    (Ipv6Addr::new(0, 0, 0, 0, 0, 0, 0, 0), 96),
    // IPv4-mapped ::ffff:a.b.c.d: a socket given one connects to the IPv4
    // address, and it is no real destination (RFC 4291 §2.5.5.2).
    (Ipv6Addr::new(0, 0, 0, 0, 0, 0xffff, 0, 0), 96),
    // IPv4-translated ::ffff:0:a.b.c.d (SIIT, RFC 2765).
    (Ipv6Addr::new(0, 0, 0, 0, 0xffff, 0, 0, 0), 96),
    (Ipv6Addr::new(0x64, 0xff9b, 1, 0, 0, 0, 0, 0), 48), // local-use NAT64 (RFC 8215)
    (Ipv6Addr::new(0x100, 0, 0, 0, 0, 0, 0, 0), 64),     // discard-only (RFC 6666)
    (Ipv6Addr::new(0x100, 0, 0, 1, 0, 0, 0, 0), 64),     // dummy prefix (RFC 9780)
    (Ipv6Addr::new(0x2001, 0, 0, 0, 0, 0, 0, 0), 23),    // IETF protocol assignments, Teredo
    (Ipv6Addr::new(0x5f00, 0, 0, 0, 0, 0, 0, 0), 16),    // SRv6 SIDs (RFC 9602)
    (Ipv6Addr::new(0xfc00, 0, 0, 0, 0, 0, 0, 0), 7),     // unique local (RFC 4193)
    (Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 0), 10),    // link-local
    (Ipv6Addr::new(0xfec0, 0, 0, 0, 0, 0, 0, 0), 10),    // site-local, deprecated (RFC 3879)
    (Ipv6Addr::new(0xff00, 0, 0, 0, 0, 0, 0, 0), 8),     // multicast
];

fn in_v4(ip: Ipv4Addr, (net, len): (Ipv4Addr, u8)) -> bool {
    let mask = u32::MAX.checked_shl(32 - u32::from(len)).unwrap_or(0);
    u32::from(ip) & mask == u32::from(net)
}

fn in_v6(ip: Ipv6Addr, (net, len): (Ipv6Addr, u8)) -> bool {
    let mask = u128::MAX.checked_shl(128 - u32::from(len)).unwrap_or(0);
    u128::from(ip) & mask == u128::from(net)
}

fn is_forbidden_v4(ip: Ipv4Addr) -> bool {
    FORBIDDEN_V4.iter().any(|block| in_v4(ip, *block))
}

fn is_forbidden_v6(ip: Ipv6Addr) -> bool {
    let segments = ip.segments();
    let v4_from =
        |hi: u16, lo: u16| Ipv4Addr::new((hi >> 8) as u8, hi as u8, (lo >> 8) as u8, lo as u8);
    if in_v6(ip, (Ipv6Addr::new(0x64, 0xff9b, 0, 0, 0, 0, 0, 0), 96)) {
        return is_forbidden_v4(v4_from(segments[6], segments[7]));
    }
    if segments[0] == 0x2002 {
        return is_forbidden_v4(v4_from(segments[1], segments[2]));
    }
    FORBIDDEN_V6.iter().any(|block| in_v6(ip, *block))
}

/// Checks a URL before any request: absolute http(s), no user info, and
/// (unless private destinations are allowed) no forbidden literal IP or
/// `localhost` name.
pub fn check_url(input: &str, allow_private: bool) -> Result<url::Url, OutboundError> {
    let url = url::Url::parse(input.trim()).map_err(|_| {
        OutboundError::InvalidUrl("Enter a full URL, like https://example.com/webhooks.".into())
    })?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(OutboundError::InvalidUrl(
            "Use an http:// or https:// URL.".into(),
        ));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(OutboundError::InvalidUrl(
            "The URL cannot contain a user name or password.".into(),
        ));
    }
    if allow_private {
        return Ok(url);
    }
    let blocked = || {
        OutboundError::Blocked(
            "That address is on a private or local network, which Portico does not send to.".into(),
        )
    };
    match url.host() {
        Some(url::Host::Ipv4(ip)) if is_forbidden_v4(ip) => Err(blocked()),
        Some(url::Host::Ipv6(ip)) if is_forbidden_v6(ip) => Err(blocked()),
        Some(url::Host::Domain(name)) => {
            let name = name.trim_end_matches('.').to_ascii_lowercase();
            if name == "localhost" || name.ends_with(".localhost") {
                Err(blocked())
            } else {
                Ok(url)
            }
        }
        None => Err(OutboundError::InvalidUrl("The URL has no host.".into())),
        _ => Ok(url),
    }
}

/// Turns a host name into addresses. The system resolver in production;
/// tests inject their own (e.g. one that answers public, then private).
pub trait HostResolver: Send + Sync + 'static {
    fn lookup(
        &self,
        host: String,
    ) -> Pin<Box<dyn Future<Output = std::io::Result<Vec<IpAddr>>> + Send>>;
}

/// The operating system's resolver (getaddrinfo, off the async threads).
#[derive(Debug, Default)]
pub struct SystemResolver;

impl HostResolver for SystemResolver {
    fn lookup(
        &self,
        host: String,
    ) -> Pin<Box<dyn Future<Output = std::io::Result<Vec<IpAddr>>> + Send>> {
        Box::pin(async move {
            let addrs = tokio::net::lookup_host((host.as_str(), 0)).await?;
            Ok(addrs.map(|a| a.ip()).collect())
        })
    }
}

/// The error our resolver gives for a forbidden answer (found again in
/// reqwest's error chain).
#[derive(Debug)]
struct BlockedAddress(String);

impl std::fmt::Display for BlockedAddress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} resolves to a private or local address", self.0)
    }
}

impl std::error::Error for BlockedAddress {}

/// reqwest's resolver hook: resolve, then refuse forbidden answers.
struct FilteringResolver {
    inner: Arc<dyn HostResolver>,
    allow_private: bool,
}

impl reqwest::dns::Resolve for FilteringResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let inner = self.inner.clone();
        let allow_private = self.allow_private;
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let ips = inner.lookup(host.clone()).await?;
            if !allow_private && ips.iter().any(|ip| is_forbidden_ip(*ip)) {
                return Err(
                    Box::new(BlockedAddress(host)) as Box<dyn std::error::Error + Send + Sync>
                );
            }
            let addrs: Vec<SocketAddr> = ips.into_iter().map(|ip| SocketAddr::new(ip, 0)).collect();
            Ok(Box::new(addrs.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

/// The outgoing HTTP client.
#[derive(Clone)]
pub struct Outbound {
    client: reqwest::Client,
    allow_private: bool,
    resolver: Arc<dyn HostResolver>,
}

impl std::fmt::Debug for Outbound {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Outbound")
            .field("allow_private", &self.allow_private)
            .finish()
    }
}

impl Outbound {
    /// A client using the system resolver.
    pub fn new(allow_private: bool) -> Self {
        Self::with_resolver(allow_private, Arc::new(SystemResolver))
    }

    /// A client with its own resolver (tests).
    pub fn with_resolver(allow_private: bool, resolver: Arc<dyn HostResolver>) -> Self {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .connect_timeout(Duration::from_secs(3))
            .user_agent("Portico-Webhook/1")
            .dns_resolver(Arc::new(FilteringResolver {
                inner: resolver.clone(),
                allow_private,
            }))
            .build()
            .expect("a client with static settings builds");
        Self {
            client,
            allow_private,
            resolver,
        }
    }

    /// Checks a destination without sending anything, as a request to it
    /// would: the URL (`check_url`), and the addresses its host name
    /// resolves to now. For URLs that are saved now and called later, so
    /// that a forbidden one is refused where it is entered. A name that
    /// does not resolve (yet) has no address to refuse; the request, when
    /// it is made, checks again in any case (DNS answers change).
    pub async fn check_destination(&self, input: &str) -> Result<url::Url, OutboundError> {
        let url = check_url(input, self.allow_private)?;
        if self.allow_private {
            return Ok(url);
        }
        if let Some(url::Host::Domain(name)) = url.host() {
            let name = name.to_owned();
            let lookup = self.resolver.lookup(name.clone());
            let ips = match tokio::time::timeout(Duration::from_secs(3), lookup).await {
                Ok(Ok(ips)) => ips,
                Ok(Err(_)) | Err(_) => Vec::new(),
            };
            if ips.iter().any(|ip| is_forbidden_ip(*ip)) {
                return Err(OutboundError::Blocked(format!(
                    "{}, which Portico does not send to.",
                    BlockedAddress(name)
                )));
            }
        }
        Ok(url)
    }

    /// GETs `url` (a page people follow, like a privacy policy), waiting
    /// at most `timeout`; the status of the answer (redirects are not
    /// followed: a 3xx is reported as it is). The body is not read.
    pub async fn get_status(&self, url: &str, timeout: Duration) -> Result<u16, OutboundError> {
        let url = check_url(url, self.allow_private)?;
        let response = self
            .client
            .get(url)
            .timeout(timeout)
            .send()
            .await
            .map_err(|e| classify(e, timeout))?;
        Ok(response.status().as_u16())
    }

    /// POSTs `body` as JSON with `headers`, waiting at most `timeout`.
    /// Any HTTP answer is a `Reply` (redirects included, not followed).
    pub async fn post_json(
        &self,
        url: &str,
        headers: &[(String, String)],
        body: Vec<u8>,
        timeout: Duration,
    ) -> Result<Reply, OutboundError> {
        let url = check_url(url, self.allow_private)?;
        let mut request = self
            .client
            .post(url)
            .timeout(timeout)
            .header("content-type", "application/json")
            .body(body);
        for (name, value) in headers {
            request = request.header(name.as_str(), value.as_str());
        }
        let started = Instant::now();
        let response = request.send().await.map_err(|e| classify(e, timeout))?;
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_owned(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        let mut body = Vec::new();
        let mut response = response;
        loop {
            match response.chunk().await {
                Ok(Some(chunk)) => {
                    let room = EXCERPT_BYTES.saturating_sub(body.len());
                    body.extend_from_slice(&chunk[..chunk.len().min(room)]);
                    if body.len() >= EXCERPT_BYTES {
                        break;
                    }
                }
                Ok(None) => break,
                Err(e) => return Err(classify(e, timeout)),
            }
        }
        Ok(Reply {
            status,
            headers,
            body,
            latency_ms: started.elapsed().as_millis() as i64,
        })
    }
}

fn classify(err: reqwest::Error, timeout: Duration) -> OutboundError {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(&err);
    while let Some(current) = source {
        if let Some(blocked) = current.downcast_ref::<BlockedAddress>() {
            return OutboundError::Blocked(format!("{blocked}, which Portico does not send to."));
        }
        source = current.source();
    }
    if err.is_timeout() {
        OutboundError::Timeout(timeout.as_millis())
    } else if err.is_connect() {
        OutboundError::Failed("Could not connect to the endpoint.".into())
    } else {
        OutboundError::Failed("The connection failed before an answer came.".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The SSRF table: every notation of a forbidden address is refused
    /// before anything is sent.
    #[test]
    fn literal_addresses_in_every_notation() {
        for bad in [
            "http://127.0.0.1/hook",
            "http://127.1/hook",
            "http://2130706433/hook",
            "http://0x7f.1/hook",
            "http://0177.0.0.1/hook",
            "http://[::ffff:127.0.0.1]/hook",
            "http://[::ffff:7f00:1]/hook",
            "http://[::1]/hook",
            "http://[::]/hook",
            "http://0.0.0.0/hook",
            "http://localhost:8080/hook",
            "http://api.localhost/hook",
            "http://LOCALHOST./hook",
            "http://10.1.2.3/hook",
            "http://172.16.0.1/hook",
            "http://192.168.1.1/hook",
            "http://169.254.169.254/latest/meta-data",
            "http://100.64.0.1/hook",
            "http://224.0.0.1/hook",
            "http://255.255.255.255/hook",
            "http://[fe80::1]/hook",
            "http://[fc00::1]/hook",
            "http://[fd12:3456::1]/hook",
            "http://[ff02::1]/hook",
            "http://[64:ff9b::7f00:1]/hook",
            "http://[2002:7f00:1::]/hook",
            "http://[::127.0.0.1]/hook",
            "http://[::ffff:8.8.8.8]/hook",
            "http://[64:ff9b:1::a00:1]/hook",
            "http://[::ffff:0:a9fe:a9fe]/hook",
        ] {
            assert!(
                matches!(check_url(bad, false), Err(OutboundError::Blocked(_))),
                "{bad} should be blocked"
            );
            assert!(
                check_url(bad, true).is_ok(),
                "{bad} allowed when private is allowed"
            );
        }
        for ok in [
            "https://hooks.example.com/zoom",
            "http://203.0.113.10/hook",
            "https://[2001:db8::1]/hook",
            "https://[2606:4700::1111]/x",
            "http://8.8.8.8/",
        ] {
            assert!(check_url(ok, false).is_ok(), "{ok}");
        }
        for invalid in [
            "ftp://example.com/",
            "not a url",
            "https://user:pw@example.com/",
            "file:///etc/passwd",
        ] {
            assert!(
                matches!(check_url(invalid, false), Err(OutboundError::InvalidUrl(_))),
                "{invalid}"
            );
        }
    }

    #[test]
    fn embedded_ipv4_is_judged_by_its_ipv4_address() {
        assert!(!is_forbidden_ip("64:ff9b::808:808".parse().unwrap()));
        assert!(is_forbidden_ip("64:ff9b::a9fe:a9fe".parse().unwrap()));
        assert!(!is_forbidden_ip("2002:808:808::1".parse().unwrap()));
        assert!(is_forbidden_ip("2002:a00:1::1".parse().unwrap()));
        assert!(!is_forbidden_ip("2001:4860:4860::8888".parse().unwrap()));
    }

    /// The registries' blocks that are not globally reachable, at their
    /// edges; the neighbours outside them pass.
    #[test]
    fn the_iana_special_purpose_blocks() {
        for bad in [
            // IPv4-mapped, whatever the IPv4 address: ::ffff:0:0/96.
            "::ffff:8.8.8.8",
            "::ffff:10.0.0.1",
            "::ffff:0:0",
            "::ffff:ffff:ffff",
            // IPv4-translated (SIIT) and IPv4-compatible.
            "::ffff:0:7f00:1",
            "::ffff:0:808:808",
            "::8.8.8.8",
            // Local-use NAT64 64:ff9b:1::/48, whatever it embeds.
            "64:ff9b:1::808:808",
            "64:ff9b:1:ffff:ffff:ffff:ffff:ffff",
            "100::1",
            "100:0:0:1::1",
            "2001::1",
            "2001:1ff:ffff::1",
            "5f00::1",
            "fec0::1",
            "192.0.0.9",
            "192.88.99.1",
            "198.19.255.255",
            "100.127.255.255",
            "0.1.2.3",
            "239.255.255.255",
            "255.255.255.255",
        ] {
            assert!(is_forbidden_ip(bad.parse().unwrap()), "{bad}");
        }
        for ok in [
            "64:ff9b:2::1",
            "64:ff9a:ffff:ffff:ffff:ffff:ffff:ffff",
            "::1:0:0:1",
            "2001:200::1",
            "2620:4f:8000::1",
            "100.128.0.1",
            "198.20.0.1",
            "192.0.1.1",
            "223.255.255.255",
            "1.1.1.1",
        ] {
            assert!(!is_forbidden_ip(ok.parse().unwrap()), "{ok}");
        }
    }
}
