//! What an API key may do on the server-to-server API (`/admin/v1`).

use std::fmt;

/// A permission of an API key. A request needs the scope of its route; a key without it
/// gets `403 forbidden`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    /// Find and read users and their sessions.
    UsersRead,
    /// Create, change, disable, enable and delete users; end their sessions.
    UsersWrite,
    /// Headless passwordless send, verify and resend.
    Passwordless,
    /// Read the delivery status of messages.
    MessagesRead,
    /// Read the audit trail.
    AuditRead,
    /// Name the end user's IP and user agent on requests made for them (an app's proxy).
    Proxy,
}

impl Scope {
    pub const ALL: [Scope; 6] =
        [Scope::UsersRead, Scope::UsersWrite, Scope::Passwordless, Scope::MessagesRead, Scope::AuditRead, Scope::Proxy];

    /// What `api-keys create` grants without `--scopes`: everything but `proxy`, which
    /// lets a key speak for end users' IPs and is granted only when asked for.
    pub const DEFAULT: [Scope; 5] =
        [Scope::UsersRead, Scope::UsersWrite, Scope::Passwordless, Scope::MessagesRead, Scope::AuditRead];

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::UsersRead => "users:read",
            Scope::UsersWrite => "users:write",
            Scope::Passwordless => "passwordless",
            Scope::MessagesRead => "messages:read",
            Scope::AuditRead => "audit:read",
            Scope::Proxy => "proxy",
        }
    }

    pub fn parse(s: &str) -> Result<Self, String> {
        Scope::ALL.into_iter().find(|scope| scope.as_str() == s).ok_or_else(|| {
            let known: Vec<&str> = Scope::ALL.iter().map(|s| s.as_str()).collect();
            format!("unknown scope {s:?}; known scopes: {}", known.join(", "))
        })
    }

    /// Scopes as stored: space-separated; unknown words (from a newer release) are skipped.
    pub fn parse_list(stored: &str) -> Vec<Scope> {
        stored.split_whitespace().filter_map(|s| Scope::parse(s).ok()).collect()
    }

    pub fn join(scopes: &[Scope]) -> String {
        scopes.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(" ")
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::Scope;

    #[test]
    fn scopes_round_trip_and_unknown_ones_are_refused() {
        for scope in Scope::ALL {
            assert_eq!(Scope::parse(scope.as_str()), Ok(scope));
        }
        assert!(Scope::parse("users:admin").unwrap_err().contains("known scopes"));
        assert_eq!(Scope::parse_list("users:read future:scope proxy"), [Scope::UsersRead, Scope::Proxy]);
    }
}
