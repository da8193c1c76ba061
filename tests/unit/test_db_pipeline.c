/*
 * Storage tests for db_exec_later() and db_commit_query(): statements
 * queued in a transaction (on PostgreSQL sent with the next statement or
 * the COMMIT, in one round trip) are applied in order, their failure fails
 * the next call and the transaction, a query after the COMMIT sees what it
 * committed, and the connection is clean for the next transaction. On the
 * database in COLLECTIVE_TEST_DB, or a fresh SQLite file.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "db/db.h"
#include "helpers/testdb.h"

static struct db *db;

static int setup(void **state)
{
	struct db_conn *c;
	struct co_err e;

	(void)state;
	db = testdb_open(2);
	if (db_acquire(db, &c, &e) != 0 ||
	    db_exec_script(c,
	                   "CREATE TABLE pl_items (id BIGINT PRIMARY KEY, name TEXT NOT NULL, "
	                   "n BIGINT NOT NULL DEFAULT 0)",
	                   &e) != 0)
		fail_msg("setup: %s", e.msg);
	db_release(c);
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

static int64_t q(struct db_conn *c, const char *sql)
{
	struct co_err e;
	int64_t n = -1;

	if (db_query_int(c, sql, DB_NOARGS, &n, &e) != 0)
		fail_msg("%s: %s", sql, e.msg);
	return n;
}

static void queued_statements_apply_in_order(void **state)
{
	struct db_conn *c = conn();
	struct co_err e;
	char name[32];
	int i;

	(void)state;
	assert_int_equal(db_begin(c, DB_TX_WRITE, &e), 0);
	for (i = 1; i <= 5; i++) {
		snprintf(name, sizeof(name), "item %d", i); /* the text is copied */
		assert_int_equal(db_exec_later(c, "INSERT INTO pl_items (id, name) VALUES (?, ?)",
		                               DB_ARGS(DB_I(i), DB_T(name)), &e),
		                 0);
		memset(name, 'x', sizeof(name) - 1);
	}
	assert_int_equal(db_exec_later(c, "UPDATE pl_items SET n = n + id WHERE id <= ?",
	                               DB_ARGS(DB_I(3)), &e),
	                 0);
	/* A query sees what was queued before it. */
	assert_int_equal(q(c, "SELECT SUM(n) FROM pl_items"), 6);
	assert_int_equal(
	        db_exec_later(c, "UPDATE pl_items SET n = 10 WHERE id = ?", DB_ARGS(DB_I(5)), &e),
	        0);
	assert_int_equal(db_commit(c, &e), 0);
	assert_int_equal(q(c, "SELECT SUM(n) FROM pl_items"), 16);
	assert_int_equal(q(c, "SELECT COUNT(*) FROM pl_items WHERE name LIKE 'item _'"), 5);
	/* Outside a transaction it runs at once. */
	assert_int_equal(
	        db_exec_later(c, "UPDATE pl_items SET n = 0 WHERE id = ?", DB_ARGS(DB_I(5)), &e),
	        0);
	assert_int_equal(q(c, "SELECT n FROM pl_items WHERE id = 5"), 0);
	db_release(c);
}

static void a_failure_fails_the_next_call_and_the_transaction(void **state)
{
	struct db_conn *c = conn();
	struct co_err e;
	int64_t before;
	int rc;

	(void)state;
	before = q(c, "SELECT COUNT(*) FROM pl_items");
	/* Failure reported by the next statement. */
	assert_int_equal(db_begin(c, DB_TX_WRITE, &e), 0);
	assert_int_equal(db_exec_later(c, "INSERT INTO pl_items (id, name) VALUES (100, 'a')",
	                               DB_NOARGS, &e),
	                 0);
	rc = db_exec_later(c, "INSERT INTO pl_items (id, name) VALUES (1, 'taken')", DB_NOARGS, &e);
	if (rc == 0) /* PostgreSQL: not known yet */
		rc = db_exec(c, "UPDATE pl_items SET n = n WHERE id = 2", DB_NOARGS, NULL, &e);
	assert_int_equal(rc, CO_ECONFLICT);
	assert_int_not_equal(db_commit(c, &e), 0);
	assert_int_equal(q(c, "SELECT COUNT(*) FROM pl_items"), before);

	/* Failure reported by the COMMIT. */
	assert_int_equal(db_begin(c, DB_TX_WRITE, &e), 0);
	assert_int_equal(db_exec_later(c, "INSERT INTO pl_items (id, name) VALUES (101, 'b')",
	                               DB_NOARGS, &e),
	                 0);
	rc = db_exec_later(c, "INSERT INTO pl_items (id, name) VALUES (2, 'taken')", DB_NOARGS, &e);
	if (rc == 0)
		rc = db_commit(c, &e);
	else
		db_rollback(c);
	assert_int_equal(rc, CO_ECONFLICT);
	assert_int_equal(q(c, "SELECT COUNT(*) FROM pl_items"), before);

	/* Rolled back with statements queued: nothing stays. */
	assert_int_equal(db_begin(c, DB_TX_WRITE, &e), 0);
	assert_int_equal(db_exec_later(c, "INSERT INTO pl_items (id, name) VALUES (102, 'c')",
	                               DB_NOARGS, &e),
	                 0);
	db_rollback(c);
	assert_int_equal(q(c, "SELECT COUNT(*) FROM pl_items"), before);

	/* Released with statements queued and no commit: undone too. */
	assert_int_equal(db_begin(c, DB_TX_WRITE, &e), 0);
	assert_int_equal(db_exec_later(c, "INSERT INTO pl_items (id, name) VALUES (103, 'd')",
	                               DB_NOARGS, &e),
	                 0);
	db_release(c);
	c = conn();
	assert_int_equal(q(c, "SELECT COUNT(*) FROM pl_items"), before);

	/* The connection is clean: the next transaction works. */
	assert_int_equal(db_begin(c, DB_TX_WRITE, &e), 0);
	assert_int_equal(db_exec_later(c, "INSERT INTO pl_items (id, name) VALUES (104, 'e')",
	                               DB_NOARGS, &e),
	                 0);
	assert_int_equal(db_commit(c, &e), 0);
	assert_int_equal(q(c, "SELECT COUNT(*) FROM pl_items"), before + 1);
	db_release(c);
}

static void commit_then_query(void **state)
{
	struct db_conn *c = conn();
	struct db_rows *r = NULL;
	struct co_err e;
	int64_t before;
	int rows = 0;

	(void)state;
	before = q(c, "SELECT COUNT(*) FROM pl_items");
	assert_int_equal(db_begin(c, DB_TX_WRITE, &e), 0);
	assert_int_equal(db_exec_later(c, "INSERT INTO pl_items (id, name, n) VALUES (200, 'f', 7)",
	                               DB_NOARGS, &e),
	                 0);
	assert_int_equal(db_exec_later(c, "INSERT INTO pl_items (id, name, n) VALUES (201, 'g', 8)",
	                               DB_NOARGS, &e),
	                 0);
	assert_int_equal(db_commit_query(c, "SELECT id, n FROM pl_items WHERE id >= ? ORDER BY id",
	                                 DB_ARGS(DB_I(200)), &r, &e),
	                 0);
	while (db_rows_next(r, &e) > 0) {
		assert_int_equal(db_int(r, 0), 200 + rows);
		assert_int_equal(db_int(r, 1), 7 + rows);
		rows++;
	}
	db_rows_free(r);
	assert_int_equal(rows, 2);
	/* Committed: seen from another connection, and this one is free. */
	{
		struct db_conn *c2 = conn();

		assert_int_equal(q(c2, "SELECT COUNT(*) FROM pl_items"), before + 2);
		db_release(c2);
	}
	assert_int_equal(db_begin(c, DB_TX_WRITE, &e), 0);
	assert_int_equal(db_exec_later(c, "INSERT INTO pl_items (id, name) VALUES (202, 'h')",
	                               DB_NOARGS, &e),
	                 0);
	/* A queued failure: the commit fails, no query runs, nothing stays. */
	if (db_exec_later(c, "INSERT INTO pl_items (id, name) VALUES (200, 'taken')", DB_NOARGS,
	                  &e) == 0) {
		r = NULL;
		assert_int_equal(
		        db_commit_query(c, "SELECT COUNT(*) FROM pl_items", DB_NOARGS, &r, &e),
		        CO_ECONFLICT);
		assert_null(r);
	} else {
		db_rollback(c);
	}
	assert_int_equal(q(c, "SELECT COUNT(*) FROM pl_items"), before + 2);
	/* And the connection is clean for the next transaction. */
	assert_int_equal(db_begin(c, DB_TX_WRITE, &e), 0);
	assert_int_equal(
	        db_exec(c, "UPDATE pl_items SET n = 9 WHERE id = 201", DB_NOARGS, NULL, &e), 0);
	assert_int_equal(db_commit(c, &e), 0);
	assert_int_equal(q(c, "SELECT n FROM pl_items WHERE id = 201"), 9);
	db_release(c);
}

/* A statement first prepared in a pipeline that fails (its preparation
 * skipped by the server) is prepared again at its next use. */
static void a_statement_prepared_in_a_failed_pipeline_works_later(void **state)
{
	struct db_conn *c = conn();
	struct co_err e;
	int rc;

	(void)state;
	assert_int_equal(db_begin(c, DB_TX_WRITE, &e), 0);
	rc = db_exec_later(c, "INSERT INTO pl_items (id, name) VALUES (1, 'taken again')",
	                   DB_NOARGS, &e);
	if (rc == 0) /* PostgreSQL: queued; the next one is prepared after it */
		rc = db_exec_later(c, "UPDATE pl_items SET n = n + 100 WHERE id = ? AND name <> ''",
		                   DB_ARGS(DB_I(3)), &e);
	if (rc == 0)
		rc = db_commit(c, &e);
	else
		db_rollback(c);
	assert_int_equal(rc, CO_ECONFLICT);
	assert_int_equal(db_begin(c, DB_TX_WRITE, &e), 0);
	assert_int_equal(
	        db_exec_later(c, "UPDATE pl_items SET n = n + 100 WHERE id = ? AND name <> ''",
	                      DB_ARGS(DB_I(3)), &e),
	        0);
	assert_int_equal(db_commit(c, &e), 0);
	assert_int_equal(q(c, "SELECT n FROM pl_items WHERE id = 3"), 103);
	db_release(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(queued_statements_apply_in_order),
	        cmocka_unit_test(a_failure_fails_the_next_call_and_the_transaction),
	        cmocka_unit_test(commit_then_query),
	        cmocka_unit_test(a_statement_prepared_in_a_failed_pipeline_works_later),
	};

	return cmocka_run_group_tests_name("db_pipeline", tests, setup, teardown);
}
