//! `postern send-test <address or phone>`: one sample sign-in message through the
//! configured provider, to check credentials and sender setup before real users depend
//! on them. The sample's link and code are placeholders that sign nobody in.

use super::message::render;
use super::{Outgoing, Senders};
use crate::config::Settings;
use crate::domain::Identifier;
use crate::messages::{KIND_SIGN_IN, Payload, origin_host};
use crate::templates::Templates;

/// Sends the sample; returns what the provider answered, for the operator to read.
pub async fn send_test(settings: &Settings, to: &str, fallback: bool) -> anyhow::Result<String> {
    let identifier =
        Identifier::parse_any(to).map_err(|e| anyhow::anyhow!("{to:?} is not an address or number: {e}"))?;
    let channel = identifier.natural_channel();
    let senders = Senders::from_settings(&settings.delivery)?;
    let route = senders
        .for_channel(channel)
        .ok_or_else(|| anyhow::anyhow!("no provider is configured for {}", channel.as_str()))?;
    let sender = match (fallback, &route.fallback) {
        (false, _) => &route.primary,
        (true, Some(f)) => f,
        (true, None) => anyhow::bail!("no fallback provider is configured for {}", channel.as_str()),
    };
    if sender.name() == super::dev::DEV_PROVIDER {
        anyhow::bail!(
            "the dev provider sends nothing: configure a real provider (delivery.{}.provider)",
            channel.as_str()
        );
    }
    let templates = Templates::load(settings)?;
    let locale = crate::i18n::supported(&settings.default_locale).unwrap_or("en");
    let public_url = settings.public_url();
    let payload = Payload {
        link: Some(format!("{public_url}/login/link?token=send-test")),
        code: Some("000000".to_owned()),
        expires_at: 0,
        lifetime_minutes: 10,
        requested_from: "postern send-test".to_owned(),
        origin_host: origin_host(&public_url),
        change: false,
    };
    let rendered = render(&templates, channel, KIND_SIGN_IN, locale, &serde_json::to_string(&payload)?)?;
    let message = Outgoing {
        id: format!("postern-send-test-{}", crate::crypto::new_id()),
        channel,
        kind: KIND_SIGN_IN.to_owned(),
        to: identifier.as_str().to_owned(),
        locale: locale.to_owned(),
        rendered,
    };
    match sender.send(&message).await {
        Ok(id) => {
            Ok(format!("sent via {} (provider message id: {})", sender.name(), id.as_deref().unwrap_or("none given")))
        }
        Err(e) => anyhow::bail!("{} did not take the message: {e}", sender.name()),
    }
}
