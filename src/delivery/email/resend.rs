//! The `resend` provider: `POST /emails` (https://resend.com/docs/api-reference/emails/send-email).
//!
//! The outgoing id is sent as `Idempotency-Key` (the API documents it, at most 256
//! characters): a retry after a timeout whose request did reach Resend is answered with
//! the first send's result instead of sending the email twice.

use std::sync::Arc;

use anyhow::Context;
use async_trait::async_trait;
use secrecy::{ExposeSecret, SecretString};
use serde_json::json;

use crate::config::DeliverySettings;
use crate::delivery::http_api::{self, base_url};
use crate::delivery::{Outgoing, SendError, Sender};

pub const NAME: &str = "resend";
const DEFAULT_BASE: &str = "https://api.resend.com";

pub struct Resend {
    http: reqwest::Client,
    endpoint: String,
    api_key: SecretString,
    from: String,
    reply_to: Option<String>,
}

pub fn build(settings: &DeliverySettings, http: &reqwest::Client) -> anyhow::Result<Arc<dyn Sender>> {
    let s = settings.email.resend.as_ref().context("delivery.email: resend needs [delivery.email.resend]")?;
    Ok(Arc::new(Resend {
        http: http.clone(),
        endpoint: format!("{}/emails", base_url(s.base_url.as_deref(), DEFAULT_BASE)),
        api_key: s.api_key.clone(),
        from: settings.email.from.clone(),
        reply_to: settings.email.reply_to.clone(),
    }))
}

#[async_trait]
impl Sender for Resend {
    fn name(&self) -> &'static str {
        NAME
    }

    async fn send(&self, message: &Outgoing) -> Result<Option<String>, SendError> {
        let r = &message.rendered;
        let mut body = json!({
            "from": self.from,
            "to": [message.to],
            "subject": r.subject,
            "text": r.text,
            // Tag values allow ASCII letters, digits, `_` and `-`: kinds are such names.
            "tags": [{ "name": "kind", "value": message.kind }],
        });
        if let Some(html) = &r.html {
            body["html"] = json!(html);
        }
        if let Some(reply_to) = &self.reply_to {
            body["reply_to"] = json!(reply_to);
        }
        let request = self
            .http
            .post(&self.endpoint)
            .bearer_auth(self.api_key.expose_secret())
            .header("Idempotency-Key", &message.id)
            .json(&body);
        // Errors look like `{"statusCode":422,"name":"validation_error","message":"…"}`
        match http_api::send(NAME, request, http_api::describe_code_and_message).await {
            Ok(answer) => Ok(answer.json_str("id")),
            // 409 `concurrent_idempotent_requests`: the first attempt (one that timed out
            // here) is still being processed by Resend; asking again later is right.
            Err(SendError::Permanent(text)) if text.contains("concurrent_idempotent_requests") => {
                Err(SendError::Temporary(text))
            }
            Err(e) => Err(e),
        }
    }
}
