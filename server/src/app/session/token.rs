//! Session tokens exactly as the reference mints them (PyJWT, HS256 over `WEBUI_SECRET_KEY`):
//! header `{"alg":"HS256","typ":"JWT"}` (PyJWT sorts header keys), compact JSON payload with the
//! claims in the reference's order, then `exp`, `jti`, `iat`.

use base64::Engine;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Validation};
use serde_json::{Map, Value};

const HEADER: &str = r#"{"alg":"HS256","typ":"JWT"}"#;

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// `create_token(data, expires_delta)`: `data` in order, then `exp` (when it expires), a fresh
/// `jti` (uuid4) and `iat`, all times in whole seconds.
pub fn create_token(secret: &str, data: Map<String, Value>, expires_in_secs: Option<i64>, now: i64) -> String {
    let mut payload = data;
    if let Some(secs) = expires_in_secs {
        payload.insert("exp".into(), Value::from(now.saturating_add(secs)));
    }
    payload.insert("jti".into(), Value::from(uuid::Uuid::new_v4().to_string()));
    payload.insert("iat".into(), Value::from(now));
    // Python's json.dumps escapes non-ASCII; our claims are ASCII (ids, uuids, method names).
    let body = serde_json::to_string(&Value::Object(payload)).expect("claims serialise");
    let message = format!("{}.{}", b64(HEADER.as_bytes()), b64(body.as_bytes()));
    let signature = jsonwebtoken::crypto::sign(message.as_bytes(), &EncodingKey::from_secret(secret.as_bytes()), Algorithm::HS256)
        .expect("HMAC signing cannot fail");
    format!("{message}.{signature}")
}

/// `decode_token`: the claims, or `None` for any failure (bad signature or format, expired,
/// issued or valid only in the future), with PyJWT's checks and no leeway.
pub fn decode_token(secret: &str, token: &str, now: i64) -> Option<Map<String, Value>> {
    let mut validation = Validation::new(Algorithm::HS256);
    validation.leeway = 0;
    validation.validate_exp = false;
    validation.validate_nbf = false;
    validation.validate_aud = false;
    validation.required_spec_claims.clear();
    let data = jsonwebtoken::decode::<Map<String, Value>>(token, &DecodingKey::from_secret(secret.as_bytes()), &validation).ok()?;
    let claims = data.claims;
    // PyJWT: int(claim) must work; iat and nbf not in the future; exp strictly in the future.
    let int = |v: &Value| -> Option<i64> {
        match v {
            Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f.trunc() as i64)),
            Value::String(s) => s.trim().parse().ok(),
            Value::Bool(b) => Some(*b as i64),
            _ => None,
        }
    };
    if let Some(v) = claims.get("iat") {
        if int(v)? > now {
            return None;
        }
    }
    if let Some(v) = claims.get("nbf") {
        if int(v)? > now {
            return None;
        }
    }
    if let Some(v) = claims.get("exp") {
        if int(v)? <= now {
            return None;
        }
    }
    if let Some(v) = claims.get("jti") {
        if !v.is_string() {
            return None;
        }
    }
    if let Some(v) = claims.get("sub") {
        if !v.is_string() {
            return None;
        }
    }
    Some(claims)
}

/// `parse_duration` (`JWT_EXPIRES_IN`): `-1` and `0` mean no expiry (`Ok(None)`); otherwise the
/// sum of every `<number><unit>` pair (`ms s m h d w`, numbers may be negative or fractional).
/// A string with no pair is an error, as in the reference (where it becomes a 500).
pub fn parse_duration(s: &str) -> Result<Option<f64>, String> {
    if s == "-1" || s == "0" {
        return Ok(None);
    }
    let b = s.as_bytes();
    let mut total = 0.0f64;
    let mut found = false;
    let mut i = 0;
    while i < b.len() {
        // A number: -?\d+(\.\d+)?
        let start = i;
        let mut j = i;
        if b[j] == b'-' {
            j += 1;
        }
        let digits = j;
        while j < b.len() && b[j].is_ascii_digit() {
            j += 1;
        }
        if j == digits {
            i = start + 1;
            continue;
        }
        if j + 1 < b.len() && b[j] == b'.' && b[j + 1].is_ascii_digit() {
            j += 1;
            while j < b.len() && b[j].is_ascii_digit() {
                j += 1;
            }
        }
        let number: f64 = s[start..j].parse().unwrap_or(0.0);
        let rest = &s[j..];
        let (unit, len) = if rest.starts_with("ms") {
            (0.001, 2)
        } else if rest.starts_with('s') {
            (1.0, 1)
        } else if rest.starts_with('m') {
            (60.0, 1)
        } else if rest.starts_with('h') {
            (3600.0, 1)
        } else if rest.starts_with('d') {
            (86400.0, 1)
        } else if rest.starts_with('w') {
            (604800.0, 1)
        } else {
            // Python's re.findall retries from the next character.
            i = start + 1;
            continue;
        };
        total += number * unit;
        found = true;
        i = j + len;
    }
    if !found {
        return Err(format!("Invalid duration string: {s:?}"));
    }
    Ok(Some(total))
}

/// Seconds of a parsed duration as the reference uses them (`int(timedelta.total_seconds())`);
/// `None` when the duration is unset or zero (a zero timedelta is falsy in Python).
///
/// Clamped to ±[`MAX_EXPIRY_SECS`] so that `now + seconds` cannot overflow (found by the
/// `jwt_expires_in` fuzz target: `JWT_EXPIRES_IN=99999999999999999999w` panicked in debug builds
/// and wrapped to an already-expired token in release; the reference answers 500 there).
pub fn expiry_seconds(duration: Option<f64>) -> Option<i64> {
    match duration {
        Some(d) if d != 0.0 => Some((d.trunc() as i64).clamp(-MAX_EXPIRY_SECS, MAX_EXPIRY_SECS)),
        _ => None,
    }
}

/// The end of year 9999 in Unix seconds: as far as Python's `datetime` (and a token) can go.
pub const MAX_EXPIRY_SECS: i64 = 253_402_300_799;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("4w").unwrap(), Some(2419200.0));
        assert_eq!(parse_duration("-1").unwrap(), None);
        assert_eq!(parse_duration("1h30m").unwrap(), Some(5400.0));
        assert_eq!(parse_duration("1.5d").unwrap(), Some(129600.0));
        assert_eq!(parse_duration("500ms").unwrap(), Some(0.5));
        assert!(parse_duration("forever").is_err());
    }

    #[test]
    fn round_trip_and_checks() {
        let mut data = Map::new();
        data.insert("id".into(), "u1".into());
        let t = create_token("k", data, Some(60), 1000);
        let (h, _) = t.split_once('.').unwrap();
        assert_eq!(h, "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9");
        let c = decode_token("k", &t, 1000).unwrap();
        assert_eq!(c.keys().collect::<Vec<_>>(), ["id", "exp", "jti", "iat"]);
        assert!(decode_token("k", &t, 1060).is_none(), "expired");
        assert!(decode_token("k", &t, 999).is_none(), "iat in the future");
        assert!(decode_token("other", &t, 1000).is_none());
    }

    #[test]
    fn decodes_a_reference_token() {
        // Minted by open-webui 0.12.4 with WEBUI_SECRET_KEY=owui-test-secret.
        let t = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpZCI6IjExMGMzMjllLTMyMDAtNGMwZS1iNTBmLWJkNjcxZTAzNmI3MSIsInR5cCI6InNlc3Npb24iLCJhdXRoX21ldGhvZCI6InBhc3N3b3JkIiwiYXV0aF90aW1lIjoxNzk1Njc2OTg0LCJzZXNzaW9uX3N0YW1wIjoiYTFkOGU1ZDItNjBjMi00ODgzLTkzZWMtZDE5MzdiZGJhNzNkIiwibWZhX3ZlcmlmaWVkIjpmYWxzZSwiZXhwIjoxNzk4MDk2MTg0LCJqdGkiOiJiNjIxMzdjNi0wY2IxLTQ4OGYtOWM2ZC03OGVlODIzNGVlN2MiLCJpYXQiOjE3OTU2NzY5ODR9.O4AYeVLW-ymibJZMHhG5U7cRrE6yEgsc7AmgOgHcqYY";
        let c = decode_token("owui-test-secret", t, 1795676990).unwrap();
        assert_eq!(
            c.keys().collect::<Vec<_>>(),
            ["id", "typ", "auth_method", "auth_time", "session_stamp", "mfa_verified", "exp", "jti", "iat"]
        );
        // Re-signing the same claims gives the same bytes (header and payload form are identical).
        let payload = t.split('.').nth(1).unwrap();
        let message = format!("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.{payload}");
        let sig = jsonwebtoken::crypto::sign(message.as_bytes(), &EncodingKey::from_secret(b"owui-test-secret"), Algorithm::HS256).unwrap();
        assert_eq!(format!("{message}.{sig}"), t);
        let body = String::from_utf8(base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap();
        assert_eq!(serde_json::to_string(&c).unwrap(), body);
    }
}
