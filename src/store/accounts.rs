//! Accounts: their profile, password and identifiers, password login and the consecutive
//! failures that throttle it (shared with codes). Times are unix milliseconds.
//!
//! Secrets that change an account (sign-up verification, reset, identifier change) are
//! redeemed through `SignInStore::redeem_code` / `redeem_link` like every one-time secret;
//! the `Effect` a caller passes says what the redemption does.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use crate::domain::{Channel, Identifier};
use crate::store::{Actor, EventType, NewMessage, NewSession, RateLimit, SignedIn, StoreError, User};

/// Every method that changes an account writes its audit events (`audit.rs`) in the same
/// transaction, with `actor` as the one who acted.
#[async_trait]
pub trait AccountStore: Send + Sync {
    /// The account holding an identifier (verified or not).
    async fn account_by_identifier(&self, identifier: &Identifier) -> Result<Option<Account>, StoreError>;

    async fn account(&self, user_id: &str) -> Result<Option<Account>, StoreError>;

    /// What a password login needs, in one read: the account holding the identifier, if
    /// any, and the identifier's run of failures.
    async fn login_candidate(&self, identifier: &Identifier) -> Result<LoginCandidate, StoreError>;

    /// Consumes rate limits on their own (a login's per-IP limit): all or nothing.
    async fn hit_rate_limits(&self, limits: Vec<RateLimit>) -> Result<(), StoreError>;

    /// A right password: ends the identifier's run of failures, stores the new hash when
    /// the parameters changed, and opens a session, in one transaction. `None` when the
    /// account went away or was disabled meanwhile.
    async fn password_signed_in(&self, login: PasswordSignIn, actor: &Actor) -> Result<Option<SignedIn>, StoreError>;

    /// A wrong password (or a login for an identifier without a usable password): one more
    /// consecutive failure for the identifier, by the same rule as a wrong code.
    async fn record_failure(&self, failure: Failure, actor: &Actor) -> Result<(), StoreError>;

    /// Name, preferred channel and language. `None`: no such account.
    async fn update_profile(
        &self,
        user_id: &str,
        change: ProfileChange,
        now: i64,
        actor: &Actor,
    ) -> Result<Option<Account>, StoreError>;

    /// Sets a new password chosen by the signed-in owner: every other session ends, every
    /// outstanding secret of the account dies, the notice is queued (the messages to hand
    /// off are returned). `None`: no such account.
    async fn change_password(
        &self,
        change: PasswordChange,
        actor: &Actor,
    ) -> Result<Option<Vec<crate::store::OutboxMessage>>, StoreError>;

    /// Deletes the account with its sessions and requests. `false`: no such account.
    async fn delete_account(&self, user_id: &str, now: i64, actor: &Actor) -> Result<bool, StoreError>;

    /// Accounts newest first, after the cursor `before` (an account id), at most `limit`;
    /// `search` is a prefix of the email, phone or name (case-insensitive for the name).
    async fn list_accounts(
        &self,
        search: Option<&str>,
        before: Option<&str>,
        limit: usize,
    ) -> Result<Vec<Account>, StoreError>;

    /// Disables (every session ends, every outstanding secret dies; every sign-in method
    /// refuses it from now on) or enables an account. `None`: no such account.
    async fn set_disabled(
        &self,
        user_id: &str,
        disabled: bool,
        now: i64,
        actor: &Actor,
    ) -> Result<Option<Account>, StoreError>;

    /// An account an operator creates. `StoreError::Conflict` when another account holds
    /// its email or phone.
    async fn create_account(&self, new: NewAccount, actor: &Actor) -> Result<Account, StoreError>;

    /// Changes an operator asks for (`AccountChange::columns` decides the new values).
    /// `None`: no such account; `StoreError::Conflict` as for `create_account`.
    async fn update_account(
        &self,
        user_id: &str,
        change: AccountChange,
        now: i64,
        actor: &Actor,
    ) -> Result<Option<Account>, StoreError>;
}

pub struct NewAccount {
    pub id: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub email_verified: bool,
    pub phone_verified: bool,
    pub name: Option<String>,
    pub preferred_channel: Option<Channel>,
    pub locale: Option<String>,
    pub password_hash: Option<String>,
    pub created_at: i64,
}

/// What an operator changes; `None` leaves a field as it is, `Some(None)` clears it.
#[derive(Debug, Default)]
pub struct AccountChange {
    pub name: Option<Option<String>>,
    pub email: Option<Option<String>>,
    pub phone: Option<Option<String>>,
    pub email_verified: Option<bool>,
    pub phone_verified: Option<bool>,
    pub preferred_channel: Option<Channel>,
    pub locale: Option<String>,
}

/// The columns an `AccountChange` writes, decided once for both backends.
pub struct AccountColumns {
    pub email: Option<String>,
    pub phone: Option<String>,
    pub email_verified_at: Option<i64>,
    pub phone_verified_at: Option<i64>,
    pub name: Option<String>,
    pub preferred_channel: Option<String>,
    pub locale: Option<String>,
}

impl AccountChange {
    /// A changed address is unverified unless the change says it is verified; an address
    /// that stays keeps its verification unless the change says otherwise. `was_verified_at`
    /// are the stored `(email, phone)` verification times.
    pub fn columns(&self, a: &Account, was_verified_at: (Option<i64>, Option<i64>), now: i64) -> AccountColumns {
        let verified_at = |changed: bool, flag: Option<bool>, was: Option<i64>, present: bool| {
            let verified = flag.unwrap_or(!changed && was.is_some());
            match (present && verified, changed) {
                (false, _) => None,
                (true, true) => Some(now),
                (true, false) => was.or(Some(now)),
            }
        };
        let email = self.email.clone().unwrap_or_else(|| a.email.clone());
        let phone = self.phone.clone().unwrap_or_else(|| a.phone.clone());
        let email_changed = email != a.email;
        let phone_changed = phone != a.phone;
        AccountColumns {
            email_verified_at: verified_at(email_changed, self.email_verified, was_verified_at.0, email.is_some()),
            phone_verified_at: verified_at(phone_changed, self.phone_verified, was_verified_at.1, phone.is_some()),
            email,
            phone,
            name: self.name.clone().unwrap_or_else(|| a.name.clone()),
            preferred_channel: self.preferred_channel.or(a.preferred_channel).map(|c| c.as_str().to_owned()),
            locale: self.locale.clone().or_else(|| a.locale.clone()),
        }
    }
}

/// A `LIKE` pattern for "starts with `prefix`": `%`, `_` and `\` are escaped.
pub fn like_prefix(prefix: &str) -> String {
    let mut pattern = String::with_capacity(prefix.len() + 1);
    for c in prefix.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

/// An account as its owner and the flows see it (its JSON shape is `http::views::
/// AccountView`, without the password hash).
#[derive(Clone)]
pub struct Account {
    pub id: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub email_verified: bool,
    pub phone_verified: bool,
    pub name: Option<String>,
    pub preferred_channel: Option<Channel>,
    pub locale: Option<String>,
    /// The argon2id PHC string. `Account` has no `Debug`: it cannot reach a log.
    pub password_hash: Option<String>,
    pub disabled: bool,
    pub created_at: i64,
}

impl Account {
    pub fn has_password(&self) -> bool {
        self.password_hash.is_some()
    }

    /// The account as sessions and the JSON `user` show it.
    pub fn user(&self) -> User {
        User {
            id: self.id.clone(),
            email: self.email.clone(),
            phone: self.phone.clone(),
            created_at: self.created_at,
            disabled: self.disabled,
        }
    }

    /// The stored identifier of a channel, when it is verified.
    pub fn verified(&self, channel: Channel) -> Option<Identifier> {
        let value = match channel {
            Channel::Email if self.email_verified => self.email.as_deref()?,
            Channel::Sms if self.phone_verified => self.phone.as_deref()?,
            _ => return None,
        };
        Identifier::from_db(
            match channel {
                Channel::Email => "email",
                Channel::Sms => "phone",
            },
            value,
        )
    }

    /// Whether the identifier the person typed is one this account proved it controls.
    pub fn is_verified(&self, identifier: &Identifier) -> bool {
        self.verified(identifier.natural_channel()).is_some_and(|v| v.as_str() == identifier.as_str())
    }

    /// Whether any identifier is verified: an account nobody ever verified is a claim
    /// anyone could have made (a squatter's), and gives way to the first verification.
    pub fn any_verified(&self) -> bool {
        self.email_verified || self.phone_verified
    }

    /// Every identifier the account holds, for notices "over every channel it has".
    pub fn identifiers(&self) -> Vec<Identifier> {
        let mut all = Vec::new();
        if let Some(e) = self.email.as_deref().and_then(|v| Identifier::from_db("email", v)) {
            all.push(e);
        }
        if let Some(p) = self.phone.as_deref().and_then(|v| Identifier::from_db("phone", v)) {
            all.push(p);
        }
        all
    }
}

/// What a sign-up asked for, kept on its verification request (`auth_requests.details`)
/// and applied when the address is verified: only to an account nobody verified yet, so
/// the real owner's verification replaces whatever a squatter set (issue 11).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct SignUpDetails {
    pub password_hash: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub preferred_channel: Option<String>,
}

pub struct LoginCandidate {
    pub account: Option<Account>,
    /// Consecutive failures of the identifier (codes and passwords alike).
    pub failures: i64,
    pub locked_until: Option<i64>,
}

pub struct PasswordSignIn {
    pub user_id: String,
    pub identifier: Identifier,
    /// The password hashed again with the current parameters (`needs_rehash`).
    pub rehash: Option<String>,
    pub end_failures: bool,
    pub session: NewSession,
    pub redirect_to: String,
}

pub struct Failure {
    pub identifier: Identifier,
    /// `SignInFailed` (a login) or `ReauthFailed` (a wrong current password).
    pub event: EventType,
    pub now: i64,
    pub account_max_failures: u32,
    pub account_lockout_ms: i64,
}

#[derive(Debug, Default)]
pub struct ProfileChange {
    /// `Some(None)` clears the name.
    pub name: Option<Option<String>>,
    pub preferred_channel: Option<Channel>,
    pub locale: Option<String>,
}

pub struct PasswordChange {
    pub user_id: String,
    pub password_hash: String,
    /// The session that made the change stays signed in.
    pub keep_session: String,
    pub notice: Notice,
    pub now: i64,
}

/// A message without a secret, sent to every identifier an account holds on a channel
/// the server can deliver ("your password was changed").
#[derive(Clone)]
pub struct Notice {
    pub kind: String,
    pub payload: String,
    pub channels: Vec<Channel>,
    pub lease_until: Option<i64>,
    pub fallback_locale: Option<String>,
    pub created_at: i64,
    pub expires_at: i64,
}

impl Notice {
    /// The messages of this notice for an account's identifiers.
    pub fn messages(&self, identifiers: &[Identifier]) -> Vec<NewMessage> {
        identifiers
            .iter()
            .filter(|i| self.channels.contains(&i.natural_channel()))
            .map(|i| NewMessage {
                lease_until: self.lease_until,
                channel: i.natural_channel(),
                recipient: i.as_str().to_owned(),
                kind: self.kind.clone(),
                payload: self.payload.clone(),
                locale: None,
                fallback_locale: self.fallback_locale.clone(),
                created_at: self.created_at,
                expires_at: self.expires_at,
            })
            .collect()
    }
}

/// What a password reset redemption does besides spending the secret.
pub struct PasswordReset {
    pub password_hash: String,
    pub notice: Notice,
    /// `passwords.sign_in_after_reset`: open a session for the browser that reset.
    pub session: Option<NewSession>,
}

/// The result of a redemption whose effect is not a plain sign-in.
#[derive(Debug)]
pub struct PasswordWasReset {
    pub user_id: String,
    pub signed_in: Option<SignedIn>,
    pub notices: Vec<crate::store::OutboxMessage>,
}
