/*
 * db.h - the one storage API, over SQLite (embedded, the default) and
 * PostgreSQL (libpq), chosen by URL: "sqlite:PATH" or "postgresql://...".
 *
 * The same SQL runs on both. Write it with `?` placeholders (the PostgreSQL
 * backend numbers them $1..$n), BIGINT/TEXT/DOUBLE PRECISION column types,
 * times as BIGINT Unix seconds (UTC), booleans as INTEGER 0/1, and
 * `INSERT ... RETURNING id` for new keys. A placeholder gets its type from
 * where it stands, so one that stands alone needs a cast on PostgreSQL:
 * `CAST(? AS BIGINT) IS NULL`, not `? IS NULL`. The few real differences are
 * written as macros the storage layer expands before preparing:
 *
 *   {{id}}          an auto-increment primary key column type
 *   {{for_update}}  "FOR UPDATE" on PostgreSQL, nothing on SQLite (whose
 *                   write transactions already hold the database lock)
 *   {{blob}}        BLOB / BYTEA
 *   {{skip_locked}} "FOR UPDATE SKIP LOCKED" / nothing
 *
 * Every statement is prepared and cached per connection; parameters are
 * always bound, never spliced into the text.
 *
 * Ownership: db_open() gives a struct db (a pool of connections) that the
 * caller closes with db_close(). db_acquire() lends one connection, given
 * back with db_release(). A struct db_rows belongs to its connection and is
 * freed with db_rows_free() before the connection is released; text it
 * returns is valid until the next db_rows_next() or db_rows_free().
 *
 * Thread-safety: struct db is thread-safe (the pool has a lock); a
 * connection and its rows are used by one thread at a time.
 */
#ifndef DB_H
#define DB_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

struct db;
struct db_conn;
struct db_rows;
struct co_asset;

enum db_kind { DB_SQLITE = 1, DB_POSTGRES = 2 };

enum db_type { DB_NULL = 0, DB_INT, DB_REAL, DB_TEXT, DB_BLOB };

/* One bound parameter. Text and blobs are borrowed for the call only. */
struct db_val {
	enum db_type type;
	int64_t i;
	double r;
	const char *s;
	size_t len; /* DB_BLOB only */
};

/* Behind DB_T: a function, so that an array argument draws no warning. */
static inline struct db_val db_text_val(const char *s)
{
	return (struct db_val){.type = s ? DB_TEXT : DB_NULL, .s = s};
}

#define DB_I(x) ((struct db_val){.type = DB_INT, .i = (int64_t)(x)})
#define DB_R(x) ((struct db_val){.type = DB_REAL, .r = (double)(x)})
/* Text; a NULL pointer binds SQL NULL. */
#define DB_T(x)    db_text_val(x)
#define DB_B(p, n) ((struct db_val){.type = DB_BLOB, .s = (const char *)(p), .len = (n)})
#define DB_NUL     ((struct db_val){.type = DB_NULL})
/* DB_ARGS(DB_I(1), DB_T(name)) expands to the array and its count. */
#define DB_ARGS(...)                                                                               \
	((const struct db_val[]){__VA_ARGS__}),                                                    \
	        ((int)(sizeof((const struct db_val[]){__VA_ARGS__}) / sizeof(struct db_val)))
#define DB_NOARGS NULL, 0

/* Opens a pool of up to pool_size connections (0: a default). For SQLite:
 * WAL, foreign keys on, a busy timeout; the file is created if missing. */
int db_open(const char *url, int pool_size, struct db **out, struct co_err *e);
void db_close(struct db *db);
enum db_kind db_kind(const struct db *db);
/* The URL with any password removed, for logs. */
const char *db_url_safe(const struct db *db);

/* How long db_acquire() waits for a connection when all pool_size are lent
 * out before failing with CO_EDB (default 30000 ms). */
void db_set_wait(struct db *db, int ms);

int db_acquire(struct db *db, struct db_conn **out, struct co_err *e);
void db_release(struct db_conn *c);
/* Connections open and in use now, for /metrics. */
void db_pool_stats(struct db *db, int *open, int *in_use);

/* Runs a statement that returns no rows; *changed (may be NULL) receives
 * the number of rows it changed. */
int db_exec(struct db_conn *c, const char *sql, const struct db_val *params, int nparams,
            int64_t *changed, struct co_err *e);

/* Like db_exec, for a statement inside a transaction whose outcome can
 * wait: on PostgreSQL it is queued and sent with the transaction's next
 * statement or its COMMIT, in one round trip, and its failure is reported
 * by that call (the transaction fails as ever). On SQLite, and outside a
 * transaction, it runs at once. The parameters are copied. */
int db_exec_later(struct db_conn *c, const char *sql, const struct db_val *params, int nparams,
                  struct co_err *e);

/* Commits the open transaction, then runs a query on what is committed:
 * on PostgreSQL the COMMIT (with what db_exec_later queued) and the query
 * go in one round trip. When the commit fails, its error is returned and
 * no query runs. The transaction is over either way. */
int db_commit_query(struct db_conn *c, const char *sql, const struct db_val *params, int nparams,
                    struct db_rows **out, struct co_err *e);

/* Runs a query; step through it with db_rows_next(). */
int db_query(struct db_conn *c, const char *sql, const struct db_val *params, int nparams,
             struct db_rows **out, struct co_err *e);
/* 1: a row is ready; 0: no more rows; negative: an error (in e). */
int db_rows_next(struct db_rows *r, struct co_err *e);
int db_rows_ncols(const struct db_rows *r);
const char *db_rows_colname(const struct db_rows *r, int col);
int db_isnull(const struct db_rows *r, int col);
int64_t db_int(const struct db_rows *r, int col);
double db_real(const struct db_rows *r, int col);
const char *db_text(const struct db_rows *r, int col); /* NULL when SQL NULL */
const void *db_blob(const struct db_rows *r, int col, size_t *len);
void db_rows_free(struct db_rows *r);

/* Convenience: the first column of the first row as an integer. CO_ENOTFOUND
 * when there is no row. */
int db_query_int(struct db_conn *c, const char *sql, const struct db_val *params, int nparams,
                 int64_t *out, struct co_err *e);

/* Runs several statements separated by semicolons, with no parameters and
 * without caching ({{macros}} are expanded). For migrations, fixtures and
 * tests: never with text that came from a user. */
int db_exec_script(struct db_conn *c, const char *sql, struct co_err *e);

/* How many statements this connection has prepared in its life (the cache
 * hands back the same one for the same SQL text): for tests and metrics. */
long db_conn_prepares(const struct db_conn *c);

/* Transactions. DB_TX_WRITE takes the write lock at the start on SQLite
 * (BEGIN IMMEDIATE), so that two writers never deadlock on an upgrade; on
 * PostgreSQL both are READ COMMITTED. A transaction not committed is rolled
 * back by db_release(). A transaction is all or nothing on both: once a
 * statement in it has failed, db_commit() rolls it back and fails. */
enum db_tx { DB_TX_READ = 0, DB_TX_WRITE = 1 };
int db_begin(struct db_conn *c, enum db_tx mode, struct co_err *e);
int db_commit(struct db_conn *c, struct co_err *e);
void db_rollback(struct db_conn *c);

/* Unique and foreign-key violations are reported as CO_ECONFLICT with the
 * constraint named in the message; other failures as CO_EDB. */

/* Applies every embedded migration (src/<module>/migrations/NNNN_name.sql,
 * in number order, each in its own transaction) not yet applied; *applied
 * (may be NULL) receives how many ran. */
int db_migrate(struct db *db, int *applied, struct co_err *e);
/* The same over another table of assets (ending with a NULL path), of which
 * only paths src/.../migrations/NNNN_name.sql count: for tests. Each
 * migration is recorded in schema_migrations by its file name (NNNN_name),
 * which must be unique across modules; numbers are global and order the
 * run. Several processes may migrate one database at once: on PostgreSQL
 * they take turns under an advisory lock, on SQLite under the write lock. */
int db_migrate_from(struct db *db, const struct co_asset *assets, int *applied, struct co_err *e);

/* Writes a consistent copy of the whole database to path: an SQLite file
 * (online backup) or, for PostgreSQL, a plain SQL dump via pg_dump. */
int db_backup(struct db *db, const char *path, struct co_err *e);

#endif
