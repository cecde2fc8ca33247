//! Access tokens (`POST /v1/session/token`), the keys to verify them
//! (`/.well-known/jwks.json`) and forward-auth for reverse proxies (`GET /v1/auth/check`).

use axum::Json;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::domain::RedirectTo;
use crate::error::{AppError, AppResult};
use crate::flows::sessions::current_session;
use crate::flows::tokens::{self, AccessToken};
use crate::http::cookies;
use crate::http::extract::Authenticated;
use crate::http::openapi::ErrorBody;
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(token)).routes(routes!(jwks)).routes(routes!(check))
}

/// Turn the live session into a short-lived access token (a JWT signed with EdDSA). A token
/// is a credential: never cached (RFC 6749 §5.1). An issued token lives until its `exp`.
#[utoipa::path(post, operation_id = "issueAccessToken", path = "/v1/session/token", tag = "tokens", security(("session_cookie" = [])),
    responses(
        (status = 200, description = "An access token", body = AccessToken),
        (status = 401, description = "`unauthorized`", body = ErrorBody),
    ))]
async fn token(State(state): State<AppState>, auth: Authenticated) -> AppResult<impl IntoResponse> {
    let token: AccessToken = tokens::issue(&state, &auth.session).await?;
    Ok(([(header::CACHE_CONTROL, "no-store")], Json(token)))
}

/// The public keys that verify access tokens (RFC 7517). Verifiers may cache them a minute;
/// one that meets an unknown `kid` fetches again.
#[utoipa::path(get, operation_id = "getJwks", path = "/.well-known/jwks.json", tag = "tokens",
    responses((status = 200, description = "`{\"keys\":[{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"kid\",\"x\",\"alg\":\"EdDSA\",\"use\":\"sig\"}]}`",
        content_type = "application/jwk-set+json", body = Object)))]
async fn jwks(State(state): State<AppState>) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "application/jwk-set+json"), (header::CACHE_CONTROL, "public, max-age=60")],
        state.keys.jwks(),
    )
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct CheckQuery {
    /// `true`: a signed-out browser is sent to `/login` and back (Traefik, Caddy); nginx's
    /// `auth_request` takes only 2xx/401/403, so its config maps the 401 itself.
    #[serde(default)]
    redirect: bool,
}

const USER_ID: HeaderName = HeaderName::from_static("x-postern-user-id");
const EMAIL: HeaderName = HeaderName::from_static("x-postern-email");
const SESSION_ID: HeaderName = HeaderName::from_static("x-postern-session-id");

/// Forward-auth: 200 with the user's headers for a live session cookie or a valid bearer
/// access token, else 401 (or, asked to, a redirect to sign in). A session is touched no
/// more often than any other request touches it (`sessions.refresh_interval`).
/// Forward-auth for reverse proxies: 200 with the user's headers for a live session cookie
/// or a bearer access token, else 401 (or, with `redirect=true`, a browser is sent to sign
/// in and back to the page the proxy names in `X-Original-URL` or `X-Forwarded-*`).
#[utoipa::path(get, operation_id = "authCheck", path = "/v1/auth/check", tag = "tokens", params(CheckQuery),
    security((), ("session_cookie" = []), ("access_token" = [])),
    responses(
        (status = 200, description = "Signed in", headers(
            ("X-Postern-User-Id" = String, description = "The user id"),
            ("X-Postern-Email" = String, description = "The account's email, when it has one"),
            ("X-Postern-Session-Id" = String, description = "The session id"),
        )),
        (status = 303, description = "To `/login?redirect_to=…` (only with `redirect=true`)"),
        (status = 400, description = "`invalid_request`: a query that is not `redirect=true|false`", body = ErrorBody),
        (status = 401, description = "`unauthorized`", body = ErrorBody),
    ))]
async fn check(
    State(state): State<AppState>,
    Query(q): Query<CheckQuery>,
    jar: CookieJar,
    headers: HeaderMap,
) -> Response {
    let who = match bearer(&headers) {
        Some(token) => tokens::verify(&state, token).await.map(|c| (c.sub, c.email, c.sid)),
        None => match cookies::get(&state, &jar, cookies::SESSION) {
            Some(token) => current_session(&state, &token).await.map(|(s, u)| (u.id, u.email, s.id)),
            None => Err(AppError::Unauthorized),
        },
    };
    let mut response = match who {
        Ok((user_id, email, session_id)) => {
            let mut r = StatusCode::OK.into_response();
            let h = r.headers_mut();
            for (name, value) in [(USER_ID, Some(user_id)), (EMAIL, email), (SESSION_ID, Some(session_id))] {
                if let Some(value) = value.and_then(|v| HeaderValue::from_bytes(v.as_bytes()).ok()) {
                    h.insert(name, value);
                }
            }
            r
        }
        Err(AppError::Unauthorized) => match q.redirect.then(|| sign_in_redirect(&state, &headers)).flatten() {
            Some(to) => Redirect::to(&to).into_response(),
            None => AppError::Unauthorized.into_response(),
        },
        Err(e) => e.into_response(),
    };
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// A bearer access token; an app's API key in the same header (a proxied request) is not
/// one, and the check then goes by the cookie.
fn bearer(headers: &HeaderMap) -> Option<&str> {
    let token = headers.get(header::AUTHORIZATION)?.to_str().ok()?.strip_prefix("Bearer ").map(str::trim)?;
    crate::http::extract::api_key_of(headers).is_none().then_some(token)
}

/// `/login?redirect_to=<the page the browser asked for>` when the proxy named that page
/// (`X-Original-URL`, or `X-Forwarded-Proto` + `-Host` + `-Uri`), the page is on an
/// allow-listed origin (or Postern's own) and the request is a browser's navigation.
fn sign_in_redirect(state: &AppState, headers: &HeaderMap) -> Option<String> {
    let get = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    if !get("accept").is_some_and(|a| a.contains("text/html")) {
        return None;
    }
    let original = match get("x-original-url") {
        Some(url) => url.to_owned(),
        None => format!(
            "{}://{}{}",
            get("x-forwarded-proto")?,
            get("x-forwarded-host")?,
            get("x-forwarded-uri").or_else(|| get("x-original-uri"))?
        ),
    };
    let mut allowed = state.settings.redirect_allowlist.clone();
    allowed.push(crate::http::csrf::public_origin(&state.public_url).to_owned());
    // Only an absolute URL names the app's page; a path would be read as Postern's.
    let target = RedirectTo::parse(&original, &allowed).ok().filter(|t| !t.as_str().starts_with('/'))?;
    Some(format!("{}/login?redirect_to={}", state.public_url, crate::http::query_escape(target.as_str())))
}
