//! `POST /v1/passwordless/resend`: new link and code for the same request (a sign-in or a
//! sign-up verification). The old ones die; the failed-attempt count, the match number
//! and its decoys stay.

use crate::error::{AppError, AppResult};
use crate::flows::issue::{self, Started, lifetime_ms, new_secrets, resend_after_secs};
use crate::flows::{Client, DeviceBinding, rate_limits};
use crate::state::AppState;
use crate::store::{AuthState, NewMessage, Purpose, RotatedSecrets, Rotation};

#[tracing::instrument(skip_all)]
pub async fn resend_passwordless(
    state: &AppState,
    request_id: &str,
    device: Option<DeviceBinding>,
    client: &Client,
) -> AppResult<Started> {
    resend(state, request_id, device, client, |p| p.completes_like_sign_in()).await
}

/// Resends a request whose purpose `resendable` accepts: the public endpoint resends
/// sign-ins and sign-ups (resets and identifier changes are asked for again), the admin
/// one headless sign-ins only.
pub async fn resend(
    state: &AppState,
    request_id: &str,
    device: Option<DeviceBinding>,
    client: &Client,
    resendable: impl Fn(Purpose) -> bool,
) -> AppResult<Started> {
    let now = state.now();
    let request =
        state.store.auth_request(request_id).await?.ok_or_else(|| AppError::invalid("unknown auth_request_id"))?;
    if !resendable(request.purpose) {
        return Err(AppError::invalid("unknown auth_request_id"));
    }
    match request.state {
        AuthState::Pending if now < request.expires_at => {}
        AuthState::Dead => return Err(AppError::TooManyAttempts { retry_after_secs: resend_after_secs(state).max(1) }),
        _ => return Err(AppError::Expired),
    }
    // A headless request keeps the lifetime its app chose.
    let lifetime = match request.purpose {
        Purpose::Headless => request.expires_at - request.last_sent_at,
        purpose => lifetime_ms(state, purpose, request.channel),
    };
    let expires_at = now + lifetime;
    let secrets = new_secrets(
        state,
        request.purpose,
        request.channel,
        &request.id,
        (expires_at, lifetime),
        &request.requester_agent,
        request.link_base.as_deref(),
    )?;
    let ip = (request.purpose != Purpose::Headless).then_some(client.ip);
    let limits = rate_limits::for_send(state, &request.identifier, ip, now);
    let message = NewMessage {
        lease_until: state.outbox.lease_until(now),
        channel: request.channel,
        recipient: request.identifier.as_str().to_owned(),
        kind: issue::kind(request.purpose, request.channel).to_owned(),
        payload: secrets.payload,
        // The locale the sign-in named, else the account's, else this browser's.
        locale: request.locale.clone(),
        fallback_locale: client.accept_locale.map(str::to_owned),
        created_at: now,
        expires_at,
    };
    let rotated = RotatedSecrets { code_hash: secrets.code_hash, token_hash: secrets.token_hash, now, expires_at };
    let open = crate::flows::signup_open(state);
    let rotation = state.store.rotate_auth_request(&request.id, rotated, message, open, limits).await;
    match rate_limits::audited(state, client, rotation).await? {
        Rotation::Refused => return Err(AppError::Expired),
        Rotation::Rotated { message } => state.outbox.hand_off(message),
    }
    Ok(Started {
        auth_request_id: request.id,
        expires_at,
        channel: request.channel,
        resend_after_secs: resend_after_secs(state),
        // The number is for the browser that asked (its device cookie) and nobody else:
        // whoever else knows the request id (the first half of the emailed token) must not
        // learn it (issue 10, finding 6).
        match_number: (request.purpose == Purpose::SignIn && device.is_some_and(|d| d.matches(&request.device_hash)))
            .then_some(request.match_number),
    })
}
