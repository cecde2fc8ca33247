//! `POST /v1/passwordless/verify`: a typed code signs in whichever browser typed it. Every
//! code of every purpose is checked here (`redeem`), through the store's one redemption.

use crate::clock::ms;
use crate::domain::OtpCode;
use crate::error::{AppError, AppResult, retry_after_secs};
use crate::flows::sessions::new_session;
use crate::flows::{Client, Issued, code_hash, signup_open};
use crate::state::AppState;
use crate::store::{CodeOutcome, Effect, RedeemCode, Redeemed};

#[tracing::instrument(skip_all)]
pub async fn verify_code(state: &AppState, request_id: &str, code: &OtpCode, client: &Client) -> AppResult<Issued> {
    let (session, token) = new_session(state, client, state.now());
    match redeem(state, request_id, code, Effect::SignIn(session), client).await? {
        Redeemed::SignedIn(signed_in) => {
            tracing::info!(user_id = %signed_in.user.id, "signed in with a code");
            Ok(Issued { token, signed_in })
        }
        _ => Err(AppError::InvalidCode { remaining: None }),
    }
}

/// Redeems a code for `effect`: every rule of codes (attempts per request, consecutive
/// failures per identifier, expiry) applies alike to every purpose.
pub async fn redeem(
    state: &AppState,
    request_id: &str,
    code: &OtpCode,
    effect: Effect,
    client: &Client,
) -> AppResult<Redeemed> {
    let p = &state.settings.passwordless;
    let outcome = state
        .store
        .redeem_code(
            RedeemCode {
                request_id: request_id.to_owned(),
                code_hash: code_hash(state, request_id, code.as_str()),
                now: state.now(),
                signup_open: signup_open(state),
                max_attempts: p.max_attempts,
                account_max_failures: p.account_max_failures,
                account_lockout_ms: ms(p.account_lockout),
                effect,
            },
            &client.actor(),
        )
        .await?;
    match outcome {
        CodeOutcome::Redeemed(redeemed) => Ok(redeemed),
        CodeOutcome::WrongCode { remaining } => Err(AppError::InvalidCode { remaining: Some(remaining) }),
        CodeOutcome::TooManyAttempts => Err(AppError::TooManyAttempts {
            retry_after_secs: state.settings.rate_limits.per_identifier_interval.as_secs().max(1),
        }),
        CodeOutcome::AccountLocked { retry_after_ms } => {
            Err(AppError::TooManyAttempts { retry_after_secs: retry_after_secs(retry_after_ms) })
        }
        CodeOutcome::Expired => Err(AppError::Expired),
        CodeOutcome::Invalid => Err(AppError::InvalidCode { remaining: None }),
    }
}
