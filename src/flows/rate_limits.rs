//! Which rate limits a message send consumes (DESIGN.md defaults: 1 per 60 s and 5 per
//! hour per address or number, 30 per hour per client IP), plus the SMS abuse limits (per
//! country calling code, and a global hourly SMS budget). They live in the database, so
//! they hold across instances.

use std::net::IpAddr;

use crate::delivery::metrics;
use crate::domain::{Identifier, PhoneNumber};
use crate::error::{AppError, AppResult};
use crate::flows::Client;
use crate::state::AppState;
use crate::store::{Event, RateLimit, StoreError};

const HOUR_MS: i64 = 3_600_000;
const SMS_BUDGET_KEY: &str = "sms:budget";

/// `ip: None` for an app's server sending for its users (headless): limited per address.
pub fn for_send(state: &AppState, identifier: &Identifier, ip: Option<IpAddr>, now: i64) -> Vec<RateLimit> {
    let cfg = &state.settings.rate_limits;
    if !cfg.enabled {
        return Vec::new();
    }
    let id = identifier.as_str();
    let mut limits = vec![
        RateLimit {
            key: format!("send:min:{id}"),
            interval_ms: (cfg.per_identifier_interval.as_millis() as i64).max(1),
            burst: 1,
            now,
        },
        RateLimit {
            key: format!("send:hour:{id}"),
            interval_ms: HOUR_MS / i64::from(cfg.per_identifier_per_hour),
            burst: cfg.per_identifier_per_hour,
            now,
        },
    ];
    if let Some(ip) = ip {
        limits.push(RateLimit {
            key: format!("send:ip:{}", ip_bucket(ip)),
            interval_ms: HOUR_MS / i64::from(cfg.per_ip_per_hour),
            burst: cfg.per_ip_per_hour,
            now,
        });
    }
    if let Identifier::Phone(phone) = identifier {
        limits.extend(for_sms(state, phone, now));
    }
    limits
}

/// Password logins from one client IP (`passwords.login_per_ip_per_hour`): password
/// spraying tries one password on many accounts, which the per-identifier failure count
/// never sees (OWASP Authentication cheat sheet: throttle by IP as well as by account).
pub fn for_login(state: &AppState, ip: IpAddr, now: i64) -> Vec<RateLimit> {
    if !state.settings.rate_limits.enabled {
        return Vec::new();
    }
    let per_hour = state.settings.passwords.login_per_ip_per_hour;
    vec![RateLimit {
        key: format!("login:ip:{}", ip_bucket(ip)),
        interval_ms: HOUR_MS / i64::from(per_hour),
        burst: per_hour,
        now,
    }]
}

/// SMS pumping (toll fraud) protection, OWASP Forgot Password / SMS abuse guidance: bots
/// request codes to premium-rate numbers, so sends are also limited per country calling
/// code and by a global hourly budget that stops all SMS when spent.
fn for_sms(state: &AppState, phone: &PhoneNumber, now: i64) -> [RateLimit; 2] {
    let cfg = &state.settings.delivery.sms;
    let (calling_code, _) = phone.country();
    [
        RateLimit {
            key: format!("sms:country:{calling_code}"),
            interval_ms: HOUR_MS / i64::from(cfg.per_country_per_hour),
            burst: cfg.per_country_per_hour,
            now,
        },
        RateLimit {
            key: SMS_BUDGET_KEY.to_owned(),
            interval_ms: HOUR_MS / i64::from(cfg.hourly_budget),
            burst: cfg.hourly_budget,
            now,
        },
    ]
}

/// SMS go only to the countries the operator allows (all when the list is empty), and
/// never to number types that charge the sender: premium-rate, shared-cost and the like
/// (`delivery.sms.refused_number_types`; OWASP SMS pumping / toll fraud, issue 10,
/// finding 9). Both are facts about the number, not about an account: saying so reveals
/// nothing.
pub fn check_sms_destination(state: &AppState, identifier: &Identifier) -> AppResult<()> {
    let sms = &state.settings.delivery.sms;
    let Identifier::Phone(phone) = identifier else { return Ok(()) };
    if sms.refused_number_types.contains(&phone.number_type()) {
        return Err(AppError::invalid("SMS to this kind of number (premium-rate, shared-cost, …) is not available"));
    }
    if sms.allowed_countries.is_empty() {
        return Ok(());
    }
    match phone.country().1 {
        Some(region) if sms.allowed_countries.contains(&region) => Ok(()),
        _ => Err(AppError::invalid("SMS to this country is not available")),
    }
}

/// Passes a unit of work's result on; a rate limit's refusal is recorded in the audit
/// trail (on its own: the refused work rolled back, event and all) and a spent SMS budget
/// reported loudly (the circuit is open: no SMS goes out until it refills).
pub async fn audited<T>(state: &AppState, client: &Client, result: Result<T, StoreError>) -> Result<T, StoreError> {
    let Err(StoreError::RateLimited { key, retry_after_ms }) = &result else { return result };
    let event = Event::rate_limited(key, state.now());
    if let Err(e) = state.store.record_events(vec![event], &client.actor(), state.now()).await {
        tracing::warn!(error = %e, "a rate limit's refusal could not be written to the audit trail");
    }
    if key == SMS_BUDGET_KEY {
        metrics::sms_budget_exhausted();
        tracing::error!(retry_after_ms, "the hourly SMS budget is spent: SMS sending is paused (circuit open)");
    } else if key.starts_with("sms:country:") {
        tracing::warn!(limit = %key, "the SMS limit of a country calling code was reached");
    }
    result
}

/// IPv6 clients are limited per /64: one subscriber usually holds a whole /64 and could
/// otherwise rotate through it to escape the limit.
fn ip_bucket(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::ip_bucket;

    #[test]
    fn ipv6_addresses_of_one_subnet_share_a_bucket() {
        let a = ip_bucket("2001:db8:1:2::1".parse().unwrap());
        let b = ip_bucket("2001:db8:1:2:ffff::9".parse().unwrap());
        assert_eq!(a, b);
        assert_ne!(a, ip_bucket("2001:db8:1:3::1".parse().unwrap()));
        assert_eq!(ip_bucket("::ffff:10.0.0.1".parse().unwrap()), "10.0.0.1");
    }
}
