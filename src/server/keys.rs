//! The server key and what it protects: webhook secret tokens must be
//! shown to their developer again, so unlike client secrets they cannot be
//! stored as hashes; they are stored encrypted (XChaCha20-Poly1305, a
//! random nonce per value) under a key the database never holds.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};

use super::config::Config;

/// Encrypts and decrypts values at rest.
#[derive(Clone)]
pub struct SecretBox {
    cipher: XChaCha20Poly1305,
}

impl std::fmt::Debug for SecretBox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretBox(…)")
    }
}

impl SecretBox {
    /// From a base64 32-byte key.
    pub fn from_base64(key: &str) -> Result<Self, String> {
        let bytes = STANDARD
            .decode(key.trim())
            .map_err(|_| "PORTICO_SECRET_KEY must be base64".to_owned())?;
        if bytes.len() != 32 {
            return Err(format!(
                "PORTICO_SECRET_KEY must be 32 bytes (it has {})",
                bytes.len()
            ));
        }
        Ok(Self {
            cipher: XChaCha20Poly1305::new_from_slice(&bytes).map_err(|e| e.to_string())?,
        })
    }

    /// base64(nonce ‖ ciphertext).
    pub fn seal(&self, plain: &str) -> String {
        let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
        let sealed = self
            .cipher
            .encrypt(&nonce, plain.as_bytes())
            .expect("encryption of a short value does not fail");
        let mut out = nonce.to_vec();
        out.extend(sealed);
        STANDARD.encode(out)
    }

    /// The value `seal` sealed, if it was sealed under this key.
    pub fn open(&self, sealed: &str) -> Option<String> {
        let bytes = STANDARD.decode(sealed).ok()?;
        if bytes.len() < 24 {
            return None;
        }
        let (nonce, body) = bytes.split_at(24);
        let plain = self.cipher.decrypt(XNonce::from_slice(nonce), body).ok()?;
        String::from_utf8(plain).ok()
    }
}

/// Makes sure `config.secret_key` is set: given, or for SQLite read from
/// (or made once in) `portico.key` beside the database file.
pub fn ensure_key(config: &mut Config) -> Result<(), String> {
    if config.secret_key.is_some() {
        return Ok(());
    }
    let Some(path) = config
        .database_url
        .strip_prefix("sqlite://")
        .or(config.database_url.strip_prefix("sqlite:"))
    else {
        return Err("set PORTICO_SECRET_KEY (32 random bytes, base64) when using PostgreSQL; every process needs the same one".into());
    };
    let file = std::path::Path::new(path.split('?').next().unwrap_or(path));
    let key_file = file.with_file_name("portico.key");
    let key = match std::fs::read_to_string(&key_file) {
        Ok(key) => key.trim().to_owned(),
        Err(_) => {
            use rand::RngCore;
            let mut bytes = [0u8; 32];
            rand::rngs::OsRng.fill_bytes(&mut bytes);
            let key = STANDARD.encode(bytes);
            write_private(&key_file, &key)
                .map_err(|e| format!("cannot write {}: {e}", key_file.display()))?;
            key
        }
    };
    config.secret_key = Some(key);
    Ok(())
}

fn write_private(path: &std::path::Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)?.write_all(contents.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_values_open_only_under_their_key() {
        let key = STANDARD.encode([7u8; 32]);
        let secrets = SecretBox::from_base64(&key).unwrap();
        let sealed = secrets.seal("whsec_abc");
        assert!(!sealed.contains("whsec_abc"));
        assert_ne!(sealed, secrets.seal("whsec_abc"), "a fresh nonce each time");
        assert_eq!(secrets.open(&sealed).as_deref(), Some("whsec_abc"));
        let other = SecretBox::from_base64(&STANDARD.encode([8u8; 32])).unwrap();
        assert_eq!(other.open(&sealed), None);
        assert!(SecretBox::from_base64("short").is_err());
    }
}
