//! What a sign-in message says. The payload is stored in the outbox with the message and
//! rendered by the templates at delivery time (and by the dev inbox when it is read).

use serde::{Deserialize, Serialize};

use crate::clock::rfc3339;
use crate::domain::Channel;
use crate::templates::Templates;

pub const KIND_SIGN_IN: &str = "sign_in";

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SignInPayload {
    pub app_name: String,
    pub link: String,
    pub code: String,
    pub expires_at: i64,
    pub lifetime_minutes: u64,
    /// "Chrome on macOS", shown so the person can tell whether the request was theirs.
    pub requested_from: String,
    /// Host of the public URL, for the WebOTP line of SMS (`@host #code`).
    pub origin_host: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: Option<String>,
}

pub fn render(templates: &Templates, channel: Channel, kind: &str, payload: &str) -> anyhow::Result<Rendered> {
    anyhow::ensure!(kind == KIND_SIGN_IN, "unknown message kind {kind}");
    let p: SignInPayload = serde_json::from_str(payload)?;
    let ctx = minijinja::context! {
        app_name => p.app_name,
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
