//! Both backends migrate to the same tables and columns. Types differ where the databases
//! do (BLOB and BYTEA, INTEGER and BIGSERIAL); names must not, or the same SQL would
//! behave differently on each.

use std::collections::BTreeSet;
use std::time::Duration;

use postern::store::postgres::{self, PgSettings, PgStore};
use postern::store::sqlite::SqliteStore;

use crate::common::{Backend, TestDb};

/// `(table, column)` pairs.
type Schema = BTreeSet<(String, String)>;

async fn sqlite_schema() -> Schema {
    let db = TestDb::new(Backend::Sqlite).await;
    let path = std::path::Path::new(db.url.strip_prefix("sqlite://").unwrap());
    SqliteStore::migrate_only(path, false).unwrap();
    let conn = rusqlite::Connection::open(path).unwrap();
    let mut stmt = conn
        .prepare(
            "SELECT m.name, c.name FROM sqlite_master m JOIN pragma_table_info(m.name) c
             WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'",
        )
        .unwrap();
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).unwrap().map(Result::unwrap).collect()
}

async fn postgres_schema() -> Schema {
    let db = TestDb::new(Backend::Postgres).await;
    let store = PgStore::connect(&PgSettings {
        url: db.url.clone(),
        max_connections: 2,
        acquire_timeout: Duration::from_secs(5),
        session_cache: 0,
    })
    .unwrap();
    postgres::run_migrations(store.pool()).await.unwrap();
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT table_name::TEXT, column_name::TEXT FROM information_schema.columns WHERE table_schema = 'public'",
    )
    .fetch_all(store.pool())
    .await
    .unwrap();
    store.pool().close().await;
    rows.into_iter().collect()
}

#[tokio::test]
async fn the_sqlite_and_postgresql_schemas_have_the_same_tables_and_columns() {
    let (sqlite, postgres) = (sqlite_schema().await, postgres_schema().await);
    assert!(sqlite.iter().any(|(table, _)| table == "auth_requests"), "the SQLite schema was read: {sqlite:?}");
    let only_sqlite: Vec<_> = sqlite.difference(&postgres).collect();
    let only_postgres: Vec<_> = postgres.difference(&sqlite).collect();
    assert!(
        only_sqlite.is_empty() && only_postgres.is_empty(),
        "the schemas differ:\n  only in SQLite: {only_sqlite:?}\n  only in PostgreSQL: {only_postgres:?}"
    );
}
