//! The magic link. Opening it (GET) only shows a page: email scanners that prefetch links
//! must not spend them. Spending happens on a form post from that page: "continue here"
//! signs this browser in; "approve" (with number matching) signs in the browser that
//! asked, which is waiting and polling.

use crate::crypto::{self, Hash};
use crate::domain::user_agent;
use crate::error::{AppError, AppResult};
use crate::flows::sessions::new_session;
use crate::flows::{Client, DeviceBinding, Issued};
use crate::state::AppState;
use crate::store::{AuthRequest, AuthState, LinkAction, LinkOutcome, RedeemLink};

/// What the link page shows.
pub struct LinkView {
    pub request: AuthRequest,
    /// Opened in the browser that asked: one click signs in.
    pub same_browser: bool,
    /// Three numbers, one of them the waiting browser's, in a fixed order per link.
    pub choices: [u8; 3],
    pub requested_from: String,
}

pub enum Choice {
    ContinueHere,
    Approve { picked: u8 },
}

pub enum Redeemed {
    SignedIn(Issued),
    Approved,
}

/// `(request id, hash of the link's secret)`; a malformed token cannot match anything and
/// is not worth a database lookup.
fn parse_token(token: &str) -> AppResult<(&str, Hash)> {
    crypto::split_token(token).ok_or(AppError::InvalidCode { remaining: None })
}

pub async fn inspect_link(state: &AppState, token: &str, device: Option<DeviceBinding>) -> AppResult<LinkView> {
    let (id, hash) = parse_token(token)?;
    let request = state.store.auth_request(id).await?.ok_or(AppError::InvalidCode { remaining: None })?;
    if !crypto::constant_time_eq(&request.token_hash, &hash) || request.state != AuthState::Pending {
        return Err(AppError::InvalidCode { remaining: None });
    }
    if state.now() >= request.expires_at {
        return Err(AppError::Expired);
    }
    let same_browser = device.is_some_and(|d| d.matches(&request.device_hash));
    let choices = number_choices(state, &hash, request.match_number);
    let requested_from = user_agent::describe(&request.requester_agent);
    Ok(LinkView { request, same_browser, choices, requested_from })
}

/// Two decoys derived from the link (so a reload shows the same three numbers) and the
/// real number in a position that also depends on the link.
fn number_choices(state: &AppState, token_hash: &Hash, real: u8) -> [u8; 3] {
    let seed = crypto::hmac(&state.server_key[..], &[b"match choices", token_hash]);
    let mut decoys = Vec::with_capacity(2);
    for b in seed.iter() {
        let n = 10 + b % 90;
        if n != real && !decoys.contains(&n) {
            decoys.push(n);
            if decoys.len() == 2 {
                break;
            }
        }
    }
    while decoys.len() < 2 {
        let n = if real < 50 { real + 10 + decoys.len() as u8 } else { real - 10 - decoys.len() as u8 };
        decoys.push(n);
    }
    let mut out = [decoys[0], decoys[1], decoys[0]];
    let pos = (seed[31] % 3) as usize;
    out[pos] = real;
    let mut rest = decoys.into_iter();
    for (i, slot) in out.iter_mut().enumerate() {
        if i != pos {
            *slot = rest.next().unwrap_or(*slot);
        }
    }
    out
}

#[tracing::instrument(skip_all)]
pub async fn redeem_link(state: &AppState, token: &str, choice: Choice, client: &Client) -> AppResult<Redeemed> {
    let (id, hash) = parse_token(token)?;
    let now = state.now();
    let (action, issued_token) = match choice {
        Choice::ContinueHere => {
            let (session, token) = new_session(state, client, now);
            (LinkAction::SignInHere(session), Some(token))
        }
        Choice::Approve { picked } => (LinkAction::Approve { picked }, None),
    };
    match state.store.redeem_link(RedeemLink { request_id: id.to_owned(), token_hash: hash, action, now }).await? {
        LinkOutcome::SignedIn(signed_in) => {
            tracing::info!(user_id = %signed_in.user.id, "signed in with a link");
            let token = issued_token.ok_or_else(|| anyhow::anyhow!("a link signed in without a session token"))?;
            Ok(Redeemed::SignedIn(Issued { token, signed_in }))
        }
        LinkOutcome::Approved => Ok(Redeemed::Approved),
        LinkOutcome::WrongNumber => Err(AppError::TooManyAttempts { retry_after_secs: 1 }),
        LinkOutcome::Expired => Err(AppError::Expired),
        LinkOutcome::Invalid => Err(AppError::InvalidCode { remaining: None }),
    }
}
