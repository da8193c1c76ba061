/*
 * db_int.h - what the files of the storage module share: the pool, the
 * connection, the result set and the two backends (db_sqlite.c, db_pg.c).
 *
 * db.c owns the pool, the statement cache, macro expansion and error
 * mapping that do not depend on the backend; each backend implements the
 * db__<backend>_* functions below over its own handle. Nothing here is
 * part of the public API.
 *
 * Ownership: a struct db owns every struct db_conn it opened (idle ones on
 * its free list, busy ones lent out); a connection owns its statement cache;
 * a struct db_rows is owned by whoever called db_query and points back to
 * its connection. Thread-safety: only the pool fields of struct db (under
 * mu) are shared between threads.
 */
#ifndef DB_INT_H
#define DB_INT_H

#include <pthread.h>
#include <stdint.h>

#include "db/db.h"

/* Statements kept prepared per connection; the least recently used one is
 * dropped when the cache is full. */
#define DB__STMT_CACHE 128
/* The signature of a statement's parameter types (PostgreSQL only). */
#define DB__SIG_MAX 64

struct db__stmt {
	char *sql;             /* the caller's text: the cache key */
	char sig[DB__SIG_MAX]; /* parameter types it was prepared for ("" on SQLite) */
	uint32_t hash;         /* of sql and sig */
	uint64_t used;         /* last use, for LRU eviction */
	int busy;              /* rows are stepping through it (SQLite) */
	int nparams;           /* placeholders in the statement */
	void *handle;          /* sqlite3_stmt *, or NULL on PostgreSQL */
	char name[32]; /* the prepared statement's name (PostgreSQL; "" when not prepared) */
	int pending;   /* PostgreSQL: prepared in a pipeline not yet read */
};

struct db_conn {
	struct db *db;
	struct db_conn *next; /* on the pool's idle list */
	void *handle;         /* sqlite3 * or PGconn * */
	int in_tx;
	int tx_failed;  /* a statement failed in the open transaction */
	int broken;     /* the connection is unusable: closed on release */
	int pg_begin;   /* PostgreSQL: BEGIN not sent yet, goes with the next statement */
	int pg_queued;  /* PostgreSQL: statements sent in a pipeline, answers not read yet */
	int open_rows;  /* db_rows not yet freed */
	uint64_t clock; /* statement uses, for LRU */
	long prepares;  /* statements prepared over this connection's life */
	long name_seq;  /* for PostgreSQL statement names */
	int nstmts;
	struct db__stmt stmts[DB__STMT_CACHE];
};

struct db {
	enum db_kind kind;
	char *url;      /* as given */
	char *url_safe; /* without a password */
	char *path;     /* SQLite: the file */
	int max;        /* connections at most */
	int wait_ms;    /* how long db_acquire waits for a free connection */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int n_open; /* connections open (idle + lent) */
	int n_busy; /* connections lent out */
	struct db_conn *idle;
};

struct db_rows {
	struct db_conn *conn;
	int ncols;
	int started; /* db_rows_next has been called */
	int done;    /* no more rows */
	/* SQLite */
	void *st;                /* sqlite3_stmt * */
	struct db__stmt *cached; /* the cache entry, or NULL: finalise st on free */
	int have_row;            /* db_query already stepped onto a row */
	/* PostgreSQL */
	void *res; /* PGresult * */
	int row;
	int nrows;
	unsigned char **blobs; /* decoded bytea values of the current row, per column */
	size_t *blob_lens;
};

/* db.c: shared helpers */
uint32_t db__hash(const char *sql, const char *sig);
/* The text with {{macros}} expanded for this backend and, when number is
 * set, `?` placeholders numbered $1..$n (outside quotes and comments).
 * *nparams receives the number of `?`. The caller frees the result. */
int db__rewrite(enum db_kind kind, const char *sql, int number, char **out, int *nparams,
                struct co_err *e);
/* The cache entry for (sql, sig), or NULL. */
struct db__stmt *db__cache_find(struct db_conn *c, const char *sql, const char *sig, uint32_t hash);
/* A free cache slot for a new statement, evicting the least recently used
 * idle one (its backend resources released through evict). NULL when every
 * slot is busy. */
struct db__stmt *db__cache_slot(struct db_conn *c,
                                void (*evict)(struct db_conn *, struct db__stmt *));
/* Forgets every cache entry after freeing its backend resources. */
void db__cache_clear(struct db_conn *c, void (*evict)(struct db_conn *, struct db__stmt *));
/* A short excerpt of a statement for error messages. */
const char *db__excerpt(const char *sql, char *buf, size_t size);

/* db_sqlite.c */
int db__sqlite_connect(struct db *db, struct db_conn *c, struct co_err *e);
void db__sqlite_disconnect(struct db_conn *c);
int db__sqlite_exec(struct db_conn *c, const char *sql, const struct db_val *params, int n,
                    int64_t *changed, struct co_err *e);
int db__sqlite_query(struct db_conn *c, const char *sql, const struct db_val *params, int n,
                     struct db_rows *r, struct co_err *e);
int db__sqlite_next(struct db_rows *r, struct co_err *e);
void db__sqlite_rows_free(struct db_rows *r);
int db__sqlite_script(struct db_conn *c, const char *sql, struct co_err *e);
int db__sqlite_in_tx(struct db_conn *c);
int db__sqlite_backup(struct db *db, struct db_conn *c, const char *path, struct co_err *e);
const char *db__sqlite_colname(const struct db_rows *r, int col);
int db__sqlite_isnull(const struct db_rows *r, int col);
int64_t db__sqlite_int(const struct db_rows *r, int col);
double db__sqlite_real(const struct db_rows *r, int col);
const char *db__sqlite_text(const struct db_rows *r, int col);
const void *db__sqlite_blob(const struct db_rows *r, int col, size_t *len);

/* db_pg.c */
int db__pg_connect(struct db *db, struct db_conn *c, struct co_err *e);
void db__pg_disconnect(struct db_conn *c);
/* Checks an idle connection before lending it; reconnects when the server
 * closed it. */
int db__pg_check(struct db_conn *c, struct co_err *e);
int db__pg_exec(struct db_conn *c, const char *sql, const struct db_val *params, int n,
                int64_t *changed, struct co_err *e);
int db__pg_query(struct db_conn *c, const char *sql, const struct db_val *params, int n,
                 struct db_rows *r, struct co_err *e);
int db__pg_next(struct db_rows *r, struct co_err *e);
void db__pg_rows_free(struct db_rows *r);
int db__pg_script(struct db_conn *c, const char *sql, struct co_err *e);
int db__pg_in_tx(struct db_conn *c);
int db__pg_commit(struct db_conn *c, struct co_err *e);
int db__pg_commit_query(struct db_conn *c, const char *sql, const struct db_val *params, int n,
                        struct db_rows *r, struct co_err *e);
int db__pg_exec_later(struct db_conn *c, const char *sql, const struct db_val *params, int n,
                      struct co_err *e);
int db__pg_backup(struct db *db, const char *path, struct co_err *e);
int db__pg_lock(struct db_conn *c, int lock, struct co_err *e);
const char *db__pg_colname(const struct db_rows *r, int col);
int db__pg_isnull(const struct db_rows *r, int col);
int64_t db__pg_int(const struct db_rows *r, int col);
double db__pg_real(const struct db_rows *r, int col);
const char *db__pg_text(const struct db_rows *r, int col);
const void *db__pg_blob(const struct db_rows *r, int col, size_t *len);

#endif
