//! Cursor pagination of the admin lists (`{"items","next_cursor"}`, `?cursor=&limit=`).

use crate::clock::parse_rfc3339;
use crate::error::{AppError, AppResult};

pub const MAX_PAGE: usize = 200;
pub const DEFAULT_PAGE: usize = 50;

/// The page size asked for, 1 to `MAX_PAGE` (default `DEFAULT_PAGE`).
pub fn limit(asked: Option<usize>) -> AppResult<usize> {
    match asked.unwrap_or(DEFAULT_PAGE) {
        n @ 1..=MAX_PAGE => Ok(n),
        _ => Err(AppError::invalid(format!("limit must be between 1 and {MAX_PAGE}"))),
    }
}

/// A `since` filter: an RFC 3339 time, as unix milliseconds.
pub fn since(since: Option<&str>) -> AppResult<Option<i64>> {
    since
        .map(|s| {
            parse_rfc3339(s)
                .ok_or_else(|| AppError::invalid("since must be an RFC 3339 time, e.g. 2026-12-01T00:00:00Z"))
        })
        .transpose()
}

/// The cursor of a list ordered by a sequence number (messages, audit events).
pub fn seq_cursor(cursor: Option<&str>) -> AppResult<Option<i64>> {
    cursor.map(|c| c.parse::<i64>().map_err(|_| AppError::invalid("cursor is not one this server gave"))).transpose()
}

/// One page of a list, newest first, and the cursor of the next page.
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

/// A page from `limit + 1` rows fetched newest first: the extra row only tells that
/// another page follows, whose cursor is the last item kept.
pub fn page<T>(mut rows: Vec<T>, limit: usize, cursor_of: impl Fn(&T) -> String) -> Page<T> {
    if rows.len() <= limit {
        return Page { items: rows, next_cursor: None };
    }
    rows.truncate(limit);
    let next_cursor = rows.last().map(cursor_of);
    Page { items: rows, next_cursor }
}
