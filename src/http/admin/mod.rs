//! The server-to-server API (`/admin/v1/…`): every request carries an API key
//! (`Authorization: Bearer`, the `Admin` extractor) and each route checks its scope.

mod audit;
mod messages;
mod passwordless;
mod users;

use utoipa_axum::router::OpenApiRouter;

use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(users::router())
        .merge(messages::router())
        .merge(passwordless::router())
        .merge(audit::router())
}
