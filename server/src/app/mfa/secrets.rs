//! The MFA secrets: Fernet encryption of authenticator secrets, TOTP codes, digests of
//! challenge tokens and recovery codes (`utils/mfa.py`'s helpers, with pyotp's and `secrets`'
//! formats).

use base64::Engine;
use fernet::Fernet;
use rand::Rng;
use sha2::{Digest, Sha256};
use webui_api::MfaSetupResponse;

use super::now;
use crate::context::ServerContext;
use crate::error::{Error, Result};
use crate::messages;

/// `cipher()`: Fernet under `MFA_ENCRYPTION_KEY`, else a key derived from the secret key.
pub fn cipher(ctx: &ServerContext) -> std::result::Result<Fernet, &'static str> {
    if let Some(key) = ctx.config.env_str("MFA_ENCRYPTION_KEY").filter(|k| !k.is_empty()) {
        return Fernet::new(key).ok_or("MFA_ENCRYPTION_KEY is not a valid Fernet key.");
    }
    let secret = &ctx.config.secret_key;
    if secret.is_empty() {
        return Err("A persistent WEBUI_SECRET_KEY is required for MFA.");
    }
    let mut key = [0u8; 32];
    hkdf::Hkdf::<Sha256>::new(None, secret.as_bytes())
        .expand(b"open-webui/mfa-encryption/v1", &mut key)
        .map_err(|_| "key derivation failed")?;
    Fernet::new(&base64::engine::general_purpose::URL_SAFE.encode(key)).ok_or("key derivation failed")
}

/// `decrypt_secret`: a stored authenticator secret in clear (503 when the key cannot open it).
pub(super) fn decrypt_secret(ctx: &ServerContext, token: &str) -> Result<String> {
    let f = cipher(ctx).map_err(|_| Error::status(503, messages::MFA_CONFIG_UNAVAILABLE))?;
    f.decrypt(token).ok().and_then(|b| String::from_utf8(b).ok()).ok_or_else(|| Error::status(503, messages::MFA_CONFIG_UNAVAILABLE))
}

/// `token_hash`: SHA-256, hex.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Equal strings, in time independent of where they differ.
pub(super) fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// `secrets.token_urlsafe(n)`.
pub(super) fn token_urlsafe(n: usize) -> String {
    let bytes: Vec<u8> = (0..n).map(|_| rand::thread_rng().gen()).collect();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// `pyotp.random_base32()`: 32 characters of the base32 alphabet.
pub(super) fn random_base32() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut rng = rand::thread_rng();
    (0..32).map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char).collect()
}

/// The 6-digit TOTP (SHA-1, 30 s) of `secret` (base32) at time step `step`.
fn totp_at(secret: &str, step: i64) -> Option<String> {
    let key = totp_rs::Secret::Encoded(secret.to_uppercase()).to_bytes().ok()?;
    let totp = totp_rs::TOTP::new_unchecked(totp_rs::Algorithm::SHA1, 6, 0, 30, key);
    Some(totp.generate(u64::try_from(step).ok()? * 30))
}

/// The current TOTP of `secret` (tests and tools use it to play the authenticator).
pub fn current_code(secret: &str) -> Option<String> {
    totp_at(secret, now() / 30)
}

/// `matching_step`: the time step (now, one back, one ahead) whose code is `code`, later than
/// `last_step` so that a code works once.
pub(super) fn matching_step(secret: &str, code: &str, last_step: i64) -> Option<i64> {
    if code.chars().count() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let current = now() / 30;
    [current, current - 1, current + 1]
        .into_iter()
        .find(|&step| step > last_step && totp_at(secret, step).is_some_and(|c| same(&c, code)))
}

/// `recovery_codes`: ten codes, and their digests to store.
pub(super) fn recovery_codes() -> (Vec<String>, Vec<String>) {
    let codes: Vec<String> = (0..10).map(|_| hex::encode(rand::thread_rng().gen::<[u8; 16]>())).collect();
    let hashes = codes.iter().map(|c| token_hash(c)).collect();
    (codes, hashes)
}

/// `setup_details`: the secret as text and as an `otpauth://` QR code (SVG data URL).
pub(super) fn setup_details(secret: &str, email: &str) -> MfaSetupResponse {
    let enc = |s: &str| -> String {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => (b as char).to_string(),
                _ => format!("%{b:02X}"),
            })
            .collect()
    };
    let uri = format!("otpauth://totp/Open%20WebUI:{}?secret={secret}&issuer=Open%20WebUI", enc(email));
    let svg = qrcode::QrCode::new(uri.as_bytes())
        .map(|q| q.render::<qrcode::render::svg::Color>().build())
        .unwrap_or_default();
    MfaSetupResponse {
        manual_key: secret.to_string(),
        qr_code: format!("data:image/svg+xml;base64,{}", base64::engine::general_purpose::STANDARD.encode(svg)),
    }
}
