//! The `forwardemail` provider: `POST /v1/emails`, JSON, basic auth with the API key as
//! the user name and an empty password (https://forwardemail.net/en/email-api).

use std::sync::Arc;

use anyhow::Context;
use async_trait::async_trait;
use secrecy::{ExposeSecret, SecretString};
use serde_json::json;

use crate::config::DeliverySettings;
use crate::delivery::http_api::{self, base_url};
use crate::delivery::{Outgoing, SendError, Sender};

pub const NAME: &str = "forwardemail";
const DEFAULT_BASE: &str = "https://api.forwardemail.net";

pub struct ForwardEmail {
    http: reqwest::Client,
    endpoint: String,
    api_key: SecretString,
    from: String,
    reply_to: Option<String>,
}

pub fn build(settings: &DeliverySettings, http: &reqwest::Client) -> anyhow::Result<Arc<dyn Sender>> {
    let s = settings
        .email
        .forwardemail
        .as_ref()
        .context("delivery.email: forwardemail needs [delivery.email.forwardemail]")?;
    Ok(Arc::new(ForwardEmail {
        http: http.clone(),
        endpoint: format!("{}/v1/emails", base_url(s.base_url.as_deref(), DEFAULT_BASE)),
        api_key: s.api_key.clone(),
        from: settings.email.from.clone(),
        reply_to: settings.email.reply_to.clone(),
    }))
}

#[async_trait]
impl Sender for ForwardEmail {
    fn name(&self) -> &'static str {
        NAME
    }

    async fn send(&self, message: &Outgoing) -> Result<Option<String>, SendError> {
        let r = &message.rendered;
        let mut body = json!({
            "from": self.from,
            "to": message.to,
            "subject": r.subject,
            "text": r.text,
        });
        if let Some(html) = &r.html {
            body["html"] = json!(html);
        }
        if let Some(reply_to) = &self.reply_to {
            body["replyTo"] = json!(reply_to);
        }
        let request = self.http.post(&self.endpoint).basic_auth(self.api_key.expose_secret(), Some("")).json(&body);
        // Errors look like `{"statusCode":400,"error":"Bad Request","message":"…"}`
        let answer = http_api::send(NAME, request, http_api::describe_code_and_message).await?;
        Ok(answer.json_str("id"))
    }
}
