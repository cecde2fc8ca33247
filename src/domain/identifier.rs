//! What a person signs in with: an email address or a phone number, and the channel a
//! message about it goes over.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::{EmailAddress, PhoneNumber};

#[derive(Clone, PartialEq, Eq, Hash)]
pub enum Identifier {
    Email(EmailAddress),
    Phone(PhoneNumber),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Channel {
    Email,
    Sms,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Email => "email",
            Channel::Sms => "sms",
        }
    }

    pub fn from_db(s: &str) -> Option<Self> {
        match s {
            "email" => Some(Channel::Email),
            "sms" => Some(Channel::Sms),
            _ => None,
        }
    }
}

impl Identifier {
    /// A free-text field ("email or phone") as typed on the hosted login page.
    pub fn parse_any(input: &str) -> Result<Self, String> {
        if input.contains('@') || input.contains('＠') {
            EmailAddress::parse(input).map(Identifier::Email).map_err(|e| e.to_string())
        } else {
            PhoneNumber::parse(input).map(Identifier::Phone).map_err(|e| e.to_string())
        }
    }

    /// Rebuilds an identifier that was canonicalised before it was stored.
    pub fn from_db(kind: &str, value: &str) -> Option<Self> {
        match kind {
            "email" => EmailAddress::parse(value).ok().map(Identifier::Email),
            "phone" => PhoneNumber::parse(value).ok().map(Identifier::Phone),
            _ => None,
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            Identifier::Email(_) => "email",
            Identifier::Phone(_) => "phone",
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            Identifier::Email(e) => e.as_str(),
            Identifier::Phone(p) => p.as_str(),
        }
    }

    pub fn masked(&self) -> String {
        match self {
            Identifier::Email(e) => e.masked(),
            Identifier::Phone(p) => p.masked(),
        }
    }

    /// The channel a message about this identifier goes over by default.
    pub fn natural_channel(&self) -> Channel {
        match self {
            Identifier::Email(_) => Channel::Email,
            Identifier::Phone(_) => Channel::Sms,
        }
    }
}

impl fmt::Debug for Identifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Identifier::Email(e) => e.fmt(f),
            Identifier::Phone(p) => p.fmt(f),
        }
    }
}
