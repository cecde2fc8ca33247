//! `POST /v1/signup` and the hosted `/signup` form: an account with a password, verified
//! by a link and code sent over the preferred channel, completed like a sign-in
//! (`POST /v1/passwordless/verify` or the link).
//!
//! No enumeration (DESIGN.md): an address that already has an account gets the same
//! answer, and its owner an "account already exists" message instead of a verification.
//! No pre-hijacking: the account stays unverified until the address is verified, and the
//! first verification replaces whatever an earlier, unverified sign-up set (`claim` in the
//! store).

use crate::domain::password::account_inputs;
use crate::domain::{Channel, EmailAddress, Identifier, PhoneNumber};
use crate::error::{AppError, AppResult};
use crate::flows::issue::{Issue, Started, issue, prepay_limits};
use crate::flows::{Client, DeviceBinding, account, passwords, signup_open};
use crate::messages::KIND_ACCOUNT_EXISTS;
use crate::state::AppState;
use crate::store::{Purpose, SignUpDetails};

pub const MAX_NAME_CHARS: usize = 100;

pub struct SignUpInput {
    pub email: Option<EmailAddress>,
    pub phone: Option<PhoneNumber>,
    pub password: String,
    pub name: Option<String>,
    pub preferred_channel: Option<Channel>,
    pub locale: Option<String>,
    pub redirect_to: Option<String>,
}

/// A display name: trimmed, 1 to 100 characters, no control characters.
pub fn parse_name(name: Option<String>) -> AppResult<Option<String>> {
    let Some(name) = name else { return Ok(None) };
    let name = name.trim();
    if name.is_empty() {
        return Ok(None);
    }
    if name.chars().count() > MAX_NAME_CHARS || name.chars().any(char::is_control) {
        return Err(AppError::invalid(format!(
            "name must be at most {MAX_NAME_CHARS} characters, without control characters"
        )));
    }
    Ok(Some(name.to_owned()))
}

/// The identifier the verification goes to: the preferred channel's, else the email.
fn primary(input: &SignUpInput) -> AppResult<Identifier> {
    account::check_preferred(input.preferred_channel, input.email.is_some(), input.phone.is_some())?;
    match (input.preferred_channel, &input.email, &input.phone) {
        (Some(Channel::Sms), _, Some(p)) => Ok(Identifier::Phone(p.clone())),
        (_, Some(e), _) => Ok(Identifier::Email(e.clone())),
        (_, None, Some(p)) => Ok(Identifier::Phone(p.clone())),
        (_, None, None) => Err(AppError::invalid("give an email address or a phone number")),
    }
}

#[tracing::instrument(skip_all)]
pub async fn sign_up(
    state: &AppState,
    input: SignUpInput,
    device: DeviceBinding,
    client: &Client,
) -> AppResult<Started> {
    // Whether sign-up is open is a fact about the server, the same for every address.
    if !signup_open(state) {
        return Err(AppError::invalid("sign-up is closed on this server"));
    }
    let to = primary(&input)?;
    let name = parse_name(input.name)?;
    let email = input.email.as_ref().map(|e| e.as_str().to_owned());
    let phone = input.phone.as_ref().map(|p| p.as_str().to_owned());
    // The password is checked and hashed before the account is looked up, so a sign-up
    // for an existing address costs the same as one for a new address; the send limits
    // are paid before the hash, so a flood is refused before it costs CPU.
    let inputs = account_inputs(email.as_deref(), phone.as_deref(), name.as_deref());
    let password = passwords::check(state, &input.password, inputs).await?;
    prepay_limits(state, &to, client).await?;
    let password_hash = state.hasher.hash(&password).await?;
    let existing = state.store.account_by_identifier(&to).await?;
    let exists = existing.as_ref().is_some_and(|a| a.any_verified());
    let details = SignUpDetails {
        password_hash,
        name,
        email,
        phone,
        preferred_channel: input.preferred_channel.map(|c| c.as_str().to_owned()),
    };
    let request = Issue {
        purpose: Purpose::SignUpVerification,
        channel: to.natural_channel(),
        typed: to.clone(),
        to,
        user_id: None,
        details: (!exists).then_some(details),
        kind: exists.then_some(KIND_ACCOUNT_EXISTS),
        redirect_to: input.redirect_to,
        locale: input.locale,
        prepaid: true,
        headless: None,
    };
    issue(state, request, device, client).await
}
