/*
 * Migrations: which files count, their order, one transaction each, never
 * twice, a failure leaves nothing, several processes at once; the real
 * embedded migrations apply and are idempotent. And the SQLite backup.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/asset.h"
#include "db/db.h"
#include "helpers/testdb.h"

#define A(path, sql)                                                                               \
	{                                                                                          \
		path, sql, sizeof(sql) - 1                                                         \
	}

/* Listed out of order, with files that are not migrations. Each migration
 * fails if run twice (no IF NOT EXISTS) or out of order (0010 needs 0002). */
static const struct co_asset fake[] = {
        A("src/dbt/migrations/9910_dbt_later.sql",
          "INSERT INTO dbt_mig_a (label) VALUES ('later');\n"
          "CREATE TABLE dbt_mig_b (id {{id}}, a_id BIGINT REFERENCES dbt_mig_a (id));"),
        A("src/dbt/migrations/9902_dbt_first.sql",
          "-- the first: a table with a row\n"
          "CREATE TABLE dbt_mig_a (id {{id}}, label TEXT NOT NULL UNIQUE, data {{blob}});\n"
          "INSERT INTO dbt_mig_a (label) VALUES ('first; with a semicolon');"),
        A("src/dbt/migrations/README", "not SQL"),
        A("src/dbt/migrations/12_short.sql", "SELECT nonsense"),
        A("src/dbt/migrations/9903_Upper.sql", "SELECT nonsense"),
        A("src/dbt/other/9904_dbt_elsewhere.sql", "SELECT nonsense"),
        A("static/migrations/9905_dbt_static.sql", "SELECT nonsense"),
        A("src/dbt/migrations/9905_dbt_notes.txt", "SELECT nonsense"),
        {NULL, NULL, 0},
};

static const struct co_asset fake_more[] = {
        A("src/dbt/migrations/9902_dbt_first.sql", "SELECT nonsense -- already applied"),
        A("src/dbt/migrations/9910_dbt_later.sql", "SELECT nonsense -- already applied"),
        A("src/dbt2/migrations/9911_dbt_ok.sql", "INSERT INTO dbt_mig_a (label) VALUES ('ok');"),
        A("src/dbt2/migrations/9912_dbt_broken.sql",
          "CREATE TABLE dbt_mig_c (id {{id}});\n"
          "INSERT INTO dbt_mig_a (label) VALUES ('partial');\n"
          "INSERT INTO dbt_mig_nosuch (x) VALUES (1);"),
        A("src/dbt2/migrations/9913_dbt_after.sql",
          "INSERT INTO dbt_mig_a (label) VALUES ('after');"),
        {NULL, NULL, 0},
};

static const struct co_asset fake_dup[] = {
        A("src/dbt/migrations/9920_dbt_same.sql", "SELECT 1;"),
        A("src/dbt2/migrations/9920_dbt_same.sql", "SELECT 1;"),
        {NULL, NULL, 0},
};

static struct db *db;

static void script(struct db_conn *c, const char *sql)
{
	struct co_err e;

	if (db_exec_script(c, sql, &e) != 0)
		fail_msg("%s: %s", sql, e.msg);
}

/* Removes what these tests leave in a shared PostgreSQL database. */
static void clean(void)
{
	struct db_conn *c;
	struct co_err e;

	assert_int_equal(db_acquire(db, &c, &e), 0);
	script(c, "CREATE TABLE IF NOT EXISTS schema_migrations ("
	          " name TEXT PRIMARY KEY, applied_at BIGINT NOT NULL)");
	script(c, "DELETE FROM schema_migrations WHERE name LIKE '99%'");
	script(c, "DROP TABLE IF EXISTS dbt_mig_b");
	script(c, "DROP TABLE IF EXISTS dbt_mig_c");
	script(c, "DROP TABLE IF EXISTS dbt_mig_a");
	db_release(c);
}

static int setup(void **state)
{
	(void)state;
	db = testdb_open(2);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	testdb_close(db);
	return 0;
}

static int64_t query_int(const char *sql, const char *arg)
{
	struct db_conn *c;
	struct co_err e;
	int64_t n = -1;

	assert_int_equal(db_acquire(db, &c, &e), 0);
	if (db_query_int(c, sql, DB_ARGS(DB_T(arg)), &n, &e) != 0)
		fail_msg("%s: %s", sql, e.msg);
	db_release(c);
	return n;
}

static void applies_in_order_once(void **state)
{
	struct co_err e;
	int applied = -1;

	(void)state;
	clean();
	if (db_migrate_from(db, fake, &applied, &e) != 0)
		fail_msg("migrate: %s", e.msg);
	assert_int_equal(applied, 2);
	assert_int_equal(query_int("SELECT COUNT(*) FROM dbt_mig_a WHERE label <> ?", ""), 2);
	assert_int_equal(
	        query_int("SELECT COUNT(*) FROM schema_migrations WHERE name LIKE ?", "99%"), 2);
	assert_int_equal(query_int("SELECT COUNT(*) FROM schema_migrations WHERE name = ?",
	                           "9902_dbt_first"),
	                 1);
	/* Again: nothing to do (running them twice would fail). */
	applied = -1;
	if (db_migrate_from(db, fake, &applied, &e) != 0)
		fail_msg("migrate again: %s", e.msg);
	assert_int_equal(applied, 0);
}

static void failure_leaves_nothing(void **state)
{
	struct co_err e;
	int applied = -1;

	(void)state;
	clean();
	assert_int_equal(db_migrate_from(db, fake, &applied, &e), 0);
	/* 9911 applies, 9912 fails half-way: its table and row are not there,
	 * it is not recorded, and 9913 never runs. */
	memset(&e, 0, sizeof(e));
	assert_int_not_equal(db_migrate_from(db, fake_more, &applied, &e), 0);
	assert_int_equal(applied, 2); /* untouched on failure */
	assert_non_null(strstr(e.msg, "src/dbt2/migrations/9912_dbt_broken.sql"));
	assert_non_null(strstr(e.msg, "dbt_mig_nosuch"));
	assert_int_equal(query_int("SELECT COUNT(*) FROM dbt_mig_a WHERE label = ?", "ok"), 1);
	assert_int_equal(query_int("SELECT COUNT(*) FROM dbt_mig_a WHERE label = ?", "partial"), 0);
	assert_int_equal(query_int("SELECT COUNT(*) FROM dbt_mig_a WHERE label = ?", "after"), 0);
	assert_int_equal(
	        query_int("SELECT COUNT(*) FROM schema_migrations WHERE name LIKE ?", "991%"), 2);
	{
		struct db_conn *c;
		int64_t n;

		/* dbt_mig_c was rolled back with the rest of 9912. */
		assert_int_equal(db_acquire(db, &c, &e), 0);
		assert_int_not_equal(
		        db_query_int(c, "SELECT COUNT(*) FROM dbt_mig_c", DB_NOARGS, &n, &e), 0);
		db_release(c);
	}
}

static void duplicate_names_refused(void **state)
{
	struct co_err e;
	int applied = -1;

	(void)state;
	assert_int_equal(db_migrate_from(db, fake_dup, &applied, &e), CO_EINTERNAL);
	assert_non_null(strstr(e.msg, "9920_dbt_same"));
	assert_non_null(strstr(e.msg, "src/dbt2/migrations/9920_dbt_same.sql"));
	assert_int_equal(applied, -1);
}

struct racer {
	char *url;
	int applied;
	int rc;
	char err[CO_MAX_ERRMSG + 64];
};

static void *race(void *arg)
{
	struct racer *r = arg;
	struct db *own;
	struct co_err e;

	/* A pool of its own, as another `collective` process would have. */
	r->rc = db_open(r->url, 1, &own, &e);
	if (r->rc == 0) {
		r->rc = db_migrate_from(own, fake, &r->applied, &e);
		db_close(own);
	}
	if (r->rc)
		snprintf(r->err, sizeof(r->err), "%s", e.msg);
	return NULL;
}

static void concurrent_processes_apply_once(void **state)
{
	struct racer r[5];
	pthread_t t[5];
	int i, total = 0;
	const char *url = getenv("COLLECTIVE_TEST_DB");
	char path[600];

	(void)state;
	clean();
	for (i = 0; i < 5; i++) {
		memset(&r[i], 0, sizeof(r[i]));
		/* All five on the same database as db. */
		if (url && *url) {
			r[i].url = strdup(url);
		} else {
			snprintf(path, sizeof(path), "%s", db_url_safe(db));
			r[i].url = strdup(path);
		}
		assert_non_null(r[i].url);
	}
	for (i = 0; i < 5; i++)
		assert_int_equal(pthread_create(&t[i], NULL, race, &r[i]), 0);
	for (i = 0; i < 5; i++) {
		assert_int_equal(pthread_join(t[i], NULL), 0);
		if (r[i].rc)
			fail_msg("migrator %d: %s", i, r[i].err);
		total += r[i].applied;
		free(r[i].url);
	}
	assert_int_equal(total, 2);
	assert_int_equal(query_int("SELECT COUNT(*) FROM dbt_mig_a WHERE label <> ?", ""), 2);
}

/* The migrations built into the program apply, and a second run finds
 * nothing to do. */
static void real_migrations_idempotent(void **state)
{
	const struct co_asset *a;
	struct co_err e;
	int applied = -1;
	int64_t recorded = 0;
	long n = 0;

	(void)state;
	for (a = co_assets; a->path; a++)
		if (strncmp(a->path, "src/", 4) == 0 && strstr(a->path, "/migrations/") &&
		    strlen(a->path) > 4 && strcmp(a->path + strlen(a->path) - 4, ".sql") == 0)
			n++;
	if (db_migrate(db, &applied, &e) != 0)
		fail_msg("migrate: %s", e.msg);
	if (db_migrate(db, &applied, &e) != 0)
		fail_msg("migrate again: %s", e.msg);
	assert_int_equal(applied, 0);
	recorded = query_int("SELECT COUNT(*) FROM schema_migrations WHERE name NOT LIKE ?", "99%");
	assert_int_equal(recorded, n);
}

static void sqlite_backup_is_a_copy(void **state)
{
	struct db *src = NULL, *copy;
	struct db_conn *c;
	struct co_err e;
	char *url = testdb_url(), out[600], outurl[620];
	int64_t n;

	(void)state;
	/* Always SQLite: the PostgreSQL dump is checked by tests/storage/run. */
	if (strncmp(url, "sqlite:", 7) != 0) {
		testdb_free_url(url);
		snprintf(out, sizeof(out), "%s/collective-bk-XXXXXX", "/tmp");
		assert_true(mkstemp(out) >= 0);
		url = malloc(strlen(out) + 8);
		snprintf(url, strlen(out) + 8, "sqlite:%s", out);
	}
	assert_int_equal(db_open(url, 2, &src, &e), 0);
	assert_int_equal(db_acquire(src, &c, &e), 0);
	script(c, "CREATE TABLE dbt_bk (id {{id}}, v TEXT)");
	for (int i = 0; i < 100; i++)
		assert_int_equal(db_exec(c, "INSERT INTO dbt_bk (v) VALUES (?)",
		                         DB_ARGS(DB_T("a row of text")), NULL, &e),
		                 0);
	/* An open write transaction elsewhere is not in the copy. */
	assert_int_equal(db_begin(c, DB_TX_WRITE, &e), 0);
	assert_int_equal(db_exec(c, "DELETE FROM dbt_bk", DB_NOARGS, NULL, &e), 0);
	snprintf(out, sizeof(out), "%s.backup", url + 7);
	assert_int_equal(db_backup(src, out, &e), 0);
	db_rollback(c);
	db_release(c);

	snprintf(outurl, sizeof(outurl), "sqlite:%s", out);
	assert_int_equal(db_open(outurl, 1, &copy, &e), 0);
	assert_int_equal(db_acquire(copy, &c, &e), 0);
	assert_int_equal(db_query_int(c, "SELECT COUNT(*) FROM dbt_bk", DB_NOARGS, &n, &e), 0);
	assert_int_equal(n, 100);
	db_release(c);
	db_close(copy);
	unlink(out);
	assert_int_not_equal(db_backup(src, "/nonexistent-dir/x.db", &e), 0);
	assert_non_null(strstr(e.msg, "/nonexistent-dir/x.db"));
	db_close(src);
	unlink(url + 7);
	snprintf(out, sizeof(out), "%s-wal", url + 7);
	unlink(out);
	snprintf(out, sizeof(out), "%s-shm", url + 7);
	unlink(out);
	free(url);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(applies_in_order_once),
	        cmocka_unit_test(failure_leaves_nothing),
	        cmocka_unit_test(duplicate_names_refused),
	        cmocka_unit_test(concurrent_processes_apply_once),
	        cmocka_unit_test(real_migrations_idempotent),
	        cmocka_unit_test(sqlite_backup_is_a_copy),
	};

	return cmocka_run_group_tests_name("db_migrate", tests, setup, teardown);
}
