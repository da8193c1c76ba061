/*
 * db_pg.c - the PostgreSQL backend over libpq: one PGconn per pooled
 * connection, statements prepared once per connection (PQprepare, named
 * co_sN) and executed with bound parameters, results in text format.
 *
 * Parameters are sent as text (integers, reals, text) or binary (blobs).
 * Only blobs are declared (bytea); every other type is left for the server
 * to infer from where the placeholder stands, as a quoted literal would
 * be, so SQL written for SQLite works unchanged: `LEFT(name, ?)` gets an
 * int4, `id = ?` an int8, and a text "5" bound to a BIGINT column is 5. A
 * placeholder that stands alone (`? IS NULL`) has nothing to infer from:
 * write CAST(? AS BIGINT), which both databases accept. The cache key is
 * the SQL text and which parameters are blobs.
 *
 * A connection the server closed while idle is noticed before it is lent
 * (db__pg_check) and reset; one that breaks during a call is marked broken
 * and closed when released, so the next caller gets a fresh one.
 *
 * BEGIN costs no round trip of its own: it is held back (c->pg_begin) and
 * sent in one pipeline with the transaction's first statement (libpq's
 * pipeline mode: BEGIN, the statement, one sync). A transaction that ends
 * before any statement sends nothing. The server sees the same BEGIN then
 * statement as before, so nothing else changes: READ COMMITTED takes its
 * snapshot at the first statement either way. In the same way a statement
 * given to db_exec_later() inside a transaction is only queued
 * (c->pg_queued counts them) and goes with the next statement or the
 * COMMIT; the first failure among them is that call's failure.
 */
#include "db/db_int.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "base/buf.h"

extern char **environ;

#define PG_BOOLOID  16
#define PG_BYTEAOID 17

/* Key of the advisory lock that serialises migrations: "collmig" in ASCII. */
#define PG_MIGRATE_LOCK "7306369787144551"

static PGconn *h(const struct db_conn *c)
{
	return c->handle;
}

static void quiet(void *arg, const char *message)
{
	(void)arg;
	(void)message; /* NOTICEs ("relation already exists, skipping") are not errors */
}

/* The message libpq gives, without its trailing newline. */
static const char *trimmed(const char *msg, char *buf, size_t size)
{
	size_t n;

	snprintf(buf, size, "%s", msg ? msg : "");
	n = strlen(buf);
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	return buf;
}

/* Maps a failed result (or, when res is NULL, the connection's error) to a
 * co_err; marks the connection broken when it is gone. */
static int fail(struct db_conn *c, PGresult *res, const char *sql, struct co_err *e)
{
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	const char *primary = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	char msg[CO_MAX_ERRMSG], ex[160];

	if (PQstatus(h(c)) == CONNECTION_BAD) {
		c->broken = 1;
		return co_errf(e, CO_EDB, "lost the connection to the database %s: %s",
		               c->db->url_safe, trimmed(PQerrorMessage(h(c)), msg, sizeof(msg)));
	}
	if (!primary)
		primary = trimmed(res ? PQresultErrorMessage(res) : PQerrorMessage(h(c)), msg,
		                  sizeof(msg));
	if (state && strcmp(state, "23505") == 0) {
		/* detail: "Key (email)=(...) already exists." */
		const char *detail = PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL);

		co_errf(e, CO_ECONFLICT, "%s", primary);
		if (e && detail && strncmp(detail, "Key (", 5) == 0) {
			size_t n = strcspn(detail + 5, ",)");

			if (n >= sizeof(e->field))
				n = sizeof(e->field) - 1;
			memcpy(e->field, detail + 5, n);
			e->field[n] = '\0';
		}
		return CO_ECONFLICT;
	}
	if (state && strcmp(state, "23503") == 0)
		return co_errf(e, CO_ECONFLICT, "%s", primary);
	if (sql)
		return co_errf(e, CO_EDB, "PostgreSQL: %s (in: %s)", primary,
		               db__excerpt(sql, ex, sizeof(ex)));
	return co_errf(e, CO_EDB, "PostgreSQL: %s", primary);
}

int db__pg_connect(struct db *db, struct db_conn *c, struct co_err *e)
{
	/* The URL comes last so that what it says wins over these defaults. */
	const char *keys[] = {"fallback_application_name", "connect_timeout", "client_encoding",
	                      "dbname", NULL};
	const char *vals[] = {"collective", "10", "UTF8", db->url, NULL};
	char msg[CO_MAX_ERRMSG];
	PGconn *pg;

	pg = PQconnectdbParams(keys, vals, 1);
	if (!pg)
		return co_errf(e, CO_ENOMEM, "out of memory connecting to PostgreSQL");
	if (PQstatus(pg) != CONNECTION_OK) {
		int rc = co_errf(e, CO_EDB, "cannot connect to %s: %s", db->url_safe,
		                 trimmed(PQerrorMessage(pg), msg, sizeof(msg)));

		PQfinish(pg);
		return rc;
	}
	PQsetNoticeProcessor(pg, quiet, NULL);
	c->handle = pg;
	return 0;
}

static void evict(struct db_conn *c, struct db__stmt *s)
{
	char sql[64];
	PGresult *res;

	if (c->broken || PQtransactionStatus(h(c)) == PQTRANS_INERROR || !s->name[0])
		return; /* the server forgets it with the session */
	snprintf(sql, sizeof(sql), "DEALLOCATE %s", s->name);
	res = PQexec(h(c), sql);
	PQclear(res);
}

void db__pg_disconnect(struct db_conn *c)
{
	c->pg_begin = 0;
	c->pg_queued = 0;
	c->broken = 1; /* no DEALLOCATE: the session ends */
	db__cache_clear(c, NULL);
	PQfinish(h(c));
	c->handle = NULL;
}

int db__pg_check(struct db_conn *c, struct co_err *e)
{
	char msg[CO_MAX_ERRMSG];

	/* An idle session has nothing to say. If its socket is readable, the
	 * server sent something (a FATAL on termination, then end of file):
	 * read it all, which turns a closed session into CONNECTION_BAD. */
	for (;;) {
		struct pollfd pfd = {.fd = PQsocket(h(c)), .events = POLLIN};

		if (PQstatus(h(c)) != CONNECTION_OK || pfd.fd < 0)
			break;
		if (poll(&pfd, 1, 0) <= 0)
			return 0;
		if (!PQconsumeInput(h(c)))
			break;
	}
	/* The server closed it (restart, idle timeout): start a new session. */
	db__cache_clear(c, NULL);
	c->in_tx = 0;
	c->pg_begin = 0;
	c->pg_queued = 0;
	PQreset(h(c));
	if (PQstatus(h(c)) != CONNECTION_OK)
		return co_errf(e, CO_EDB, "lost the connection to %s and cannot reconnect: %s",
		               c->db->url_safe, trimmed(PQerrorMessage(h(c)), msg, sizeof(msg)));
	c->broken = 0;
	return 0;
}

struct pg_params {
	const char **values;
	int *lengths;
	int *formats;
	Oid *types;
	char (*num)[32];
};

static void params_free(struct pg_params *p)
{
	free(p->values);
	p->values = NULL;
}

static int params_make(const struct db_val *params, int n, struct pg_params *p, char *sig,
                       struct co_err *e)
{
	size_t sz = (size_t)n * (sizeof(char *) + 2 * sizeof(int) + sizeof(Oid) + 32);
	char *block;
	int i;

	memset(p, 0, sizeof(*p));
	sig[0] = '\0';
	if (n == 0)
		return 0;
	block = malloc(sz);
	if (!block)
		return co_errf(e, CO_ENOMEM, "out of memory binding parameters");
	p->values = (const char **)(void *)block;
	p->num = (char(*)[32])(void *)(block + (size_t)n * sizeof(char *));
	p->lengths = (int *)(void *)(block + (size_t)n * (sizeof(char *) + 32));
	p->formats = p->lengths + n;
	p->types = (Oid *)(void *)(p->formats + n);
	for (i = 0; i < n; i++) {
		const struct db_val *v = &params[i];
		char t;

		p->lengths[i] = 0;
		p->formats[i] = 0;
		p->types[i] = 0;
		switch (v->type) {
		case DB_INT:
			snprintf(p->num[i], 32, "%lld", (long long)v->i);
			p->values[i] = p->num[i];
			t = '-';
			break;
		case DB_REAL:
			snprintf(p->num[i], 32, "%.17g", v->r);
			p->values[i] = p->num[i];
			t = '-';
			break;
		case DB_TEXT:
			p->values[i] = v->s;
			t = '-';
			break;
		case DB_BLOB:
			if (v->len > 0x7fffffff) {
				params_free(p);
				return co_errf(e, CO_ELIMIT, "blob parameter too large");
			}
			p->values[i] = v->len ? v->s : "";
			p->lengths[i] = (int)v->len;
			p->formats[i] = 1;
			p->types[i] = PG_BYTEAOID;
			t = 'b';
			break;
		default:
			p->values[i] = NULL;
			t = '-';
			break;
		}
		if (i < DB__SIG_MAX - 1) {
			sig[i] = t;
			sig[i + 1] = '\0';
		}
	}
	if (n >= DB__SIG_MAX - 1) {
		/* Too many to key on: let the server infer every type, blobs too. */
		memset(p->types, 0, (size_t)n * sizeof(Oid));
		snprintf(sig, DB__SIG_MAX, "*");
	}
	return 0;
}

static int pipe_flush(struct db_conn *c, struct co_err *e);
static int pipe_open(struct db_conn *c);

/* The cached statement for (sql, signature), preparing it when needed. */
static int prepared(struct db_conn *c, const char *sql, const struct pg_params *p, int n,
                    const char *sig, struct db__stmt **out, struct co_err *e)
{
	uint32_t hash = db__hash(sql, sig);
	struct db__stmt *s = db__cache_find(c, sql, sig, hash);
	char *text, ex[96];
	PGresult *res;
	int rc, nph, piped;

	if (s && s->name[0]) {
		*out = s;
		return 0;
	}
	/* In a transaction whose BEGIN or statements are still to be sent,
	 * the statement is prepared in the same pipeline (PQsendPrepare), its
	 * answer read with theirs; a failure there fails the pipeline and the
	 * statement is prepared again next time (pipe_close). Otherwise (or
	 * when the cache is full and one must be dropped first) preparing
	 * waits for its answer, after what is queued. */
	piped = (c->pg_begin || c->pg_queued) && (s || c->nstmts < DB__STMT_CACHE);
	if (!piped && (rc = pipe_flush(c, e)) < 0)
		return rc;
	rc = db__rewrite(DB_POSTGRES, sql, 1, &text, &nph, e);
	if (rc)
		return rc;
	if (nph != n) {
		free(text);
		return co_errf(e, CO_EINTERNAL, "statement has %d placeholders but %d values: %s",
		               nph, n, db__excerpt(sql, ex, sizeof(ex)));
	}
	if (s) { /* known, but its preparation was lost with a failed pipeline */
		snprintf(s->name, sizeof(s->name), "co_s%ld", ++c->name_seq);
		if (!piped) {
			res = PQprepare(h(c), s->name, text, n, p->types);
			free(text);
			rc = PQresultStatus(res) == PGRES_COMMAND_OK ? 0 : fail(c, res, sql, e);
			PQclear(res);
			if (rc < 0) {
				s->name[0] = '\0';
				return rc;
			}
		} else {
			rc = pipe_open(c) < 0 || !PQsendPrepare(h(c), s->name, text, n, p->types);
			free(text);
			if (rc) {
				c->broken = 1;
				s->name[0] = '\0';
				return co_errf(e, CO_EDB, "lost the connection to the database %s",
				               c->db->url_safe);
			}
			c->pg_queued++;
			s->pending = 1;
		}
		c->prepares++;
		s->used = ++c->clock;
		*out = s;
		return 0;
	}
	s = db__cache_slot(c, evict);
	if (!s) { /* cannot happen: PostgreSQL entries are never busy */
		free(text);
		return co_errf(e, CO_EINTERNAL, "statement cache full");
	}
	snprintf(s->name, sizeof(s->name), "co_s%ld", ++c->name_seq);
	if (piped) {
		rc = pipe_open(c) < 0 || !PQsendPrepare(h(c), s->name, text, n, p->types);
		free(text);
		if (rc) {
			c->broken = 1;
			c->nstmts--; /* give the slot back: it is the last one */
			return co_errf(e, CO_EDB, "lost the connection to the database %s",
			               c->db->url_safe);
		}
		c->pg_queued++;
		s->pending = 1;
	} else {
		res = PQprepare(h(c), s->name, text, n, p->types);
		free(text);
		if (PQresultStatus(res) != PGRES_COMMAND_OK) {
			rc = fail(c, res, sql, e);
			PQclear(res);
			c->nstmts--; /* give the slot back: it is the last one */
			return rc;
		}
		PQclear(res);
	}
	c->prepares++;
	s->sql = malloc(strlen(sql) + 1);
	if (!s->sql) {
		evict(c, s);
		c->nstmts--;
		return co_errf(e, CO_ENOMEM, "out of memory preparing a statement");
	}
	memcpy(s->sql, sql, strlen(sql) + 1);
	snprintf(s->sig, sizeof(s->sig), "%s", sig);
	s->hash = hash;
	s->nparams = n;
	s->used = ++c->clock;
	*out = s;
	return 0;
}

/* Forgets one cache entry (its server-side statement is gone or stale). */
static void forget(struct db_conn *c, struct db__stmt *s)
{
	int i = (int)(s - c->stmts), last = c->nstmts - 1;

	evict(c, s);
	free(s->sql);
	if (i != last)
		c->stmts[i] = c->stmts[last];
	memset(&c->stmts[last], 0, sizeof(c->stmts[last]));
	c->nstmts--;
}

/* ---- the pipeline: a held-back BEGIN and statements whose answer can wait ---- */

/* Enters pipeline mode (if not in it) and queues a held-back BEGIN. */
static int pipe_open(struct db_conn *c)
{
	if (PQpipelineStatus(h(c)) == PQ_PIPELINE_OFF && !PQenterPipelineMode(h(c)))
		return -1;
	if (c->pg_begin) {
		c->pg_begin = 0;
		if (!PQsendQueryParams(h(c), "BEGIN", 0, NULL, NULL, NULL, NULL, 0))
			return -1;
		c->pg_queued++;
	}
	return 0;
}

/* Ends the pipeline: sends the sync, reads the queued statements' results
 * in order (*first_err: the first failure, else NULL), then, with last,
 * the final statement's result into *last, then the sync, and leaves
 * pipeline mode. -1 when the connection failed (then it is broken). */
static int pipe_close(struct db_conn *c, PGresult **first_err, PGresult **last)
{
	int n = c->pg_queued + (last ? 1 : 0), ok, i;
	PGresult *r, *x;

	*first_err = NULL;
	if (last)
		*last = NULL;
	c->pg_queued = 0;
	ok = PQpipelineSync(h(c));
	for (i = 0; ok && i < n; i++) {
		ExecStatusType st;

		if (!(r = PQgetResult(h(c)))) {
			ok = 0;
			break;
		}
		/* Each statement's results end with a NULL. */
		while ((x = PQgetResult(h(c))))
			PQclear(x);
		if (last && i == n - 1) {
			*last = r;
			break;
		}
		st = PQresultStatus(r);
		if (!*first_err && st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK &&
		    st != PGRES_PIPELINE_ABORTED)
			*first_err = r;
		else
			PQclear(r);
	}
	if (ok) {
		r = PQgetResult(h(c));
		ok = r && PQresultStatus(r) == PGRES_PIPELINE_SYNC;
		PQclear(r);
	}
	if (!ok || !PQexitPipelineMode(h(c)))
		c->broken = 1;
	/* Statements prepared in this pipeline: kept when it went through,
	 * else prepared again at their next use (their Parse may have been
	 * skipped). */
	for (i = 0; i < c->nstmts; i++)
		if (c->stmts[i].pending) {
			c->stmts[i].pending = 0;
			if (c->broken || *first_err)
				c->stmts[i].name[0] = '\0';
		}
	return c->broken ? -1 : 0;
}

/* Sends what is queued and reads its answers: 0, or the first failure. */
static int pipe_flush(struct db_conn *c, struct co_err *e)
{
	PGresult *err = NULL;
	int rc = 0;

	if (c->pg_queued == 0)
		return 0;
	if (pipe_close(c, &err, NULL) < 0 || err)
		rc = fail(c, err, NULL, e);
	PQclear(err);
	return rc;
}

/* Runs the prepared statement s after what is queued (a held-back BEGIN,
 * statements of db_exec_later), all in one round trip. Returns the first
 * failure among the queued ones, else the statement's result; NULL when
 * the connection failed (then it is broken). */
static PGresult *exec_piped(struct db_conn *c, const struct db__stmt *s, int n,
                            const struct pg_params *p)
{
	PGresult *err = NULL, *res = NULL;

	if (pipe_open(c) < 0 ||
	    !PQsendQueryPrepared(h(c), s->name, n, p->values, p->lengths, p->formats, 0)) {
		c->broken = 1;
		return NULL;
	}
	if (pipe_close(c, &err, &res) < 0) {
		PQclear(res);
		return err;
	}
	if (err) {
		PQclear(res);
		return err;
	}
	return res;
}

static int run(struct db_conn *c, const char *sql, const struct db_val *params, int n,
               PGresult **out, struct co_err *e)
{
	struct pg_params p;
	struct db__stmt *s = NULL;
	char sig[DB__SIG_MAX];
	PGresult *res = NULL;
	int rc, attempt;

	if (c->broken)
		return co_errf(e, CO_EDB, "the database connection is broken");
	rc = params_make(params, n, &p, sig, e);
	if (rc)
		return rc;
	for (attempt = 0; attempt < 2; attempt++) {
		const char *state;

		rc = prepared(c, sql, &p, n, sig, &s, e);
		if (rc || !s) {
			rc = rc ? rc : CO_EINTERNAL;
			break;
		}
		if (c->pg_begin || c->pg_queued)
			res = exec_piped(c, s, n, &p);
		else
			res = PQexecPrepared(h(c), s->name, n, p.values, p.lengths, p.formats, 0);
		if (PQresultStatus(res) == PGRES_COMMAND_OK ||
		    PQresultStatus(res) == PGRES_TUPLES_OK)
			break;
		/* The server lost our statement (DISCARD ALL) or its plan went
		 * stale after a schema change: prepare again, once, when no
		 * transaction was aborted by the failure. */
		state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
		if (attempt == 0 && !c->in_tx && state &&
		    (strcmp(state, "26000") == 0 || strcmp(state, "0A000") == 0)) {
			PQclear(res);
			res = NULL;
			forget(c, s);
			continue;
		}
		rc = fail(c, res, sql, e);
		PQclear(res);
		res = NULL;
		break;
	}
	params_free(&p);
	if (rc)
		return rc;
	*out = res;
	return 0;
}

int db__pg_exec(struct db_conn *c, const char *sql, const struct db_val *params, int n,
                int64_t *changed, struct co_err *e)
{
	PGresult *res = NULL;
	int rc = run(c, sql, params, n, &res, e);

	if (rc || !res)
		return rc ? rc : CO_EINTERNAL;
	if (changed) {
		const char *t = PQcmdTuples(res);

		*changed = *t ? strtoll(t, NULL, 10) : 0;
	}
	PQclear(res);
	return 0;
}

int db__pg_query(struct db_conn *c, const char *sql, const struct db_val *params, int n,
                 struct db_rows *r, struct co_err *e)
{
	PGresult *res = NULL;
	int rc = run(c, sql, params, n, &res, e);

	if (rc || !res)
		return rc ? rc : CO_EINTERNAL;
	r->res = res;
	r->row = -1;
	r->nrows = PQntuples(res);
	r->ncols = PQnfields(res);
	return 0;
}

static void free_blobs(struct db_rows *r)
{
	int i;

	if (!r->blobs)
		return;
	for (i = 0; i < r->ncols; i++) {
		PQfreemem(r->blobs[i]);
		r->blobs[i] = NULL;
	}
}

int db__pg_next(struct db_rows *r, struct co_err *e)
{
	(void)e;
	free_blobs(r);
	if (r->row + 1 >= r->nrows) {
		r->row = r->nrows;
		return 0;
	}
	r->row++;
	return 1;
}

void db__pg_rows_free(struct db_rows *r)
{
	free_blobs(r);
	free(r->blobs);
	free(r->blob_lens);
	PQclear(r->res);
}

int db__pg_script(struct db_conn *c, const char *sql, struct co_err *e)
{
	PGresult *res;
	char *text;
	int rc;

	if (c->broken)
		return co_errf(e, CO_EDB, "the database connection is broken");
	/* BEGIN waits for the first statement; a ROLLBACK before any has
	 * nothing to undo. */
	if (strcmp(sql, "BEGIN") == 0 && !c->pg_begin &&
	    PQtransactionStatus(h(c)) == PQTRANS_IDLE) {
		c->pg_begin = 1;
		return 0;
	}
	if (c->pg_begin && strcmp(sql, "ROLLBACK") == 0) {
		c->pg_begin = 0;
		return 0;
	}
	/* A script runs after what is queued (whose failure is its own; a
	 * ROLLBACK undoes it all anyway). */
	if (c->pg_begin && c->pg_queued == 0) {
		c->pg_begin = 0;
		res = PQexec(h(c), "BEGIN");
		rc = PQresultStatus(res) == PGRES_COMMAND_OK ? 0 : fail(c, res, NULL, e);
		PQclear(res);
		if (rc < 0)
			return rc;
	}
	if ((rc = pipe_flush(c, strcmp(sql, "ROLLBACK") == 0 ? NULL : e)) < 0 &&
	    strcmp(sql, "ROLLBACK") != 0)
		return rc;
	if (c->broken)
		return co_errf(e, CO_EDB, "the database connection is broken");
	rc = db__rewrite(DB_POSTGRES, sql, 0, &text, NULL, e);
	if (rc)
		return rc;
	res = PQexec(h(c), text);
	free(text);
	if (PQresultStatus(res) != PGRES_COMMAND_OK && PQresultStatus(res) != PGRES_TUPLES_OK)
		rc = fail(c, res, NULL, e);
	PQclear(res);
	return rc;
}

int db__pg_in_tx(struct db_conn *c)
{
	PGTransactionStatusType s = PQtransactionStatus(h(c));

	return c->pg_begin || c->pg_queued || s == PQTRANS_INTRANS || s == PQTRANS_INERROR;
}

int db__pg_commit(struct db_conn *c, struct co_err *e)
{
	PGresult *res;
	int rc = 0;

	if (c->broken)
		return co_errf(e, CO_EDB, "the database connection is broken");
	if (c->pg_begin && c->pg_queued == 0) { /* nothing was run: nothing to commit */
		c->pg_begin = 0;
		return 0;
	}
	if (c->pg_queued) {
		/* COMMIT goes with what is queued, in one round trip. */
		PGresult *err = NULL;

		res = NULL;
		if (pipe_open(c) < 0 ||
		    !PQsendQueryParams(h(c), "COMMIT", 0, NULL, NULL, NULL, NULL, 0)) {
			c->broken = 1;
		} else if (pipe_close(c, &err, &res) == 0 && err) {
			rc = fail(c, err, NULL, e);
			/* The COMMIT was skipped: end the failed transaction. */
			PQclear(res);
			res = PQexec(h(c), "ROLLBACK");
			PQclear(res);
			PQclear(err);
			return rc;
		}
		PQclear(err);
		if (c->broken) {
			PQclear(res);
			return co_errf(e, CO_EDB, "lost the connection to the database %s",
			               c->db->url_safe);
		}
	} else {
		res = PQexec(h(c), "COMMIT");
	}
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		rc = fail(c, res, NULL, e);
	else if (strcmp(PQcmdStatus(res), "ROLLBACK") == 0)
		rc = co_errf(e, CO_EDB,
		             "the transaction was rolled back because a statement in it failed");
	PQclear(res);
	return rc;
}

int db__pg_commit_query(struct db_conn *c, const char *sql, const struct db_val *params, int n,
                        struct db_rows *r, struct co_err *e)
{
	struct pg_params p;
	struct db__stmt *s = NULL;
	PGresult *err = NULL, *res = NULL;
	char sig[DB__SIG_MAX];
	int rc;

	if (c->broken)
		return co_errf(e, CO_EDB, "the database connection is broken");
	if ((rc = params_make(params, n, &p, sig, e)) != 0) {
		db__pg_script(c, "ROLLBACK", NULL);
		return rc;
	}
	/* The query is prepared first (what is queued may go before it). */
	if ((rc = prepared(c, sql, &p, n, sig, &s, e)) != 0 || !s) {
		params_free(&p);
		db__pg_script(c, "ROLLBACK", NULL);
		return rc ? rc : CO_EINTERNAL;
	}
	if (c->pg_begin && c->pg_queued == 0) {
		c->pg_begin = 0; /* nothing ran: nothing to commit */
	} else if (pipe_open(c) < 0 ||
	           !PQsendQueryParams(h(c), "COMMIT", 0, NULL, NULL, NULL, NULL, 0)) {
		c->broken = 1;
	} else {
		c->pg_queued++;
	}
	if (!c->broken) {
		/* COMMIT's answer is read with the queued ones; the query's last. */
		if (pipe_open(c) < 0 ||
		    !PQsendQueryPrepared(h(c), s->name, n, p.values, p.lengths, p.formats, 0))
			c->broken = 1;
		else
			pipe_close(c, &err, &res);
	}
	params_free(&p);
	if (err) {
		/* The COMMIT was skipped: end the failed transaction. */
		rc = fail(c, err, NULL, e);
		PQclear(err);
		PQclear(res);
		if (!c->broken) {
			res = PQexec(h(c), "ROLLBACK");
			PQclear(res);
		}
		return rc;
	}
	if (c->broken) {
		PQclear(res);
		return co_errf(e, CO_EDB, "lost the connection to the database %s",
		               c->db->url_safe);
	}
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		rc = fail(c, res, sql, e);
		PQclear(res);
		return rc;
	}
	r->res = res;
	r->row = -1;
	r->nrows = PQntuples(res);
	r->ncols = PQnfields(res);
	return 0;
}

int db__pg_exec_later(struct db_conn *c, const char *sql, const struct db_val *params, int n,
                      struct co_err *e)
{
	struct pg_params p;
	struct db__stmt *s = NULL;
	char sig[DB__SIG_MAX];
	int rc;

	if (c->broken)
		return co_errf(e, CO_EDB, "the database connection is broken");
	if ((rc = params_make(params, n, &p, sig, e)) != 0)
		return rc;
	rc = prepared(c, sql, &p, n, sig, &s, e);
	if (rc == 0 && s) {
		/* The values are copied into libpq's buffer: p can go. */
		if (pipe_open(c) < 0 ||
		    !PQsendQueryPrepared(h(c), s->name, n, p.values, p.lengths, p.formats, 0)) {
			c->broken = 1;
			rc = co_errf(e, CO_EDB, "lost the connection to the database %s",
			             c->db->url_safe);
		} else {
			c->pg_queued++;
		}
	}
	params_free(&p);
	return rc;
}

int db__pg_lock(struct db_conn *c, int lock, struct co_err *e)
{
	return db__pg_script(c,
	                     lock ? "SELECT pg_advisory_lock(" PG_MIGRATE_LOCK ")"
	                          : "SELECT pg_advisory_unlock(" PG_MIGRATE_LOCK ")",
	                     e);
}

const char *db__pg_colname(const struct db_rows *r, int col)
{
	return PQfname(r->res, col);
}

static int on_row(const struct db_rows *r)
{
	return r->row >= 0 && r->row < r->nrows;
}

int db__pg_isnull(const struct db_rows *r, int col)
{
	return !on_row(r) || PQgetisnull(r->res, r->row, col);
}

int64_t db__pg_int(const struct db_rows *r, int col)
{
	const char *v;
	char *end;
	long long x;

	if (db__pg_isnull(r, col))
		return 0;
	v = PQgetvalue(r->res, r->row, col);
	if (PQftype(r->res, col) == PG_BOOLOID)
		return v[0] == 't';
	errno = 0;
	x = strtoll(v, &end, 10);
	if (*end || errno) /* numeric from SUM/AVG, or a real */
		return (int64_t)strtod(v, NULL);
	return x;
}

double db__pg_real(const struct db_rows *r, int col)
{
	if (db__pg_isnull(r, col))
		return 0;
	return strtod(PQgetvalue(r->res, r->row, col), NULL);
}

const char *db__pg_text(const struct db_rows *r, int col)
{
	if (db__pg_isnull(r, col))
		return NULL;
	return PQgetvalue(r->res, r->row, col);
}

const void *db__pg_blob(const struct db_rows *r, int col, size_t *len)
{
	struct db_rows *m = (struct db_rows *)r; /* the decoded cache is not the row */
	size_t n = 0;

	if (db__pg_isnull(r, col)) {
		if (len)
			*len = 0;
		return NULL;
	}
	if (PQftype(r->res, col) != PG_BYTEAOID) {
		if (len)
			*len = (size_t)PQgetlength(r->res, r->row, col);
		return PQgetvalue(r->res, r->row, col);
	}
	if (!m->blobs) {
		m->blobs = calloc((size_t)r->ncols, sizeof(*m->blobs));
		m->blob_lens = calloc((size_t)r->ncols, sizeof(*m->blob_lens));
		if (!m->blobs || !m->blob_lens) {
			free(m->blobs);
			free(m->blob_lens);
			m->blobs = NULL;
			m->blob_lens = NULL;
			return NULL;
		}
	}
	if (!m->blobs[col]) {
		m->blobs[col] =
		        PQunescapeBytea((const unsigned char *)PQgetvalue(r->res, r->row, col), &n);
		if (!m->blobs[col])
			return NULL;
		m->blob_lens[col] = n;
	}
	if (len)
		*len = m->blob_lens[col];
	return m->blobs[col];
}

/* ---- backup through pg_dump ---- */

int db__pg_backup(struct db *db, const char *path, struct co_err *e)
{
	char tmp[4096], file_arg[4200], *dbname_arg = NULL, *pw_env = NULL;
	char *argv[7], **envp = NULL, errbuf[CO_MAX_ERRMSG];
	PQconninfoOption *opts, *o;
	posix_spawn_file_actions_t fa;
	const char *pg_dump = getenv("COLLECTIVE_PG_DUMP");
	size_t nenv = 0, i, j, got = 0;
	int pipefd[2] = {-1, -1}, status, rc = 0, spawned = 0;
	pid_t pid;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp-%ld", path, (long)getpid()) >= (int)sizeof(tmp))
		return co_errf(e, CO_EINPUT, "backup path too long");
	snprintf(file_arg, sizeof(file_arg), "--file=%s", tmp);
	/* The password travels in the environment, not on the command line. */
	opts = PQconninfoParse(db->url, NULL);
	if (!opts)
		return co_errf(e, CO_EINPUT, "cannot parse the database URL %s", db->url_safe);
	for (o = opts; o->keyword; o++)
		if (!pw_env && strcmp(o->keyword, "password") == 0 && o->val && *o->val) {
			size_t n = strlen(o->val) + sizeof("PGPASSWORD=");

			pw_env = malloc(n);
			if (pw_env)
				snprintf(pw_env, n, "PGPASSWORD=%s", o->val);
		}
	PQconninfoFree(opts);
	dbname_arg = malloc(strlen(db->url_safe) + sizeof("--dbname="));
	while (environ[nenv])
		nenv++;
	envp = calloc(nenv + 2, sizeof(char *));
	if (!dbname_arg || !envp) {
		rc = co_errf(e, CO_ENOMEM, "out of memory starting pg_dump");
		goto out;
	}
	snprintf(dbname_arg, strlen(db->url_safe) + sizeof("--dbname="), "--dbname=%s",
	         db->url_safe);
	for (i = 0, j = 0; i < nenv; i++)
		if (!pw_env || strncmp(environ[i], "PGPASSWORD=", 11) != 0)
			envp[j++] = environ[i];
	if (pw_env)
		envp[j++] = pw_env;
	envp[j] = NULL;
	argv[0] = (char *)(pg_dump && *pg_dump ? pg_dump : "pg_dump");
	argv[1] = (char *)"--no-password";
	argv[2] = (char *)"--format=plain";
	argv[3] = (char *)"--no-owner";
	argv[4] = file_arg;
	argv[5] = dbname_arg;
	argv[6] = NULL;

	if (pipe(pipefd) != 0) {
		rc = co_errf(e, CO_EIO, "cannot start pg_dump: %s", strerror(errno));
		goto out;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, pipefd[1], 2);
	posix_spawn_file_actions_addclose(&fa, pipefd[0]);
	status = posix_spawnp(&pid, argv[0], &fa, NULL, argv, envp);
	posix_spawn_file_actions_destroy(&fa);
	close(pipefd[1]);
	if (status != 0) {
		rc = co_errf(e, CO_EIO, "cannot run %s: %s", argv[0], strerror(status));
		goto out;
	}
	spawned = 1;
	/* Keep the start of what pg_dump says on stderr for the error message. */
	for (;;) {
		char chunk[512];
		ssize_t n = read(pipefd[0], chunk, sizeof(chunk));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (got < sizeof(errbuf) - 1) {
			size_t take = (size_t)n;

			if (take > sizeof(errbuf) - 1 - got)
				take = sizeof(errbuf) - 1 - got;
			memcpy(errbuf + got, chunk, take);
			got += take;
		}
	}
	errbuf[got] = '\0';
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		char msg[CO_MAX_ERRMSG];

		rc = co_errf(e, CO_EIO, "pg_dump of %s failed (%s %d): %s", db->url_safe,
		             WIFEXITED(status) ? "exit status" : "signal",
		             WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status),
		             trimmed(errbuf, msg, sizeof(msg)));
		goto out;
	}
	if (rename(tmp, path) != 0)
		rc = co_errf(e, CO_EIO, "cannot write the backup to '%s': %s", path,
		             strerror(errno));
out:
	if (pipefd[0] >= 0)
		close(pipefd[0]);
	if (rc && spawned)
		unlink(tmp);
	free(envp);
	free(dbname_arg);
	free(pw_env);
	return rc;
}
