//! What a message says. The payload is stored in the outbox with the message and
//! rendered by the templates at delivery time, in the message's language and with the
//! operator's theme (and by the dev inbox when it is read).

use serde::{Deserialize, Serialize};

use crate::clock::rfc3339;
use crate::domain::Channel;
use crate::templates::Templates;

/// Message kinds; each has a subject, HTML and text for email, and a text for SMS.
pub const KIND_SIGN_IN: &str = "sign_in";
pub const KIND_VERIFICATION: &str = "verification";
pub const KIND_RESET_LINK: &str = "reset_link";
pub const KIND_RESET_CODE: &str = "reset_code";
pub const KIND_PASSWORD_CHANGED: &str = "password_changed";
pub const KIND_ACCOUNT_EXISTS: &str = "account_exists";
pub const KINDS: &[&str] =
    &[KIND_SIGN_IN, KIND_VERIFICATION, KIND_RESET_LINK, KIND_RESET_CODE, KIND_PASSWORD_CHANGED, KIND_ACCOUNT_EXISTS];

/// The variables of every kind (a kind uses those it needs: a notice has no code).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Payload {
    #[serde(default)]
    pub link: Option<String>,
    #[serde(default)]
    pub code: Option<String>,
    /// When the link and code stop working (unix ms); 0 when the message has no secret.
    #[serde(default)]
    pub expires_at: i64,
    #[serde(default)]
    pub lifetime_minutes: u64,
    /// "Chrome on macOS", shown so the person can tell whether the request was theirs.
    #[serde(default)]
    pub requested_from: String,
    /// Host of the public URL, for the WebOTP line of SMS (`@host #code`).
    #[serde(default)]
    pub origin_host: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: Option<String>,
}

/// Renders a stored message in `locale` (a supported locale, see `crate::i18n`).
pub fn render(
    templates: &Templates,
    channel: Channel,
    kind: &str,
    locale: &str,
    payload: &str,
) -> anyhow::Result<Rendered> {
    anyhow::ensure!(KINDS.contains(&kind), "unknown message kind {kind}");
    let _ = locale;
    let p: Payload = serde_json::from_str(payload)?;
    let ctx = minijinja::context! {
        app_name => templates.app_name(),
        link => p.link,
        code => p.code,
        expires_at => rfc3339(p.expires_at),
        lifetime_minutes => p.lifetime_minutes,
        requested_from => p.requested_from,
        origin_host => p.origin_host,
    };
    let subject = templates.render("email/sign_in_subject.txt", ctx.clone())?.trim().to_owned();
    Ok(match channel {
        Channel::Email => Rendered {
            subject,
            text: templates.render("email/sign_in.txt", ctx.clone())?,
            html: Some(templates.render("email/sign_in.html", ctx.clone())?),
        },
        Channel::Sms => {
            Rendered { subject, text: templates.render("sms/sign_in.txt", ctx)?.trim().to_owned(), html: None }
        }
    })
}
