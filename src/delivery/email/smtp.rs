//! The `smtp` provider: one MIME message per outbox message (multipart/alternative: text,
//! then HTML), optionally DKIM-signed, built by lettre and sent by lettre's SMTP client over
//! connections of our own pool (`smtp_pool`: lettre's transport stalls 40 ms a message).
//! `delivery.email.smtp_url` picks the security of the connection: `smtp://host:port`
//! (plain), `smtp://host:587?tls=required` (STARTTLS, refused if the server does not offer
//! it) or `smtps://user:pass@host` (implicit TLS, port 465).

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use async_trait::async_trait;
use base64::prelude::{BASE64_STANDARD, Engine};
use lettre::message::header::{self, HeaderName};
use lettre::message::{
    Body, DkimCanonicalization, DkimCanonicalizationType, DkimConfig, DkimSigningAlgorithm, DkimSigningKey, Mailbox,
    MultiPart,
};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::TlsParameters;
use lettre::transport::smtp::extension::ClientId;
use lettre::{Address, Message};
use secrecy::ExposeSecret;

use super::smtp_pool::{Endpoint, Failure, Pool, Security};
use crate::config::{DeliverySettings, DkimSettings};
use crate::delivery::{Outgoing, SendError, Sender};

pub const SMTP_PROVIDER: &str = "smtp";

/// Longest piece of server text kept in an error (it is stored and logged).
const MAX_SERVER_TEXT: usize = 160;

/// Default ports, as lettre's `from_url` has them: SMTP (RFC 5321), submission with
/// STARTTLS (RFC 6409) and submission over TLS (RFC 8314).
const SMTP_PORT: u16 = 25;
const SUBMISSION_PORT: u16 = 587;
const SUBMISSIONS_PORT: u16 = 465;

pub struct SmtpSender {
    pool: Arc<Pool>,
    pool_max: u32,
    from: Mailbox,
    reply_to: Option<Mailbox>,
    /// Right-hand side of every `Message-ID`: the domain of `From`.
    id_domain: String,
    dkim: Option<Arc<DkimConfig>>,
    send_timeout: Duration,
}

// No `Debug`: the pool holds the SMTP credentials.

pub fn build(settings: &DeliverySettings) -> anyhow::Result<Arc<dyn Sender>> {
    Ok(Arc::new(SmtpSender::new(settings)?))
}

impl SmtpSender {
    pub fn new(settings: &DeliverySettings) -> anyhow::Result<Self> {
        let email = &settings.email;
        let Some(url) = &email.smtp_url else {
            bail!("delivery.email.provider = \"smtp\" needs delivery.email.smtp_url")
        };
        let smtp = &email.smtp;
        let from: Mailbox = email
            .from
            .parse()
            .with_context(|| format!("delivery.email.from = {:?} is not a valid mailbox", email.from))?;
        let reply_to: Option<Mailbox> = match &email.reply_to {
            Some(r) => {
                Some(r.parse().with_context(|| format!("delivery.email.reply_to = {r:?} is not a valid mailbox"))?)
            }
            None => None,
        };
        if smtp.pool_max == 0 {
            bail!("delivery.email.smtp.pool_max must be at least 1");
        }

        let url = url.expose_secret();
        check_url(url)?;
        let endpoint = parse_url(url, smtp.hello_name.as_deref())?;
        let pool_max = usize::try_from(smtp.pool_max).unwrap_or(usize::MAX).min(tokio::sync::Semaphore::MAX_PERMITS);
        let pool = Pool::new(endpoint, pool_max);

        let id_domain = from.email.domain().to_owned();
        let dkim = match &smtp.dkim {
            Some(d) => {
                if !id_domain.eq_ignore_ascii_case(&d.domain)
                    && !id_domain.to_ascii_lowercase().ends_with(&format!(".{}", d.domain.to_ascii_lowercase()))
                {
                    // DMARC passes on DKIM only when d= is aligned with the From domain.
                    tracing::warn!(
                        from_domain = %id_domain,
                        dkim_domain = %d.domain,
                        "delivery.email.smtp.dkim.domain is not the From domain (or a parent of it): DMARC will not align"
                    );
                }
                Some(Arc::new(load_dkim(d, reply_to.is_some())?))
            }
            None => None,
        };
        Ok(Self { pool, pool_max: smtp.pool_max, from, reply_to, id_domain, dkim, send_timeout: settings.send_timeout })
    }

    /// The MIME message for `outgoing`, and its `Message-ID`.
    fn message(&self, outgoing: &Outgoing) -> Result<(Message, String), SendError> {
        // The recipient is the stored, canonical address; lettre's parser refuses anything
        // else (CR/LF, lists), so no header or SMTP command injection can ride on it.
        let to: Address = outgoing
            .to
            .parse()
            .map_err(|_| SendError::Permanent("the recipient is not a valid email address".to_owned()))?;
        // `<id@domain of From>`: unique per outbox message and stable across retries and
        // instances, so a receiver (or a test) can tell a redelivery from a new message.
        let message_id = format!("<{}@{}>", outgoing.id, self.id_domain);
        let mut builder = Message::builder()
            .from(self.from.clone())
            .to(Mailbox::new(None, to))
            // Header values are encoded by lettre (RFC 2047): a subject cannot add headers.
            .subject(outgoing.rendered.subject.clone())
            .date_now()
            .message_id(Some(message_id.clone()));
        if let Some(reply_to) = &self.reply_to {
            builder = builder.reply_to(reply_to.clone());
        }
        // The MIME headers go among the message's own headers (not kept with the body, as
        // lettre's `multipart()` does) so that the DKIM signature can cover them.
        let (body, content_type) = mime_body(&outgoing.rendered.text, outgoing.rendered.html.as_deref())?;
        let message = builder
            .header(header::MIME_VERSION_1_0)
            .header(content_type)
            .body(body)
            .map_err(|e| SendError::Permanent(format!("the message could not be built: {e}")))?;
        Ok((message, message_id))
    }
}

/// The body and its `Content-Type`: multipart/alternative with the text part first and the
/// HTML part last (RFC 2046 §5.1.4: the preferred alternative comes last), or text alone.
fn mime_body(text: &str, html: Option<&str>) -> Result<(Body, header::ContentType), SendError> {
    let Some(html) = html else { return Ok((Body::new(text.to_owned()), header::ContentType::TEXT_PLAIN)) };
    let unbuildable = || SendError::Permanent("the message could not be built".to_owned());
    let part = MultiPart::alternative_plain_html(text.to_owned(), html.to_owned());
    let content_type = part.headers().get::<header::ContentType>().ok_or_else(unbuildable)?;
    let formatted = part.formatted();
    let start = formatted.windows(4).position(|w| w == b"\r\n\r\n").ok_or_else(unbuildable)? + 4;
    // Each part is 7bit, quoted-printable or base64, so the whole is 7bit (RFC 2045 §6.4).
    // Checked here against RFC 5322 (ASCII without NUL, lines of at most 998 characters):
    // lettre's own check wants the 76 of a 7bit text and refuses quoted-printable lines.
    let body = formatted[start..].to_vec();
    let seven_bit = body.iter().all(|b| b.is_ascii() && *b != 0) && body.split(|b| *b == b'\n').all(|l| l.len() <= 999);
    if !seven_bit {
        return Err(unbuildable());
    }
    let body = Body::dangerous_pre_encoded(body, header::ContentTransferEncoding::SevenBit);
    Ok((body, content_type))
}

#[async_trait]
impl Sender for SmtpSender {
    fn name(&self) -> &'static str {
        SMTP_PROVIDER
    }

    async fn send(&self, outgoing: &Outgoing) -> Result<Option<String>, SendError> {
        let (mut message, message_id) = self.message(outgoing)?;
        if let Some(dkim) = &self.dkim {
            // An RSA signature is a few milliseconds of CPU: off the async workers.
            let dkim = dkim.clone();
            message = tokio::task::spawn_blocking(move || {
                message.sign(&dkim);
                message
            })
            .await
            .map_err(|_| SendError::Temporary("DKIM signing failed".to_owned()))?;
        }
        // Bounded by `send_timeout` (connecting included): a server that accepts and then
        // stalls would otherwise hold the message, and its lease, forever.
        let raw = message.formatted();
        match self.pool.send(message.envelope(), &raw, self.send_timeout).await {
            Ok(()) => Ok(Some(message_id)),
            Err(Failure::Smtp(e)) => Err(classify(&e, &outgoing.to)),
            Err(Failure::Connect(e)) => {
                Err(SendError::Temporary(format!("SMTP connection failed: {}", redact(&e.to_string(), None))))
            }
            Err(Failure::TimedOut) => {
                Err(SendError::Temporary(format!("SMTP send timed out after {:?}", self.send_timeout)))
            }
            Err(Failure::Busy) => Err(SendError::Temporary(format!(
                "no SMTP connection came free within {:?} (all {} in use: see delivery.email.smtp.pool_max)",
                self.send_timeout, self.pool_max
            ))),
        }
    }
}

/// 4xx replies are transient and 5xx permanent (RFC 5321 §4.2.1); a failure to connect,
/// a TLS failure, a dropped connection or a timeout says nothing about the message, so it
/// is retried. The text keeps the reply code and the server's words, with addresses
/// removed: it is stored and logged (OWASP Logging Cheat Sheet: no personal data, no
/// credentials in logs).
fn classify(e: &lettre::transport::smtp::Error, recipient: &str) -> SendError {
    let source = std::error::Error::source(e).map(|s| s.to_string()).unwrap_or_default();
    let detail = redact(&source, Some(recipient));
    if let Some(code) = e.status() {
        let text = format!("SMTP {code} {detail}").trim_end().to_owned();
        return if e.is_permanent() { SendError::Permanent(text) } else { SendError::Temporary(text) };
    }
    let what = if e.is_timeout() {
        "SMTP connection timed out"
    } else if e.is_tls() || detail.contains("certificate") {
        // lettre reports a certificate that does not verify as a connection error.
        "SMTP TLS error"
    } else if e.is_transport_shutdown() {
        "SMTP transport shut down"
    } else if e.is_response() {
        "SMTP server answered something unreadable"
    } else if e.is_client() {
        "SMTP client error"
    } else {
        "SMTP connection failed"
    };
    SendError::Temporary(if detail.is_empty() { what.to_owned() } else { format!("{what}: {detail}") })
}

/// Server text made safe to store and log: one line, no control characters, every word
/// that looks like an address (or is the recipient) replaced, at most `MAX_SERVER_TEXT`.
fn redact(text: &str, recipient: Option<&str>) -> String {
    let mut out = String::new();
    for word in text.split_whitespace() {
        let hides_address = word.contains('@')
            || recipient.is_some_and(|r| !r.is_empty() && word.to_lowercase().contains(&r.to_lowercase()));
        if !out.is_empty() {
            out.push(' ');
        }
        if hides_address {
            out.push_str("<address>");
        } else {
            out.extend(word.chars().filter(|c| !c.is_control()));
        }
    }
    if out.len() > MAX_SERVER_TEXT {
        let mut end = MAX_SERVER_TEXT;
        while !out.is_char_boundary(end) {
            end -= 1;
        }
        out.truncate(end);
        out.push('…');
    }
    out
}

/// What `from_url` does not check: credentials never cross the network in clear text.
/// With a user and password the URL must be `smtps://` or `smtp://…?tls=required`
/// (STARTTLS that cannot be stripped), unless the server is on this machine (OWASP
/// Transport Layer Security Cheat Sheet; RFC 8314: cleartext submission is obsolete).
fn check_url(url: &str) -> anyhow::Result<()> {
    let parsed = reqwest::Url::parse(url).map_err(|e| {
        anyhow::anyhow!(
            "delivery.email.smtp_url is not a URL ({e}); expected smtp://host:port or smtps://user:pass@host"
        )
    })?;
    let scheme = parsed.scheme();
    if scheme != "smtp" && scheme != "smtps" {
        bail!("delivery.email.smtp_url must start with smtp:// or smtps://, not {scheme}://");
    }
    let tls = parsed.query_pairs().find(|(k, _)| k == "tls").map(|(_, v)| v.into_owned());
    let encrypted = scheme == "smtps" || tls.as_deref() == Some("required");
    let has_credentials = !parsed.username().is_empty() || parsed.password().is_some();
    let Some(host) = parsed.host_str().filter(|h| !h.is_empty()) else { bail!("delivery.email.smtp_url has no host") };
    let loopback = host.eq_ignore_ascii_case("localhost")
        || host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    if has_credentials && !encrypted && !loopback {
        bail!(
            "delivery.email.smtp_url carries credentials over an unencrypted connection: use smtps://… or \
             smtp://…?tls=required"
        );
    }
    if !encrypted && !loopback {
        // Allowed (a relay on a private network), but the messages carry sign-in codes.
        tracing::warn!(
            "delivery.email.smtp_url sends email without enforced TLS to another machine: sign-in codes and links \
             cross the network readable; prefer smtps:// or ?tls=required"
        );
    }
    Ok(())
}

/// The server, port, security and credentials of `smtp_url`, read as lettre's `from_url`
/// reads it (lettre 0.11.23): `smtp://host` (port 25, clear text), `smtp://host?tls=required`
/// (STARTTLS or nothing) or `?tls=opportunistic` (STARTTLS when offered), both on port 587,
/// and `smtps://host` (TLS from the first byte, port 465; `tls` is not looked at). A path
/// names the client in EHLO, unless `hello_name` (`delivery.email.smtp.hello_name`) does.
/// User and password, percent-decoded, are used for AUTH when a password is given. Errors
/// never show the URL: it may carry the password.
fn parse_url(url: &str, hello_name: Option<&str>) -> anyhow::Result<Endpoint> {
    let unusable = |why: &str| {
        anyhow::anyhow!(
            "delivery.email.smtp_url is not a usable SMTP URL (smtp://host:port, smtp://host:587?tls=required or \
             smtps://user:pass@host): {}",
            redact(why, None)
        )
    };
    let parsed = reqwest::Url::parse(url).map_err(|e| unusable(&e.to_string()))?;
    let host = parsed.host_str().filter(|h| !h.is_empty()).ok_or_else(|| unusable("it has no host"))?;
    // An IPv6 literal has brackets in a URL, not in an address lookup or a TLS name.
    let host = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')).unwrap_or(host).to_owned();
    // Certificates are verified against the system's trust store (`SSL_CERT_FILE` adds a
    // CA) for the name in the URL, as lettre's `from_url` sets it up.
    let tls = || TlsParameters::new(host.clone()).map_err(|e| unusable(&e.to_string()));
    let tls_param = parsed.query_pairs().find(|(k, _)| k == "tls").map(|(_, v)| v.into_owned());
    let (security, default_port) = match (parsed.scheme(), tls_param.as_deref()) {
        ("smtp", None) => (Security::Plain, SMTP_PORT),
        ("smtp", Some("required")) => (Security::StartTls { tls: tls()?, required: true }, SUBMISSION_PORT),
        ("smtp", Some("opportunistic")) => (Security::StartTls { tls: tls()?, required: false }, SUBMISSION_PORT),
        ("smtps", _) => (Security::Implicit(tls()?), SUBMISSIONS_PORT),
        (scheme, tls) => return Err(unusable(&format!("unknown scheme {scheme:?} or tls parameter {tls:?}"))),
    };
    let hello_name = match hello_name {
        Some(name) => {
            if !is_host_name(name) {
                bail!("delivery.email.smtp.hello_name = {name:?} is not a host name");
            }
            ClientId::Domain(name.to_owned())
        }
        None if parsed.path().len() > 1 => {
            let name = parsed.path().trim_matches('/');
            if !is_host_name(name) {
                return Err(unusable("its path (the EHLO name) is not a host name"));
            }
            ClientId::Domain(name.to_owned())
        }
        // This machine's host name.
        None => ClientId::default(),
    };
    let credentials = match parsed.password() {
        Some(password) => Some(Credentials::new(
            percent_decode(parsed.username()).ok_or_else(|| unusable("its user name is not UTF-8 once decoded"))?,
            percent_decode(password).ok_or_else(|| unusable("its password is not UTF-8 once decoded"))?,
        )),
        None => None,
    };
    Ok(Endpoint { host, port: parsed.port().unwrap_or(default_port), security, credentials, hello_name })
}

/// A name fit for EHLO, where it is sent verbatim: a host name or address literal, nothing
/// that could end the command line (CR/LF) or start another.
fn is_host_name(name: &str) -> bool {
    !name.is_empty() && name.len() <= 255 && name.chars().all(|c| c.is_ascii_alphanumeric() || ".-[]:".contains(c))
}

/// `%XX` sequences decoded (others kept as they are, as the `percent-encoding` crate that
/// lettre uses does); `None` if the result is not UTF-8.
fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| char::from(b).to_digit(16);
        match (bytes[i], bytes.get(i + 1).copied().and_then(hex), bytes.get(i + 2).copied().and_then(hex)) {
            (b'%', Some(hi), Some(lo)) => {
                out.push(u8::try_from(hi * 16 + lo).ok()?);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

/// Headers the signature covers: the ones a forger would change (RFC 6376 §5.4.1 lists
/// From as required; To, Subject, Date, Message-ID, Reply-To and the MIME headers keep
/// a replay from being rewritten).
fn signed_headers(with_reply_to: bool) -> Vec<HeaderName> {
    let mut names = vec!["From", "To", "Subject", "Date", "Message-ID"];
    if with_reply_to {
        names.push("Reply-To");
    }
    names.extend(["MIME-Version", "Content-Type", "Content-Transfer-Encoding"]);
    names.into_iter().map(HeaderName::new_from_ascii_str).collect()
}

/// The DKIM configuration, its key read from `key_file` now, so that a missing or broken
/// key stops the server at start instead of failing every message.
fn load_dkim(d: &DkimSettings, with_reply_to: bool) -> anyhow::Result<DkimConfig> {
    let label_ok =
        |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-' || c == '_');
    if !label_ok(&d.domain) || !label_ok(&d.selector) {
        bail!("delivery.email.smtp.dkim: domain and selector must be DNS names");
    }
    let key = read_dkim_key(&d.key_file)
        .with_context(|| format!("the DKIM key file {} could not be used", d.key_file.display()))?;
    Ok(DkimConfig::new(
        d.selector.clone(),
        d.domain.clone(),
        key,
        signed_headers(with_reply_to),
        // Relaxed/relaxed survives the header refolding and whitespace changes that relays
        // make (RFC 6376 §3.4); simple is broken by them.
        DkimCanonicalization { header: DkimCanonicalizationType::Relaxed, body: DkimCanonicalizationType::Relaxed },
    ))
}

const OID_RSA_ENCRYPTION: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];
const OID_ED25519: &[u8] = &[0x2b, 0x65, 0x70];
/// RFC 8301 §3.2: signers MUST use RSA keys of at least 1024 bits (verifiers reject less).
const MIN_RSA_BITS: usize = 1024;

/// A PEM private key: RSA (`RSA PRIVATE KEY`, PKCS#1, or `PRIVATE KEY`, PKCS#8) or
/// Ed25519 (`PRIVATE KEY`, PKCS#8, as `openssl genpkey -algorithm ed25519` writes it).
fn read_dkim_key(path: &Path) -> anyhow::Result<DkimSigningKey> {
    let text = std::fs::read_to_string(path).context("it could not be read")?;
    #[cfg(unix)]
    if let Ok(meta) = std::fs::metadata(path) {
        use std::os::unix::fs::PermissionsExt;
        if meta.permissions().mode() & 0o077 != 0 {
            // Whoever can read it can sign mail as the domain.
            tracing::warn!(file = %path.display(), "the DKIM key file is readable by other users: chmod 600 it");
        }
    }
    let (label, der) = pem_block(&text).context("it holds no PEM private key")?;
    match label.as_str() {
        "RSA PRIVATE KEY" => rsa_key(&der),
        "PRIVATE KEY" => {
            let (oid, key) = pkcs8(&der).context("it is not a valid PKCS#8 private key")?;
            if oid == OID_RSA_ENCRYPTION {
                rsa_key(key)
            } else if oid == OID_ED25519 {
                // CurvePrivateKey ::= OCTET STRING (RFC 8410 §7): 32 bytes of seed.
                let mut inner = Der(key);
                match inner.next() {
                    Some((0x04, seed)) if seed.len() == 32 => {
                        DkimSigningKey::new(&BASE64_STANDARD.encode(seed), DkimSigningAlgorithm::Ed25519)
                            .map_err(|e| anyhow::anyhow!("it is not a valid Ed25519 key: {e}"))
                    }
                    _ => bail!("it is not a valid Ed25519 key"),
                }
            } else {
                bail!("its key is neither RSA nor Ed25519")
            }
        }
        "ENCRYPTED PRIVATE KEY" => {
            bail!("it is encrypted; store it unencrypted (readable by postern only): openssl pkey -in KEY -out KEY.pem")
        }
        other => bail!("it holds a {other:?} PEM block, not an RSA or Ed25519 private key"),
    }
}

fn rsa_key(pkcs1: &[u8]) -> anyhow::Result<DkimSigningKey> {
    // RSAPrivateKey ::= SEQUENCE { version INTEGER, modulus INTEGER, … } (RFC 8017 A.1.2)
    let modulus_bits = (|| {
        let (tag, seq) = Der(pkcs1).next()?;
        if tag != 0x30 {
            return None;
        }
        let mut fields = Der(seq);
        fields.next().filter(|(t, _)| *t == 0x02)?;
        let (t, modulus) = fields.next()?;
        (t == 0x02).then(|| modulus.iter().skip_while(|b| **b == 0).count() * 8)
    })()
    .context("it is not a valid RSA private key")?;
    if modulus_bits < MIN_RSA_BITS {
        bail!("its RSA key has {modulus_bits} bits; DKIM needs at least {MIN_RSA_BITS} (2048 recommended)");
    }
    // The PEM parser under lettre is strict (RFC 7468): 64 characters a line.
    let b64 = BASE64_STANDARD.encode(pkcs1);
    let lines: Vec<&str> = b64.as_bytes().chunks(64).filter_map(|c| std::str::from_utf8(c).ok()).collect();
    let pem = format!("-----BEGIN RSA PRIVATE KEY-----\n{}\n-----END RSA PRIVATE KEY-----\n", lines.join("\n"));
    DkimSigningKey::new(&pem, DkimSigningAlgorithm::Rsa).map_err(|e| anyhow::anyhow!("it is not a valid RSA key: {e}"))
}

/// The label and DER bytes of the first PEM block.
fn pem_block(text: &str) -> Option<(String, Vec<u8>)> {
    let start = text.find("-----BEGIN ")?;
    let rest = &text[start + "-----BEGIN ".len()..];
    let label_end = rest.find("-----")?;
    let label = rest[..label_end].to_owned();
    let body = &rest[label_end + 5..];
    let end = body.find(&format!("-----END {label}-----"))?;
    let b64: String = body[..end].chars().filter(|c| !c.is_whitespace()).collect();
    let der = BASE64_STANDARD.decode(b64).ok()?;
    Some((label, der))
}

/// PrivateKeyInfo / OneAsymmetricKey (RFC 5208, RFC 5958): the algorithm OID and the
/// private key octets.
fn pkcs8(der: &[u8]) -> Option<(&[u8], &[u8])> {
    let (tag, seq) = Der(der).next()?;
    if tag != 0x30 {
        return None;
    }
    let mut fields = Der(seq);
    fields.next().filter(|(t, _)| *t == 0x02)?;
    let (t, algorithm) = fields.next()?;
    if t != 0x30 {
        return None;
    }
    let (t, oid) = Der(algorithm).next()?;
    if t != 0x06 {
        return None;
    }
    let (t, key) = fields.next()?;
    (t == 0x04).then_some((oid, key))
}

/// Just enough DER to walk a key: tag, definite length, value.
struct Der<'a>(&'a [u8]);

impl<'a> Der<'a> {
    fn next(&mut self) -> Option<(u8, &'a [u8])> {
        let (&tag, rest) = self.0.split_first()?;
        let (&first, mut rest) = rest.split_first()?;
        let len = if first < 0x80 {
            usize::from(first)
        } else {
            let n = usize::from(first & 0x7f);
            if n == 0 || n > 4 || rest.len() < n {
                return None;
            }
            let len = rest[..n].iter().fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
            rest = &rest[n..];
            len
        };
        if rest.len() < len {
            return None;
        }
        let (value, after) = rest.split_at(len);
        self.0 = after;
        Some((tag, value))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::delivery::Rendered;
    use crate::domain::Channel;

    fn outgoing(to: &str, html: Option<&str>) -> Outgoing {
        Outgoing {
            id: "postern-1-2".to_owned(),
            channel: Channel::Email,
            kind: "sign_in".to_owned(),
            to: to.to_owned(),
            locale: "en".to_owned(),
            rendered: Rendered {
                subject: "Your code: 123456\r\nBcc: evil@example.com".to_owned(),
                text: format!("Your code: 123456 – {}\n", "ünïcode ".repeat(40)),
                html: html.map(str::to_owned),
            },
        }
    }

    fn sender() -> SmtpSender {
        let mut settings = DeliverySettings::default();
        settings.email.smtp_url = Some("smtp://127.0.0.1:2525".to_owned().into());
        SmtpSender::new(&settings).unwrap()
    }

    #[tokio::test]
    async fn text_and_html_make_a_multipart_alternative_with_text_first() {
        let (message, id) = sender().message(&outgoing("a@example.com", Some("<p>123456</p>"))).unwrap();
        assert_eq!(id, "<postern-1-2@postern.localhost>");
        let raw = String::from_utf8(message.formatted()).unwrap();
        let (head, body) = raw.split_once("\r\n\r\n").unwrap();
        assert!(head.contains(&format!("Message-ID: {id}\r\n")), "{head}");
        assert!(head.contains("MIME-Version: 1.0\r\n") && head.contains("Date: "), "{head}");
        assert!(head.contains("Content-Type: multipart/alternative;"), "{head}");
        assert!(!head.contains("\r\nBcc:"), "a subject cannot add a header: {head}");
        let (plain, html) =
            (body.find("Content-Type: text/plain").unwrap(), body.find("Content-Type: text/html").unwrap());
        assert!(plain < html, "text first, HTML last");
        assert_eq!(raw.matches("multipart/alternative").count(), 1);
    }

    #[tokio::test]
    async fn text_alone_is_a_single_text_part() {
        let (message, _) = sender().message(&outgoing("a@example.com", None)).unwrap();
        let raw = String::from_utf8(message.formatted()).unwrap();
        let head = raw.split_once("\r\n\r\n").unwrap().0;
        assert!(head.contains("Content-Type: text/plain; charset=utf-8\r\n"), "{head}");
        assert!(head.contains("MIME-Version: 1.0\r\n"), "{head}");
        assert!(!raw.contains("multipart"));
    }

    #[tokio::test]
    async fn a_recipient_that_is_not_one_address_is_refused_without_being_named() {
        for to in ["a@example.com\r\nRCPT TO:<b@example.com>", "a@example.com, b@example.com", "nobody"] {
            match sender().message(&outgoing(to, None)) {
                Err(SendError::Permanent(e)) => assert!(!e.contains("example") && !e.contains("nobody"), "{e}"),
                _ => panic!("{to:?} was accepted"),
            }
        }
    }

    #[test]
    fn server_text_loses_addresses_and_control_characters() {
        let text = redact("<bob@example.com>: Recipient\r\n address rejected\u{7}", Some("bob@example.com"));
        assert_eq!(text, "<address> Recipient address rejected");
        assert!(!redact("User Bob.Smith unknown", Some("bob.smith")).contains("Bob.Smith"));
        assert!(redact(&"x".repeat(1000), None).chars().count() <= MAX_SERVER_TEXT + 1);
    }

    #[test]
    fn credentials_need_an_encrypted_connection_off_this_machine() {
        assert!(check_url("smtp://user:secret@mail.example.com:25").is_err());
        assert!(check_url("smtp://user:secret@mail.example.com:587?tls=opportunistic").is_err());
        assert!(check_url("smtp://user:secret@mail.example.com:587?tls=required").is_ok());
        assert!(check_url("smtps://user:secret@mail.example.com").is_ok());
        assert!(check_url("smtp://user:secret@127.0.0.1:2525").is_ok());
        assert!(check_url("smtp://mail.example.com:25").is_ok());
        assert!(check_url("http://mail.example.com").is_err());
    }

    #[tokio::test]
    async fn build_errors_never_show_the_password() {
        for url in [
            "smtp://user:hunter2-secret@mail.example.com:25",
            "smtp://user:hunter2-secret@mail.example.com:25?tls=bogus",
            "ftp://user:hunter2-secret@mail.example.com",
        ] {
            let mut settings = DeliverySettings::default();
            settings.email.smtp_url = Some(url.to_owned().into());
            let err = SmtpSender::new(&settings).err().map(|e| format!("{e:#}")).unwrap_or_default();
            assert!(!err.is_empty(), "{url} should be refused");
            assert!(!err.contains("hunter2"), "{err}");
        }
    }

    #[test]
    fn the_url_is_read_as_lettre_reads_it() {
        let e = parse_url("smtp://relay.example.com", None).unwrap();
        assert_eq!((e.host.as_str(), e.port), ("relay.example.com", SMTP_PORT));
        assert!(matches!(e.security, Security::Plain) && e.credentials.is_none());
        let e = parse_url("smtp://u:p@relay.example.com?tls=required", None).unwrap();
        assert_eq!(e.port, SUBMISSION_PORT);
        assert!(matches!(e.security, Security::StartTls { required: true, .. }));
        let e = parse_url("smtp://relay.example.com:2587?tls=opportunistic", None).unwrap();
        assert_eq!(e.port, 2587);
        assert!(matches!(e.security, Security::StartTls { required: false, .. }));
        let e = parse_url("smtps://relay.example.com", None).unwrap();
        assert_eq!(e.port, SUBMISSIONS_PORT);
        assert!(matches!(e.security, Security::Implicit(_)));
        // As in lettre, `tls` means nothing to smtps://, and an unknown value is refused.
        assert!(matches!(parse_url("smtps://h.example:2465?tls=none", None).unwrap().security, Security::Implicit(_)));
        assert!(parse_url("smtp://h.example?tls=bogus", None).is_err());
        assert!(parse_url("smtp://h.example?tls=Required", None).is_err());
        // An IPv6 literal loses its brackets.
        assert_eq!(parse_url("smtp://[::1]:2525", None).unwrap().host, "::1");
    }

    #[test]
    fn credentials_are_percent_decoded_and_need_a_password() {
        let e = parse_url("smtp://tester:s3cr%25t%20pass@127.0.0.1:2525", None).unwrap();
        assert!(e.credentials == Some(Credentials::new("tester".to_owned(), "s3cr%t pass".to_owned())));
        let e = parse_url("smtp://us%40er:%C3%A9@127.0.0.1:2525", None).unwrap();
        assert!(e.credentials == Some(Credentials::new("us@er".to_owned(), "é".to_owned())));
        // A user without a password is no AUTH (lettre's reading).
        assert!(parse_url("smtp://tester@127.0.0.1:2525", None).unwrap().credentials.is_none());
        let err = parse_url("smtp://tester:hunter2%FF@127.0.0.1:2525", None).err().unwrap();
        assert!(!format!("{err:#}").contains("hunter2"), "{err:#}");
        assert_eq!(percent_decode("100%zz%4").as_deref(), Some("100%zz%4"));
    }

    #[test]
    fn the_ehlo_name_comes_from_the_setting_or_the_path() {
        let name = |url: &str, setting: Option<&str>| parse_url(url, setting).map(|e| e.hello_name);
        assert_eq!(name("smtp://h.example/client.example", None).unwrap(), ClientId::Domain("client.example".into()));
        assert_eq!(name("smtp://h.example/client.example", Some("x.test")).unwrap(), ClientId::Domain("x.test".into()));
        assert_eq!(name("smtp://h.example", None).unwrap(), ClientId::default());
        assert!(name("smtp://h.example/bad%0D%0Aname", None).is_err());
        assert!(name("smtp://h.example", Some("bad\r\nMAIL FROM:<x@y>")).is_err());
    }

    #[test]
    fn a_short_der_length_is_refused() {
        assert!(Der(&[0x30, 0x05, 0x02]).next().is_none());
        assert!(Der(&[0x30, 0x84, 0xff, 0xff, 0xff, 0xff]).next().is_none());
        assert_eq!(Der(&[0x04, 0x01, 0x07]).next(), Some((0x04, &[0x07][..])));
    }
}
