//! Headless passwordless for apps that own their UI (`/admin/v1/passwordless/…`): the
//! app's server asks Postern to send a link and code, then verifies what the person typed
//! or the token its page received, and gets the user back — no session, no cookie. Same
//! rules as the public sign-in (per-address limits, rotation, attempt caps, one live
//! secret, lockout), through the same `issue` and redemption; the app's server is not
//! limited per its own IP (it speaks for many people).

use crate::crypto;
use crate::domain::{Channel, Identifier, OtpCode, RedirectTo};
use crate::error::{AppError, AppResult};
use crate::flows::issue::{Headless, Issue, Started, issue};
use crate::flows::redeem_magic_link::{self, parse_token};
use crate::flows::start_passwordless::natural_channel;
use crate::flows::{Client, DeviceBinding, resend_passwordless, verify_code};
use crate::state::AppState;
use crate::store::{Effect, LinkAction, Purpose, Redeemed, User};

const MAX_STATE_CHARS: usize = 512;

pub struct SendInput {
    pub identifier: Identifier,
    pub channel: Option<Channel>,
    pub magic_link_url: Option<String>,
    pub state: Option<String>,
    pub locale: Option<String>,
    pub expires_in_secs: Option<u64>,
}

/// The app's page a link lands on: an absolute URL whose origin is on
/// `redirect_allowlist` (OWASP Unvalidated Redirects: the token must not go elsewhere).
fn parse_link_base(url: &str, state: &AppState) -> AppResult<String> {
    if !(url.starts_with("https://") || url.starts_with("http://")) || url.contains('#') {
        return Err(AppError::invalid("magic_link_url must be an absolute http(s) URL without a fragment"));
    }
    RedirectTo::parse(url, &state.settings.redirect_allowlist)
        .map(|r| r.as_str().to_owned())
        .map_err(|_| AppError::invalid("magic_link_url must be on an origin of redirect_allowlist"))
}

pub async fn send(state: &AppState, input: SendInput, client: &Client) -> AppResult<Started> {
    let channel = natural_channel(&input.identifier, input.channel)?;
    let link_base = input.magic_link_url.as_deref().map(|u| parse_link_base(u, state)).transpose()?;
    if let Some(s) = &input.state
        && (s.chars().count() > MAX_STATE_CHARS || s.chars().any(char::is_control))
    {
        return Err(AppError::invalid(format!(
            "state must be at most {MAX_STATE_CHARS} characters, without control characters"
        )));
    }
    let lifetime_ms = match input.expires_in_secs {
        Some(secs) if (60..=3600).contains(&secs) => Some(secs as i64 * 1000),
        Some(_) => return Err(AppError::invalid("expires_in must be between 60 and 3600 seconds")),
        None => None,
    };
    let request = Issue {
        purpose: Purpose::Headless,
        to: input.identifier.clone(),
        typed: input.identifier,
        channel,
        user_id: None,
        details: None,
        kind: None,
        redirect_to: None,
        locale: input.locale,
        prepaid: false,
        headless: Some(Headless { link_base, app_state: input.state, lifetime_ms }),
    };
    // No browser is bound to a headless request (the app binds it: `auth_request_id`).
    let device = DeviceBinding(crypto::random_key());
    issue(state, request, device, client).await
}

pub async fn resend(state: &AppState, request_id: &str, client: &Client) -> AppResult<Started> {
    resend_passwordless::resend(state, request_id, None, client, |p| p == Purpose::Headless).await
}

/// What a headless verification proves.
pub struct Identified {
    pub user: User,
    pub created: bool,
    pub app_state: Option<String>,
}

pub enum Proof {
    Code {
        auth_request_id: String,
        code: OtpCode,
    },
    /// The token the app's page received; with the `auth_request_id` the app stored in the
    /// browser that asked, the token must belong to it (same-browser enforcement).
    Token {
        token: String,
        auth_request_id: Option<String>,
    },
}

pub async fn verify(state: &AppState, proof: Proof, client: &Client) -> AppResult<Identified> {
    let done = match proof {
        Proof::Code { auth_request_id, code } => {
            verify_code::redeem(state, &auth_request_id, &code, Effect::Identify, client).await?
        }
        Proof::Token { token, auth_request_id } => {
            if let Some(expected) = auth_request_id
                && parse_token(&token)?.0 != expected
            {
                return Err(AppError::WrongBrowser);
            }
            redeem_magic_link::redeem(state, &token, LinkAction::Redeem(Effect::Identify), client)
                .await?
                .ok_or(AppError::InvalidCode { remaining: None })?
        }
    };
    let Redeemed::Identified { user, created, app_state } = done else {
        return Err(AppError::InvalidCode { remaining: None });
    };
    tracing::info!(user_id = %user.id, created, "verified by an app's server");
    Ok(Identified { user, created, app_state })
}
