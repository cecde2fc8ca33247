//! `POST /v1/passwordless/start` and the hosted login form: one message with a link and
//! a code (issued by `flows::issue`).

use crate::domain::{Channel, Identifier};
use crate::error::{AppError, AppResult};
use crate::flows::issue::{Issue, Started, issue};
use crate::flows::{Client, DeviceBinding};
use crate::state::AppState;
use crate::store::Purpose;

pub struct StartInput {
    pub identifier: Identifier,
    pub channel: Option<Channel>,
    pub redirect_to: Option<String>,
    pub locale: Option<String>,
}

/// A sign-in goes to the identifier typed, over its own channel.
pub fn natural_channel(identifier: &Identifier, asked: Option<Channel>) -> AppResult<Channel> {
    let natural = identifier.natural_channel();
    match asked.unwrap_or(natural) {
        c if c == natural => Ok(c),
        Channel::Sms => Err(AppError::invalid("channel sms needs a phone number")),
        Channel::Email => Err(AppError::invalid("channel email needs an email address")),
    }
}

pub async fn start_passwordless(
    state: &AppState,
    input: StartInput,
    device: DeviceBinding,
    client: &Client,
) -> AppResult<Started> {
    let channel = natural_channel(&input.identifier, input.channel)?;
    let request = Issue {
        purpose: Purpose::SignIn,
        to: input.identifier.clone(),
        typed: input.identifier,
        channel,
        user_id: None,
        details: None,
        kind: None,
        redirect_to: input.redirect_to,
        locale: input.locale,
        prepaid: false,
        headless: None,
    };
    issue(state, request, device, client).await
}
