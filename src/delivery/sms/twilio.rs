//! The `twilio` provider: `POST /2010-04-01/Accounts/{AccountSid}/Messages.json`, a form
//! body, basic auth `AccountSid:AuthToken`
//! (https://www.twilio.com/docs/messaging/api/message-resource#create-a-message-resource).
//! It answers 201 with the message (`sid`); errors carry Twilio's numeric `code`
//! (`{"code":21211,"message":"…","status":400}`), which is what the error text keeps.

use std::sync::Arc;

use anyhow::Context;
use async_trait::async_trait;
use secrecy::{ExposeSecret, SecretString};

use crate::config::DeliverySettings;
use crate::delivery::http_api::{self, base_url};
use crate::delivery::{Outgoing, SendError, Sender};

pub const NAME: &str = "twilio";
const DEFAULT_BASE: &str = "https://api.twilio.com";

pub struct Twilio {
    http: reqwest::Client,
    endpoint: String,
    account_sid: String,
    auth_token: SecretString,
    /// `From` and/or `MessagingServiceSid` (with both, Twilio sends from that sender of
    /// the service's pool).
    sender: Vec<(&'static str, String)>,
}

pub fn build(settings: &DeliverySettings, http: &reqwest::Client) -> anyhow::Result<Arc<dyn Sender>> {
    let s = settings.sms.twilio.as_ref().context("delivery.sms: twilio needs [delivery.sms.twilio]")?;
    let sid = s.account_sid.trim();
    // The account SID is a path segment: `AC` and 32 hex digits, nothing else.
    if !(sid.len() == 34 && sid.starts_with("AC") && sid[2..].chars().all(|c| c.is_ascii_hexdigit())) {
        anyhow::bail!("delivery.sms.twilio.account_sid must be AC followed by 32 hex digits");
    }
    let mut sender = Vec::new();
    if let Some(service) = &s.messaging_service_sid {
        sender.push(("MessagingServiceSid", service.trim().to_owned()));
    }
    if let Some(from) = &s.from {
        sender.push(("From", from.trim().to_owned()));
    }
    if sender.is_empty() {
        anyhow::bail!("[delivery.sms.twilio] needs `from` or `messaging_service_sid`");
    }
    Ok(Arc::new(Twilio {
        http: http.clone(),
        endpoint: format!("{}/2010-04-01/Accounts/{sid}/Messages.json", base_url(s.base_url.as_deref(), DEFAULT_BASE)),
        account_sid: sid.to_owned(),
        auth_token: s.auth_token.clone(),
        sender,
    }))
}

#[async_trait]
impl Sender for Twilio {
    fn name(&self) -> &'static str {
        NAME
    }

    async fn send(&self, message: &Outgoing) -> Result<Option<String>, SendError> {
        let mut form = vec![("To", message.to.as_str()), ("Body", &message.rendered.text)];
        form.extend(self.sender.iter().map(|(k, v)| (*k, v.as_str())));
        let request = self
            .http
            .post(&self.endpoint)
            .basic_auth(&self.account_sid, Some(self.auth_token.expose_secret()))
            .form(&form);
        // Errors look like `{"code":21211,"message":"The 'To' number … is not a valid phone number.","status":400}`
        let answer = http_api::send(NAME, request, http_api::describe_code_and_message).await?;
        Ok(answer.json_str("sid"))
    }
}
