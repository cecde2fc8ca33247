//! The `vonage` provider: the SMS API, `POST /sms/json` on `https://rest.nexmo.com`
//! (https://developer.vonage.com/en/api/sms). Credentials go in the form body (never in a
//! query string, where proxies and access logs would keep them).
//!
//! Vonage answers 200 even when it refuses a message; the outcome is
//! `messages[0].status`: `"0"` sent, `"1"` throttled (retry later), `"5"` internal error
//! (retry later), anything else a permanent refusal described by `error-text`.

use std::sync::Arc;

use anyhow::Context;
use async_trait::async_trait;
use secrecy::{ExposeSecret, SecretString};

use crate::config::DeliverySettings;
use crate::delivery::http_api::{self, base_url};
use crate::delivery::{Outgoing, SendError, Sender};

pub const NAME: &str = "vonage";
const DEFAULT_BASE: &str = "https://rest.nexmo.com";

pub struct Vonage {
    http: reqwest::Client,
    endpoint: String,
    api_key: String,
    api_secret: SecretString,
    from: String,
}

pub fn build(settings: &DeliverySettings, http: &reqwest::Client) -> anyhow::Result<Arc<dyn Sender>> {
    let s = settings.sms.vonage.as_ref().context("delivery.sms: vonage needs [delivery.sms.vonage]")?;
    Ok(Arc::new(Vonage {
        http: http.clone(),
        endpoint: format!("{}/sms/json", base_url(s.base_url.as_deref(), DEFAULT_BASE)),
        api_key: s.api_key.clone(),
        api_secret: s.api_secret.clone(),
        // Numbers without the leading `+`; an alphanumeric sender id stays as it is.
        from: s.from.trim_start_matches('+').to_owned(),
    }))
}

/// HTTP-level errors (401 and the like) carry `{"type","title","detail"}`.
fn describe(v: &serde_json::Value) -> Option<String> {
    v.get("title").and_then(serde_json::Value::as_str).map(str::to_owned)
}

/// The outcome of a 200 answer: `{"message-count":"1","messages":[{"status","message-id"|"error-text"}]}`.
fn outcome(answer: &serde_json::Value) -> Result<Option<String>, SendError> {
    let Some(first) = answer.get("messages").and_then(|m| m.as_array()).and_then(|m| m.first()) else {
        return Err(SendError::Temporary(format!("{NAME} answered 200 without a message status")));
    };
    let field = |name: &str| first.get(name).and_then(serde_json::Value::as_str);
    let status = field("status").unwrap_or("");
    if status == "0" {
        return Ok(field("message-id").map(str::to_owned));
    }
    let detail = field("error-text").map(http_api::scrub).unwrap_or_default();
    let text = http_api::truncate(&format!("{NAME} status {status}: {detail}"));
    match status {
        // 1 Throttled, 5 Internal Error: Vonage asks to try again later.
        "1" | "5" => Err(SendError::Temporary(text)),
        _ => Err(SendError::Permanent(text)),
    }
}

/// GSM-7 covers ASCII well enough; anything else (umlauts in `de`, …) is sent as
/// `type=unicode`, or Vonage would garble it.
fn message_type(text: &str) -> &'static str {
    if text.is_ascii() { "text" } else { "unicode" }
}

#[async_trait]
impl Sender for Vonage {
    fn name(&self) -> &'static str {
        NAME
    }

    async fn send(&self, message: &Outgoing) -> Result<Option<String>, SendError> {
        let text = &message.rendered.text;
        let form = [
            ("api_key", self.api_key.as_str()),
            ("api_secret", self.api_secret.expose_secret()),
            ("from", &self.from),
            ("to", message.to.trim_start_matches('+')),
            ("text", text),
            ("type", message_type(text)),
            ("client-ref", &message.id),
        ];
        let request = self.http.post(&self.endpoint).form(&form);
        let answer = http_api::send(NAME, request, describe).await?;
        match answer.json() {
            Some(v) => outcome(&v),
            None => Err(SendError::Temporary(format!("{NAME} answered 200 with an unreadable body"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn statuses_in_the_body_are_classified() {
        let answer = |status: &str| json!({"message-count": "1", "messages": [{"status": status, "message-id": "m1", "error-text": "Missing to param 4915112345678"}]});
        assert_eq!(outcome(&answer("0")).ok().flatten().as_deref(), Some("m1"));
        assert!(outcome(&answer("1")).is_err_and(|e| e.is_temporary()));
        assert!(outcome(&answer("5")).is_err_and(|e| e.is_temporary()));
        let permanent = outcome(&answer("2")).err().map(|e| (e.is_temporary(), e.to_string()));
        let (temporary, text) = permanent.unwrap_or_default();
        assert!(!temporary);
        assert!(!text.contains("4915112345678"), "{text}");
    }

    #[test]
    fn non_gsm_text_goes_as_unicode() {
        assert_eq!(message_type("Your code is 123456"), "text");
        assert_eq!(message_type("Dein Code für Postern: 123456"), "unicode");
    }
}
