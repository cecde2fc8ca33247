//! Issuing a one-time secret of any purpose: a request with a code and a link, committed
//! with the message that carries them, delivered later by the outbox worker. Sign-in,
//! sign-up verification, password reset and identifier change all start here; what
//! differs per purpose (message kind, link page, lifetime) is decided in this file.

use crate::clock::ms;
use crate::crypto;
use crate::domain::{Channel, Identifier, RedirectTo, user_agent};
use crate::error::{AppError, AppResult};
use crate::flows::{Client, DeviceBinding, code_hash, minutes, rate_limits};
use crate::messages::{KIND_RESET_CODE, KIND_RESET_LINK, KIND_SIGN_IN, KIND_VERIFICATION, Payload, origin_host};
use crate::state::AppState;
use crate::store::{NewAuthRequest, NewMessage, Purpose, SignUpDetails};

/// What a flow asks to issue.
pub struct Issue {
    pub purpose: Purpose,
    /// Where the secret goes (the address whose control a redemption proves).
    pub to: Identifier,
    pub channel: Channel,
    /// The signed-in account of an identifier change.
    pub user_id: Option<String>,
    pub details: Option<SignUpDetails>,
    /// The message kind when it is not the purpose's own (a sign-up for a verified
    /// address sends `account_exists`, with no usable secret).
    pub kind: Option<&'static str>,
    pub redirect_to: Option<String>,
    pub locale: Option<String>,
    /// The address the person typed, which may differ from `to` (a reset routed to the
    /// account's phone).
    pub typed: Identifier,
    /// The flow consumed the send limits already (`prepay_limits`), before costly work.
    pub prepaid: bool,
    /// Asked by an app's server (an API key), with what only it may ask for; `None` for
    /// a browser's request.
    pub headless: Option<Headless>,
}

/// What an app's server adds to a sign-in it starts (`/admin/v1/passwordless/send`).
#[derive(Default)]
pub struct Headless {
    /// The app's page the link lands on, `?token=` appended (an allow-listed origin).
    pub link_base: Option<String>,
    /// Opaque, echoed back at verification.
    pub app_state: Option<String>,
    /// Lifetime instead of the purpose's default.
    pub lifetime_ms: Option<i64>,
}

/// Consumes the send limits of `typed` from this client now, on their own: a flow that
/// hashes a password before it issues (sign-up) pays first, so a flood is refused before
/// it costs an argon2 hash each (OWASP Denial of Service: limit before expensive work).
pub async fn prepay_limits(state: &AppState, typed: &Identifier, client: &Client) -> AppResult<()> {
    let limits = rate_limits::for_send(state, typed, Some(client.ip), state.now());
    if !limits.is_empty() {
        rate_limits::audited(state, client, state.store.hit_rate_limits(limits).await).await?;
    }
    Ok(())
}

/// The answer is the same whether or not an account exists (no enumeration).
pub struct Started {
    pub auth_request_id: String,
    pub expires_at: i64,
    pub channel: Channel,
    pub resend_after_secs: u64,
    /// The number the waiting browser shows; only ever given to that browser.
    pub match_number: Option<u8>,
}

/// Lifetime of a secret (DESIGN.md: sign-in 10 min, SMS code 5 min; reset 30 min;
/// verification 24 h).
pub fn lifetime_ms(state: &AppState, purpose: Purpose, channel: Channel) -> i64 {
    let p = &state.settings.passwordless;
    ms(match (purpose, channel) {
        (Purpose::SignIn | Purpose::Headless, Channel::Email) => p.link_lifetime,
        (Purpose::SignIn | Purpose::Headless, Channel::Sms) => p.sms_code_lifetime,
        (Purpose::PasswordReset, _) => state.settings.passwords.reset_lifetime,
        (Purpose::SignUpVerification | Purpose::IdentifierChange, _) => state.settings.passwords.verification_lifetime,
    })
}

/// The message kind of a purpose over a channel. A reset by SMS carries the code only
/// (`reset_code`): a link in an SMS is what smishing looks like.
pub fn kind(purpose: Purpose, channel: Channel) -> &'static str {
    match (purpose, channel) {
        (Purpose::SignIn | Purpose::Headless, _) => KIND_SIGN_IN,
        (Purpose::SignUpVerification | Purpose::IdentifierChange, _) => KIND_VERIFICATION,
        (Purpose::PasswordReset, Channel::Email) => KIND_RESET_LINK,
        (Purpose::PasswordReset, Channel::Sms) => KIND_RESET_CODE,
    }
}

/// The page a purpose's link opens; `None`: the message has no link. A headless sign-in's
/// link lands on the app's own page (`link_base`, checked against the allowlist when it
/// was given), with the token appended.
fn link_url(
    state: &AppState,
    purpose: Purpose,
    channel: Channel,
    token: &str,
    link_base: Option<&str>,
) -> Option<String> {
    if let (Purpose::Headless, Some(base)) = (purpose, link_base) {
        let sep = if base.contains('?') { '&' } else { '?' };
        return Some(format!("{base}{sep}token={token}"));
    }
    // Links are built from the configured public URL, never from Host or X-Forwarded-*
    // (OWASP: host header poisoning of password-reset and magic links).
    let base = &state.public_url;
    match (purpose, channel) {
        (Purpose::Headless, _) => None,
        (Purpose::SignIn | Purpose::SignUpVerification, _) => Some(format!("{base}/login/link?token={token}")),
        (Purpose::PasswordReset, Channel::Email) => Some(format!("{base}/reset-password?token={token}")),
        (Purpose::PasswordReset, Channel::Sms) => None,
        (Purpose::IdentifierChange, _) => Some(format!("{base}/account/confirm?token={token}")),
    }
}

pub fn resend_after_secs(state: &AppState) -> u64 {
    state.settings.rate_limits.per_identifier_interval.as_secs()
}

pub fn parse_locale(locale: Option<String>) -> AppResult<Option<String>> {
    match locale {
        Some(l) if l.is_empty() || l.len() > 35 || !l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') => {
            Err(AppError::invalid("locale must be a language tag such as en or pt-BR"))
        }
        other => Ok(other),
    }
}

/// The secrets of one message and the payload that carries them.
pub struct Secrets {
    pub code_hash: crypto::Hash,
    pub token_hash: crypto::Hash,
    pub payload: String,
}

pub fn new_secrets(
    state: &AppState,
    purpose: Purpose,
    channel: Channel,
    request_id: &str,
    (expires_at, lifetime): (i64, i64),
    requester_agent: &str,
    link_base: Option<&str>,
) -> AppResult<Secrets> {
    let code = crypto::random_code();
    let secret = crypto::random_token();
    let token = crypto::join_token(request_id, &secret);
    let payload = Payload {
        link: link_url(state, purpose, channel, &token, link_base),
        code: Some(code.clone()),
        expires_at,
        lifetime_minutes: minutes(lifetime),
        requested_from: user_agent::describe(requester_agent),
        origin_host: origin_host(&state.public_url),
        change: purpose == Purpose::IdentifierChange,
    };
    Ok(Secrets {
        code_hash: code_hash(state, request_id, &code),
        token_hash: crypto::sha256(secret.as_bytes()),
        payload: serde_json::to_string(&payload).map_err(anyhow::Error::from)?,
    })
}

/// A notice's payload: no secret, only where the change came from.
pub fn notice_payload(state: &AppState, client: &Client) -> AppResult<String> {
    let payload = Payload {
        link: Some(format!("{}/login", state.public_url)),
        requested_from: user_agent::describe(&client.user_agent),
        origin_host: origin_host(&state.public_url),
        ..Payload::default()
    };
    Ok(serde_json::to_string(&payload).map_err(anyhow::Error::from)?)
}

/// Refuses a channel this server cannot deliver on: a configuration fact, the same for
/// every account, so saying so reveals nothing about the identifier.
pub fn check_channel(state: &AppState, channel: Channel) -> AppResult<()> {
    if !state.settings.delivery.channel_enabled(channel) {
        return Err(AppError::invalid(format!("channel {} is not configured on this server", channel.as_str())));
    }
    Ok(())
}

#[tracing::instrument(skip_all, fields(purpose = issue.purpose.as_str(), channel = issue.channel.as_str()))]
pub async fn issue(state: &AppState, issue: Issue, device: DeviceBinding, client: &Client) -> AppResult<Started> {
    check_channel(state, issue.channel)?;
    rate_limits::check_sms_destination(state, &issue.to)?;
    let redirect_to = match issue.redirect_to.as_deref() {
        Some(r) => RedirectTo::parse(r, &state.settings.redirect_allowlist).map_err(AppError::invalid)?,
        None => RedirectTo::default_target(state.base_path()),
    };
    let locale = parse_locale(issue.locale)?;
    let now = state.now();
    let from_app_server = issue.headless.is_some();
    let headless = issue.headless.unwrap_or_default();
    let lifetime = headless.lifetime_ms.unwrap_or_else(|| lifetime_ms(state, issue.purpose, issue.channel));
    let expires_at = now + lifetime;
    let id = crypto::new_id();
    let link_base = headless.link_base.as_deref();
    let mut secrets =
        new_secrets(state, issue.purpose, issue.channel, &id, (expires_at, lifetime), &client.user_agent, link_base)?;
    if issue.kind.is_some() {
        // Another message than the purpose's own carries no secret: the request holds
        // hashes nobody can match.
        secrets.code_hash = crate::store::rules::unusable_hash();
        secrets.token_hash = crate::store::rules::unusable_hash();
        secrets.payload = notice_payload(state, client)?;
    }
    let match_number = crypto::random_match_number();
    // By the address typed, not the one routed to: a limit hit on the account's other
    // address would answer 429 only for accounts that exist. An app's server is not one
    // client IP among others: its sends are limited per address, not per its own IP.
    let ip = if from_app_server { None } else { Some(client.ip) };
    let limits = if issue.prepaid { Vec::new() } else { rate_limits::for_send(state, &issue.typed, ip, now) };
    let message = NewMessage {
        lease_until: state.outbox.lease_until(now),
        channel: issue.channel,
        recipient: issue.to.as_str().to_owned(),
        kind: issue.kind.unwrap_or_else(|| kind(issue.purpose, issue.channel)).to_owned(),
        payload: secrets.payload,
        locale: locale.clone(),
        fallback_locale: client.accept_locale.map(str::to_owned),
        created_at: now,
        expires_at,
    };
    let request = NewAuthRequest {
        id: id.clone(),
        purpose: issue.purpose,
        identifier: issue.to,
        user_id: issue.user_id,
        details: issue.details,
        link_base: headless.link_base,
        app_state: headless.app_state,
        channel: issue.channel,
        code_hash: secrets.code_hash,
        token_hash: secrets.token_hash,
        device_hash: device.0,
        match_number,
        redirect_to: redirect_to.as_str().to_owned(),
        locale,
        requester_ip: client.ip.to_string(),
        requester_agent: truncate(&client.user_agent, 512),
        created_at: now,
        expires_at,
    };
    let open = crate::flows::signup_open(state);
    let started = state.store.start_auth_request(request, message, open, limits, &client.actor()).await;
    let queued = rate_limits::audited(state, client, started).await?;
    state.outbox.hand_off(queued);
    Ok(Started {
        auth_request_id: id,
        expires_at,
        channel: issue.channel,
        resend_after_secs: resend_after_secs(state),
        // Cross-device approval exists for sign-in only.
        match_number: (issue.purpose == Purpose::SignIn).then_some(match_number),
    })
}

pub fn truncate(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_owned();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s[..end].to_owned()
}
