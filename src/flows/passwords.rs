//! Choosing a password (sign-up, reset, change) and the notice that one changed.

use crate::domain::password::Password;
use crate::domain::{Channel, Identifier};
use crate::error::{AppError, AppResult};
use crate::flows::Client;
use crate::flows::issue::notice_payload;
use crate::messages::KIND_PASSWORD_CHANGED;
use crate::state::AppState;
use crate::store::Notice;

/// Parses and checks a new password against the policy, then hashes it: the check (up to
/// ~5 ms of zxcvbn) and the hash (argon2id) both run off the async runtime. Returns the
/// PHC string to store. A refusal is `weak_password` with a reason a person understands.
pub async fn choose(state: &AppState, raw: &str, user_inputs: Vec<String>) -> AppResult<String> {
    let password = check(state, raw, user_inputs).await?;
    Ok(state.hasher.hash(&password).await?)
}

/// The policy check of [`choose`] alone, for a flow that has something to do between
/// the check and the hash.
pub async fn check(state: &AppState, raw: &str, user_inputs: Vec<String>) -> AppResult<Password> {
    let password = Password::parse(raw).map_err(|e| AppError::WeakPassword(e.reason()))?;
    let policy = state.password_policy.clone();
    let checked = password.clone();
    tokio::task::spawn_blocking(move || {
        let inputs: Vec<&str> = user_inputs.iter().map(String::as_str).collect();
        checked.check(&policy, &inputs)
    })
    .await
    .map_err(anyhow::Error::from)?
    .map_err(|e| AppError::WeakPassword(e.reason()))?;
    Ok(password)
}

/// "Your password was changed", to every identifier the account has on a channel this
/// server delivers on (DESIGN.md: a completed reset sends a notification).
pub fn changed_notice(state: &AppState, client: &Client) -> AppResult<Notice> {
    notice(state, KIND_PASSWORD_CHANGED, client)
}

/// A notice of `kind` (no secret) about a change `client` made, over every channel this
/// server delivers on.
pub fn notice(state: &AppState, kind: &str, client: &Client) -> AppResult<Notice> {
    let now = state.now();
    Ok(Notice {
        kind: kind.to_owned(),
        payload: notice_payload(state, client)?,
        channels: enabled_channels(state),
        lease_until: state.outbox.lease_until(now),
        fallback_locale: client.accept_locale.map(str::to_owned),
        created_at: now,
        // A notice has no secret to expire; it is still worth sending a day late.
        expires_at: now + 24 * 3_600_000,
    })
}

pub fn enabled_channels(state: &AppState) -> Vec<Channel> {
    [Channel::Email, Channel::Sms].into_iter().filter(|c| state.settings.delivery.channel_enabled(*c)).collect()
}

/// The identifier of `channel` among those given.
pub fn of_channel(identifiers: &[Identifier], channel: Channel) -> Option<&Identifier> {
    identifiers.iter().find(|i| i.natural_channel() == channel)
}
