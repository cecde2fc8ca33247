//! Operators' view of accounts, shared by `/admin/v1/users` and `postern users`: find,
//! read, disable, enable, delete.

use crate::domain::password::account_inputs;
use crate::domain::{Channel, EmailAddress, Identifier, PhoneNumber};
use crate::error::{AppError, AppResult};
use crate::flows::issue::{Headless, Issue, issue};
use crate::flows::paging::{self, Page};
use crate::flows::{Client, DeviceBinding, account, passwords, signup};
use crate::state::AppState;
use crate::store::{Account, AccountChange, Actor, NewAccount, Purpose, Store};

pub async fn list(
    store: &dyn Store,
    search: Option<&str>,
    cursor: Option<&str>,
    limit: Option<usize>,
) -> AppResult<Page<Account>> {
    let limit = paging::limit(limit)?;
    if let Some(c) = cursor
        && (c.is_empty() || c.len() > 64 || !c.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'))
    {
        return Err(AppError::invalid("cursor is not one this server gave"));
    }
    let search = search.map(str::trim).filter(|s| !s.is_empty());
    if search.is_some_and(|s| s.chars().count() > 100) {
        return Err(AppError::invalid("query must be at most 100 characters"));
    }
    let rows = store.list_accounts(search.map(str::to_lowercase).as_deref(), cursor, limit + 1).await?;
    Ok(paging::page(rows, limit, |a| a.id.clone()))
}

/// An account by id, or by email or phone (the CLI's `show ada@example.com`).
pub async fn find(store: &dyn Store, id_or_identifier: &str) -> AppResult<Account> {
    if let Some(account) = store.account(id_or_identifier).await? {
        return Ok(account);
    }
    match Identifier::parse_any(id_or_identifier) {
        Ok(identifier) => store.account_by_identifier(&identifier).await?.ok_or(AppError::NotFound),
        Err(_) => Err(AppError::NotFound),
    }
}

pub async fn set_disabled(
    store: &dyn Store,
    user_id: &str,
    disabled: bool,
    now: i64,
    actor: &Actor,
) -> AppResult<Account> {
    let account = store.set_disabled(user_id, disabled, now, actor).await?.ok_or(AppError::NotFound)?;
    tracing::info!(user_id, disabled, "account disabled or enabled by an operator");
    Ok(account)
}

pub async fn delete(store: &dyn Store, user_id: &str, now: i64, actor: &Actor) -> AppResult<()> {
    if !store.delete_account(user_id, now, actor).await? {
        return Err(AppError::NotFound);
    }
    tracing::info!(user_id, "account deleted by an operator");
    Ok(())
}

pub struct CreateInput {
    pub email: Option<EmailAddress>,
    pub phone: Option<PhoneNumber>,
    pub email_verified: bool,
    pub phone_verified: bool,
    pub password: Option<String>,
    pub name: Option<String>,
    pub preferred_channel: Option<Channel>,
    pub locale: Option<String>,
    /// Send a sign-in link and code to the new account (by its preferred channel's address).
    pub invite: bool,
}

/// Creates an account as an operator asks: with or without a password (checked by the
/// same policy as a sign-up), addresses verified or not, optionally inviting the person.
pub async fn create(state: &AppState, input: CreateInput, client: &Client) -> AppResult<Account> {
    if input.email.is_none() && input.phone.is_none() {
        return Err(AppError::invalid("give an email address or a phone number"));
    }
    account::check_preferred(input.preferred_channel, input.email.is_some(), input.phone.is_some())?;
    let name = signup::parse_name(input.name)?;
    let locale = crate::flows::issue::parse_locale(input.locale)?;
    let (email, phone) = (input.email.map(|e| e.as_str().to_owned()), input.phone.map(|p| p.as_str().to_owned()));
    let password_hash = match &input.password {
        Some(raw) => {
            let inputs = account_inputs(email.as_deref(), phone.as_deref(), name.as_deref());
            Some(passwords::choose(state, raw, inputs).await?)
        }
        None => None,
    };
    let new = NewAccount {
        id: crate::crypto::new_id(),
        email,
        phone,
        email_verified: input.email_verified,
        phone_verified: input.phone_verified,
        name,
        preferred_channel: input.preferred_channel,
        locale: locale.clone(),
        password_hash,
        created_at: state.now(),
    };
    let account = state.store.create_account(new, &client.actor()).await?;
    tracing::info!(user_id = %account.id, "account created by an operator");
    if input.invite {
        invite(state, &account, locale, client).await?;
    }
    Ok(account)
}

/// An invitation is a sign-in link and code to the account's preferred address.
async fn invite(state: &AppState, account: &Account, locale: Option<String>, client: &Client) -> AppResult<()> {
    let to = [account.preferred_channel, Some(Channel::Email), Some(Channel::Sms)]
        .into_iter()
        .flatten()
        .find_map(|c| account.identifiers().into_iter().find(|i| i.natural_channel() == c))
        .ok_or_else(|| AppError::invalid("the account has no address to invite"))?;
    let request = Issue {
        purpose: Purpose::SignIn,
        channel: to.natural_channel(),
        typed: to.clone(),
        to,
        user_id: None,
        details: None,
        kind: None,
        redirect_to: None,
        locale,
        prepaid: false,
        headless: Some(Headless::default()),
    };
    issue(state, request, DeviceBinding(crate::crypto::random_key()), client).await.map(drop)
}

pub struct UpdateInput {
    pub change: AccountChange,
    pub disabled: Option<bool>,
}

pub async fn update(state: &AppState, user_id: &str, input: UpdateInput, client: &Client) -> AppResult<Account> {
    let current = state.store.account(user_id).await?.ok_or(AppError::NotFound)?;
    let c = &input.change;
    let has_email = c.email.clone().unwrap_or(current.email.clone()).is_some();
    let has_phone = c.phone.clone().unwrap_or(current.phone.clone()).is_some();
    if !has_email && !has_phone {
        return Err(AppError::invalid("an account keeps an email address or a phone number"));
    }
    let preferred = c.preferred_channel.or(current.preferred_channel);
    account::check_preferred(preferred, has_email, has_phone)?;
    let mut change = input.change;
    if let Some(name) = change.name.take() {
        change.name = Some(signup::parse_name(name)?);
    }
    change.locale = crate::flows::issue::parse_locale(change.locale)?;
    let now = state.now();
    let actor = client.actor();
    let mut account = state.store.update_account(user_id, change, now, &actor).await?.ok_or(AppError::NotFound)?;
    if let Some(disabled) = input.disabled.filter(|d| *d != account.disabled) {
        account = set_disabled(state.store.as_ref(), user_id, disabled, now, &actor).await?;
    }
    tracing::info!(user_id, "account changed by an operator");
    Ok(account)
}
