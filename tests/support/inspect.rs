//! What the tests read from the database behind the app's back: the only
//! place their read-only SQL lives (faults that a test injects with SQL
//! stay in that test, as its action).

use super::TestApp;

impl TestApp {
    /// A `SELECT COUNT(*) …` with no parameters.
    pub async fn count(&self, sql: &str) -> i64 {
        sqlx::query_scalar(sql)
            .fetch_one(self.db.pool())
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"))
    }

    /// How many audit entries have `action`.
    pub async fn audited(&self, action: &str) -> i64 {
        sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = $1")
            .bind(action)
            .fetch_one(self.db.pool())
            .await
            .unwrap()
    }

    /// The actions of the audit log, oldest first.
    pub async fn audit_actions(&self) -> Vec<String> {
        sqlx::query_scalar("SELECT action FROM audit_log ORDER BY id")
            .fetch_all(self.db.pool())
            .await
            .unwrap()
    }

    /// Everything the database holds: the SQLite files byte for byte (main,
    /// -wal, -shm), or every row of every table as PostgreSQL prints it.
    pub async fn stored_bytes(&self) -> String {
        if self.db_url().starts_with("sqlite") {
            let mut all = Vec::new();
            for suffix in ["", "-wal", "-shm"] {
                if let Ok(bytes) = std::fs::read(self.dir().join(format!("varvault.db{suffix}"))) {
                    all.extend(bytes);
                }
            }
            String::from_utf8_lossy(&all).into_owned()
        } else {
            let tables: Vec<String> = sqlx::query_scalar(
                "SELECT table_name::text FROM information_schema.tables WHERE table_schema = current_schema()",
            )
            .fetch_all(self.db.pool())
            .await
            .unwrap();
            let mut all = String::new();
            for table in tables {
                let rows: Vec<String> =
                    sqlx::query_scalar(&format!("SELECT CAST(t AS TEXT) FROM \"{table}\" t"))
                        .fetch_all(self.db.pool())
                        .await
                        .unwrap();
                all.push_str(&rows.join("\n"));
            }
            all
        }
    }

    /// Everything a refused call must leave as it was.
    pub async fn snapshot(&self) -> Vec<String> {
        let rows: Vec<(i64, i64, String)> =
            sqlx::query_as("SELECT workspace_id, user_id, role FROM memberships ORDER BY 1, 2")
                .fetch_all(self.db.pool())
                .await
                .unwrap();
        let users: Vec<(String, String)> =
            sqlx::query_as("SELECT email, password_hash FROM users ORDER BY email")
                .fetch_all(self.db.pool())
                .await
                .unwrap();
        let workspaces: Vec<String> =
            sqlx::query_scalar("SELECT slug FROM workspaces ORDER BY slug")
                .fetch_all(self.db.pool())
                .await
                .unwrap();
        let variables: Vec<(String, i64, Option<Vec<u8>>, String)> = sqlx::query_as(
            "SELECT name, value_version, ciphertext, allowed_hosts FROM variables ORDER BY id",
        )
        .fetch_all(self.db.pool())
        .await
        .unwrap();
        let blocks: Vec<(i64, String, String, i64)> =
            sqlx::query_as("SELECT id, name, url, position FROM api_blocks ORDER BY id")
                .fetch_all(self.db.pool())
                .await
                .unwrap();
        let versions: Vec<(i64, i64)> = sqlx::query_as(
            "SELECT variable_id, value_version FROM variable_versions ORDER BY 1, 2",
        )
        .fetch_all(self.db.pool())
        .await
        .unwrap();
        let tokens: Vec<(String, Option<i64>)> =
            sqlx::query_as("SELECT name, revoked_at FROM access_tokens ORDER BY id")
                .fetch_all(self.db.pool())
                .await
                .unwrap();
        let hooks: Vec<(i64, Vec<u8>)> =
            sqlx::query_as("SELECT workspace_id, ciphertext FROM notification_webhooks ORDER BY 1")
                .fetch_all(self.db.pool())
                .await
                .unwrap();
        let flows: Vec<(i64, String)> =
            sqlx::query_as("SELECT id, name FROM workflows ORDER BY id")
                .fetch_all(self.db.pool())
                .await
                .unwrap();
        rows.iter()
            .map(|r| format!("{r:?}"))
            .chain(users.iter().map(|u| format!("{u:?}")))
            .chain(workspaces)
            .chain(variables.iter().map(|v| format!("{v:?}")))
            .chain(blocks.iter().map(|b| format!("{b:?}")))
            .chain(flows.iter().map(|f| format!("{f:?}")))
            .chain(versions.iter().map(|v| format!("{v:?}")))
            .chain(hooks.iter().map(|h| format!("{h:?}")))
            .chain(tokens.iter().map(|t| format!("{t:?}")))
            .collect()
    }
}
