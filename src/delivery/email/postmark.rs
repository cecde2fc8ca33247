//! The `postmark` provider: `POST /email` (https://postmarkapp.com/developer/api/email-api).
//!
//! Postmark refuses a message it will never send (inactive recipient, unverified sender,
//! invalid fields) with 422 and an `ErrorCode`: a permanent failure. 401 (bad token) is
//! permanent too; 429 and 5xx are retried.

use std::sync::Arc;

use anyhow::Context;
use async_trait::async_trait;
use secrecy::{ExposeSecret, SecretString};
use serde_json::json;

use crate::config::DeliverySettings;
use crate::delivery::http_api::{self, base_url};
use crate::delivery::{Outgoing, SendError, Sender};

pub const NAME: &str = "postmark";
const DEFAULT_BASE: &str = "https://api.postmarkapp.com";
const DEFAULT_STREAM: &str = "outbound";

pub struct Postmark {
    http: reqwest::Client,
    endpoint: String,
    server_token: SecretString,
    message_stream: String,
    from: String,
    reply_to: Option<String>,
}

pub fn build(settings: &DeliverySettings, http: &reqwest::Client) -> anyhow::Result<Arc<dyn Sender>> {
    let s = settings.email.postmark.as_ref().context("delivery.email: postmark needs [delivery.email.postmark]")?;
    Ok(Arc::new(Postmark {
        http: http.clone(),
        endpoint: format!("{}/email", base_url(s.base_url.as_deref(), DEFAULT_BASE)),
        server_token: s.server_token.clone(),
        message_stream: s.message_stream.clone().unwrap_or_else(|| DEFAULT_STREAM.to_owned()),
        from: settings.email.from.clone(),
        reply_to: settings.email.reply_to.clone(),
    }))
}

#[async_trait]
impl Sender for Postmark {
    fn name(&self) -> &'static str {
        NAME
    }

    async fn send(&self, message: &Outgoing) -> Result<Option<String>, SendError> {
        let r = &message.rendered;
        let mut body = json!({
            "From": self.from,
            "To": message.to,
            "Subject": r.subject,
            "TextBody": r.text,
            "Tag": message.kind,
            "MessageStream": self.message_stream,
            // Sign-in links must not be rewritten for click tracking (the token would pass
            // through Postmark's redirector and land in its logs).
            "TrackLinks": "None",
            "Metadata": { "postern_id": message.id },
        });
        if let Some(html) = &r.html {
            body["HtmlBody"] = json!(html);
        }
        if let Some(reply_to) = &self.reply_to {
            body["ReplyTo"] = json!(reply_to);
        }
        let request = self
            .http
            .post(&self.endpoint)
            .header("Accept", "application/json")
            .header("X-Postmark-Server-Token", self.server_token.expose_secret())
            .json(&body);
        // Errors look like `{"ErrorCode":406,"Message":"…"}`
        let answer = http_api::send(NAME, request, http_api::describe_code_and_message).await?;
        // A 200 always carries `ErrorCode: 0`; anything else would be a refusal.
        if let Some(code) = answer.json().and_then(|v| v.get("ErrorCode").and_then(serde_json::Value::as_i64))
            && code != 0
        {
            return Err(SendError::Permanent(format!("{NAME} answered 200 with ErrorCode {code}")));
        }
        Ok(answer.json_str("MessageID"))
    }
}
