/*
 * db_sqlite.c - the SQLite backend: one sqlite3 handle per pooled
 * connection, in WAL mode (readers never block the writer), foreign keys
 * on, a busy timeout so that writers queue instead of failing, and a cache
 * of prepared sqlite3_stmt per connection.
 *
 * A query steps onto its first row in db_query() so that errors (a unique
 * violation in INSERT ... RETURNING) are reported there, as on PostgreSQL.
 */
#include "db/db_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#define DB_SQLITE_BUSY_MS 10000

static sqlite3 *h(const struct db_conn *c)
{
	return c->handle;
}

/* Maps the connection's last error to a co_err: unique and foreign-key
 * violations to CO_ECONFLICT (the column in e->field), the rest CO_EDB. */
static int fail(struct db_conn *c, const char *sql, struct co_err *e)
{
	int xcode = sqlite3_extended_errcode(h(c));
	const char *msg = sqlite3_errmsg(h(c));
	char ex[160];

	if (xcode == SQLITE_CONSTRAINT_UNIQUE || xcode == SQLITE_CONSTRAINT_PRIMARYKEY) {
		/* "UNIQUE constraint failed: table.column[, table.column]" */
		const char *col = strrchr(msg, ':');
		const char *dot = col ? strchr(col, '.') : NULL;
		size_t n;

		co_errf(e, CO_ECONFLICT, "%s", msg);
		if (dot && e) {
			n = strcspn(dot + 1, ", ");
			if (n >= sizeof(e->field))
				n = sizeof(e->field) - 1;
			memcpy(e->field, dot + 1, n);
			e->field[n] = '\0';
		}
		return CO_ECONFLICT;
	}
	if (xcode == SQLITE_CONSTRAINT_FOREIGNKEY)
		return co_errf(e, CO_ECONFLICT, "%s: a referenced row is missing or still in use",
		               msg);
	if (xcode == SQLITE_NOMEM)
		return co_errf(e, CO_ENOMEM, "SQLite: out of memory");
	if (sql)
		return co_errf(e, CO_EDB, "SQLite: %s (in: %s)", msg,
		               db__excerpt(sql, ex, sizeof(ex)));
	return co_errf(e, CO_EDB, "SQLite: %s", msg);
}

int db__sqlite_connect(struct db *db, struct db_conn *c, struct co_err *e)
{
	sqlite3 *s = NULL;
	char *err = NULL;
	int rc;

	rc = sqlite3_open_v2(db->path, &s,
	                     SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
	                     NULL);
	if (rc != SQLITE_OK) {
		rc = co_errf(e, CO_EDB, "cannot open SQLite database '%s': %s", db->path,
		             s ? sqlite3_errmsg(s) : sqlite3_errstr(rc));
		sqlite3_close(s);
		return rc;
	}
	sqlite3_extended_result_codes(s, 1);
	sqlite3_busy_timeout(s, DB_SQLITE_BUSY_MS);
	rc = sqlite3_exec(s,
	                  "PRAGMA journal_mode=WAL; PRAGMA foreign_keys=ON;"
	                  " PRAGMA synchronous=NORMAL;",
	                  NULL, NULL, &err);
	if (rc != SQLITE_OK) {
		rc = co_errf(e, CO_EDB, "cannot set up SQLite database '%s': %s", db->path,
		             err ? err : sqlite3_errstr(rc));
		sqlite3_free(err);
		sqlite3_close(s);
		return rc;
	}
	c->handle = s;
	return 0;
}

static void evict(struct db_conn *c, struct db__stmt *s)
{
	(void)c;
	sqlite3_finalize(s->handle);
	s->handle = NULL;
}

void db__sqlite_disconnect(struct db_conn *c)
{
	db__cache_clear(c, evict);
	sqlite3_close(h(c));
	c->handle = NULL;
}

/* A prepared statement for sql with params bound: from the cache when it is
 * there and not stepping for someone else. *cached receives the cache entry
 * (marked busy) or NULL for a statement the caller finalises. */
static int prepare(struct db_conn *c, const char *sql, const struct db_val *params, int n,
                   sqlite3_stmt **out, struct db__stmt **cached, struct co_err *e)
{
	uint32_t hash = db__hash(sql, "");
	struct db__stmt *s = db__cache_find(c, sql, "", hash);
	sqlite3_stmt *st;
	int i, rc, nph;

	if (s && !s->busy) {
		st = s->handle;
	} else {
		char *text;
		const char *tail = NULL;

		rc = db__rewrite(DB_SQLITE, sql, 0, &text, &nph, e);
		if (rc)
			return rc;
		rc = sqlite3_prepare_v2(h(c), text, -1, &st, &tail);
		if (rc != SQLITE_OK) {
			free(text);
			return fail(c, sql, e);
		}
		if (!st) {
			free(text);
			return co_errf(e, CO_EINTERNAL, "empty SQL statement");
		}
		if (tail && tail[strspn(tail, " \t\r\n;")]) {
			char ex[96];

			free(text);
			sqlite3_finalize(st);
			return co_errf(e, CO_EINTERNAL,
			               "more than one statement (use db_exec_script): %s",
			               db__excerpt(sql, ex, sizeof(ex)));
		}
		free(text);
		c->prepares++;
		s = s ? NULL : db__cache_slot(c, evict); /* busy duplicate: not cached */
		if (s) {
			s->sql = malloc(strlen(sql) + 1);
			if (!s->sql) {
				c->nstmts--; /* the slot just taken is the last one */
				sqlite3_finalize(st);
				return co_errf(e, CO_ENOMEM, "out of memory preparing a statement");
			}
			memcpy(s->sql, sql, strlen(sql) + 1);
			s->hash = hash;
			s->handle = st;
			s->nparams = sqlite3_bind_parameter_count(st);
			s->used = ++c->clock;
		}
	}
	nph = sqlite3_bind_parameter_count(st);
	if (nph != n) {
		char ex[96];

		if (!s)
			sqlite3_finalize(st);
		return co_errf(e, CO_EINTERNAL, "statement has %d placeholders but %d values: %s",
		               nph, n, db__excerpt(sql, ex, sizeof(ex)));
	}
	for (i = 0; i < n; i++) {
		const struct db_val *v = &params[i];

		switch (v->type) {
		case DB_NULL: rc = sqlite3_bind_null(st, i + 1); break;
		case DB_INT: rc = sqlite3_bind_int64(st, i + 1, v->i); break;
		case DB_REAL: rc = sqlite3_bind_double(st, i + 1, v->r); break;
		case DB_TEXT: rc = sqlite3_bind_text(st, i + 1, v->s, -1, SQLITE_STATIC); break;
		case DB_BLOB:
			rc = sqlite3_bind_blob64(st, i + 1, v->len ? v->s : "", v->len,
			                         SQLITE_STATIC);
			break;
		default: rc = SQLITE_MISUSE; break;
		}
		if (rc != SQLITE_OK) {
			rc = fail(c, sql, e);
			sqlite3_clear_bindings(st);
			if (!s)
				sqlite3_finalize(st);
			return rc;
		}
	}
	if (s)
		s->busy = 1;
	*out = st;
	*cached = s;
	return 0;
}

static void done_with(sqlite3_stmt *st, struct db__stmt *s)
{
	if (s) {
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
		s->busy = 0;
	} else {
		sqlite3_finalize(st);
	}
}

int db__sqlite_exec(struct db_conn *c, const char *sql, const struct db_val *params, int n,
                    int64_t *changed, struct co_err *e)
{
	sqlite3_stmt *st = NULL;
	struct db__stmt *s = NULL;
	int rc;

	rc = prepare(c, sql, params, n, &st, &s, e);
	if (rc || !st)
		return rc ? rc : CO_EINTERNAL;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		;
	if (rc != SQLITE_DONE) {
		rc = fail(c, sql, e);
		done_with(st, s);
		return rc;
	}
	done_with(st, s);
	if (changed)
		*changed = sqlite3_changes64(h(c));
	return 0;
}

int db__sqlite_query(struct db_conn *c, const char *sql, const struct db_val *params, int n,
                     struct db_rows *r, struct co_err *e)
{
	sqlite3_stmt *st = NULL;
	struct db__stmt *s = NULL;
	int rc;

	rc = prepare(c, sql, params, n, &st, &s, e);
	if (rc || !st)
		return rc ? rc : CO_EINTERNAL;
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		rc = fail(c, sql, e);
		done_with(st, s);
		return rc;
	}
	r->st = st;
	r->cached = s;
	r->have_row = rc == SQLITE_ROW;
	r->done = rc == SQLITE_DONE;
	r->ncols = sqlite3_column_count(st);
	return 0;
}

int db__sqlite_next(struct db_rows *r, struct co_err *e)
{
	int rc;

	if (!r->started) {
		r->started = 1;
		return r->have_row;
	}
	if (r->done)
		return 0;
	rc = sqlite3_step(r->st);
	if (rc == SQLITE_ROW)
		return 1;
	r->done = 1;
	if (rc == SQLITE_DONE)
		return 0;
	return fail(r->conn, sqlite3_sql(r->st), e);
}

void db__sqlite_rows_free(struct db_rows *r)
{
	done_with(r->st, r->cached);
}

int db__sqlite_script(struct db_conn *c, const char *sql, struct co_err *e)
{
	char *text, *err = NULL;
	int rc;

	rc = db__rewrite(DB_SQLITE, sql, 0, &text, NULL, e);
	if (rc)
		return rc;
	rc = sqlite3_exec(h(c), text, NULL, NULL, &err);
	free(text);
	if (rc != SQLITE_OK) {
		sqlite3_free(err);
		return fail(c, NULL, e);
	}
	return 0;
}

int db__sqlite_in_tx(struct db_conn *c)
{
	return !sqlite3_get_autocommit(h(c));
}

int db__sqlite_backup(struct db *db, struct db_conn *c, const char *path, struct co_err *e)
{
	char tmp[4096];
	sqlite3 *dst = NULL;
	sqlite3_backup *b;
	int rc;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp-%ld", path, (long)getpid()) >= (int)sizeof(tmp))
		return co_errf(e, CO_EINPUT, "backup path too long");
	unlink(tmp);
	rc = sqlite3_open_v2(tmp, &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
	if (rc != SQLITE_OK) {
		rc = co_errf(e, CO_EIO, "cannot create '%s': %s", tmp,
		             dst ? sqlite3_errmsg(dst) : sqlite3_errstr(rc));
		goto out;
	}
	b = sqlite3_backup_init(dst, "main", h(c), "main");
	if (!b) {
		rc = co_errf(e, CO_EIO, "cannot start the backup: %s", sqlite3_errmsg(dst));
		goto out;
	}
	/* All pages in one step: a consistent snapshot, readers unaffected in WAL. */
	do {
		rc = sqlite3_backup_step(b, -1);
		if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
			sqlite3_sleep(50);
	} while (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
	sqlite3_backup_finish(b);
	if (rc != SQLITE_DONE) {
		rc = co_errf(e, CO_EIO, "backup of %s failed: %s", db->path, sqlite3_errstr(rc));
		goto out;
	}
	/* The copy is a plain rollback-journal file, self-contained. */
	if (sqlite3_exec(dst, "PRAGMA journal_mode=DELETE", NULL, NULL, NULL) != SQLITE_OK) {
		rc = co_errf(e, CO_EIO, "cannot finish the backup: %s", sqlite3_errmsg(dst));
		goto out;
	}
	rc = 0;
out:
	sqlite3_close(dst);
	if (rc == 0 && rename(tmp, path) != 0)
		rc = co_errf(e, CO_EIO, "cannot write the backup to '%s'", path);
	if (rc)
		unlink(tmp);
	return rc;
}

const char *db__sqlite_colname(const struct db_rows *r, int col)
{
	return sqlite3_column_name(r->st, col);
}

int db__sqlite_isnull(const struct db_rows *r, int col)
{
	return sqlite3_column_type(r->st, col) == SQLITE_NULL;
}

int64_t db__sqlite_int(const struct db_rows *r, int col)
{
	return sqlite3_column_int64(r->st, col);
}

double db__sqlite_real(const struct db_rows *r, int col)
{
	return sqlite3_column_double(r->st, col);
}

const char *db__sqlite_text(const struct db_rows *r, int col)
{
	return (const char *)sqlite3_column_text(r->st, col);
}

const void *db__sqlite_blob(const struct db_rows *r, int col, size_t *len)
{
	const void *p = sqlite3_column_blob(r->st, col);

	if (len)
		*len = p ? (size_t)sqlite3_column_bytes(r->st, col) : 0;
	/* SQLite gives NULL for an empty blob: only SQL NULL should. */
	if (!p && sqlite3_column_type(r->st, col) != SQLITE_NULL)
		p = "";
	return p;
}
