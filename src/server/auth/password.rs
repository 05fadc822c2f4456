//! Password hashing: argon2id at OWASP's parameters, run off the async
//! threads because one hash takes tens of milliseconds of CPU.

use std::sync::OnceLock;

use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::{Algorithm, Argon2, Params, Version};

/// OWASP Password Storage Cheat Sheet: m = 19 MiB, t = 2, p = 1.
fn hasher() -> Argon2<'static> {
    let params = Params::new(19_456, 2, 1, None).expect("constant argon2 parameters are valid");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hashes a password into a PHC string (algorithm, parameters, salt, hash).
pub fn hash_blocking(password: &str) -> Result<String, argon2::password_hash::Error> {
    let salt = SaltString::generate(&mut OsRng);
    Ok(hasher()
        .hash_password(password.as_bytes(), &salt)?
        .to_string())
}

/// Checks a password against a stored PHC string. The parameters are read
/// from the string, so hashes made with older parameters still verify.
pub fn verify_blocking(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc)
        .map(|parsed| {
            hasher()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A hash of a random password, verified against when the email is unknown
/// so that an unknown email costs as much time as a wrong password.
fn decoy_hash() -> &'static str {
    static DECOY: OnceLock<String> = OnceLock::new();
    DECOY.get_or_init(|| {
        hash_blocking(&crate::server::ids::new_secret()).expect("hashing a random password works")
    })
}

/// Hashes on the blocking pool.
pub async fn hash(password: String) -> Result<String, String> {
    tokio::task::spawn_blocking(move || hash_blocking(&password).map_err(|e| e.to_string()))
        .await
        .map_err(|e| e.to_string())?
}

/// Verifies on the blocking pool; with no stored hash, burns the same time
/// on the decoy and answers false.
pub async fn verify(password: String, phc: Option<String>) -> bool {
    tokio::task::spawn_blocking(move || match phc {
        Some(phc) => verify_blocking(&password, &phc),
        None => {
            verify_blocking(&password, decoy_hash());
            false
        }
    })
    .await
    .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_argon2id_with_owasp_parameters_and_salted() {
        let a = hash_blocking("correct horse").unwrap();
        let b = hash_blocking("correct horse").unwrap();
        assert!(a.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{a}");
        assert_ne!(a, b, "each hash has its own salt");
        assert!(verify_blocking("correct horse", &a));
        assert!(!verify_blocking("correct horsE", &a));
        assert!(!verify_blocking("correct horse", "not a phc string"));
    }

    #[test]
    fn long_passwords_are_not_truncated() {
        let long = "p".repeat(128);
        let hash = hash_blocking(&long).unwrap();
        assert!(verify_blocking(&long, &hash));
        assert!(!verify_blocking(&"p".repeat(127), &hash));
        assert!(!verify_blocking(&format!("{long}x"), &hash));
    }
}
