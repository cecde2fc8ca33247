//! The JSON API for browsers and apps (`/v1/…`): passwordless sign-in, accounts and
//! passwords, sessions, access tokens and forward-auth.

mod accounts;
mod passwordless;
mod sessions;
mod tokens;

use utoipa_axum::router::OpenApiRouter;

use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(passwordless::router())
        .merge(accounts::router())
        .merge(sessions::router())
        .merge(tokens::router())
}
