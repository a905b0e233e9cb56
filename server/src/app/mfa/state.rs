//! The MFA state as the reference stores it on the `auth` row's `mfa` column (`MfaData` and its
//! parts in `utils/mfa.py`), field for field, so that either backend reads the other's.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// `MfaLimit`: attempts in the current window.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Limit {
    #[serde(default)]
    pub count: i64,
    pub expires_at: i64,
}

/// `MfaResetTicket`: an operator's one-time recovery token (its digest).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ResetTicket {
    pub token_hash: String,
    pub expires_at: i64,
}

/// `MfaChallenge`: one pending step (`enroll`, `verify`, `replace`, `recover`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Challenge {
    pub token_hash: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub expires_at: i64,
    #[serde(default)]
    pub attempts: i64,
    pub auth_method: String,
    pub auth_time: i64,
    #[serde(default)]
    pub session_stamp: Option<String>,
    #[serde(default)]
    pub secret: Option<String>,
    #[serde(default)]
    pub oauth_session_id: Option<String>,
    #[serde(default)]
    pub provider: Option<String>,
}

/// `MfaData` (`extra='forbid'`), field order as the reference dumps it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MfaData {
    #[serde(default = "new_revision")]
    pub revision: String,
    #[serde(default)]
    pub secret: Option<String>,
    #[serde(default = "no_step")]
    pub last_step: i64,
    #[serde(default)]
    pub recovery_hashes: Vec<String>,
    #[serde(default)]
    pub login_challenge: Option<Challenge>,
    #[serde(default)]
    pub manage_challenge: Option<Challenge>,
    #[serde(default)]
    pub reset_required: bool,
    #[serde(default)]
    pub reset_ticket: Option<ResetTicket>,
    #[serde(default)]
    pub limits: BTreeMap<String, Limit>,
}

pub(super) fn new_revision() -> String {
    uuid::Uuid::new_v4().to_string()
}

fn no_step() -> i64 {
    -1
}

impl Default for MfaData {
    fn default() -> Self {
        MfaData {
            revision: new_revision(),
            secret: None,
            last_step: -1,
            recovery_hashes: vec![],
            login_challenge: None,
            manage_challenge: None,
            reset_required: false,
            reset_ticket: None,
            limits: BTreeMap::new(),
        }
    }
}

/// Which challenge slot a flow uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Slot {
    Login,
    Manage,
}

impl MfaData {
    pub(super) fn slot_mut(&mut self, slot: Slot) -> &mut Option<Challenge> {
        match slot {
            Slot::Login => &mut self.login_challenge,
            Slot::Manage => &mut self.manage_challenge,
        }
    }
}
