//! `POST /v1/password/forgot` and `POST /v1/password/reset`, with the hosted
//! `/forgot-password` and `/reset-password` pages (OWASP Forgot Password cheat sheet).
//!
//! Forgot: a link and a code (by SMS the code only), routed by the request's channel,
//! else the account's preferred channel, else email, to the account's own stored address
//! of that channel — a person with email and phone who prefers SMS asks by email and gets
//! the code by SMS. The answer is the same for every address: the channel it names is the
//! one asked for (or the typed address's), never where the account routed it.
//!
//! Reset: the link or the code and a new password, redeemed through the one redemption
//! path with `Effect::ResetPassword`: in one transaction the password is set, every
//! session ends, every outstanding secret of the account dies and "your password was
//! changed" is queued over every channel the account has. Not signed in afterwards unless
//! `passwords.sign_in_after_reset`.

use crate::crypto;
use crate::domain::password::account_inputs;
use crate::domain::{Channel, Identifier, OtpCode};
use crate::error::{AppError, AppResult};
use crate::flows::issue::{Issue, Started, check_channel, issue};
use crate::flows::redeem_magic_link::parse_token;
use crate::flows::sessions::new_session;
use crate::flows::{Client, DeviceBinding, Issued, passwords, redeem_magic_link, verify_code};
use crate::state::AppState;
use crate::store::{AuthState, Effect, LinkAction, PasswordReset, Purpose, Redeemed};

pub struct ForgotInput {
    pub identifier: Identifier,
    pub channel: Option<Channel>,
    pub locale: Option<String>,
}

#[tracing::instrument(skip_all)]
pub async fn forgot(
    state: &AppState,
    input: ForgotInput,
    device: DeviceBinding,
    client: &Client,
) -> AppResult<Started> {
    let typed = input.identifier;
    let answer_channel = input.channel.unwrap_or_else(|| typed.natural_channel());
    check_channel(state, answer_channel)?;
    let account = state.store.account_by_identifier(&typed).await?;
    // The route: asked channel, else preferred, else email; only to an address of the
    // account on a channel this server delivers on; else the address typed.
    let routed = account.as_ref().and_then(|a| {
        [input.channel, a.preferred_channel, Some(Channel::Email)]
            .into_iter()
            .flatten()
            .filter(|c| state.settings.delivery.channel_enabled(*c))
            .find_map(|c| a.verified(c).or_else(|| a.identifiers().into_iter().find(|i| i.natural_channel() == c)))
    });
    let to = routed.unwrap_or_else(|| typed.clone());
    let request = Issue {
        purpose: Purpose::PasswordReset,
        channel: to.natural_channel(),
        to,
        typed,
        user_id: None,
        details: None,
        kind: None,
        redirect_to: None,
        locale: input.locale,
        prepaid: false,
        headless: None,
    };
    let mut started = issue(state, request, device, client).await?;
    started.channel = answer_channel;
    Ok(started)
}

/// The secret a reset is proven with.
pub enum ResetSecret {
    Token(String),
    Code { auth_request_id: String, code: OtpCode },
}

#[tracing::instrument(skip_all)]
pub async fn reset(
    state: &AppState,
    secret: ResetSecret,
    new_password: &str,
    client: &Client,
) -> AppResult<Option<Issued>> {
    let (request_id, token_hash) = match &secret {
        ResetSecret::Token(token) => parse_token(token).map(|(id, hash)| (id.to_owned(), Some(hash)))?,
        ResetSecret::Code { auth_request_id, .. } => (auth_request_id.clone(), None),
    };
    // Before the password is checked and hashed (the costly part), the request must be a
    // live reset and a link's secret must match (a wrong link costs nothing; a wrong code
    // costs at most `max_attempts` hashes, then the request is dead). The redemption
    // checks the secret again, atomically.
    let request = state
        .store
        .auth_request(&request_id)
        .await?
        .filter(|r| r.purpose == Purpose::PasswordReset)
        .filter(|r| token_hash.is_none_or(|h| crypto::constant_time_eq(&r.token_hash, &h)))
        .ok_or(AppError::InvalidCode { remaining: None })?;
    match request.state {
        AuthState::Pending if state.now() < request.expires_at => {}
        AuthState::Pending => return Err(AppError::Expired),
        _ => return Err(AppError::InvalidCode { remaining: None }),
    }
    // The strength check knows the account's addresses, not its name: whoever holds only
    // the request id must not learn the name by trying passwords.
    let (email, phone) = match &request.identifier {
        Identifier::Email(e) => (Some(e.as_str()), None),
        Identifier::Phone(p) => (None, Some(p.as_str())),
    };
    let password_hash = passwords::choose(state, new_password, account_inputs(email, phone, None)).await?;
    let (session, token) = new_session(state, client, state.now());
    let sign_in = state.settings.passwords.sign_in_after_reset;
    let effect = Effect::ResetPassword(PasswordReset {
        password_hash,
        notice: passwords::changed_notice(state, client)?,
        session: sign_in.then_some(session),
    });
    let done = match secret {
        ResetSecret::Token(token) => redeem_magic_link::redeem(state, &token, LinkAction::Redeem(effect), client)
            .await?
            .ok_or(AppError::InvalidCode { remaining: None })?,
        ResetSecret::Code { auth_request_id, code } => {
            verify_code::redeem(state, &auth_request_id, &code, effect, client).await?
        }
    };
    let Redeemed::PasswordReset(reset) = done else { return Err(AppError::InvalidCode { remaining: None }) };
    for message in reset.notices {
        state.outbox.hand_off(Some(message));
    }
    tracing::info!(user_id = %reset.user_id, "password reset");
    Ok(reset.signed_in.map(|signed_in| Issued { token, signed_in }))
}
