//! Webhook signatures (PROTOCOL.md, "Webhooks").
//!
//! - Zoom: `x-zm-signature: v0=<hex HMAC-SHA256(secret token, "v0:" +
//!   timestamp + ":" + body)>`, keyed with the secret token exactly as the
//!   developer copies it (Zoom's sample app uses the string as the key).
//! - Standard Webhooks 1.0: `webhook-signature: v1,<base64 HMAC-SHA256(key,
//!   id + "." + timestamp + "." + body)>`, the key being the base64 part of
//!   the `whsec_…` secret; during a rotation both secrets sign and the
//!   header carries both, space-separated.
//! - The endpoint check: `encryptedToken = hex HMAC-SHA256(secret token,
//!   plainToken)`.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

fn hmac(key: &[u8], parts: &[&[u8]]) -> Vec<u8> {
    let mut mac = HmacSha256::new_from_slice(key).expect("HMAC takes any key length");
    for part in parts {
        mac.update(part);
    }
    mac.finalize().into_bytes().to_vec()
}

/// A new secret token: `whsec_` + 256 random bits in base64.
pub fn new_secret_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    format!("whsec_{}", STANDARD.encode(bytes))
}

/// `x-zm-signature` for a body sent at `timestamp` (Unix seconds).
pub fn zoom_signature(secret_token: &str, timestamp: i64, body: &str) -> String {
    let mac = hmac(
        secret_token.as_bytes(),
        &[
            b"v0:",
            timestamp.to_string().as_bytes(),
            b":",
            body.as_bytes(),
        ],
    );
    format!("v0={}", hex::encode(mac))
}

/// The `encryptedToken` an endpoint answers the URL validation with.
pub fn validation_token(secret_token: &str, plain_token: &str) -> String {
    hex::encode(hmac(secret_token.as_bytes(), &[plain_token.as_bytes()]))
}

/// One Standard Webhooks signature (`v1,…`); `None` when the secret is not
/// a `whsec_` + base64 key.
pub fn standard_signature(
    secret: &str,
    msg_id: &str,
    timestamp: i64,
    body: &str,
) -> Option<String> {
    let key = STANDARD.decode(secret.strip_prefix("whsec_")?).ok()?;
    let mac = hmac(
        &key,
        &[
            msg_id.as_bytes(),
            b".",
            timestamp.to_string().as_bytes(),
            b".",
            body.as_bytes(),
        ],
    );
    Some(format!("v1,{}", STANDARD.encode(mac)))
}

/// The `webhook-signature` header: one signature per secret (the current
/// one first; the previous one too during a rotation), space-separated.
pub fn standard_signature_header(
    secrets: &[&str],
    msg_id: &str,
    timestamp: i64,
    body: &str,
) -> String {
    secrets
        .iter()
        .filter_map(|secret| standard_signature(secret, msg_id, timestamp, body))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The headers every delivery carries (PROTOCOL.md): Zoom's signature
/// with the current Secret Token, and the Standard Webhooks headers signed
/// with every token given (current first, then one in its grace period).
pub fn delivery_headers(
    tokens: &[&str],
    msg_id: &str,
    timestamp: i64,
    body: &str,
) -> Vec<(String, String)> {
    let current = tokens.first().copied().unwrap_or_default();
    vec![
        ("x-zm-request-timestamp".into(), timestamp.to_string()),
        (
            "x-zm-signature".into(),
            zoom_signature(current, timestamp, body),
        ),
        ("x-zm-trackingid".into(), msg_id.to_owned()),
        ("webhook-id".into(), msg_id.to_owned()),
        ("webhook-timestamp".into(), timestamp.to_string()),
        (
            "webhook-signature".into(),
            standard_signature_header(tokens, msg_id, timestamp, body),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The test vector of the Standard Webhooks specification.
    #[test]
    fn standard_webhooks_test_vector() {
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        let body = r#"{"test": 2432232314}"#;
        assert_eq!(
            standard_signature(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body).as_deref(),
            Some("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
        );
        let other = new_secret_token();
        let header = standard_signature_header(
            &[secret, &other],
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1614265330,
            body,
        );
        let parts: Vec<&str> = header.split(' ').collect();
        assert_eq!(parts.len(), 2, "both secrets sign during a rotation");
        assert_eq!(parts[0], "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
        assert!(standard_signature("not-whsec", "m", 1, "b").is_none());
    }

    /// Zoom's sample receiver (zoom/webhook-sample) computes
    /// `crypto.createHmac('sha256', secret).update(`v0:${ts}:${body}`)
    /// .digest('hex')`; Node runs exactly that here, independently of our
    /// code, for the delivery signature and the URL validation token.
    #[test]
    fn zoom_signatures_match_zooms_sample_algorithm_in_node() {
        let node = |script: &str, args: &[&str]| -> Option<String> {
            let out = std::process::Command::new("node")
                .arg("-e")
                .arg(script)
                .args(args)
                .output()
                .ok()?;
            out.status
                .success()
                .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
        };
        let secret = new_secret_token();
        let body = r#"{"event":"meeting.created","event_ts":1700000000000,"payload":{"account_id":"acct_1","object":{"id":85746065432,"topic":"Ünïcode ✓"}}}"#;
        let sample = "const c=require('crypto');const [s,ts,b]=process.argv.slice(1);\
                      console.log('v0='+c.createHmac('sha256',s).update(`v0:${ts}:${b}`).digest('hex'))";
        let Some(expected) = node(sample, &[&secret, "1700000000", body]) else {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "CI=true needs node for this check"
            );
            eprintln!("SKIPPED: node is not installed");
            return;
        };
        assert_eq!(zoom_signature(&secret, 1700000000, body), expected);
        let plain = "qgg8vlvZRS6UYooatFL8Aw";
        let validation = node(
            "const c=require('crypto');const [s,p]=process.argv.slice(1);console.log(c.createHmac('sha256',s).update(p).digest('hex'))",
            &[&secret, plain],
        )
        .unwrap();
        assert_eq!(validation_token(&secret, plain), validation);
    }
}
