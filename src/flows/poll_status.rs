//! `GET /v1/passwordless/status`: the waiting browser asks whether its sign-in was
//! approved on another device, and on approval receives the session.

use crate::error::{AppError, AppResult};
use crate::flows::sessions::new_session;
use crate::flows::{Client, DeviceBinding, Issued};
use crate::state::AppState;
use crate::store::AuthState;

pub enum Status {
    Pending { expires_at: i64 },
    Approved(Issued),
    Expired,
}

pub async fn poll_status(
    state: &AppState,
    request_id: &str,
    device: Option<DeviceBinding>,
    client: &Client,
) -> AppResult<Status> {
    let now = state.now();
    let request =
        state.store.auth_request(request_id).await?.ok_or_else(|| AppError::invalid("unknown auth_request_id"))?;
    if !request.purpose.completes_like_sign_in() {
        return Err(AppError::invalid("unknown auth_request_id"));
    }
    if now >= request.expires_at {
        return Ok(Status::Expired);
    }
    match request.state {
        AuthState::Pending => Ok(Status::Pending { expires_at: request.expires_at }),
        AuthState::Approved => {
            // The approval belongs to the browser that started the sign-in, proven by its
            // device cookie; knowing the request id is not enough.
            if !device.is_some_and(|d| d.matches(&request.device_hash)) {
                return Err(AppError::WrongBrowser);
            }
            let (session, token) = new_session(state, client, now);
            match state.store.claim_approved(&request.id, session, now, &client.actor()).await? {
                Some(signed_in) => {
                    tracing::info!(user_id = %signed_in.user.id, "signed in by cross-device approval");
                    Ok(Status::Approved(Issued { token, signed_in }))
                }
                None => Ok(Status::Expired),
            }
        }
        AuthState::Consumed | AuthState::Dead => Ok(Status::Expired),
    }
}

/// A live (pending or approved) sign-in request by id, for the code page.
pub async fn find_request(state: &AppState, request_id: &str) -> AppResult<crate::store::AuthRequest> {
    let request = state
        .store
        .auth_request(request_id)
        .await?
        .filter(|r| r.purpose.completes_like_sign_in())
        .ok_or(AppError::InvalidCode { remaining: None })?;
    match request.state {
        AuthState::Pending | AuthState::Approved if state.now() < request.expires_at => Ok(request),
        AuthState::Dead if request.failed_attempts >= state.settings.passwordless.max_attempts => {
            Err(AppError::TooManyAttempts {
                retry_after_secs: state.settings.rate_limits.per_identifier_interval.as_secs().max(1),
            })
        }
        _ => Err(AppError::Expired),
    }
}
