//! The `webhook` provider (email and SMS): the rendered message POSTed as JSON to the
//! operator's URL, signed the Standard Webhooks way (https://www.standardwebhooks.com):
//!
//! - `webhook-id`: the outgoing id, stable across retries, so the receiver can drop a
//!   message it already handled;
//! - `webhook-timestamp`: unix seconds, so the receiver can refuse old (replayed) requests;
//! - `webhook-signature`: `v1,<base64(HMAC-SHA256(key, "{id}.{timestamp}.{body}"))>`, with
//!   key = base64-decode of the secret after its `whsec_` prefix.
//!
//! The body carries the code and the link: the receiver must verify the signature (in
//! constant time) before trusting it, and the operator should use an https URL.

use std::sync::Arc;

use anyhow::{Context, bail};
use async_trait::async_trait;
use base64::prelude::{BASE64_STANDARD, Engine};
use hmac::{Hmac, KeyInit, Mac};
use secrecy::{ExposeSecret, SecretBox};
use serde_json::json;
use sha2::Sha256;

use crate::config::{DeliverySettings, WebhookSettings};
use crate::delivery::http_api;
use crate::delivery::{Outgoing, SendError, Sender};

pub const NAME: &str = "webhook";
const SECRET_PREFIX: &str = "whsec_";
/// Standard Webhooks: secrets of 24 to 64 random bytes.
const MIN_SECRET_BYTES: usize = 24;

pub struct Webhook {
    http: reqwest::Client,
    url: String,
    key: SecretBox<Vec<u8>>,
}

pub fn build_email(settings: &DeliverySettings, http: &reqwest::Client) -> anyhow::Result<Arc<dyn Sender>> {
    let s = settings.email.webhook.as_ref().context("delivery.email: webhook needs [delivery.email.webhook]")?;
    Ok(Arc::new(Webhook::new(s, http).context("[delivery.email.webhook]")?))
}

pub fn build_sms(settings: &DeliverySettings, http: &reqwest::Client) -> anyhow::Result<Arc<dyn Sender>> {
    let s = settings.sms.webhook.as_ref().context("delivery.sms: webhook needs [delivery.sms.webhook]")?;
    Ok(Arc::new(Webhook::new(s, http).context("[delivery.sms.webhook]")?))
}

/// The signing key of a `whsec_<base64>` secret. The errors never repeat the secret.
pub fn signing_key(secret: &str) -> anyhow::Result<Vec<u8>> {
    let Some(encoded) = secret.strip_prefix(SECRET_PREFIX) else {
        bail!(
            "secret must start with {SECRET_PREFIX} followed by base64 (e.g. {SECRET_PREFIX}$(openssl rand -base64 32))"
        );
    };
    let Ok(key) = BASE64_STANDARD.decode(encoded.trim()) else {
        bail!("secret: the part after {SECRET_PREFIX} is not valid base64");
    };
    if key.len() < MIN_SECRET_BYTES {
        bail!("secret must hold at least {MIN_SECRET_BYTES} random bytes (it holds {})", key.len());
    }
    Ok(key)
}

/// `v1,<base64 signature>` of one request.
pub fn sign(key: &[u8], id: &str, timestamp: i64, body: &[u8]) -> String {
    let mut mac = match Hmac::<Sha256>::new_from_slice(key) {
        Ok(mac) => mac,
        // HMAC takes keys of any length; `signing_key` guarantees a non-empty one.
        Err(_) => return String::new(),
    };
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("v1,{}", BASE64_STANDARD.encode(mac.finalize().into_bytes()))
}

impl Webhook {
    fn new(s: &WebhookSettings, http: &reqwest::Client) -> anyhow::Result<Self> {
        let key = signing_key(s.secret.expose_secret())?;
        Ok(Self { http: http.clone(), url: s.url.clone(), key: SecretBox::new(Box::new(key)) })
    }
}

#[async_trait]
impl Sender for Webhook {
    fn name(&self) -> &'static str {
        NAME
    }

    async fn send(&self, message: &Outgoing) -> Result<Option<String>, SendError> {
        let r = &message.rendered;
        let body = json!({
            "id": message.id,
            "channel": message.channel.as_str(),
            "kind": message.kind,
            "to": message.to,
            "locale": message.locale,
            "subject": r.subject,
            "text": r.text,
            "html": r.html,
        });
        // The exact bytes signed are the bytes sent.
        let body = serde_json::to_vec(&body).map_err(|_| SendError::Permanent(format!("{NAME}: encoding failed")))?;
        let timestamp =
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0);
        let signature = sign(self.key.expose_secret(), &message.id, timestamp, &body);
        let request = self
            .http
            .post(&self.url)
            .header("content-type", "application/json")
            .header("webhook-id", &message.id)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", signature)
            .body(body);
        // Errors look like `{"error":"…","message":"…"}` or the like, if the receiver says why.
        let answer = http_api::send(NAME, request, http_api::describe_code_and_message).await?;
        Ok(answer.json_str("id"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_checked() {
        assert!(signing_key("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").is_ok());
        assert!(signing_key("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").is_err(), "no prefix");
        assert!(signing_key("whsec_not base64!").is_err());
        assert!(signing_key("whsec_c2hvcnQ=").is_err(), "too short");
    }

    /// The example of the Standard Webhooks specification.
    #[test]
    fn signatures_match_the_standard_webhooks_example() {
        let key = signing_key("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap_or_default();
        let body = br#"{"test": 2432232314}"#;
        assert_eq!(
            sign(&key, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
    }
}
