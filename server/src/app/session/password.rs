//! Password hashing as the reference: bcrypt (cost 12, `$2b$`) by default or argon2 when
//! `PASSWORD_HASH_ALGORITHM=argon2`; verification picks the algorithm from the hash. All hashing
//! runs on the blocking pool.

use crate::messages;

/// bcrypt's input limit: new passwords over it are refused, verification truncates to it.
pub const BCRYPT_MAX_BYTES: usize = 72;

/// `bcrypt.gensalt()`'s default cost.
pub const BCRYPT_COST: u32 = 12;

/// A bcrypt hash (cost 12) of `placeholder`, verified when there is no real credential (unknown
/// email, inactive account) so that sign-in takes as long either way.
pub const PLACEHOLDER_HASH: &str = "$2b$12$kuw7RoXw7dTydVo2eaH5zeT6PB7lYZqQGRjEPIQTJDg22xzlw0rPm";

/// `PASSWORD_HASH_ALGORITHM`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HashAlgorithm {
    Bcrypt,
    Argon2,
}

/// `validate_password`: the 72-byte rule under bcrypt, then the optional pattern
/// (`ENABLE_PASSWORD_VALIDATION`). The error is the 400 message.
pub fn validate_password(
    algorithm: HashAlgorithm,
    password: &str,
    pattern: Option<&fancy_regex::Regex>,
    hint: &str,
) -> Result<(), String> {
    if algorithm == HashAlgorithm::Bcrypt && password.len() > BCRYPT_MAX_BYTES {
        return Err(messages::PASSWORD_TOO_LONG.into());
    }
    if let Some(re) = pattern {
        // Python's re.match anchors at the start only.
        let ok = matches!(re.find(password), Ok(Some(m)) if m.start() == 0);
        if !ok {
            return Err(messages::invalid_password(hint));
        }
    }
    Ok(())
}

pub async fn hash_password(algorithm: HashAlgorithm, password: String) -> Result<String, String> {
    tokio::task::spawn_blocking(move || match algorithm {
        HashAlgorithm::Bcrypt => bcrypt::hash(password.as_bytes(), BCRYPT_COST).map_err(|e| e.to_string()),
        HashAlgorithm::Argon2 => {
            use argon2::password_hash::{rand_core::OsRng, PasswordHasher, SaltString};
            // argon2-cffi's PasswordHasher defaults: argon2id, t=3, m=65536 KiB, p=4, 32-byte hash, 16-byte salt.
            let params = argon2::Params::new(65536, 3, 4, Some(32)).map_err(|e| e.to_string())?;
            let hasher = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
            let salt = SaltString::generate(&mut OsRng);
            hasher.hash_password(password.as_bytes(), &salt).map(|h| h.to_string()).map_err(|e| e.to_string())
        }
    })
    .await
    .map_err(|e| e.to_string())?
}

/// `verify_password`: `$argon2…` hashes with argon2, anything else with bcrypt (the password cut
/// to 72 bytes); a malformed hash verifies as false.
pub async fn verify_password(password: String, hash: String) -> bool {
    if hash.is_empty() {
        return false;
    }
    tokio::task::spawn_blocking(move || {
        if hash.starts_with("$argon2") {
            use argon2::password_hash::{PasswordHash, PasswordVerifier};
            return match PasswordHash::new(&hash) {
                Ok(parsed) => argon2::Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok(),
                Err(_) => false,
            };
        }
        let bytes = &password.as_bytes()[..password.len().min(BCRYPT_MAX_BYTES)];
        bcrypt::verify(bytes, &hash).unwrap_or(false)
    })
    .await
    .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn bcrypt_and_argon2_hashes_from_python_verify() {
        assert!(verify_password("placeholder".into(), PLACEHOLDER_HASH.into()).await);
        assert!(!verify_password("other".into(), PLACEHOLDER_HASH.into()).await);
        // argon2-cffi 25.1 PasswordHasher().hash("secret").
        let a = "$argon2id$v=19$m=65536,t=3,p=4$G3qwsqkjTk/EJRMu83MSAA$qwir43Kb8Fdi28bNIV3iBUqcvE0NxPKKARYtZLT34z4";
        assert!(verify_password("secret".into(), a.into()).await);
        assert!(!verify_password("Secret".into(), a.into()).await);
        assert!(!verify_password("x".into(), "not a hash".into()).await);
    }

    #[tokio::test]
    async fn long_passwords() {
        let long = "é".repeat(40); // 80 bytes
        assert_eq!(validate_password(HashAlgorithm::Bcrypt, &long, None, ""), Err(messages::PASSWORD_TOO_LONG.into()));
        assert!(validate_password(HashAlgorithm::Argon2, &long, None, "").is_ok());
        // Verification truncates to 72 bytes, so a hash of the first 72 bytes matches.
        let h = bcrypt::hash(&long.as_bytes()[..72], 4).unwrap();
        assert!(verify_password(long, h).await);
    }

    #[tokio::test]
    async fn argon2_round_trip() {
        let h = hash_password(HashAlgorithm::Argon2, "pw".into()).await.unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=65536,t=3,p=4$"));
        assert!(verify_password("pw".into(), h).await);
    }
}
