//! Operators' view of accounts, shared by `/admin/v1/users` and `postern users`: find,
//! read, disable, enable, delete.

use crate::domain::Identifier;
use crate::error::{AppError, AppResult};
use crate::store::{Account, Store};

pub const MAX_PAGE: usize = 200;
pub const DEFAULT_PAGE: usize = 50;

/// One page of accounts, newest first, and the cursor of the next page.
pub struct Page {
    pub items: Vec<Account>,
    pub next_cursor: Option<String>,
}

pub async fn list(
    store: &dyn Store,
    search: Option<&str>,
    cursor: Option<&str>,
    limit: Option<usize>,
) -> AppResult<Page> {
    let limit = limit.unwrap_or(DEFAULT_PAGE);
    if limit == 0 || limit > MAX_PAGE {
        return Err(AppError::invalid(format!("limit must be between 1 and {MAX_PAGE}")));
    }
    if let Some(c) = cursor
        && (c.is_empty() || c.len() > 64 || !c.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'))
    {
        return Err(AppError::invalid("cursor is not one this server gave"));
    }
    let search = search.map(str::trim).filter(|s| !s.is_empty());
    if search.is_some_and(|s| s.chars().count() > 100) {
        return Err(AppError::invalid("query must be at most 100 characters"));
    }
    // One more than asked tells whether another page follows.
    let mut items = store.list_accounts(search.map(str::to_lowercase).as_deref(), cursor, limit + 1).await?;
    let next_cursor = if items.len() > limit {
        items.truncate(limit);
        items.last().map(|a| a.id.clone())
    } else {
        None
    };
    Ok(Page { items, next_cursor })
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

pub async fn set_disabled(store: &dyn Store, user_id: &str, disabled: bool, now: i64) -> AppResult<Account> {
    let account = store.set_disabled(user_id, disabled, now).await?.ok_or(AppError::NotFound)?;
    tracing::info!(user_id, disabled, "account disabled or enabled by an operator");
    Ok(account)
}

pub async fn delete(store: &dyn Store, user_id: &str) -> AppResult<()> {
    if !store.delete_account(user_id).await? {
        return Err(AppError::NotFound);
    }
    tracing::info!(user_id, "account deleted by an operator");
    Ok(())
}
