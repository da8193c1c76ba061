/*
 * db.c - the storage API's front: URLs, the connection pool, the statement
 * cache, macro expansion and placeholder numbering, transactions; each call
 * is handed to the backend (db_sqlite.c or db_pg.c) of the pool.
 *
 * The pool: connections are opened lazily up to db->max. db_acquire() takes
 * an idle one (checking that a PostgreSQL server has not closed it), opens
 * a new one while under the maximum, or waits on a condition variable up to
 * db->wait_ms for one to be released. A connection found broken is closed
 * on release and a fresh one opened on demand.
 */
#include "db/db_int.h"

#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/buf.h"

#define DB_DEFAULT_POOL    8
#define DB_DEFAULT_WAIT_MS 30000

/* ---- URLs ---- */

static char *dup_str(const char *s)
{
	size_t n = strlen(s);
	char *p = malloc(n + 1);

	if (p)
		memcpy(p, s, n + 1);
	return p;
}

static int is_pg_url(const char *url)
{
	return strncmp(url, "postgresql://", 13) == 0 || strncmp(url, "postgres://", 11) == 0;
}

/* The URL without "user:PASSWORD@" and without any "password=" parameter. */
static char *safe_url(const char *url)
{
	struct co_buf b;
	const char *p, *auth, *at, *colon, *q;

	co_buf_init(&b, strlen(url) + 1);
	if (!is_pg_url(url))
		return dup_str(url);
	auth = strstr(url, "//") + 2;
	at = NULL;
	for (p = auth; *p && *p != '/' && *p != '?'; p++)
		if (*p == '@')
			at = p;
	colon = NULL;
	if (at)
		for (p = auth; p < at; p++)
			if (*p == ':') {
				colon = p;
				break;
			}
	if (colon) {
		co_buf_add(&b, url, (size_t)(colon - url));
		p = at;
	} else {
		p = url;
	}
	q = strchr(p, '?');
	if (!q) {
		co_buf_adds(&b, p);
	} else {
		const char *param = q + 1;
		int first = 1;

		co_buf_add(&b, p, (size_t)(q - p));
		while (*param) {
			const char *end = strchr(param, '&');
			size_t n = end ? (size_t)(end - param) : strlen(param);

			if (strncmp(param, "password=", 9) != 0) {
				co_buf_addc(&b, first ? '?' : '&');
				co_buf_add(&b, param, n);
				first = 0;
			}
			param += n;
			if (*param == '&')
				param++;
		}
	}
	return co_buf_take(&b, NULL);
}

/* ---- opening and closing ---- */

static int connect_one(struct db *db, struct db_conn **out, struct co_err *e)
{
	struct db_conn *c = calloc(1, sizeof(*c));
	int rc;

	if (!c)
		return co_errf(e, CO_ENOMEM, "out of memory opening a database connection");
	c->db = db;
	rc = db->kind == DB_SQLITE ? db__sqlite_connect(db, c, e) : db__pg_connect(db, c, e);
	if (rc) {
		free(c);
		return rc;
	}
	*out = c;
	return 0;
}

static void disconnect_one(struct db_conn *c)
{
	if (c->db->kind == DB_SQLITE)
		db__sqlite_disconnect(c);
	else
		db__pg_disconnect(c);
	free(c);
}

int db_open(const char *url, int pool_size, struct db **out, struct co_err *e)
{
	struct db *db;
	struct db_conn *c = NULL;
	int rc;

	if (!url || !*url)
		return co_errf(e, CO_EINPUT, "no database URL given");
	db = calloc(1, sizeof(*db));
	if (!db)
		return co_errf(e, CO_ENOMEM, "out of memory opening the database");
	if (strncmp(url, "sqlite:", 7) == 0) {
		const char *path = url + 7;

		if (strncmp(path, "//", 2) == 0)
			path += 2;
		if (!*path) {
			free(db);
			return co_errf(e, CO_EINPUT, "database URL '%s' names no file", url);
		}
		db->kind = DB_SQLITE;
		db->path = dup_str(path);
		/* Each connection to ":memory:" would be a database of its own. */
		if (strcmp(path, ":memory:") == 0)
			pool_size = 1;
	} else if (is_pg_url(url)) {
		db->kind = DB_POSTGRES;
	} else {
		free(db);
		return co_errf(e, CO_EINPUT,
		               "unknown database URL '%.200s': use sqlite:PATH or postgresql://...",
		               url);
	}
	db->url = dup_str(url);
	db->url_safe = safe_url(url);
	db->max = pool_size > 0 ? pool_size : DB_DEFAULT_POOL;
	db->wait_ms = DB_DEFAULT_WAIT_MS;
	if (!db->url || !db->url_safe || (db->kind == DB_SQLITE && !db->path)) {
		db_close(db);
		return co_errf(e, CO_ENOMEM, "out of memory opening the database");
	}
	pthread_mutex_init(&db->mu, NULL);
	pthread_cond_init(&db->cv, NULL);
	/* Open one connection now, so that a wrong URL fails here. */
	rc = connect_one(db, &c, e);
	if (rc) {
		db_close(db);
		return rc;
	}
	db->idle = c;
	db->n_open = 1;
	*out = db;
	return 0;
}

void db_close(struct db *db)
{
	struct db_conn *c, *next;

	if (!db)
		return;
	assert(db->n_busy == 0 && "db_close with connections still lent out");
	for (c = db->idle; c; c = next) {
		next = c->next;
		disconnect_one(c);
	}
	if (db->url) {
		pthread_mutex_destroy(&db->mu);
		pthread_cond_destroy(&db->cv);
	}
	free(db->url);
	free(db->url_safe);
	free(db->path);
	free(db);
}

enum db_kind db_kind(const struct db *db)
{
	return db->kind;
}

const char *db_url_safe(const struct db *db)
{
	return db->url_safe;
}

void db_set_wait(struct db *db, int ms)
{
	pthread_mutex_lock(&db->mu);
	db->wait_ms = ms < 0 ? 0 : ms;
	pthread_mutex_unlock(&db->mu);
}

/* ---- the pool ---- */

int db_acquire(struct db *db, struct db_conn **out, struct co_err *e)
{
	struct db_conn *c = NULL;
	struct timespec deadline;
	int rc, waited = 0;

	pthread_mutex_lock(&db->mu);
	for (;;) {
		if (db->idle) {
			c = db->idle;
			db->idle = c->next;
			c->next = NULL;
			db->n_busy++;
			break;
		}
		if (db->n_open < db->max) {
			db->n_open++;
			db->n_busy++;
			break;
		}
		if (!waited) {
			long ns;

			clock_gettime(CLOCK_REALTIME, &deadline);
			ns = deadline.tv_nsec + (long)(db->wait_ms % 1000) * 1000000L;
			deadline.tv_sec += db->wait_ms / 1000 + ns / 1000000000L;
			deadline.tv_nsec = ns % 1000000000L;
			waited = 1;
		}
		if (pthread_cond_timedwait(&db->cv, &db->mu, &deadline) == ETIMEDOUT && !db->idle &&
		    db->n_open >= db->max) {
			int max = db->max, ms = db->wait_ms;

			pthread_mutex_unlock(&db->mu);
			return co_errf(e, CO_EDB,
			               "all %d database connections stayed in use for %d ms", max,
			               ms);
		}
	}
	pthread_mutex_unlock(&db->mu);

	if (c) {
		rc = db->kind == DB_POSTGRES ? db__pg_check(c, e) : 0;
	} else {
		rc = connect_one(db, &c, e);
		if (rc)
			c = NULL;
	}
	if (rc) {
		if (c)
			disconnect_one(c);
		pthread_mutex_lock(&db->mu);
		db->n_open--;
		db->n_busy--;
		pthread_cond_signal(&db->cv);
		pthread_mutex_unlock(&db->mu);
		return rc;
	}
	*out = c;
	return 0;
}

void db_release(struct db_conn *c)
{
	struct db *db;

	if (!c)
		return;
	db = c->db;
	assert(c->open_rows == 0 && "db_release with rows not freed");
	/* A transaction left open, by db_begin or by a script's BEGIN, must
	 * not reach the next borrower. */
	if (!c->in_tx && !c->broken)
		c->in_tx = c->db->kind == DB_SQLITE ? db__sqlite_in_tx(c) : db__pg_in_tx(c);
	if (c->in_tx)
		db_rollback(c);
	pthread_mutex_lock(&db->mu);
	if (c->broken) {
		db->n_open--;
	} else {
		c->next = db->idle;
		db->idle = c;
	}
	db->n_busy--;
	pthread_cond_signal(&db->cv);
	pthread_mutex_unlock(&db->mu);
	if (c->broken)
		disconnect_one(c);
}

void db_pool_stats(struct db *db, int *open, int *in_use)
{
	pthread_mutex_lock(&db->mu);
	if (open)
		*open = db->n_open;
	if (in_use)
		*in_use = db->n_busy;
	pthread_mutex_unlock(&db->mu);
}

long db_conn_prepares(const struct db_conn *c)
{
	return c->prepares;
}

/* ---- statements ---- */

int db_exec(struct db_conn *c, const char *sql, const struct db_val *params, int nparams,
            int64_t *changed, struct co_err *e)
{
	int rc;

	assert(nparams >= 0 && (nparams == 0 || params));
	if (c->db->kind == DB_SQLITE)
		rc = db__sqlite_exec(c, sql, params, nparams, changed, e);
	else
		rc = db__pg_exec(c, sql, params, nparams, changed, e);
	if (rc && c->in_tx)
		c->tx_failed = 1;
	return rc;
}

int db_exec_later(struct db_conn *c, const char *sql, const struct db_val *params, int nparams,
                  struct co_err *e)
{
	int rc;

	assert(nparams >= 0 && (nparams == 0 || params));
	if (c->db->kind == DB_SQLITE || !c->in_tx)
		return db_exec(c, sql, params, nparams, NULL, e);
	rc = db__pg_exec_later(c, sql, params, nparams, e);
	if (rc)
		c->tx_failed = 1;
	return rc;
}

int db_commit_query(struct db_conn *c, const char *sql, const struct db_val *params, int nparams,
                    struct db_rows **out, struct co_err *e)
{
	struct db_rows *r;
	int rc;

	assert(nparams >= 0 && (nparams == 0 || params));
	if (c->db->kind == DB_SQLITE || !c->in_tx || c->tx_failed) {
		if ((rc = db_commit(c, e)) < 0)
			return rc;
		return db_query(c, sql, params, nparams, out, e);
	}
	r = calloc(1, sizeof(*r));
	if (!r) {
		db_rollback(c);
		return co_errf(e, CO_ENOMEM, "out of memory running a query");
	}
	r->conn = c;
	/* Committed or not, the transaction is over on PostgreSQL. */
	rc = db__pg_commit_query(c, sql, params, nparams, r, e);
	c->in_tx = 0;
	c->tx_failed = 0;
	if (rc) {
		free(r);
		return rc;
	}
	c->open_rows++;
	*out = r;
	return 0;
}

int db_exec_script(struct db_conn *c, const char *sql, struct co_err *e)
{
	int rc;

	if (c->db->kind == DB_SQLITE)
		rc = db__sqlite_script(c, sql, e);
	else
		rc = db__pg_script(c, sql, e);
	if (rc && c->in_tx)
		c->tx_failed = 1;
	return rc;
}

int db_query(struct db_conn *c, const char *sql, const struct db_val *params, int nparams,
             struct db_rows **out, struct co_err *e)
{
	struct db_rows *r;
	int rc;

	assert(nparams >= 0 && (nparams == 0 || params));
	r = calloc(1, sizeof(*r));
	if (!r)
		return co_errf(e, CO_ENOMEM, "out of memory running a query");
	r->conn = c;
	if (c->db->kind == DB_SQLITE)
		rc = db__sqlite_query(c, sql, params, nparams, r, e);
	else
		rc = db__pg_query(c, sql, params, nparams, r, e);
	if (rc) {
		free(r);
		if (c->in_tx)
			c->tx_failed = 1;
		return rc;
	}
	c->open_rows++;
	*out = r;
	return 0;
}

int db_rows_next(struct db_rows *r, struct co_err *e)
{
	int rc;

	if (r->conn->db->kind == DB_SQLITE)
		rc = db__sqlite_next(r, e);
	else
		rc = db__pg_next(r, e);
	if (rc < 0 && r->conn->in_tx)
		r->conn->tx_failed = 1;
	return rc;
}

int db_rows_ncols(const struct db_rows *r)
{
	return r->ncols;
}

const char *db_rows_colname(const struct db_rows *r, int col)
{
	assert(col >= 0 && col < r->ncols);
	if (r->conn->db->kind == DB_SQLITE)
		return db__sqlite_colname(r, col);
	return db__pg_colname(r, col);
}

int db_isnull(const struct db_rows *r, int col)
{
	assert(col >= 0 && col < r->ncols);
	if (r->conn->db->kind == DB_SQLITE)
		return db__sqlite_isnull(r, col);
	return db__pg_isnull(r, col);
}

int64_t db_int(const struct db_rows *r, int col)
{
	assert(col >= 0 && col < r->ncols);
	if (r->conn->db->kind == DB_SQLITE)
		return db__sqlite_int(r, col);
	return db__pg_int(r, col);
}

double db_real(const struct db_rows *r, int col)
{
	assert(col >= 0 && col < r->ncols);
	if (r->conn->db->kind == DB_SQLITE)
		return db__sqlite_real(r, col);
	return db__pg_real(r, col);
}

const char *db_text(const struct db_rows *r, int col)
{
	assert(col >= 0 && col < r->ncols);
	if (r->conn->db->kind == DB_SQLITE)
		return db__sqlite_text(r, col);
	return db__pg_text(r, col);
}

const void *db_blob(const struct db_rows *r, int col, size_t *len)
{
	assert(col >= 0 && col < r->ncols);
	if (r->conn->db->kind == DB_SQLITE)
		return db__sqlite_blob(r, col, len);
	return db__pg_blob(r, col, len);
}

void db_rows_free(struct db_rows *r)
{
	if (!r)
		return;
	if (r->conn->db->kind == DB_SQLITE)
		db__sqlite_rows_free(r);
	else
		db__pg_rows_free(r);
	r->conn->open_rows--;
	free(r);
}

int db_query_int(struct db_conn *c, const char *sql, const struct db_val *params, int nparams,
                 int64_t *out, struct co_err *e)
{
	struct db_rows *r = NULL;
	int rc;

	rc = db_query(c, sql, params, nparams, &r, e);
	if (rc || !r)
		return rc ? rc : CO_EINTERNAL;
	rc = db_rows_next(r, e);
	if (rc == 1) {
		if (r->ncols < 1) {
			rc = co_errf(e, CO_EINTERNAL, "the query returns no columns");
		} else {
			*out = db_int(r, 0);
			rc = 0;
		}
	} else if (rc == 0) {
		char ex[96];

		rc = co_errf(e, CO_ENOTFOUND, "no row for: %s", db__excerpt(sql, ex, sizeof(ex)));
	}
	db_rows_free(r);
	return rc;
}

/* ---- transactions ---- */

int db_begin(struct db_conn *c, enum db_tx mode, struct co_err *e)
{
	const char *sql;
	int rc;

	if (c->in_tx)
		return co_errf(e, CO_EINTERNAL, "a transaction is already open on this connection");
	if (c->db->kind == DB_SQLITE)
		sql = mode == DB_TX_WRITE ? "BEGIN IMMEDIATE" : "BEGIN";
	else
		sql = "BEGIN";
	rc = db_exec_script(c, sql, e);
	if (rc == 0) {
		c->in_tx = 1;
		c->tx_failed = 0;
	}
	return rc;
}

int db_commit(struct db_conn *c, struct co_err *e)
{
	int rc;

	if (!c->in_tx)
		return co_errf(e, CO_EINTERNAL, "commit without a transaction");
	if (c->tx_failed) {
		/* PostgreSQL has aborted it already; SQLite is made to agree, so
		 * that a transaction is all or nothing on both. */
		db_rollback(c);
		return co_errf(e, CO_EDB,
		               "the transaction was rolled back because a statement in it failed");
	}
	if (c->db->kind == DB_POSTGRES) {
		/* Committed or not, the transaction is over on PostgreSQL. */
		rc = db__pg_commit(c, e);
		c->in_tx = 0;
		return rc;
	} else {
		rc = db__sqlite_script(c, "COMMIT", e);
		if (rc) {
			/* A failed COMMIT (SQLITE_BUSY) leaves the transaction open:
			 * undo it so that the caller's "nothing changed" holds. */
			db_rollback(c);
			return rc;
		}
	}
	c->in_tx = 0;
	return rc;
}

void db_rollback(struct db_conn *c)
{
	if (!c->in_tx)
		return;
	if (c->db->kind == DB_SQLITE)
		db__sqlite_script(c, "ROLLBACK", NULL);
	else
		db__pg_script(c, "ROLLBACK", NULL);
	c->in_tx = 0;
	c->tx_failed = 0;
}

/* ---- macros and placeholders ---- */

struct db_macro {
	const char *name;
	const char *sqlite;
	const char *pg;
};

static const struct db_macro macros[] = {
        {"id", "INTEGER PRIMARY KEY AUTOINCREMENT",
         "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"},
        {"for_update", "", "FOR UPDATE"},
        {"blob", "BLOB", "BYTEA"},
        {"skip_locked", "", "FOR UPDATE SKIP LOCKED"},
};

static int is_ident(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
	       ch == '_';
}

/* Length of the quoted run, comment or dollar-quoted string starting at p,
 * or 0 when p starts none of them. */
static size_t skip_quoted(const char *p)
{
	const char *q;

	if (*p == '\'' || *p == '"') {
		for (q = p + 1; *q && *q != *p; q++)
			;
		return (size_t)(q - p) + (*q ? 1 : 0);
	}
	if (p[0] == '-' && p[1] == '-') {
		for (q = p; *q && *q != '\n'; q++)
			;
		return (size_t)(q - p);
	}
	if (p[0] == '/' && p[1] == '*') {
		q = strstr(p + 2, "*/");
		return q ? (size_t)(q + 2 - p) : strlen(p);
	}
	if (p[0] == '$') {
		size_t tag;

		for (q = p + 1; is_ident(*q) && !(q == p + 1 && *q >= '0' && *q <= '9'); q++)
			;
		if (*q != '$')
			return 0;
		tag = (size_t)(q - p) + 1;
		for (q = q + 1; *q; q++)
			if (*q == '$' && strncmp(q, p, tag) == 0)
				return (size_t)(q + tag - p);
		return strlen(p);
	}
	return 0;
}

int db__rewrite(enum db_kind kind, const char *sql, int number, char **out, int *nparams,
                struct co_err *e)
{
	struct co_buf b;
	const char *p = sql;
	int n = 0, rc = 0;

	co_buf_init(&b, (size_t)CO_MAX_SQL);
	while (*p && rc == 0) {
		size_t skip = skip_quoted(p);

		if (skip) {
			rc = co_buf_add(&b, p, skip);
			p += skip;
		} else if (*p == '?') {
			n++;
			rc = number ? co_buf_printf(&b, "$%d", n) : co_buf_addc(&b, '?');
			p++;
		} else if (p[0] == '{' && p[1] == '{') {
			const char *end = strstr(p + 2, "}}");
			size_t i, len = end ? (size_t)(end - p - 2) : 0;

			for (i = 0; end && i < sizeof(macros) / sizeof(macros[0]); i++)
				if (strlen(macros[i].name) == len &&
				    strncmp(p + 2, macros[i].name, len) == 0)
					break;
			if (!end || i == sizeof(macros) / sizeof(macros[0])) {
				co_buf_free(&b);
				return co_errf(e, CO_EINTERNAL, "unknown SQL macro at '%.40s'", p);
			}
			rc = co_buf_adds(&b, kind == DB_SQLITE ? macros[i].sqlite : macros[i].pg);
			p = end + 2;
		} else {
			rc = co_buf_addc(&b, *p);
			p++;
		}
	}
	if (rc) {
		co_buf_free(&b);
		return co_errf(e, rc, "SQL statement too long after expansion (%d bytes at most)",
		               CO_MAX_SQL);
	}
	*out = co_buf_take(&b, NULL);
	if (!*out)
		return co_errf(e, CO_ENOMEM, "out of memory preparing a statement");
	if (nparams)
		*nparams = n;
	return 0;
}

/* ---- the statement cache ---- */

/* FNV-1a over the text and the signature. */
uint32_t db__hash(const char *sql, const char *sig)
{
	uint32_t h = 2166136261u;
	const unsigned char *p;

	for (p = (const unsigned char *)sql; *p; p++)
		h = (h ^ *p) * 16777619u;
	h = (h ^ 0xffu) * 16777619u;
	for (p = (const unsigned char *)sig; *p; p++)
		h = (h ^ *p) * 16777619u;
	return h;
}

struct db__stmt *db__cache_find(struct db_conn *c, const char *sql, const char *sig, uint32_t hash)
{
	int i;

	for (i = 0; i < c->nstmts; i++) {
		struct db__stmt *s = &c->stmts[i];

		if (s->hash == hash && strcmp(s->sql, sql) == 0 && strcmp(s->sig, sig) == 0) {
			s->used = ++c->clock;
			return s;
		}
	}
	return NULL;
}

struct db__stmt *db__cache_slot(struct db_conn *c,
                                void (*evict)(struct db_conn *, struct db__stmt *))
{
	struct db__stmt *old = NULL;
	int i;

	if (c->nstmts < DB__STMT_CACHE) {
		old = &c->stmts[c->nstmts++];
		memset(old, 0, sizeof(*old));
		return old;
	}
	for (i = 0; i < c->nstmts; i++)
		if (!c->stmts[i].busy && (!old || c->stmts[i].used < old->used))
			old = &c->stmts[i];
	if (!old)
		return NULL;
	evict(c, old);
	free(old->sql);
	memset(old, 0, sizeof(*old));
	return old;
}

void db__cache_clear(struct db_conn *c, void (*evict)(struct db_conn *, struct db__stmt *))
{
	int i;

	for (i = 0; i < c->nstmts; i++) {
		if (evict)
			evict(c, &c->stmts[i]);
		free(c->stmts[i].sql);
	}
	c->nstmts = 0;
}

const char *db__excerpt(const char *sql, char *buf, size_t size)
{
	size_t i, j = 0;
	int space = 0;

	/* Collapse runs of white space so that a statement fits on one line. */
	for (i = 0; sql[i] && j + 4 < size; i++) {
		char ch = sql[i];

		if (ch == ' ' || ch == '\n' || ch == '\t' || ch == '\r') {
			space = j > 0;
			continue;
		}
		if (space)
			buf[j++] = ' ';
		space = 0;
		buf[j++] = ch;
	}
	if (sql[i] && size > 4)
		buf[j++] = '.', buf[j++] = '.', buf[j++] = '.';
	buf[j] = '\0';
	return buf;
}
