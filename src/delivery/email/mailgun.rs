//! The `mailgun` provider: `POST /v3/{domain}/messages`, a form body, basic auth
//! `api:<key>` (https://documentation.mailgun.com/docs/mailgun/api-reference/send/mailgun/messages).

use std::sync::Arc;

use anyhow::Context;
use async_trait::async_trait;
use secrecy::{ExposeSecret, SecretString};

use crate::config::DeliverySettings;
use crate::delivery::http_api::{self, base_url};
use crate::delivery::{Outgoing, SendError, Sender};

pub const NAME: &str = "mailgun";
const DEFAULT_BASE: &str = "https://api.mailgun.net";

pub struct Mailgun {
    http: reqwest::Client,
    endpoint: String,
    api_key: SecretString,
    from: String,
    reply_to: Option<String>,
}

pub fn build(settings: &DeliverySettings, http: &reqwest::Client) -> anyhow::Result<Arc<dyn Sender>> {
    let s = settings.email.mailgun.as_ref().context("delivery.email: mailgun needs [delivery.email.mailgun]")?;
    let domain = s.domain.trim();
    // The domain is a path segment: refuse anything that would change the path.
    if domain.is_empty() || !domain.chars().all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-') {
        anyhow::bail!("delivery.email.mailgun.domain must be a domain name like mg.example.com");
    }
    Ok(Arc::new(Mailgun {
        http: http.clone(),
        endpoint: format!("{}/v3/{domain}/messages", base_url(s.base_url.as_deref(), DEFAULT_BASE)),
        api_key: s.api_key.clone(),
        from: settings.email.from.clone(),
        reply_to: settings.email.reply_to.clone(),
    }))
}

#[async_trait]
impl Sender for Mailgun {
    fn name(&self) -> &'static str {
        NAME
    }

    async fn send(&self, message: &Outgoing) -> Result<Option<String>, SendError> {
        let r = &message.rendered;
        let mut form: Vec<(&str, &str)> = vec![
            ("from", &self.from),
            ("to", &message.to),
            ("subject", &r.subject),
            ("text", &r.text),
            ("o:tag", &message.kind),
            // Sign-in links must not be rewritten for click tracking.
            ("o:tracking-clicks", "no"),
            ("v:postern_id", &message.id),
        ];
        if let Some(html) = &r.html {
            form.push(("html", html));
        }
        if let Some(reply_to) = &self.reply_to {
            form.push(("h:Reply-To", reply_to));
        }
        let request = self.http.post(&self.endpoint).basic_auth("api", Some(self.api_key.expose_secret())).form(&form);
        // Errors look like `{"message":"…"}`
        let answer = http_api::send(NAME, request, http_api::describe_code_and_message).await?;
        Ok(answer.json_str("id"))
    }
}
