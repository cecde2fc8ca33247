//! The `sendgrid` provider: `POST /v3/mail/send`
//! (https://www.twilio.com/docs/sendgrid/api-reference/mail-send/mail-send). It answers
//! 202 with an empty body; the message id is the `X-Message-Id` header.

use std::sync::Arc;

use anyhow::Context;
use async_trait::async_trait;
use secrecy::{ExposeSecret, SecretString};
use serde_json::json;

use crate::config::DeliverySettings;
use crate::delivery::http_api::{self, base_url, split_mailbox};
use crate::delivery::{Outgoing, SendError, Sender};

pub const NAME: &str = "sendgrid";
const DEFAULT_BASE: &str = "https://api.sendgrid.com";

pub struct Sendgrid {
    http: reqwest::Client,
    endpoint: String,
    api_key: SecretString,
    /// `{"email", "name"?}`: SendGrid takes the display name apart.
    from: serde_json::Value,
    reply_to: Option<serde_json::Value>,
}

fn mailbox(mailbox: &str) -> serde_json::Value {
    match split_mailbox(mailbox) {
        (Some(name), email) => json!({ "email": email, "name": name }),
        (None, email) => json!({ "email": email }),
    }
}

pub fn build(settings: &DeliverySettings, http: &reqwest::Client) -> anyhow::Result<Arc<dyn Sender>> {
    let s = settings.email.sendgrid.as_ref().context("delivery.email: sendgrid needs [delivery.email.sendgrid]")?;
    Ok(Arc::new(Sendgrid {
        http: http.clone(),
        endpoint: format!("{}/v3/mail/send", base_url(s.base_url.as_deref(), DEFAULT_BASE)),
        api_key: s.api_key.clone(),
        from: mailbox(&settings.email.from),
        reply_to: settings.email.reply_to.as_deref().map(mailbox),
    }))
}

/// `{"errors":[{"message":"…","field":"…"}]}`: the field and message of the first error.
fn describe(v: &serde_json::Value) -> Option<String> {
    let first = v.get("errors")?.as_array()?.first()?;
    let message = first.get("message").and_then(serde_json::Value::as_str);
    match (first.get("field").and_then(serde_json::Value::as_str), message) {
        (Some(field), Some(m)) => Some(format!("{field}: {m}")),
        (_, m) => m.map(str::to_owned),
    }
}

#[async_trait]
impl Sender for Sendgrid {
    fn name(&self) -> &'static str {
        NAME
    }

    async fn send(&self, message: &Outgoing) -> Result<Option<String>, SendError> {
        let r = &message.rendered;
        // text/plain must come before text/html.
        let mut content = vec![json!({ "type": "text/plain", "value": r.text })];
        if let Some(html) = r.html.as_ref().filter(|h| !h.is_empty()) {
            content.push(json!({ "type": "text/html", "value": html }));
        }
        let mut body = json!({
            "personalizations": [{
                "to": [{ "email": message.to }],
                "custom_args": { "postern_id": message.id },
            }],
            "from": self.from,
            "subject": r.subject,
            "content": content,
            "categories": [message.kind],
            // Sign-in links must not be rewritten for click tracking (the token would pass
            // through SendGrid's redirector and land in its logs).
            "tracking_settings": { "click_tracking": { "enable": false, "enable_text": false } },
        });
        if let Some(reply_to) = &self.reply_to {
            body["reply_to"] = reply_to.clone();
        }
        let request = self.http.post(&self.endpoint).bearer_auth(self.api_key.expose_secret()).json(&body);
        let answer = http_api::send(NAME, request, describe).await?;
        Ok(answer.header("x-message-id"))
    }
}
