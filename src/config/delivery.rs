//! `[delivery]`: which provider sends each channel, its credentials, retries, and the SMS
//! abuse limits. Every provider has its own section (`[delivery.email.resend]`, …) so a
//! primary and a fallback can both be configured.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::bail;
use secrecy::SecretString;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DeliverySettings {
    pub email: EmailDelivery,
    pub sms: SmsDelivery,
    /// How long a worker owns a message it took; if the worker dies, another instance
    /// takes the message once the lease has run out.
    #[serde(with = "humantime_serde")]
    pub lease: Duration,
    /// How often an idle worker looks for due messages (it is also woken at once when
    /// its own instance queues one).
    #[serde(with = "humantime_serde")]
    pub poll_interval: Duration,
    /// Attempts per message (each attempt tries the primary, then the fallback).
    pub max_attempts: u32,
    /// Wait before the first retry; doubled for each later one, with ±20 % jitter.
    #[serde(with = "humantime_serde")]
    pub retry_base: Duration,
    /// Longest wait between two attempts.
    #[serde(with = "humantime_serde")]
    pub retry_max: Duration,
    /// Messages in flight at once per instance.
    pub concurrency: usize,
    /// Longest time one provider call may take (connect, send, answer).
    #[serde(with = "humantime_serde")]
    pub send_timeout: Duration,
    /// Acknowledges running the `dev` provider (and its public `/dev/inbox`, which lists
    /// every code and link) where it would otherwise be refused: beside a real provider,
    /// or with a `public_url` that is not loopback. For shared staging setups only.
    pub allow_insecure_dev_inbox: bool,
}

impl Default for DeliverySettings {
    fn default() -> Self {
        Self {
            email: EmailDelivery::default(),
            sms: SmsDelivery::default(),
            lease: Duration::from_secs(60),
            poll_interval: Duration::from_secs(1),
            // 30 s, 1, 2, 4, 8 min: six attempts over about 15 minutes.
            max_attempts: 6,
            retry_base: Duration::from_secs(30),
            retry_max: Duration::from_secs(10 * 60),
            concurrency: 64,
            send_timeout: Duration::from_secs(10),
            allow_insecure_dev_inbox: false,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EmailProvider {
    /// The channel is switched off: requests for it are refused.
    None,
    Dev,
    Smtp,
    Resend,
    Postmark,
    Sendgrid,
    Mailgun,
    Forwardemail,
    Webhook,
}

impl EmailProvider {
    pub fn as_str(self) -> &'static str {
        match self {
            EmailProvider::None => "none",
            EmailProvider::Dev => "dev",
            EmailProvider::Smtp => "smtp",
            EmailProvider::Resend => "resend",
            EmailProvider::Postmark => "postmark",
            EmailProvider::Sendgrid => "sendgrid",
            EmailProvider::Mailgun => "mailgun",
            EmailProvider::Forwardemail => "forwardemail",
            EmailProvider::Webhook => "webhook",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SmsProvider {
    None,
    Dev,
    Twilio,
    Vonage,
    Webhook,
}

impl SmsProvider {
    pub fn as_str(self) -> &'static str {
        match self {
            SmsProvider::None => "none",
            SmsProvider::Dev => "dev",
            SmsProvider::Twilio => "twilio",
            SmsProvider::Vonage => "vonage",
            SmsProvider::Webhook => "webhook",
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct EmailDelivery {
    /// `dev` (the default) delivers into the dev inbox; `none` switches the channel off.
    pub provider: Option<EmailProvider>,
    /// Tried when the primary fails.
    pub fallback: Option<EmailProvider>,
    /// `From:` of every email, e.g. `Acme <no-reply@acme.example>`.
    pub from: String,
    /// `Reply-To:` of every email.
    pub reply_to: Option<String>,
    /// `smtp://host:port` (plain), `smtp://host:587?tls=required` (STARTTLS) or
    /// `smtps://user:pass@host` (implicit TLS).
    pub smtp_url: Option<SecretString>,
    pub smtp: SmtpSettings,
    pub resend: Option<ApiKeySettings>,
    pub postmark: Option<PostmarkSettings>,
    pub sendgrid: Option<ApiKeySettings>,
    pub mailgun: Option<MailgunSettings>,
    pub forwardemail: Option<ApiKeySettings>,
    pub webhook: Option<WebhookSettings>,
}

impl Default for EmailDelivery {
    fn default() -> Self {
        Self {
            provider: None,
            fallback: None,
            from: "Postern <no-reply@postern.localhost>".to_owned(),
            reply_to: None,
            smtp_url: None,
            smtp: SmtpSettings::default(),
            resend: None,
            postmark: None,
            sendgrid: None,
            mailgun: None,
            forwardemail: None,
            webhook: None,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SmtpSettings {
    /// Connections kept open to the SMTP server.
    pub pool_max: u32,
    /// Name sent in `EHLO` (default: this machine's host name).
    pub hello_name: Option<String>,
    /// Signs every email when set.
    pub dkim: Option<DkimSettings>,
}

impl Default for SmtpSettings {
    fn default() -> Self {
        Self { pool_max: 8, hello_name: None, dkim: None }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DkimSettings {
    /// `d=` of the signature: the domain whose DNS publishes the key.
    pub domain: String,
    /// `s=`: the selector (`<selector>._domainkey.<domain>`).
    pub selector: String,
    /// PEM file with the private key (RSA or Ed25519).
    pub key_file: PathBuf,
}

/// Providers that need a key and take an overridable base URL (tests, regions).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApiKeySettings {
    pub api_key: SecretString,
    /// Defaults to the provider's public API.
    pub base_url: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PostmarkSettings {
    pub server_token: SecretString,
    pub base_url: Option<String>,
    /// Postmark message stream (default `outbound`).
    pub message_stream: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MailgunSettings {
    pub api_key: SecretString,
    /// The sending domain (`mg.example.com`).
    pub domain: String,
    /// `https://api.eu.mailgun.net` for the EU region.
    pub base_url: Option<String>,
}

/// Standard Webhooks: the rendered message POSTed as JSON, signed with `secret`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookSettings {
    pub url: String,
    /// `whsec_` followed by base64 of at least 24 random bytes.
    pub secret: SecretString,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SmsDelivery {
    /// `dev` (the default) delivers into the dev inbox; `none` switches the channel off.
    pub provider: Option<SmsProvider>,
    pub fallback: Option<SmsProvider>,
    pub twilio: Option<TwilioSettings>,
    pub vonage: Option<VonageSettings>,
    pub webhook: Option<WebhookSettings>,
    /// ISO 3166 country codes SMS may go to (`["US", "DE"]`); empty: every country.
    /// (OWASP: SMS pumping / toll fraud — allow only the countries you serve.)
    pub allowed_countries: Vec<String>,
    /// SMS per hour to one country calling code (`+44`), across all numbers.
    pub per_country_per_hour: u32,
    /// SMS per hour in all; when spent, SMS sending stops (circuit open) until the
    /// budget refills, and an error is logged and counted in metrics.
    pub hourly_budget: u32,
    /// libphonenumber number types SMS are never sent to (snake_case names such as
    /// `premium_rate`). The default refuses every type a sender can be charged for or that
    /// cannot receive a text (OWASP SMS pumping / toll fraud).
    pub refused_number_types: Vec<phonenumber::Type>,
    /// Put the link in text messages too. Off by default: the code, a short sentence and
    /// the WebOTP line fit one segment; a link makes most texts two (billed twice).
    pub include_link: bool,
}

/// Number types that cost the sender (premium-rate, shared-cost, personal and universal
/// access numbers route through charged services) or cannot take an SMS (pagers, voicemail
/// access, emergency and short codes, carrier services): the toll-fraud targets of SMS
/// pumping (OWASP Forgot Password and SMS abuse guidance).
pub const DEFAULT_REFUSED_NUMBER_TYPES: [phonenumber::Type; 10] = [
    phonenumber::Type::PremiumRate,
    phonenumber::Type::SharedCost,
    phonenumber::Type::PersonalNumber,
    phonenumber::Type::Uan,
    phonenumber::Type::Pager,
    phonenumber::Type::Voicemail,
    phonenumber::Type::Emergency,
    phonenumber::Type::ShortCode,
    phonenumber::Type::Carrier,
    phonenumber::Type::NoInternational,
];

impl Default for SmsDelivery {
    fn default() -> Self {
        Self {
            provider: None,
            fallback: None,
            twilio: None,
            vonage: None,
            webhook: None,
            allowed_countries: Vec::new(),
            per_country_per_hour: 500,
            hourly_budget: 1000,
            refused_number_types: DEFAULT_REFUSED_NUMBER_TYPES.to_vec(),
            include_link: false,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TwilioSettings {
    pub account_sid: String,
    pub auth_token: SecretString,
    /// Sender number (E.164) or alphanumeric sender id; or use `messaging_service_sid`.
    pub from: Option<String>,
    pub messaging_service_sid: Option<String>,
    pub base_url: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VonageSettings {
    pub api_key: String,
    pub api_secret: SecretString,
    pub from: String,
    pub base_url: Option<String>,
}

impl DeliverySettings {
    /// The email provider in effect: the configured one; unconfigured, `dev` while no
    /// channel has a real provider, else off (issue 10: a production setup never falls
    /// back to the dev inbox by omission).
    pub fn email_provider(&self) -> EmailProvider {
        match self.email.provider {
            Some(provider) => provider,
            None if self.any_real_provider() => EmailProvider::None,
            None => EmailProvider::Dev,
        }
    }

    /// The SMS provider in effect, by the same rule as `email_provider`.
    pub fn sms_provider(&self) -> SmsProvider {
        match self.sms.provider {
            Some(provider) => provider,
            None if self.any_real_provider() => SmsProvider::None,
            None => SmsProvider::Dev,
        }
    }

    /// Whether either channel is configured with a provider that really sends.
    fn any_real_provider(&self) -> bool {
        let email_real = !matches!(self.email.provider, None | Some(EmailProvider::Dev | EmailProvider::None));
        let sms_real = !matches!(self.sms.provider, None | Some(SmsProvider::Dev | SmsProvider::None));
        email_real || sms_real
    }

    /// Refuses the `dev` provider where its inbox would face real users: beside a real
    /// provider, or behind a public URL that is not loopback, unless the operator set
    /// `delivery.allow_insecure_dev_inbox` (issue 10, finding 1: `/dev/inbox.json` lists
    /// every code and link, so anyone could sign in as anyone).
    pub fn check_dev_provider(&self, public_url: &str) -> anyhow::Result<()> {
        if !self.dev_inbox_enabled() || self.allow_insecure_dev_inbox {
            return Ok(());
        }
        let channel = if self.email_provider() == EmailProvider::Dev { "email" } else { "sms" };
        if self.any_real_provider() {
            bail!(
                "delivery.{channel}.provider = \"dev\" beside a real provider would publish this channel's codes \
                 and links on /dev/inbox: configure a real provider for it, or \"none\" to switch it off \
                 (or set delivery.allow_insecure_dev_inbox = true for a test setup)"
            );
        }
        if !is_loopback_url(public_url) {
            bail!(
                "the dev provider (delivery.{channel}.provider) publishes every code and link on /dev/inbox, and \
                 public_url {public_url} is not a loopback address: configure a real provider, or set \
                 delivery.allow_insecure_dev_inbox = true if this server is for testing only"
            );
        }
        Ok(())
    }

    /// Whether requests may ask for `channel` (a provider is configured for it).
    pub fn channel_enabled(&self, channel: crate::domain::Channel) -> bool {
        match channel {
            crate::domain::Channel::Email => self.email_provider() != EmailProvider::None,
            crate::domain::Channel::Sms => self.sms_provider() != SmsProvider::None,
        }
    }

    pub fn dev_inbox_enabled(&self) -> bool {
        self.email_provider() == EmailProvider::Dev || self.sms_provider() == SmsProvider::Dev
    }

    pub fn validate(&self) -> anyhow::Result<()> {
        if self.max_attempts == 0 || self.concurrency == 0 {
            bail!("delivery.max_attempts and delivery.concurrency must be at least 1");
        }
        if self.retry_base.is_zero() || self.retry_max < self.retry_base {
            bail!("delivery.retry_base must be positive and at most delivery.retry_max");
        }
        if self.send_timeout.is_zero() {
            bail!("delivery.send_timeout must be positive");
        }
        let email = self.email_provider();
        self.email_configured(email, "provider")?;
        if let Some(fallback) = self.email.fallback {
            check_fallback(email.as_str(), fallback.as_str(), "email")?;
            self.email_configured(fallback, "fallback")?;
        }
        let sms = self.sms_provider();
        self.sms_configured(sms, "provider")?;
        if let Some(fallback) = self.sms.fallback {
            check_fallback(sms.as_str(), fallback.as_str(), "sms")?;
            self.sms_configured(fallback, "fallback")?;
        }
        for country in &self.sms.allowed_countries {
            if country.len() != 2 || !country.chars().all(|c| c.is_ascii_uppercase()) {
                bail!("delivery.sms.allowed_countries: {country:?} is not an ISO 3166 code like \"US\"");
            }
        }
        if self.sms.per_country_per_hour == 0 || self.sms.hourly_budget == 0 {
            bail!("delivery.sms.per_country_per_hour and hourly_budget must be at least 1");
        }
        Ok(())
    }

    fn email_configured(&self, provider: EmailProvider, role: &str) -> anyhow::Result<()> {
        let e = &self.email;
        let present = match provider {
            EmailProvider::None | EmailProvider::Dev => true,
            EmailProvider::Smtp => e.smtp_url.is_some(),
            EmailProvider::Resend => e.resend.is_some(),
            EmailProvider::Postmark => e.postmark.is_some(),
            EmailProvider::Sendgrid => e.sendgrid.is_some(),
            EmailProvider::Mailgun => e.mailgun.is_some(),
            EmailProvider::Forwardemail => e.forwardemail.is_some(),
            EmailProvider::Webhook => e.webhook.is_some(),
        };
        if !present {
            let name = provider.as_str();
            let section = if provider == EmailProvider::Smtp {
                "delivery.email.smtp_url".to_owned()
            } else {
                format!("[delivery.email.{name}]")
            };
            bail!("delivery.email.{role} = {name:?} needs {section}");
        }
        if let Some(base) = [
            e.resend.as_ref().and_then(|s| s.base_url.as_ref()),
            e.postmark.as_ref().and_then(|s| s.base_url.as_ref()),
            e.sendgrid.as_ref().and_then(|s| s.base_url.as_ref()),
            e.mailgun.as_ref().and_then(|s| s.base_url.as_ref()),
            e.forwardemail.as_ref().and_then(|s| s.base_url.as_ref()),
            e.webhook.as_ref().map(|s| &s.url),
        ]
        .into_iter()
        .flatten()
        .find(|u| !is_http_url(u))
        {
            bail!("delivery.email: {base:?} is not an http(s) URL");
        }
        Ok(())
    }

    fn sms_configured(&self, provider: SmsProvider, role: &str) -> anyhow::Result<()> {
        let s = &self.sms;
        let present = match provider {
            SmsProvider::None | SmsProvider::Dev => true,
            SmsProvider::Twilio => s.twilio.is_some(),
            SmsProvider::Vonage => s.vonage.is_some(),
            SmsProvider::Webhook => s.webhook.is_some(),
        };
        if !present {
            let name = provider.as_str();
            bail!("delivery.sms.{role} = {name:?} needs [delivery.sms.{name}]");
        }
        if let Some(t) = &s.twilio
            && t.from.is_none()
            && t.messaging_service_sid.is_none()
        {
            bail!("[delivery.sms.twilio] needs `from` or `messaging_service_sid`");
        }
        if let Some(base) = [
            s.twilio.as_ref().and_then(|t| t.base_url.as_ref()),
            s.vonage.as_ref().and_then(|v| v.base_url.as_ref()),
            s.webhook.as_ref().map(|w| &w.url),
        ]
        .into_iter()
        .flatten()
        .find(|u| !is_http_url(u))
        {
            bail!("delivery.sms: {base:?} is not an http(s) URL");
        }
        Ok(())
    }

    /// One line per channel for `config check` (no secrets: names only).
    pub fn summary(&self) -> String {
        format!(
            "delivery.email.provider = {}\ndelivery.email.fallback = {}\ndelivery.email.from = {}\n\
             delivery.sms.provider = {}\ndelivery.sms.fallback = {}\ndelivery.sms.allowed_countries = {:?}\n\
             delivery.sms.per_country_per_hour = {}\ndelivery.sms.hourly_budget = {}\n\
             delivery.sms.refused_number_types = {:?}\ndelivery.allow_insecure_dev_inbox = {}\n\
             delivery.max_attempts = {}\ndelivery.retry_base = {:?}\ndelivery.retry_max = {:?}\n\
             delivery.concurrency = {}\ndelivery.send_timeout = {:?}\n",
            self.email_provider().as_str(),
            self.email.fallback.map_or("(none)", EmailProvider::as_str),
            self.email.from,
            self.sms_provider().as_str(),
            self.sms.fallback.map_or("(none)", SmsProvider::as_str),
            self.sms.allowed_countries,
            self.sms.per_country_per_hour,
            self.sms.hourly_budget,
            self.sms.refused_number_types,
            self.allow_insecure_dev_inbox,
            self.max_attempts,
            self.retry_base,
            self.retry_max,
            self.concurrency,
            self.send_timeout,
        )
    }
}

fn check_fallback(primary: &str, fallback: &str, channel: &str) -> anyhow::Result<()> {
    if primary == fallback {
        bail!("delivery.{channel}.fallback must differ from the provider");
    }
    if ["none", "dev"].contains(&primary) || ["none", "dev"].contains(&fallback) {
        bail!("delivery.{channel}.fallback needs a real primary and a real fallback provider");
    }
    Ok(())
}

/// `http://127.0.0.1:8080`, `http://[::1]`, `http://localhost`, `http://x.localhost`:
/// addresses only this machine can reach.
pub fn is_loopback_url(url: &str) -> bool {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or(rest);
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = match host.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or(v6),
        None => host.rsplit_once(':').map_or(host, |(h, _)| h),
    };
    let host = host.to_ascii_lowercase();
    if host == "localhost" || host.ends_with(".localhost") {
        return true;
    }
    host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

fn is_http_url(u: &str) -> bool {
    (u.starts_with("https://") || u.starts_with("http://")) && u.len() > "https://".len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dev_is_the_default_only_while_no_channel_has_a_real_provider() {
        let mut d = DeliverySettings::default();
        assert_eq!((d.email_provider(), d.sms_provider()), (EmailProvider::Dev, SmsProvider::Dev));
        d.email.provider = Some(EmailProvider::Smtp);
        assert_eq!(d.sms_provider(), SmsProvider::None, "an unconfigured channel beside a real one is off");
        assert!(!d.dev_inbox_enabled());
        assert!(!d.channel_enabled(crate::domain::Channel::Sms));
        let mut d = DeliverySettings::default();
        d.sms.provider = Some(SmsProvider::Twilio);
        assert_eq!(d.email_provider(), EmailProvider::None);
    }

    #[test]
    fn loopback_urls_are_recognised() {
        for url in ["http://127.0.0.1:8080", "http://[::1]:80/x", "http://localhost", "https://auth.localhost:3000"] {
            assert!(is_loopback_url(url), "{url}");
        }
        for url in
            ["https://auth.example.com", "http://0.0.0.0:8080", "http://10.0.0.1", "http://localhost.evil.example"]
        {
            assert!(!is_loopback_url(url), "{url}");
        }
    }
}
