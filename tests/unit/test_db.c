/*
 * Storage tests: values round trip, NULLs, RETURNING, transactions, conflict
 * detection, placeholders and macros, the statement cache, the pool.
 * On the database in COLLECTIVE_TEST_DB, or a fresh SQLite file.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "db/db.h"
#include "helpers/testdb.h"

static struct db *db;

static int setup(void **state)
{
	(void)state;
	db = testdb_open(4);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	testdb_close(db);
	return 0;
}

static struct db_conn *conn(void)
{
	struct db_conn *c;
	struct co_err e;

	if (db_acquire(db, &c, &e) != 0)
		fail_msg("acquire: %s", e.msg);
	return c;
}

/* Runs trusted SQL and fails the test with the message when it fails. */
static void script(struct db_conn *c, const char *sql)
{
	struct co_err e;

	if (db_exec_script(c, sql, &e) != 0)
		fail_msg("%s: %s", sql, e.msg);
}

static int64_t count(struct db_conn *c, const char *table)
{
	char sql[128];
	struct co_err e;
	int64_t n = -1;

	snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM %s", table);
	if (db_query_int(c, sql, DB_NOARGS, &n, &e) != 0)
		fail_msg("%s: %s", sql, e.msg);
	return n;
}

static void values_round_trip(void **state)
{
	static const unsigned char bytes[] = {0, 1, 2, 0xff, 0, 0x80, '\\', 'x'};
	const char *text = "Iechyd meddwl \xe2\x80\x94 caf\xc3\xa9 'quoted' \"double\" ?";
	struct db_conn *c = conn();
	struct db_rows *r;
	struct co_err e;
	int64_t id;
	size_t len;
	const void *blob;

	(void)state;
	script(c, "DROP TABLE IF EXISTS dbt_types");
	script(c, "CREATE TABLE dbt_types (id {{id}}, i BIGINT, r DOUBLE PRECISION, t TEXT,"
	          " b {{blob}}, e {{blob}})");
	assert_int_equal(db_query_int(c,
	                              "INSERT INTO dbt_types (i, r, t, b, e) VALUES (?, ?, ?, ?, ?)"
	                              " RETURNING id",
	                              DB_ARGS(DB_I(INT64_MAX), DB_R(-1234.5e-300), DB_T(text),
	                                      DB_B(bytes, sizeof(bytes)), DB_B("", 0)),
	                              &id, &e),
	                 0);
	assert_true(id > 0);
	assert_int_equal(
	        db_query_int(c, "INSERT INTO dbt_types (i, r, t) VALUES (?, ?, ?) RETURNING id",
	                     DB_ARGS(DB_I(INT64_MIN), DB_R(0.1), DB_T("")), &id, &e),
	        0);

	assert_int_equal(
	        db_query(c, "SELECT i, r, t, b, e FROM dbt_types ORDER BY id", DB_NOARGS, &r, &e),
	        0);
	assert_int_equal(db_rows_ncols(r), 5);
	assert_string_equal(db_rows_colname(r, 0), "i");
	assert_string_equal(db_rows_colname(r, 4), "e");
	assert_int_equal(db_rows_next(r, &e), 1);
	assert_true(db_int(r, 0) == INT64_MAX);
	assert_true(db_real(r, 1) == -1234.5e-300);
	assert_string_equal(db_text(r, 2), text);
	blob = db_blob(r, 3, &len);
	assert_non_null(blob);
	assert_int_equal(len, sizeof(bytes));
	assert_memory_equal(blob, bytes, sizeof(bytes));
	/* An empty blob is not NULL. */
	assert_false(db_isnull(r, 4));
	blob = db_blob(r, 4, &len);
	assert_non_null(blob);
	assert_int_equal(len, 0);
	assert_int_equal(db_rows_next(r, &e), 1);
	assert_true(db_int(r, 0) == INT64_MIN);
	assert_true(db_real(r, 1) == 0.1);
	assert_string_equal(db_text(r, 2), "");
	assert_false(db_isnull(r, 2));
	assert_int_equal(db_rows_next(r, &e), 0);
	db_rows_free(r);

	/* Integers come back from expressions too (COUNT, SUM: numeric on
	 * PostgreSQL), and a real's text is a number. */
	assert_int_equal(db_query_int(c, "SELECT SUM(i) FROM dbt_types WHERE i > ?",
	                              DB_ARGS(DB_I(0)), &id, &e),
	                 0);
	assert_true(id == INT64_MAX);
	db_release(c);
}

static void nulls(void **state)
{
	struct db_conn *c = conn();
	struct db_rows *r;
	struct co_err e;
	size_t len = 99;

	(void)state;
	script(c, "DROP TABLE IF EXISTS dbt_nulls");
	script(c, "CREATE TABLE dbt_nulls (id {{id}}, i BIGINT, r DOUBLE PRECISION, t TEXT,"
	          " b {{blob}})");
	assert_int_equal(db_exec(c, "INSERT INTO dbt_nulls (i, r, t, b) VALUES (?, ?, ?, ?)",
	                         DB_ARGS(DB_NUL, DB_NUL, DB_T(NULL), DB_NUL), NULL, &e),
	                 0);
	assert_int_equal(db_query(c, "SELECT i, r, t, b FROM dbt_nulls", DB_NOARGS, &r, &e), 0);
	assert_int_equal(db_rows_next(r, &e), 1);
	for (int i = 0; i < 4; i++)
		assert_true(db_isnull(r, i));
	assert_int_equal(db_int(r, 0), 0);
	assert_true(db_real(r, 1) == 0.0);
	assert_null(db_text(r, 2));
	assert_null(db_blob(r, 3, &len));
	assert_int_equal(len, 0);
	db_rows_free(r);
	/* A NULL parameter compares as SQL NULL: IS NULL finds the row, = does not. */
	assert_int_equal(db_query(c, "SELECT COUNT(*) FROM dbt_nulls WHERE t = ?",
	                          DB_ARGS(DB_T(NULL)), &r, &e),
	                 0);
	assert_int_equal(db_rows_next(r, &e), 1);
	assert_int_equal(db_int(r, 0), 0);
	db_rows_free(r);
	assert_int_equal(count(c, "dbt_nulls WHERE t IS NULL"), 1);
	db_release(c);
}

static void returning_ids_and_changes(void **state)
{
	struct db_conn *c = conn();
	struct co_err e;
	int64_t ids[3], changed = -1;

	(void)state;
	script(c, "DROP TABLE IF EXISTS dbt_ids");
	script(c, "CREATE TABLE dbt_ids (id {{id}}, name TEXT NOT NULL, n BIGINT NOT NULL)");
	for (int i = 0; i < 3; i++) {
		char name[16];

		snprintf(name, sizeof(name), "row %d", i);
		assert_int_equal(db_query_int(c,
		                              "INSERT INTO dbt_ids (name, n) VALUES (?, ?)"
		                              " RETURNING id",
		                              DB_ARGS(DB_T(name), DB_I(i)), &ids[i], &e),
		                 0);
		if (i > 0)
			assert_true(ids[i] > ids[i - 1]);
	}
	assert_int_equal(db_exec(c, "UPDATE dbt_ids SET n = n + 10 WHERE n >= ?", DB_ARGS(DB_I(1)),
	                         &changed, &e),
	                 0);
	assert_int_equal(changed, 2);
	assert_int_equal(
	        db_exec(c, "DELETE FROM dbt_ids WHERE id = ?", DB_ARGS(DB_I(ids[1])), &changed, &e),
	        0);
	assert_int_equal(changed, 1);
	assert_int_equal(
	        db_exec(c, "DELETE FROM dbt_ids WHERE id = ?", DB_ARGS(DB_I(ids[1])), &changed, &e),
	        0);
	assert_int_equal(changed, 0);
	assert_int_equal(count(c, "dbt_ids"), 2);
	db_release(c);
}

static void transactions_all_or_nothing(void **state)
{
	struct db_conn *c = conn();
	struct co_err e;

	(void)state;
	script(c, "DROP TABLE IF EXISTS dbt_tx");
	script(c, "CREATE TABLE dbt_tx (id {{id}}, name TEXT NOT NULL UNIQUE)");

	/* Rolled back: nothing stays. */
	assert_int_equal(db_begin(c, DB_TX_WRITE, &e), 0);
	assert_int_equal(
	        db_exec(c, "INSERT INTO dbt_tx (name) VALUES (?)", DB_ARGS(DB_T("a")), NULL, &e),
	        0);
	assert_int_equal(
	        db_exec(c, "INSERT INTO dbt_tx (name) VALUES (?)", DB_ARGS(DB_T("b")), NULL, &e),
	        0);
	assert_int_equal(count(c, "dbt_tx"), 2); /* visible inside */
	db_rollback(c);
	assert_int_equal(count(c, "dbt_tx"), 0);

	/* A statement that fails makes the commit fail, and nothing stays,
	 * on both databases. */
	assert_int_equal(db_begin(c, DB_TX_WRITE, &e), 0);
	assert_int_equal(
	        db_exec(c, "INSERT INTO dbt_tx (name) VALUES (?)", DB_ARGS(DB_T("a")), NULL, &e),
	        0);
	assert_int_equal(
	        db_exec(c, "INSERT INTO dbt_tx (name) VALUES (?)", DB_ARGS(DB_T("a")), NULL, &e),
	        CO_ECONFLICT);
	assert_int_equal(db_commit(c, &e), CO_EDB);
	assert_non_null(strstr(e.msg, "rolled back"));
	assert_int_equal(count(c, "dbt_tx"), 0);

	/* Released without commit: rolled back, and the connection is clean
	 * for the next borrower. */
	assert_int_equal(db_begin(c, DB_TX_READ, &e), 0);
	assert_int_equal(
	        db_exec(c, "INSERT INTO dbt_tx (name) VALUES (?)", DB_ARGS(DB_T("c")), NULL, &e),
	        0);
	assert_int_equal(db_begin(c, DB_TX_WRITE, &e), CO_EINTERNAL); /* no nesting */
	db_release(c);
	c = conn();
	assert_int_equal(count(c, "dbt_tx"), 0);

	/* The same for a transaction begun by a script. (The pool lends the
	 * connection released last, so this sees its own uncommitted row if
	 * the release did not roll it back.) */
	script(c, "BEGIN");
	assert_int_equal(
	        db_exec(c, "INSERT INTO dbt_tx (name) VALUES (?)", DB_ARGS(DB_T("e")), NULL, &e),
	        0);
	db_release(c);
	c = conn();
	assert_int_equal(count(c, "dbt_tx"), 0);

	/* Committed: stays. */
	assert_int_equal(db_begin(c, DB_TX_WRITE, &e), 0);
	assert_int_equal(
	        db_exec(c, "INSERT INTO dbt_tx (name) VALUES (?)", DB_ARGS(DB_T("d")), NULL, &e),
	        0);
	assert_int_equal(db_commit(c, &e), 0);
	assert_int_equal(count(c, "dbt_tx"), 1);
	assert_int_equal(db_commit(c, &e), CO_EINTERNAL); /* none open */
	db_release(c);
}

static void conflicts_name_the_constraint(void **state)
{
	struct db_conn *c = conn();
	struct co_err e;
	int64_t org;

	(void)state;
	script(c, "DROP TABLE IF EXISTS dbt_member");
	script(c, "DROP TABLE IF EXISTS dbt_person");
	script(c, "DROP TABLE IF EXISTS dbt_org");
	script(c, "CREATE TABLE dbt_org (id {{id}}, code TEXT NOT NULL UNIQUE)");
	script(c, "CREATE TABLE dbt_person (id {{id}}, email TEXT NOT NULL,"
	          " CONSTRAINT dbt_person_email UNIQUE (email))");
	script(c, "CREATE TABLE dbt_member (id {{id}},"
	          " org_id BIGINT NOT NULL REFERENCES dbt_org (id),"
	          " person_id BIGINT NOT NULL REFERENCES dbt_person (id))");
	assert_int_equal(db_query_int(c, "INSERT INTO dbt_org (code) VALUES (?) RETURNING id",
	                              DB_ARGS(DB_T("W01")), &org, &e),
	                 0);
	assert_int_equal(db_exec(c, "INSERT INTO dbt_person (email) VALUES (?)",
	                         DB_ARGS(DB_T("a@example.org")), NULL, &e),
	                 0);

	/* Unique: CO_ECONFLICT, the constraint (PostgreSQL) or table.column
	 * (SQLite) in the message, the column in field. */
	memset(&e, 0, sizeof(e));
	assert_int_equal(db_exec(c, "INSERT INTO dbt_person (email) VALUES (?)",
	                         DB_ARGS(DB_T("a@example.org")), NULL, &e),
	                 CO_ECONFLICT);
	assert_true(strstr(e.msg, "dbt_person_email") || strstr(e.msg, "dbt_person.email"));
	assert_string_equal(e.field, "email");
	/* The same through INSERT ... RETURNING, reported by db_query. */
	assert_int_equal(db_query_int(c, "INSERT INTO dbt_org (code) VALUES (?) RETURNING id",
	                              DB_ARGS(DB_T("W01")), &org, &e),
	                 CO_ECONFLICT);
	assert_string_equal(e.field, "code");

	/* Foreign key: a missing parent. */
	memset(&e, 0, sizeof(e));
	assert_int_equal(db_exec(c, "INSERT INTO dbt_member (org_id, person_id) VALUES (?, ?)",
	                         DB_ARGS(DB_I(org + 1000), DB_I(1)), NULL, &e),
	                 CO_ECONFLICT);
	assert_true(strstr(e.msg, "foreign key") || strstr(e.msg, "FOREIGN KEY"));
	if (db_kind(db) == DB_POSTGRES)
		assert_non_null(strstr(e.msg, "dbt_member_org_id_fkey"));
	assert_int_equal(count(c, "dbt_member"), 0);

	/* Other failures are CO_EDB and quote the statement. */
	assert_int_equal(
	        db_exec(c, "INSERT INTO dbt_nosuch (x) VALUES (?)", DB_ARGS(DB_I(1)), NULL, &e),
	        CO_EDB);
	assert_non_null(strstr(e.msg, "dbt_nosuch"));
	assert_int_equal(
	        db_exec(c, "INSERT INTO dbt_org (code) VALUES (?)", DB_ARGS(DB_NUL), NULL, &e),
	        CO_EDB);
	db_release(c);
}

static void placeholders_and_macros(void **state)
{
	struct db_conn *c = conn();
	struct db_rows *r;
	struct co_err e;
	int64_t n;

	(void)state;
	/* A '?' inside quotes or a comment is not a placeholder. */
	assert_int_equal(db_query(c,
	                          "SELECT '?' || ? AS a, -- is this a placeholder? no\n"
	                          " ? AS b /* nor ? this */",
	                          DB_ARGS(DB_T("x"), DB_T("y")), &r, &e),
	                 0);
	assert_int_equal(db_rows_next(r, &e), 1);
	assert_string_equal(db_text(r, 0), "?x");
	assert_string_equal(db_text(r, 1), "y");
	db_rows_free(r);

	/* Too few or too many values is a bug, said so. */
	assert_int_equal(db_query_int(c, "SELECT ? + ?", DB_ARGS(DB_I(1)), &n, &e), CO_EINTERNAL);
	assert_non_null(strstr(e.msg, "2 placeholders but 1"));
	assert_int_equal(db_query_int(c, "SELECT 1 + 1", DB_ARGS(DB_I(1)), &n, &e), CO_EINTERNAL);

	/* The macros expand on both. */
	script(c, "DROP TABLE IF EXISTS dbt_macro");
	script(c, "CREATE TABLE dbt_macro (id {{id}}, data {{blob}}, n BIGINT)");
	assert_int_equal(
	        db_exec(c, "INSERT INTO dbt_macro (n) VALUES (?)", DB_ARGS(DB_I(5)), NULL, &e), 0);
	assert_int_equal(db_begin(c, DB_TX_WRITE, &e), 0);
	assert_int_equal(db_query_int(c, "SELECT n FROM dbt_macro WHERE n = ? {{for_update}}",
	                              DB_ARGS(DB_I(5)), &n, &e),
	                 0);
	assert_int_equal(n, 5);
	assert_int_equal(
	        db_query_int(c, "SELECT n FROM dbt_macro {{skip_locked}}", DB_NOARGS, &n, &e), 0);
	assert_int_equal(db_commit(c, &e), 0);
	assert_int_equal(db_query_int(c, "SELECT {{nosuch}}", DB_NOARGS, &n, &e), CO_EINTERNAL);
	assert_non_null(strstr(e.msg, "nosuch"));

	/* No row: CO_ENOTFOUND. Two statements in one: refused. */
	assert_int_equal(
	        db_query_int(c, "SELECT n FROM dbt_macro WHERE n = ?", DB_ARGS(DB_I(6)), &n, &e),
	        CO_ENOTFOUND);
	assert_int_not_equal(db_exec(c, "SELECT 1; SELECT 2", DB_NOARGS, NULL, &e), 0);
	db_release(c);
}

static void statement_cache(void **state)
{
	struct db_conn *c = conn();
	struct db_rows *outer, *inner;
	struct co_err e;
	long before;
	int64_t n, sum = 0;
	char sql[96];

	(void)state;
	script(c, "DROP TABLE IF EXISTS dbt_cache");
	script(c, "CREATE TABLE dbt_cache (id {{id}}, n BIGINT)");
	for (int i = 1; i <= 5; i++)
		assert_int_equal(db_exec(c, "INSERT INTO dbt_cache (n) VALUES (?)",
		                         DB_ARGS(DB_I(i)), NULL, &e),
		                 0);
	/* The same text is prepared once, whatever the values. */
	before = db_conn_prepares(c);
	for (int i = 1; i <= 50; i++) {
		assert_int_equal(db_query_int(c, "SELECT COUNT(*) FROM dbt_cache WHERE n <= ?",
		                              DB_ARGS(DB_I(i % 5 + 1)), &n, &e),
		                 0);
		assert_int_equal(n, i % 5 + 1);
	}
	assert_int_equal(db_conn_prepares(c) - before, 1);

	/* The same statement nested inside its own rows still gives right
	 * answers (SQLite needs a second handle for it). */
	assert_int_equal(db_query(c, "SELECT n FROM dbt_cache WHERE n >= ? ORDER BY n",
	                          DB_ARGS(DB_I(4)), &outer, &e),
	                 0);
	while (db_rows_next(outer, &e) == 1) {
		assert_int_equal(db_query(c, "SELECT n FROM dbt_cache WHERE n >= ? ORDER BY n",
		                          DB_ARGS(DB_I(db_int(outer, 0))), &inner, &e),
		                 0);
		while (db_rows_next(inner, &e) == 1)
			sum += db_int(inner, 0);
		db_rows_free(inner);
	}
	db_rows_free(outer);
	assert_int_equal(sum, (4 + 5) + 5);

	/* More distinct statements than the cache holds: the oldest are
	 * dropped and prepared again when needed, with right answers. */
	for (int i = 0; i < 300; i++) {
		snprintf(sql, sizeof(sql), "SELECT COUNT(*) + %d FROM dbt_cache WHERE n > ?", i);
		assert_int_equal(db_query_int(c, sql, DB_ARGS(DB_I(2)), &n, &e), 0);
		assert_int_equal(n, 3 + i);
	}
	before = db_conn_prepares(c);
	snprintf(sql, sizeof(sql), "SELECT COUNT(*) + %d FROM dbt_cache WHERE n > ?", 0);
	assert_int_equal(db_query_int(c, sql, DB_ARGS(DB_I(2)), &n, &e), 0);
	assert_int_equal(n, 3);
	assert_int_equal(db_conn_prepares(c) - before, 1);
	snprintf(sql, sizeof(sql), "SELECT COUNT(*) + %d FROM dbt_cache WHERE n > ?", 299);
	assert_int_equal(db_query_int(c, sql, DB_ARGS(DB_I(2)), &n, &e), 0);
	assert_int_equal(db_conn_prepares(c) - before, 1); /* still cached */
	db_release(c);
}

struct waiter {
	struct db *db;
	int started;    /* 1 just before db_acquire */
	int got;        /* 1 once acquired */
	long waited_ms; /* how long db_acquire took */
	int rc;
};

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static void *wait_for_conn(void *arg)
{
	struct waiter *w = arg;
	struct db_conn *c;
	struct co_err e;
	long t0 = now_ms();

	__atomic_store_n(&w->started, 1, __ATOMIC_SEQ_CST);
	w->rc = db_acquire(w->db, &c, &e);
	w->waited_ms = now_ms() - t0;
	if (w->rc == 0) {
		int64_t one = 0;

		__atomic_store_n(&w->got, 1, __ATOMIC_SEQ_CST);
		if (db_query_int(c, "SELECT 1", DB_NOARGS, &one, &e) != 0 || one != 1)
			w->rc = -100;
		db_release(c);
	}
	return NULL;
}

static void pool_waits_when_exhausted(void **state)
{
	struct db *small = testdb_open(2);
	struct db_conn *a, *b, *x;
	struct waiter w = {small, 0, 0, 0, -1};
	struct co_err e;
	pthread_t t;
	int open, busy;
	long t0;

	(void)state;
	assert_int_equal(db_acquire(small, &a, &e), 0);
	assert_int_equal(db_acquire(small, &b, &e), 0);
	db_pool_stats(small, &open, &busy);
	assert_int_equal(open, 2);
	assert_int_equal(busy, 2);

	/* A third borrower waits until one is given back. */
	assert_int_equal(pthread_create(&t, NULL, wait_for_conn, &w), 0);
	while (!__atomic_load_n(&w.started, __ATOMIC_SEQ_CST))
		usleep(1000);
	usleep(200 * 1000);
	assert_int_equal(__atomic_load_n(&w.got, __ATOMIC_SEQ_CST), 0);
	db_release(a);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(w.rc, 0);
	assert_true(w.waited_ms >= 150);
	db_pool_stats(small, &open, &busy);
	assert_int_equal(open, 2);
	assert_int_equal(busy, 1);

	/* With the wait limited, an exhausted pool fails clearly, in time. */
	assert_int_equal(db_acquire(small, &a, &e), 0);
	db_set_wait(small, 100);
	t0 = now_ms();
	assert_int_equal(db_acquire(small, &x, &e), CO_EDB);
	assert_true(now_ms() - t0 >= 90);
	assert_true(now_ms() - t0 < 5000);
	assert_non_null(strstr(e.msg, "all 2 database connections"));
	db_release(a);
	db_release(b);
	db_pool_stats(small, &open, &busy);
	assert_int_equal(busy, 0);
	testdb_close(small);
}

static void url_hides_password(void **state)
{
	const char *url = getenv("COLLECTIVE_TEST_DB");
	struct db *pw;
	struct co_err e;
	char with[1024];

	(void)state;
	/* postgresql://postgres@/collective?host=... -> with a password, which
	 * trust authentication ignores. */
	assert_non_null(url);
	assert_non_null(strstr(url, "postgres@"));
	snprintf(with, sizeof(with), "%.*s:s3cret%s&password=s3cret2",
	         (int)(strstr(url, "@") - url), url, strstr(url, "@"));
	if (db_open(with, 1, &pw, &e) != 0)
		fail_msg("open %s: %s", with, e.msg);
	assert_null(strstr(db_url_safe(pw), "s3cret"));
	assert_non_null(strstr(db_url_safe(pw), "postgres@"));
	assert_non_null(strstr(db_url_safe(pw), "host="));
	db_close(pw);
}

static void bad_urls_are_refused(void **state)
{
	struct db *x;
	struct co_err e;

	(void)state;
	assert_int_equal(db_open("mysql://localhost/x", 1, &x, &e), CO_EINPUT);
	assert_non_null(strstr(e.msg, "sqlite:PATH"));
	assert_int_equal(db_open("sqlite:", 1, &x, &e), CO_EINPUT);
	assert_int_equal(db_open("sqlite:/nonexistent-dir/x/y.db", 1, &x, &e), CO_EDB);
	assert_non_null(strstr(e.msg, "/nonexistent-dir/x/y.db"));
	assert_int_equal(db_open("postgresql://u:pw@/nodb?host=/nonexistent-dir", 1, &x, &e),
	                 CO_EDB);
	assert_null(strstr(e.msg, ":pw"));
	assert_non_null(strstr(e.msg, "cannot connect"));
}

/* Waits (up to 10 s) until the server process pid has gone. */
static void wait_gone(struct db_conn *c, int64_t pid)
{
	struct co_err e;
	int64_t n = 1;

	for (int i = 0; i < 1000 && n > 0; i++) {
		if (db_query_int(c, "SELECT COUNT(*) FROM pg_stat_activity WHERE pid = ?",
		                 DB_ARGS(DB_I(pid)), &n, &e) != 0)
			fail_msg("pg_stat_activity: %s", e.msg);
		if (n > 0)
			usleep(10 * 1000);
	}
	assert_int_equal(n, 0);
}

/* PostgreSQL: a connection the server closed is replaced, not handed out. */
static void reconnects_after_server_closes(void **state)
{
	struct db *two = testdb_open(2);
	struct db_conn *a, *b;
	struct co_err e;
	int64_t pid_b, ok, pid_new;

	(void)state;
	assert_int_equal(db_acquire(two, &a, &e), 0);
	assert_int_equal(db_acquire(two, &b, &e), 0);
	assert_int_equal(db_query_int(b, "SELECT pg_backend_pid()", DB_NOARGS, &pid_b, &e), 0);
	/* b in use: the server ends its session under it. */
	assert_int_equal(db_query_int(a, "SELECT CASE WHEN pg_terminate_backend(?) THEN 1 END",
	                              DB_ARGS(DB_I(pid_b)), &ok, &e),
	                 0);
	wait_gone(a, pid_b);
	assert_int_equal(db_query_int(b, "SELECT 1", DB_NOARGS, &ok, &e), CO_EDB);
	assert_non_null(strstr(e.msg, "connection"));
	db_release(b); /* broken: closed */
	assert_int_equal(db_acquire(two, &b, &e), 0);
	assert_int_equal(db_query_int(b, "SELECT pg_backend_pid()", DB_NOARGS, &pid_new, &e), 0);
	assert_true(pid_new != pid_b);

	/* b idle in the pool: ended by the server, noticed on acquire. */
	db_release(b);
	assert_int_equal(db_query_int(a, "SELECT CASE WHEN pg_terminate_backend(?) THEN 1 END",
	                              DB_ARGS(DB_I(pid_new)), &ok, &e),
	                 0);
	wait_gone(a, pid_new);
	/* The process leaves pg_stat_activity a moment before it closes its
	 * socket; the check on acquire can only see a closed one. */
	usleep(300 * 1000);
	assert_int_equal(db_acquire(two, &b, &e), 0);
	assert_int_equal(db_query_int(b, "SELECT pg_backend_pid()", DB_NOARGS, &pid_b, &e), 0);
	assert_true(pid_b != pid_new);
	db_release(b);
	db_release(a);
	testdb_close(two);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(values_round_trip),
	        cmocka_unit_test(nulls),
	        cmocka_unit_test(returning_ids_and_changes),
	        cmocka_unit_test(transactions_all_or_nothing),
	        cmocka_unit_test(conflicts_name_the_constraint),
	        cmocka_unit_test(placeholders_and_macros),
	        cmocka_unit_test(statement_cache),
	        cmocka_unit_test(pool_waits_when_exhausted),
	        cmocka_unit_test(bad_urls_are_refused),
	};
	const struct CMUnitTest pg_tests[] = {
	        cmocka_unit_test(url_hides_password),
	        cmocka_unit_test(reconnects_after_server_closes),
	};
	int failed = cmocka_run_group_tests_name("db", tests, setup, teardown);

	if (testdb_is_pg())
		failed += cmocka_run_group_tests_name("db_postgres", pg_tests, setup, teardown);
	return failed ? 1 : 0;
}
