//! Parsed types: once a value is one of these, it is valid (parse, don't validate).

mod code;
mod email;
mod identifier;
pub mod password;
mod phone;
mod redirect;
pub mod scope;
pub mod user_agent;

pub use code::{CODE_DIGITS, OtpCode};
pub use email::{EmailAddress, EmailError};
pub use identifier::{Channel, Identifier};
pub use phone::{PhoneError, PhoneNumber};
pub use redirect::RedirectTo;
