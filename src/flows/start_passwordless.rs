//! `POST /v1/passwordless/start` and the hosted login form: one message with a link and
//! a code, committed with its secrets, delivered later by the outbox worker.

use crate::clock::ms;
use crate::crypto;
use crate::domain::{Channel, Identifier, RedirectTo, user_agent};
use crate::error::{AppError, AppResult};
use crate::flows::{Client, DeviceBinding, code_hash, link_url, minutes, rate_limits};
use crate::messages::{KIND_SIGN_IN, Payload, origin_host};
use crate::state::AppState;
use crate::store::{NewAuthRequest, NewMessage};

pub struct StartInput {
    pub identifier: Identifier,
    pub channel: Option<Channel>,
    pub redirect_to: Option<String>,
    pub locale: Option<String>,
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

/// Lifetime of a sign-in secret sent over `channel` (DESIGN.md: 10 min, SMS codes 5 min).
pub fn lifetime_ms(state: &AppState, channel: Channel) -> i64 {
    let p = &state.settings.passwordless;
    ms(match channel {
        Channel::Email => p.link_lifetime,
        Channel::Sms => p.sms_code_lifetime,
    })
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
    request_id: &str,
    expires_at: i64,
    lifetime: i64,
    requester_agent: &str,
) -> AppResult<Secrets> {
    let code = crypto::random_code();
    let secret = crypto::random_token();
    let token = crypto::join_token(request_id, &secret);
    let payload = Payload {
        link: Some(link_url(state, &token)),
        code: Some(code.clone()),
        expires_at,
        lifetime_minutes: minutes(lifetime),
        requested_from: user_agent::describe(requester_agent),
        origin_host: origin_host(&state.public_url),
    };
    Ok(Secrets {
        code_hash: code_hash(state, request_id, &code),
        token_hash: crypto::sha256(secret.as_bytes()),
        payload: serde_json::to_string(&payload).map_err(anyhow::Error::from)?,
    })
}

#[tracing::instrument(skip_all, fields(channel))]
pub async fn start_passwordless(
    state: &AppState,
    input: StartInput,
    device: DeviceBinding,
    client: &Client,
) -> AppResult<Started> {
    let natural = input.identifier.natural_channel();
    let channel = input.channel.unwrap_or(natural);
    if channel != natural {
        return Err(AppError::invalid(match channel {
            Channel::Sms => "channel sms needs a phone number",
            Channel::Email => "channel email needs an email address",
        }));
    }
    // A channel without a provider is a configuration fact, the same for every account:
    // saying so reveals nothing about the identifier.
    if !state.settings.delivery.channel_enabled(channel) {
        return Err(AppError::invalid(format!("channel {} is not configured on this server", channel.as_str())));
    }
    rate_limits::check_sms_destination(state, &input.identifier)?;
    tracing::Span::current().record("channel", channel.as_str());
    let redirect_to = match input.redirect_to.as_deref() {
        Some(r) => RedirectTo::parse(r, &state.settings.redirect_allowlist).map_err(AppError::invalid)?,
        None => RedirectTo::default_target(),
    };
    let locale = parse_locale(input.locale)?;
    let now = state.now();
    let lifetime = lifetime_ms(state, channel);
    let expires_at = now + lifetime;
    let id = crypto::new_id();
    let secrets = new_secrets(state, &id, expires_at, lifetime, &client.user_agent)?;
    let match_number = crypto::random_match_number();
    let limits = rate_limits::for_send(state, &input.identifier, client.ip, now);
    let message = NewMessage {
        lease_until: state.outbox.lease_until(now),
        channel,
        recipient: input.identifier.as_str().to_owned(),
        kind: KIND_SIGN_IN.to_owned(),
        payload: secrets.payload,
        locale: locale.clone(),
        fallback_locale: client.accept_locale.map(str::to_owned),
        created_at: now,
        expires_at,
    };
    let request = NewAuthRequest {
        id: id.clone(),
        purpose: crate::store::Purpose::SignIn,
        identifier: input.identifier,
        channel,
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
    let queued = state.store.start_auth_request(request, message, open, limits).await.map_err(rate_limits::observe)?;
    state.outbox.hand_off(queued);
    Ok(Started {
        auth_request_id: id,
        expires_at,
        channel,
        resend_after_secs: resend_after_secs(state),
        match_number: Some(match_number),
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
