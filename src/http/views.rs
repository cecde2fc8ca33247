//! The JSON shapes of users, sessions and started requests.

use serde::Serialize;
use utoipa::ToSchema;

use crate::clock::rfc3339;
use crate::domain::user_agent;
use crate::flows::issue::Started;
use crate::store::{Account, AuditEvent, Session, SignedIn, User};

#[derive(Serialize, ToSchema)]
pub struct UserView {
    pub id: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub created_at: String,
}

impl From<&User> for UserView {
    fn from(u: &User) -> Self {
        Self { id: u.id.clone(), email: u.email.clone(), phone: u.phone.clone(), created_at: rfc3339(u.created_at) }
    }
}

#[derive(Serialize, ToSchema)]
pub struct SessionView {
    pub id: String,
    pub created_at: String,
    pub last_seen_at: String,
    pub expires_at: String,
    pub idle_expires_at: String,
    pub ip: String,
    pub user_agent: String,
    /// "Firefox on Linux".
    pub device: String,
    pub current: bool,
}

impl SessionView {
    pub fn new(s: &Session, current_id: &str) -> Self {
        Self {
            id: s.id.clone(),
            created_at: rfc3339(s.created_at),
            last_seen_at: rfc3339(s.last_seen_at),
            expires_at: rfc3339(s.expires_at),
            idle_expires_at: rfc3339(s.idle_expires_at),
            ip: s.ip.clone(),
            user_agent: s.user_agent.clone(),
            device: user_agent::describe(&s.user_agent),
            current: s.id == current_id,
        }
    }
}

/// One line of the owner's recent activity on `/account`.
#[derive(Serialize)]
pub struct ActivityView {
    /// The message id of the event type's label (`activity-sign-in-succeeded`).
    pub label: String,
    pub at: String,
    pub ip: String,
    /// "Firefox on Linux".
    pub device: String,
}

impl ActivityView {
    pub fn new(e: &AuditEvent) -> Self {
        Self {
            label: activity_label(&e.kind),
            at: rfc3339(e.created_at),
            ip: e.ip.clone(),
            device: user_agent::describe(&e.user_agent),
        }
    }
}

/// The message id of an audit event type's label.
pub fn activity_label(kind: &str) -> String {
    format!("activity-{}", kind.replace(['.', '_'], "-"))
}

#[derive(Serialize, ToSchema)]
pub struct SignedInView {
    pub user: UserView,
    pub session: SessionView,
}

impl SignedInView {
    pub fn new(user: &User, session: &Session) -> Self {
        Self { user: user.into(), session: SessionView::new(session, &session.id) }
    }
}

/// A sign-in that names where to go next (`redirect_to`, checked when it was asked for).
#[derive(Serialize, ToSchema)]
pub struct LoggedInView {
    pub user: UserView,
    pub session: SessionView,
    pub redirect_to: String,
}

/// One page of an admin list (`{"items","next_cursor"}`, DESIGN.md).
#[derive(Serialize, ToSchema)]
pub struct PageView<T> {
    pub items: Vec<T>,
    /// The `cursor` of the next page; `null` on the last.
    pub next_cursor: Option<String>,
}

impl<T> PageView<T> {
    pub fn of<S>(page: crate::flows::paging::Page<S>, view: impl FnMut(S) -> T) -> Self {
        Self { items: page.items.into_iter().map(view).collect(), next_cursor: page.next_cursor }
    }
}

/// The optional sign-in of an answer that may or may not sign in (a poll, a reset): its
/// fields when it did, none when it did not (a flattened `Option` would be documented as
/// an object or `null`, which the answer never is).
#[derive(Serialize, ToSchema, Default)]
pub struct MaybeSignedIn {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<UserView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session: Option<SessionView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redirect_to: Option<String>,
}

impl From<Option<LoggedInView>> for MaybeSignedIn {
    fn from(v: Option<LoggedInView>) -> Self {
        match v {
            Some(v) => Self { user: Some(v.user), session: Some(v.session), redirect_to: Some(v.redirect_to) },
            None => Self::default(),
        }
    }
}

impl LoggedInView {
    pub fn new(signed_in: &SignedIn) -> Self {
        Self {
            user: (&signed_in.user).into(),
            session: SessionView::new(&signed_in.session, &signed_in.session.id),
            redirect_to: signed_in.redirect_to.clone(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct StartedView {
    pub auth_request_id: String,
    pub expires_at: String,
    pub channel: &'static str,
    /// Seconds before another message may be requested.
    pub resend_after: u64,
    /// Only for the browser that started the sign-in (its device cookie); `null` for
    /// anyone else (issue 10, finding 6).
    pub match_number: Option<u8>,
}

impl From<Started> for StartedView {
    fn from(s: Started) -> Self {
        Self {
            auth_request_id: s.auth_request_id,
            expires_at: rfc3339(s.expires_at),
            channel: s.channel.as_str(),
            resend_after: s.resend_after_secs,
            match_number: s.match_number,
        }
    }
}

/// The signed-in person's own account (`GET /v1/account`). Never the password hash.
#[derive(Serialize, ToSchema)]
pub struct AccountView {
    pub id: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub email_verified: bool,
    pub phone_verified: bool,
    pub name: Option<String>,
    pub preferred_channel: Option<&'static str>,
    pub locale: Option<String>,
    pub has_password: bool,
    pub disabled: bool,
    pub created_at: String,
}

impl From<Account> for AccountView {
    fn from(a: Account) -> Self {
        let has_password = a.has_password();
        Self {
            id: a.id,
            email: a.email,
            phone: a.phone,
            email_verified: a.email_verified,
            phone_verified: a.phone_verified,
            name: a.name,
            preferred_channel: a.preferred_channel.map(|c| c.as_str()),
            locale: a.locale,
            has_password,
            disabled: a.disabled,
            created_at: rfc3339(a.created_at),
        }
    }
}
