//! LDAP: sign-in (the reference's `ldap_auth`, `routers/auths.py`) and the admin's LDAP settings.
//!
//! Sign-in: the password must be non-blank before anything touches the directory (an LDAP
//! simple bind with a DN and an empty password is an "unauthenticated bind" that OpenLDAP
//! accepts: GHSA-2r4p); the application account binds (anonymously without `app_dn`), searches
//! `(&(<username attr>=<user, lowercased and escaped>)<filters>)`, checks the entry's username,
//! then binds as the entry's DN with the password. A new email gets an account (the very first
//! account becomes admin, atomically, without closing sign-up, as the reference's LDAP path does).

use std::time::Duration;

use ldap3::{LdapConnAsync, LdapConnSettings, Scope, SearchEntry};
use serde_json::{json, Map, Value};
use webui_api::{LdapConfigForm, LdapForm, LdapServerConfig, SigninResult};

use crate::app::auths::{limit_password_attempts, setting, signin_response, user_of_active_credential, valid_email, WithCookie};
use crate::app::session::{now, truthy};
use crate::context::ServerContext;
use crate::db::auths::{self as auths_db, NewAccount};
use crate::db::{groups, users};
use crate::error::{Error, Result};
use crate::messages;

/// `LDAP_SERVER_CONFIG_KEYS`: form field → setting key, in the reference's order.
const SERVER_KEYS: &[(&str, &str)] = &[
    ("label", "ldap.server.label"),
    ("host", "ldap.server.host"),
    ("port", "ldap.server.port"),
    ("attribute_for_mail", "ldap.server.attribute_for_mail"),
    ("default_email_domain", "ldap.server.default_email_domain"),
    ("attribute_for_username", "ldap.server.attribute_for_username"),
    ("app_dn", "ldap.server.app_dn"),
    ("app_dn_password", "ldap.server.app_password"),
    ("search_base", "ldap.server.users_dn"),
    ("search_filters", "ldap.server.search_filter"),
    ("use_tls", "ldap.server.use_tls"),
    ("certificate_path", "ldap.server.ca_cert_file"),
    ("validate_cert", "ldap.server.validate_cert"),
    ("ciphers", "ldap.server.ciphers"),
    ("enable_group_management", "ldap.group.enable_management"),
    ("enable_group_creation", "ldap.group.enable_creation"),
    ("attribute_for_groups", "ldap.server.attribute_for_groups"),
];

/// `get_config_values(LDAP_SERVER_CONFIG_KEYS)`.
fn server_values(ctx: &ServerContext) -> Map<String, Value> {
    let keys: Vec<&str> = SERVER_KEYS.iter().map(|(_, k)| *k).collect();
    let values = ctx.settings_many(&keys);
    let mut out = Map::new();
    for (field, key) in SERVER_KEYS {
        if let Some(v) = values.get(*key) {
            out.insert(field.to_string(), v.clone());
        }
    }
    out
}

/// `GET /api/v1/auths/admin/config/ldap`.
pub fn config_get(ctx: &ServerContext) -> Value {
    json!({"ENABLE_LDAP": setting(ctx, "ldap.enable")})
}

/// `POST /api/v1/auths/admin/config/ldap`.
pub async fn config_update(ctx: &ServerContext, form: &LdapConfigForm) -> Result<Value> {
    crate::settings::write(ctx, &[("ldap.enable", json!(form.enable_ldap))]).await?;
    Ok(config_get(ctx))
}

/// `GET /api/v1/auths/admin/config/ldap/server`: the stored settings through
/// `response_model=LdapServerConfig` (lax coercion of what the table holds; a value that does
/// not fit is the reference's 500).
pub fn server_get(ctx: &ServerContext) -> Result<LdapServerConfig> {
    let mut v = server_values(ctx);
    if let Some(Value::String(p)) = v.get("port").cloned() {
        if let Ok(n) = p.trim().parse::<i64>() {
            v.insert("port".into(), json!(n));
        }
    }
    for f in ["use_tls", "validate_cert", "enable_group_management", "enable_group_creation"] {
        if let Some(Value::String(s)) = v.get(f).cloned() {
            match s.to_lowercase().as_str() {
                "true" | "1" | "yes" | "on" | "t" | "y" => v.insert(f.into(), json!(true)),
                "false" | "0" | "no" | "off" | "f" | "n" => v.insert(f.into(), json!(false)),
                _ => None,
            };
        }
    }
    serde_json::from_value(Value::Object(v)).map_err(Error::internal)
}

/// `POST /api/v1/auths/admin/config/ldap/server`: the required fields, then every field saved;
/// the stored settings (as a plain dict, as the reference answers them).
pub async fn server_update(ctx: &ServerContext, form: &LdapServerConfig) -> Result<Value> {
    let required = [
        ("label", &form.label),
        ("host", &form.host),
        ("attribute_for_mail", &form.attribute_for_mail),
        ("attribute_for_username", &form.attribute_for_username),
        ("search_base", &form.search_base),
    ];
    for (name, value) in required {
        if value.is_empty() {
            return Err(Error::bad_request(messages::required_field_empty(name)));
        }
    }
    if form.enable_group_management && form.attribute_for_groups.trim().is_empty() {
        return Err(Error::bad_request(messages::required_field_empty("attribute_for_groups")));
    }
    let dumped = match serde_json::to_value(form).map_err(Error::internal)? {
        Value::Object(m) => m,
        _ => Map::new(),
    };
    let updates: Vec<(&str, Value)> =
        SERVER_KEYS.iter().map(|(field, key)| (*key, dumped.get(*field).cloned().unwrap_or(Value::Null))).collect();
    crate::settings::write(ctx, &updates).await?;
    Ok(Value::Object(server_values(ctx)))
}

/// The settings `ldap_auth` reads.
struct Settings {
    host: String,
    port: Option<i64>,
    attr_mail: String,
    default_email_domain: String,
    attr_username: String,
    search_base: String,
    search_filters: String,
    app_dn: String,
    app_password: String,
    use_tls: bool,
    validate_cert: bool,
    group_management: bool,
    attr_groups: String,
}

fn as_string(v: Option<&Value>) -> String {
    match v {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}

fn settings(ctx: &ServerContext) -> Settings {
    let keys: Vec<&str> = SERVER_KEYS.iter().map(|(_, k)| *k).collect();
    let v = ctx.settings_many(&keys);
    let s = |k: &str| as_string(v.get(k));
    let b = |k: &str| truthy(v.get(k));
    Settings {
        host: s("ldap.server.host"),
        port: match v.get("ldap.server.port") {
            Some(Value::Number(n)) => n.as_i64(),
            Some(Value::String(p)) => p.trim().parse().ok(),
            _ => None,
        },
        attr_mail: s("ldap.server.attribute_for_mail"),
        default_email_domain: s("ldap.server.default_email_domain"),
        attr_username: s("ldap.server.attribute_for_username"),
        search_base: s("ldap.server.users_dn"),
        search_filters: s("ldap.server.search_filter"),
        app_dn: s("ldap.server.app_dn"),
        app_password: s("ldap.server.app_password"),
        use_tls: b("ldap.server.use_tls"),
        validate_cert: b("ldap.server.validate_cert"),
        group_management: b("ldap.group.enable_management"),
        attr_groups: s("ldap.server.attribute_for_groups"),
    }
}

/// Any failure of the directory conversation that the reference does not name: its catch-all
/// (the cause goes to the log).
fn ldap_failed(log: &slog::Logger, e: impl std::fmt::Display) -> Error {
    slog::error!(log, "LDAP authentication error"; "error" => %e);
    Error::bad_request(messages::LDAP_FAILED)
}

async fn connect(s: &Settings, log: &slog::Logger) -> Result<ldap3::Ldap> {
    // ldap3 (Python): `use_ssl=LDAP_USE_TLS`, port None → 636 with SSL, else 389.
    let scheme = if s.use_tls { "ldaps" } else { "ldap" };
    let port = s.port.unwrap_or(if s.use_tls { 636 } else { 389 });
    let host = if s.host.contains(':') && !s.host.starts_with('[') { format!("[{}]", s.host) } else { s.host.clone() };
    let url = format!("{scheme}://{host}:{port}");
    let settings = LdapConnSettings::new().set_conn_timeout(Duration::from_secs(10)).set_no_tls_verify(!s.validate_cert);
    let (conn, ldap) = LdapConnAsync::with_settings(settings, &url).await.map_err(|e| ldap_failed(log, e))?;
    ldap3::drive!(conn);
    Ok(ldap)
}

/// An attribute's values, looked up case-insensitively (ldap3's `entry[attr]`).
fn attr<'a>(entry: &'a SearchEntry, name: &str) -> Option<&'a Vec<String>> {
    entry.attrs.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v)
}

/// Python's `str(list)` of strings (`['a', 'b']`), for `str(entry['cn'])` of a multi-valued cn.
fn py_list_repr(values: &[String]) -> String {
    let items: Vec<String> = values.iter().map(|v| format!("'{}'", v.replace('\\', "\\\\").replace('\'', "\\'"))).collect();
    format!("[{}]", items.join(", "))
}

/// `_unescape_ldap_dn_value`.
fn unescape_dn_value(value: &str) -> String {
    let chars: Vec<char> = value.chars().collect();
    let hex = |c: char| c.is_ascii_hexdigit();
    let mut out = String::new();
    let mut pos = 0;
    let len = chars.len();
    while pos < len {
        let c = chars[pos];
        if c == '\\' && pos + 1 < len {
            if pos + 2 < len && hex(chars[pos + 1]) && hex(chars[pos + 2]) {
                let mut bytes = vec![];
                while pos + 2 < len && chars[pos] == '\\' && hex(chars[pos + 1]) && hex(chars[pos + 2]) {
                    let h: String = chars[pos + 1..pos + 3].iter().collect();
                    bytes.push(u8::from_str_radix(&h, 16).unwrap_or(0));
                    pos += 3;
                }
                out.push_str(&String::from_utf8_lossy(&bytes));
            } else {
                out.push(chars[pos + 1]);
                pos += 2;
            }
        } else {
            out.push(c);
            pos += 1;
        }
    }
    out
}

/// `extract_group_cn_from_dn`: the first `CN=` component's value, unescaped.
fn group_cn_from_dn(dn: &str) -> Option<String> {
    // Split on unescaped `,` and `+` (RDN and multi-valued RDN separators).
    let mut parts = vec![];
    let mut cur = String::new();
    let mut escaped = false;
    for c in dn.chars() {
        if escaped {
            cur.push(c);
            escaped = false;
        } else if c == '\\' {
            cur.push(c);
            escaped = true;
        } else if c == ',' || c == '+' {
            parts.push(std::mem::take(&mut cur));
        } else {
            cur.push(c);
        }
    }
    parts.push(cur);
    for p in parts {
        let (t, v) = p.split_once('=')?;
        if t.trim().eq_ignore_ascii_case("cn") {
            return Some(unescape_dn_value(v.trim()));
        }
    }
    None
}

/// `POST /api/v1/auths/ldap` (`ldap_auth`): the directory's answer, then the session as a
/// password sign-in gives it. `log` takes what the reference logs (creation and group-sync
/// failures).
pub async fn signin(ctx: &ServerContext, form: &LdapForm, log: &slog::Logger) -> Result<WithCookie<SigninResult>> {
    if !truthy(Some(&setting(ctx, "ldap.enable"))) {
        return Err(Error::bad_request(messages::LDAP_NOT_ENABLED));
    }
    if !ctx.config.env_bool("ENABLE_PASSWORD_AUTH", true) {
        return Err(Error::forbidden(messages::ACTION_PROHIBITED));
    }
    // GHSA-2r4p: never let a blank password reach a bind.
    if form.password.trim().is_empty() {
        return Err(Error::bad_request(messages::INVALID_CRED));
    }
    let s = settings(ctx);
    let mut app = connect(&s, log).await?;
    let bound = if s.app_dn.is_empty() { app.simple_bind("", "").await } else { app.simple_bind(&s.app_dn, &s.app_password).await };
    if bound.map_err(|e| ldap_failed(log, e))?.rc != 0 {
        let _ = app.unbind().await;
        return Err(Error::bad_request(messages::LDAP_APP_BIND_FAILED));
    }
    let mut attrs = vec![s.attr_username.clone(), s.attr_mail.clone(), "cn".to_string()];
    if s.group_management {
        attrs.push(s.attr_groups.clone());
    }
    let filter = format!("(&({}={}){})", s.attr_username, ldap3::ldap_escape(form.user.to_lowercase()), s.search_filters);
    let search = app.search(&s.search_base, Scope::Subtree, &filter, attrs).await;
    let _ = app.unbind().await;
    let ldap3::SearchResult(entries, result) = search.map_err(|e| ldap_failed(log, e))?;
    let entry = match (result.rc, entries.into_iter().next()) {
        (0, Some(e)) => SearchEntry::construct(e),
        _ => return Err(Error::bad_request(messages::LDAP_USER_NOT_FOUND)),
    };
    let username_list: Vec<String> = match attr(&entry, &s.attr_username).map(Vec::as_slice) {
        None | Some([]) => vec!["none".into()],
        Some(values) => values.iter().map(|v| v.to_lowercase()).collect(),
    };
    let mut email = attr(&entry, &s.attr_mail).and_then(|v| v.first().cloned());
    if email.is_none() && !s.default_email_domain.is_empty() {
        let default_email = format!("{}@{}", form.user, s.default_email_domain);
        if valid_email(&default_email) {
            email = Some(default_email);
        }
    }
    let Some(email) = email.filter(|e| !e.is_empty()).map(|e| e.to_lowercase()) else {
        return Err(Error::bad_request(messages::LDAP_NO_EMAIL));
    };
    let cn = match attr(&entry, "cn").map(Vec::as_slice) {
        Some([one]) => one.clone(),
        Some(many) if !many.is_empty() => py_list_repr(many),
        _ => "[]".into(),
    };
    let user_groups: Vec<String> = if s.group_management {
        attr(&entry, &s.attr_groups).map(|dns| dns.iter().filter_map(|dn| group_cn_from_dn(dn)).collect()).unwrap_or_default()
    } else {
        vec![]
    };
    if !username_list.contains(&form.user.to_lowercase()) {
        return Err(Error::bad_request(messages::LDAP_USER_MISMATCH));
    }
    limit_password_attempts(ctx, &email).await?;
    let mut user_conn = connect(&s, log).await?;
    let bound = user_conn.simple_bind(&entry.dn, &form.password).await;
    let _ = user_conn.unbind().await;
    if bound.map_err(|e| ldap_failed(log, e))?.rc != 0 {
        return Err(Error::bad_request(messages::LDAP_BIND_FAILED));
    }
    let client = ctx.db.get().await?;
    let existing = users::user_by_email(&**client, &email).await?;
    drop(client);
    if existing.is_none() {
        let cfg = ctx.settings_many(&["ui.default_user_role", "ui.default_group_id"]);
        let role = match cfg.get("ui.default_user_role") {
            Some(Value::String(r)) => r.clone(),
            _ => "pending".into(),
        };
        // The reference stores `str(uuid.uuid4())` as the credential, unhashed: no password
        // sign-in can match it.
        let placeholder = uuid::Uuid::new_v4().to_string();
        let created = async {
            let mut client = ctx.db.get().await.map_err(|e| e.to_string())?;
            let user = auths_db::insert_account_with(
                &mut client,
                &NewAccount { email: &email, password_hash: &placeholder, name: &cn, profile_image_url: "/user.png", role: &role },
                true,
                false,
                now(),
            )
            .await
            .map_err(|e| e.to_string())?;
            if let Some(Value::String(g)) = cfg.get("ui.default_group_id") {
                if !g.is_empty() {
                    let _ = groups::add_member(&**client, g, &user.id, now()).await;
                }
            }
            Ok::<_, String>(user)
        }
        .await;
        if let Err(e) = created {
            slog::error!(log, "LDAP user creation error"; "error" => e);
            return Err(Error::status(500, messages::LDAP_CREATE_USER_ERROR));
        }
    }
    let Some(user) = user_of_active_credential(ctx, &email).await? else {
        return Err(Error::bad_request(messages::INVALID_CRED));
    };
    if s.group_management && !user_groups.is_empty() {
        // Group creation (`ENABLE_LDAP_GROUP_CREATION`) is not implemented: only existing groups
        // with those names are synced.
        if let Ok(mut client) = ctx.db.get().await {
            if let Err(e) = groups::sync_member_groups_by_names(&mut client, &user.id, &user_groups, now()).await {
                slog::error!(log, "failed to sync LDAP groups"; "error" => e.to_string());
            }
        }
    }
    signin_response(ctx, &user, "ldap").await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn group_cns() {
        assert_eq!(group_cn_from_dn("cn=Admins,ou=groups,dc=x").as_deref(), Some("Admins"));
        assert_eq!(group_cn_from_dn(r"CN=Sales\, EMEA,OU=g,DC=x").as_deref(), Some("Sales, EMEA"));
        assert_eq!(group_cn_from_dn(r"cn=caf\c3\a9,dc=x").as_deref(), Some("café"));
        assert_eq!(group_cn_from_dn("ou=groups,dc=x"), None);
    }
}
