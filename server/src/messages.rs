//! The message catalogue: upstream's `ERROR_MESSAGES` (`open_webui/constants.py`), one constant
//! per member under the member's name, with its text byte for byte; members that take an argument
//! are functions. Messages of our own (where we answer and the reference does not, or answers
//! 500) follow at the end, each saying why.
//!
//! Every error message the server sends comes from here, so the same member is never spelled
//! twice.

// ---- ERROR_MESSAGES (constants.py) ----

pub const DEFAULT_ERROR: &str = "Something went wrong :/";
/// `DEFAULT(e, fallback)` of an exception that is not an `OSError` (and `DEFAULT(fallback)`).
pub fn default_error(fallback: &str) -> String {
    format!("[ERROR: {fallback}]")
}
pub const DELETE_USER_ERROR: &str = "Oops! Something went wrong. We encountered an issue while trying to delete the user. Please give it another shot.";
pub const EMAIL_TAKEN: &str = "Uh-oh! This email is already registered. Sign in with your existing account or choose another email to start anew.";
pub const PASSWORD_TOO_LONG: &str = "Uh-oh! The password you entered is too long. Please make sure your password is less than 72 bytes long.";
pub const INVALID_TOKEN: &str = "Your session has expired or the token is invalid. Please sign in again.";
pub const INVALID_CRED: &str = "The email or password provided is incorrect. Please check for typos and try logging in again.";
pub const INVALID_EMAIL_FORMAT: &str = "The email format you entered is invalid. Please double-check and make sure you're using a valid email address (e.g., yourname@example.com).";
pub const INCORRECT_PASSWORD: &str = "The password provided is incorrect. Please check for typos and try again.";
pub const INVALID_TRUSTED_HEADER: &str = "Your provider has not provided a trusted header. Please contact your administrator for assistance.";
pub const EXISTING_USERS: &str = "You can't turn off authentication because there are existing users. If you want to disable WEBUI_AUTH, make sure your web interface doesn't have any existing users and is a fresh installation.";
pub const UNAUTHORIZED: &str = "401 Unauthorized";
pub const ACCESS_PROHIBITED: &str = "You do not have permission to access this resource. Please contact your administrator for assistance.";
pub const ACTION_PROHIBITED: &str = "The requested action has been restricted as a security measure.";
pub const NOT_FOUND: &str = "We could not find what you're looking for :/";
pub const USER_NOT_FOUND: &str = "We could not find what you're looking for :/";
pub const API_KEY_NOT_FOUND: &str = "Oops! It looks like there's a hiccup. The API key is missing. Please make sure to provide a valid API key to access this feature.";
pub const API_KEY_NOT_ALLOWED: &str = "Use of API key is not enabled in the environment.";
pub const API_KEY_CREATION_NOT_ALLOWED: &str = "API key creation is not allowed in the environment.";
pub const RATE_LIMIT_EXCEEDED: &str = "API rate limit exceeded";

// ---- Our own ----

/// PostgreSQL refuses a NUL character in text (SQLSTATE 22021); the reference answers 500 there,
/// we answer 400 with this (see `crate::error`).
pub const NUL_IN_TEXT: &str = "Invalid input: text cannot contain NUL (0x00) characters.";
