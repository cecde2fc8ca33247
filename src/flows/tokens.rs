//! Access tokens for a live session, the signing keys behind them (created at first start,
//! rotated on a schedule or by `postern keys rotate`), and the check of a bearer token.

use std::time::Duration;

use serde::Serialize;
use tokio_util::sync::CancellationToken;

use crate::config::TokenSettings;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::store::{Actor, Rotate, Session, Store};
use crate::tokens::{Claims, Invalid, KeyRing};

/// How often each instance reloads the published keys (and checks the schedule).
pub const RELOAD_EVERY: Duration = Duration::from_secs(30);

/// How long a retired key stays published: its last token may have been signed by an
/// instance that had not reloaded yet, and lives for at most `MAX_LIFETIME`.
pub fn keep_ms() -> i64 {
    crate::clock::ms(TokenSettings::MAX_LIFETIME + RELOAD_EVERY * 2)
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AccessToken {
    pub access_token: String,
    pub token_type: &'static str,
    pub expires_in: u64,
}

/// A token for the session's account (DESIGN.md: EdDSA, ≤ 15 min). The session must be
/// live now: a revoked session gets no new token (issued ones live until `exp`).
pub async fn issue(state: &AppState, session: &Session) -> AppResult<AccessToken> {
    let account = state.store.account(&session.user_id).await?.filter(|a| !a.disabled).ok_or(AppError::Unauthorized)?;
    let now = state.now();
    let lifetime = state.settings.tokens.lifetime.as_secs();
    let iat = now / 1000;
    let claims = Claims {
        iss: state.keys.issuer().to_owned(),
        sub: account.id.clone(),
        aud: state.keys.audience().to_owned(),
        sid: session.id.clone(),
        email: account.email_verified.then(|| account.email.clone()).flatten(),
        phone: account.phone_verified.then(|| account.phone.clone()).flatten(),
        iat,
        exp: iat + lifetime as i64,
        jti: crate::crypto::new_id(),
    };
    let access_token = state.keys.sign(&claims)?;
    Ok(AccessToken { access_token, token_type: "Bearer", expires_in: lifetime })
}

/// The claims of a bearer token; a token signed by a key this instance has not loaded
/// yet (another instance rotated) reloads the keys once and tries again.
pub async fn verify(state: &AppState, token: &str) -> AppResult<Claims> {
    match state.keys.verify(token, state.now()) {
        Ok(claims) => Ok(claims),
        Err(Invalid::UnknownKey) if state.keys.may_reload(state.now()) => {
            reload(state.store.as_ref(), &state.keys, state.now()).await?;
            state.keys.verify(token, state.now()).map_err(|_| AppError::Unauthorized)
        }
        Err(_) => Err(AppError::Unauthorized),
    }
}

/// Loads the published keys into `keys`.
pub async fn reload(store: &dyn Store, keys: &KeyRing, now: i64) -> anyhow::Result<()> {
    keys.load(&store.signing_keys(now).await?)
}

/// Makes a new active key when `when` says so, then reloads. `true`: it rotated.
pub async fn rotate(store: &dyn Store, keys: &KeyRing, when: Rotate, actor: &Actor, now: i64) -> anyhow::Result<bool> {
    let new = crate::tokens::generate(keys.kek(), now)?;
    let rotated = store.rotate_signing_key(new, when, keep_ms(), actor).await?;
    if rotated {
        tracing::info!(when = ?when, "the access-token signing key was rotated");
    }
    reload(store, keys, now).await?;
    Ok(rotated)
}

/// Keeps this instance's keys current and rotates on the schedule (`tokens.rotate_every`;
/// of several instances, one rotates and the others pick the new key up).
pub async fn maintain(state: AppState, stop: CancellationToken) {
    let every = state.settings.tokens.rotate_every;
    loop {
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = tokio::time::sleep(RELOAD_EVERY) => {}
        }
        let now = state.now();
        let when = Rotate::IfOlderThan(now - crate::clock::ms(every));
        // The loaded key tells whether a rotation may be due; the store decides.
        let result = if every.is_zero() || !when.due(state.keys.active_created_at()) {
            reload(state.store.as_ref(), &state.keys, now).await
        } else {
            rotate(state.store.as_ref(), &state.keys, when, &Actor::system(), now).await.map(drop)
        };
        if let Err(e) = result {
            tracing::warn!(error = %e, "the signing keys could not be reloaded");
        }
    }
}
