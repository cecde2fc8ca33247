//! Sessions: server-side rows found by the hash of the cookie's secret, with an absolute
//! and an idle deadline (OWASP Session Management cheat sheet).

use crate::clock::ms;
use crate::crypto;
use crate::error::{AppError, AppResult};
use crate::flows::Client;
use crate::flows::issue::truncate;
use crate::state::AppState;
use crate::store::{NewSession, ReplacedSession, Session, User};

/// A fresh session (a new id at every sign-in: no session fixation) and its secret. The
/// session the browser held before is revoked when this one is created (issue 10,
/// finding 10: signing in as someone else must not leave the first account signed in).
pub fn new_session(state: &AppState, client: &Client, now: i64) -> (NewSession, String) {
    let s = &state.settings.sessions;
    let id = crypto::new_id();
    let secret = crypto::random_token();
    let token = crypto::join_token(&id, &secret);
    let session = NewSession {
        replaces: client.prior_session.as_ref().map(|p| ReplacedSession { id: p.id.clone(), token_hash: p.token_hash }),
        id,
        token_hash: crypto::sha256(secret.as_bytes()),
        created_at: now,
        expires_at: now + ms(s.absolute_lifetime),
        idle_expires_at: now + ms(s.idle_lifetime),
        ip: client.ip.to_string(),
        user_agent: truncate(&client.user_agent, 512),
    };
    (session, token)
}

/// The live session behind a cookie value, its idle deadline pushed back at most once
/// per `refresh_interval` (a write per request would make every page view a write).
pub async fn current_session(state: &AppState, token: &str) -> AppResult<(Session, User)> {
    let (id, hash) = crypto::split_token(token).ok_or(AppError::Unauthorized)?;
    let now = state.now();
    let (mut session, user) = state.store.session(id, now).await?.ok_or(AppError::Unauthorized)?;
    if !crypto::constant_time_eq(&session.token_hash, &hash) {
        return Err(AppError::Unauthorized);
    }
    let cfg = &state.settings.sessions;
    if now - session.last_seen_at >= ms(cfg.refresh_interval) {
        let idle = now + ms(cfg.idle_lifetime);
        state.store.touch_session(&session.id, now, idle).await?;
        session.last_seen_at = now;
        session.idle_expires_at = idle;
    }
    Ok((session, user))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum LogoutScope {
    Current,
    Others,
    All,
}

pub async fn logout(state: &AppState, current: &Session, scope: LogoutScope, client: &Client) -> AppResult<()> {
    let now = state.now();
    let actor = client.actor();
    match scope {
        LogoutScope::Current => {
            state.store.revoke_session(&current.user_id, &current.id, now, &actor).await?;
        }
        LogoutScope::Others => {
            state.store.revoke_sessions(&current.user_id, Some(&current.id), now, &actor).await?;
        }
        LogoutScope::All => {
            state.store.revoke_sessions(&current.user_id, None, now, &actor).await?;
        }
    }
    Ok(())
}

pub async fn list_sessions(state: &AppState, user_id: &str) -> AppResult<Vec<Session>> {
    Ok(state.store.list_sessions(user_id, state.now()).await?)
}

pub async fn revoke_session(state: &AppState, user_id: &str, session_id: &str, client: &Client) -> AppResult<()> {
    if state.store.revoke_session(user_id, session_id, state.now(), &client.actor()).await? {
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}
