//! `POST /v1/login` and the password option of `/login`: email or phone and password.
//!
//! Every failure answers `invalid_credentials` after the same work (one read, one argon2id
//! verification — against a dummy hash when there is no usable password — and one write),
//! so neither the answer nor its timing tells whether the account exists (OWASP
//! Authentication cheat sheet). Wrong passwords count towards the identifier's
//! consecutive failures with wrong codes (NIST SP 800-63B: at most 100), and logins are
//! limited per client IP.

use crate::clock::ms;
use crate::domain::Identifier;
use crate::domain::password::Password;
use crate::error::{AppError, AppResult, retry_after_secs};
use crate::flows::sessions::new_session;
use crate::flows::{Client, Issued, rate_limits};
use crate::state::AppState;
use crate::store::{EventType, Failure, PasswordSignIn};

#[tracing::instrument(skip_all)]
pub async fn password_login(
    state: &AppState,
    identifier: Identifier,
    password: &str,
    redirect_to: String,
    client: &Client,
) -> AppResult<Issued> {
    // A value no password can be (empty, 129 characters, control characters) is refused
    // before any lookup: the answer depends on the input only.
    let password = Password::parse(password).map_err(|_| AppError::InvalidCredentials)?;
    let now = state.now();
    let limits = rate_limits::for_login(state, client.ip, now);
    if !limits.is_empty() {
        rate_limits::audited(state, client, state.store.hit_rate_limits(limits).await).await?;
    }
    let candidate = state.store.login_candidate(&identifier).await?;
    if let Some(until) = candidate.locked_until.filter(|u| *u > now) {
        return Err(AppError::TooManyAttempts { retry_after_secs: retry_after_secs(until - now) });
    }
    let unverified_ok = state.settings.passwords.unverified_login;
    let usable = candidate
        .account
        .as_ref()
        .filter(|a| !a.disabled && (unverified_ok || a.is_verified(&identifier)))
        .and_then(|a| a.password_hash.as_deref().map(|hash| (a.id.clone(), hash.to_owned())));
    let verified = state.hasher.verify(&password, usable.as_ref().map(|(_, hash)| hash.as_str())).await?;
    let p = &state.settings.passwordless;
    let Some((user_id, _)) = usable.filter(|_| verified.matches) else {
        state
            .store
            .record_failure(
                Failure {
                    identifier,
                    event: EventType::SignInFailed,
                    now,
                    account_max_failures: p.account_max_failures,
                    account_lockout_ms: ms(p.account_lockout),
                },
                &client.actor(),
            )
            .await?;
        return Err(AppError::InvalidCredentials);
    };
    // OWASP Password Storage: upgrade the hash when the parameters changed.
    let rehash = if verified.needs_rehash { Some(state.hasher.hash(&password).await?) } else { None };
    let (session, token) = new_session(state, client, now);
    let login = PasswordSignIn {
        user_id,
        identifier,
        rehash,
        end_failures: candidate.failures > 0 || candidate.locked_until.is_some(),
        session,
        redirect_to,
    };
    let signed_in =
        state.store.password_signed_in(login, &client.actor()).await?.ok_or(AppError::InvalidCredentials)?;
    tracing::info!(user_id = %signed_in.user.id, "signed in with a password");
    Ok(Issued { token, signed_in })
}
