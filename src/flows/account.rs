//! The signed-in person's own account (`/v1/account…` and the `/account` page): profile,
//! password change, a new email or phone (verified by code or link, the old one told),
//! deleting the account. Sessions ("sign out other devices") are `flows::sessions`.

use crate::domain::password::Password;
use crate::domain::password::account_inputs;
use crate::domain::{Channel, Identifier, OtpCode};
use crate::error::{AppError, AppResult, retry_after_secs};
use crate::flows::issue::{Issue, Started, issue};
use crate::flows::passwords;
use crate::flows::start_passwordless::natural_channel;
use crate::flows::{Client, DeviceBinding, redeem_magic_link, verify_code};
use crate::messages::KIND_IDENTIFIER_CHANGED;
use crate::state::AppState;
use crate::store::{
    Account, Effect, EventType, Failure, LinkAction, PasswordChange, ProfileChange, Purpose, Redeemed, Session,
};

pub async fn account(state: &AppState, user_id: &str) -> AppResult<Account> {
    state.store.account(user_id).await?.ok_or(AppError::Unauthorized)
}

/// A preferred channel needs an address on it: else resets would be routed nowhere.
pub fn check_preferred(preferred: Option<Channel>, has_email: bool, has_phone: bool) -> AppResult<()> {
    match preferred {
        Some(Channel::Email) if !has_email => Err(AppError::invalid("preferred_channel email needs an email address")),
        Some(Channel::Sms) if !has_phone => Err(AppError::invalid("preferred_channel sms needs a phone number")),
        _ => Ok(()),
    }
}

pub struct ProfileInput {
    pub name: Option<Option<String>>,
    pub preferred_channel: Option<Channel>,
    pub locale: Option<String>,
}

pub async fn update_profile(
    state: &AppState,
    user_id: &str,
    input: ProfileInput,
    client: &Client,
) -> AppResult<Account> {
    let current = account(state, user_id).await?;
    check_preferred(input.preferred_channel, current.email.is_some(), current.phone.is_some())?;
    let name = match input.name {
        Some(name) => Some(crate::flows::signup::parse_name(name)?),
        None => None,
    };
    let locale = crate::flows::issue::parse_locale(input.locale)?;
    let change = ProfileChange { name, preferred_channel: input.preferred_channel, locale };
    state.store.update_profile(user_id, change, state.now(), &client.actor()).await?.ok_or(AppError::Unauthorized)
}

/// Whether the session may make a sensitive change without the current password: it
/// signed in less than `passwords.recent_sign_in` ago (OWASP Authentication: require
/// re-authentication for sensitive features).
fn recently_signed_in(state: &AppState, session: &Session) -> bool {
    state.now() - session.created_at < crate::clock::ms(state.settings.passwords.recent_sign_in)
}

/// Proof that the person at the keyboard is the owner: the current password, or a
/// sign-in less than `recent_sign_in` old. Anything else is `invalid_credentials`.
async fn reauthenticate(
    state: &AppState,
    account: &Account,
    session: &Session,
    current_password: Option<&str>,
    client: &Client,
) -> AppResult<()> {
    match current_password {
        Some(raw) => {
            let password = Password::parse(raw).map_err(|_| AppError::InvalidCredentials)?;
            // A stolen session must not become a way to guess the password: wrong
            // current passwords count towards the account's consecutive failures like
            // wrong logins (NIST 800-63B §3.2.2), and a lock holds here too.
            let identifier = account.identifiers().into_iter().next().ok_or(AppError::InvalidCredentials)?;
            let now = state.now();
            let candidate = state.store.login_candidate(&identifier).await?;
            if let Some(until) = candidate.locked_until.filter(|u| *u > now) {
                return Err(AppError::TooManyAttempts { retry_after_secs: retry_after_secs(until - now) });
            }
            let verified = state.hasher.verify(&password, account.password_hash.as_deref()).await?;
            if verified.matches {
                return Ok(());
            }
            let p = &state.settings.passwordless;
            let failure = Failure {
                identifier,
                event: EventType::ReauthFailed,
                now,
                account_max_failures: p.account_max_failures,
                account_lockout_ms: crate::clock::ms(p.account_lockout),
            };
            state.store.record_failure(failure, &client.actor()).await?;
            Err(AppError::InvalidCredentials)
        }
        None if recently_signed_in(state, session) => Ok(()),
        None => Err(AppError::InvalidCredentials),
    }
}

pub async fn change_password(
    state: &AppState,
    session: &Session,
    current_password: Option<&str>,
    new_password: &str,
    client: &Client,
) -> AppResult<()> {
    let account = account(state, &session.user_id).await?;
    reauthenticate(state, &account, session, current_password, client).await?;
    let inputs = account_inputs(account.email.as_deref(), account.phone.as_deref(), account.name.as_deref());
    let password_hash = passwords::choose(state, new_password, inputs).await?;
    let change = PasswordChange {
        user_id: account.id.clone(),
        password_hash,
        keep_session: session.id.clone(),
        notice: passwords::changed_notice(state, client)?,
        now: state.now(),
    };
    let queued = state.store.change_password(change, &client.actor()).await?.ok_or(AppError::Unauthorized)?;
    for message in queued {
        state.outbox.hand_off(Some(message));
    }
    tracing::info!(user_id = %account.id, "password changed");
    Ok(())
}

/// Sends a code and link to a new email address or phone number; the account takes it
/// once it is verified. An address held by another account gets nothing (and the answer
/// is the same).
pub async fn start_identifier_change(
    state: &AppState,
    session: &Session,
    identifier: Identifier,
    locale: Option<String>,
    device: DeviceBinding,
    client: &Client,
) -> AppResult<Started> {
    let channel = natural_channel(&identifier, None)?;
    let request = Issue {
        purpose: Purpose::IdentifierChange,
        to: identifier.clone(),
        typed: identifier,
        channel,
        user_id: Some(session.user_id.clone()),
        details: None,
        kind: None,
        redirect_to: None,
        locale,
        prepaid: false,
        headless: None,
    };
    issue(state, request, device, client).await
}

pub enum ChangeProof {
    Code { auth_request_id: String, code: OtpCode },
    Token(String),
}

/// Completes an identifier change for the signed-in account; the old address is told.
pub async fn confirm_identifier_change(
    state: &AppState,
    session: &Session,
    proof: ChangeProof,
    client: &Client,
) -> AppResult<Account> {
    let effect = Effect::ChangeIdentifier {
        user_id: session.user_id.clone(),
        notice: passwords::notice(state, KIND_IDENTIFIER_CHANGED, client)?,
    };
    let done = match proof {
        ChangeProof::Code { auth_request_id, code } => {
            verify_code::redeem(state, &auth_request_id, &code, effect, client).await?
        }
        ChangeProof::Token(token) => redeem_magic_link::redeem(state, &token, LinkAction::Redeem(effect), client)
            .await?
            .ok_or(AppError::InvalidCode { remaining: None })?,
    };
    let Redeemed::IdentifierChanged { notices, .. } = done else {
        return Err(AppError::InvalidCode { remaining: None });
    };
    for message in notices {
        state.outbox.hand_off(Some(message));
    }
    tracing::info!(user_id = %session.user_id, "identifier changed");
    account(state, &session.user_id).await
}

/// Deletes the account (after the same proof as a password change): its sessions and
/// secrets go with it.
pub async fn delete_account(
    state: &AppState,
    session: &Session,
    current_password: Option<&str>,
    client: &Client,
) -> AppResult<()> {
    let account = account(state, &session.user_id).await?;
    reauthenticate(state, &account, session, current_password, client).await?;
    if !state.store.delete_account(&account.id, state.now(), &client.actor()).await? {
        return Err(AppError::Unauthorized);
    }
    tracing::info!(user_id = %account.id, "account deleted");
    Ok(())
}
