//! Which rate limits a message send consumes (DESIGN.md defaults: 1 per 60 s and 5 per
//! hour per address or number, 30 per hour per client IP). They live in the database, so
//! they hold across instances.

use std::net::IpAddr;

use crate::domain::Identifier;
use crate::state::AppState;
use crate::store::RateLimit;

const HOUR_MS: i64 = 3_600_000;

pub fn for_send(state: &AppState, identifier: &Identifier, ip: IpAddr, now: i64) -> Vec<RateLimit> {
    let cfg = &state.settings.rate_limits;
    if !cfg.enabled {
        return Vec::new();
    }
    let id = identifier.as_str();
    vec![
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
        RateLimit {
            key: format!("send:ip:{}", ip_bucket(ip)),
            interval_ms: HOUR_MS / i64::from(cfg.per_ip_per_hour),
            burst: cfg.per_ip_per_hour,
            now,
        },
    ]
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
