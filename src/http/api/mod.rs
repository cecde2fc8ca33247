//! The JSON API for browsers and apps (`/v1/…`): passwordless sign-in and sessions.

mod passwordless;
mod sessions;

use axum::Router;

use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().merge(passwordless::router()).merge(sessions::router())
}
