/*
 * Storage under concurrency: several threads, each with its own pooled
 * connection, writing in DB_TX_WRITE transactions. A read-modify-write of
 * one counter (SELECT ... {{for_update}}, then UPDATE) must lose no update:
 * on SQLite because BEGIN IMMEDIATE serialises writers, on PostgreSQL
 * because FOR UPDATE locks the row across connections.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "db/db.h"
#include "helpers/testdb.h"

#define THREADS 6
#define ROUNDS  40

static struct db *db;

static int setup(void **state)
{
	(void)state;
	db = testdb_open(THREADS);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	testdb_close(db);
	return 0;
}

struct worker {
	int id;
	int done;    /* increments committed */
	int retries; /* transactions that failed and were retried */
	char err[CO_MAX_ERRMSG + 64];
};

/* One increment: read the counter under the lock, write it back plus one,
 * and log the value seen, all in one transaction. */
static int increment(struct db_conn *c, int who, struct co_err *e)
{
	int64_t n;
	int rc;

	rc = db_begin(c, DB_TX_WRITE, e);
	if (rc)
		return rc;
	rc = db_query_int(c, "SELECT n FROM dbt_counter WHERE id = ? {{for_update}}",
	                  DB_ARGS(DB_I(1)), &n, e);
	if (rc == 0)
		rc = db_exec(c, "UPDATE dbt_counter SET n = ? WHERE id = ?",
		             DB_ARGS(DB_I(n + 1), DB_I(1)), NULL, e);
	if (rc == 0)
		rc = db_exec(c, "INSERT INTO dbt_counter_log (seen, who) VALUES (?, ?)",
		             DB_ARGS(DB_I(n), DB_I(who)), NULL, e);
	if (rc == 0)
		return db_commit(c, e);
	db_rollback(c);
	return rc;
}

static void *work(void *arg)
{
	struct worker *w = arg;
	struct db_conn *c;
	struct co_err e;
	int i;

	if (db_acquire(db, &c, &e) != 0) {
		snprintf(w->err, sizeof(w->err), "acquire: %s", e.msg);
		return NULL;
	}
	for (i = 0; i < ROUNDS; i++) {
		if (increment(c, w->id, &e) != 0) {
			snprintf(w->err, sizeof(w->err), "round %d: %s", i, e.msg);
			break;
		}
		w->done++;
	}
	db_release(c);
	return NULL;
}

static void counter_loses_no_update(void **state)
{
	struct worker w[THREADS];
	pthread_t t[THREADS];
	struct db_conn *c;
	struct co_err e;
	int64_t n;
	int i;

	(void)state;
	assert_int_equal(db_acquire(db, &c, &e), 0);
	assert_int_equal(db_exec_script(c, "DROP TABLE IF EXISTS dbt_counter_log", &e), 0);
	assert_int_equal(db_exec_script(c, "DROP TABLE IF EXISTS dbt_counter", &e), 0);
	assert_int_equal(db_exec_script(c,
	                                "CREATE TABLE dbt_counter (id BIGINT PRIMARY KEY,"
	                                " n BIGINT NOT NULL)",
	                                &e),
	                 0);
	assert_int_equal(db_exec_script(c,
	                                "CREATE TABLE dbt_counter_log (id {{id}},"
	                                " seen BIGINT NOT NULL UNIQUE, who BIGINT NOT NULL)",
	                                &e),
	                 0);
	assert_int_equal(db_exec(c, "INSERT INTO dbt_counter (id, n) VALUES (?, ?)",
	                         DB_ARGS(DB_I(1), DB_I(0)), NULL, &e),
	                 0);
	db_release(c);

	memset(w, 0, sizeof(w));
	for (i = 0; i < THREADS; i++) {
		w[i].id = i;
		assert_int_equal(pthread_create(&t[i], NULL, work, &w[i]), 0);
	}
	for (i = 0; i < THREADS; i++) {
		assert_int_equal(pthread_join(t[i], NULL), 0);
		if (w[i].err[0])
			fail_msg("thread %d: %s", i, w[i].err);
		assert_int_equal(w[i].done, ROUNDS);
	}

	assert_int_equal(db_acquire(db, &c, &e), 0);
	assert_int_equal(
	        db_query_int(c, "SELECT n FROM dbt_counter WHERE id = ?", DB_ARGS(DB_I(1)), &n, &e),
	        0);
	assert_int_equal(n, THREADS * ROUNDS);
	/* Every value 0..N-1 was seen exactly once (seen is UNIQUE), and the
	 * work really was spread over the threads. */
	assert_int_equal(db_query_int(c, "SELECT COUNT(*) FROM dbt_counter_log", DB_NOARGS, &n, &e),
	                 0);
	assert_int_equal(n, THREADS * ROUNDS);
	assert_int_equal(db_query_int(c, "SELECT COUNT(DISTINCT who) FROM dbt_counter_log",
	                              DB_NOARGS, &n, &e),
	                 0);
	assert_int_equal(n, THREADS);
	db_release(c);
}

/* Many threads inserting in multi-row transactions, some of which fail
 * half-way: exactly the committed ones stay, whole. */
struct batcher {
	int id;
	int committed;
	char err[CO_MAX_ERRMSG + 64];
};

static void *insert_batches(void *arg)
{
	struct batcher *b = arg;
	struct db_conn *c;
	struct co_err e;
	int round, k, rc;

	if (db_acquire(db, &c, &e) != 0) {
		snprintf(b->err, sizeof(b->err), "acquire: %s", e.msg);
		return NULL;
	}
	for (round = 0; round < 20; round++) {
		int poison = round % 4 == 3; /* every fourth batch ends in a conflict */

		rc = db_begin(c, DB_TX_WRITE, &e);
		for (k = 0; rc == 0 && k < 5; k++) {
			char key[64];

			snprintf(key, sizeof(key), "t%d-r%d-k%d", b->id, round, k);
			rc = db_exec(c, "INSERT INTO dbt_batch (k, batch) VALUES (?, ?)",
			             DB_ARGS(DB_T(key), DB_I(b->id * 100 + round)), NULL, &e);
		}
		if (rc == 0 && poison)
			rc = db_exec(c, "INSERT INTO dbt_batch (k, batch) VALUES (?, ?)",
			             DB_ARGS(DB_T("shared"), DB_I(-1)), NULL, &e);
		if (rc == 0) {
			rc = db_commit(c, &e);
			if (rc == 0)
				b->committed++;
		} else {
			db_rollback(c);
			if (rc != CO_ECONFLICT) {
				snprintf(b->err, sizeof(b->err), "round %d: %s", round, e.msg);
				break;
			}
		}
	}
	db_release(c);
	return NULL;
}

static void failed_batches_leave_nothing(void **state)
{
	struct batcher b[THREADS];
	pthread_t t[THREADS];
	struct db_conn *c;
	struct co_err e;
	int64_t n, partial;
	int i, committed = 0;

	(void)state;
	assert_int_equal(db_acquire(db, &c, &e), 0);
	assert_int_equal(db_exec_script(c, "DROP TABLE IF EXISTS dbt_batch", &e), 0);
	assert_int_equal(db_exec_script(c,
	                                "CREATE TABLE dbt_batch (id {{id}}, k TEXT NOT NULL UNIQUE,"
	                                " batch BIGINT NOT NULL)",
	                                &e),
	                 0);
	/* "shared" exists, so every poisoned batch fails on its last row. */
	assert_int_equal(db_exec(c, "INSERT INTO dbt_batch (k, batch) VALUES (?, ?)",
	                         DB_ARGS(DB_T("shared"), DB_I(-1)), NULL, &e),
	                 0);
	db_release(c);

	memset(b, 0, sizeof(b));
	for (i = 0; i < THREADS; i++) {
		b[i].id = i;
		assert_int_equal(pthread_create(&t[i], NULL, insert_batches, &b[i]), 0);
	}
	for (i = 0; i < THREADS; i++) {
		assert_int_equal(pthread_join(t[i], NULL), 0);
		if (b[i].err[0])
			fail_msg("thread %d: %s", i, b[i].err);
		committed += b[i].committed;
	}
	assert_int_equal(committed, THREADS * 15);

	assert_int_equal(db_acquire(db, &c, &e), 0);
	assert_int_equal(db_query_int(c, "SELECT COUNT(*) FROM dbt_batch WHERE batch >= 0",
	                              DB_NOARGS, &n, &e),
	                 0);
	assert_int_equal(n, committed * 5);
	/* No batch is there in part. */
	assert_int_equal(db_query_int(c,
	                              "SELECT COUNT(*) FROM (SELECT batch FROM dbt_batch"
	                              " GROUP BY batch HAVING COUNT(*) <> 5 AND batch >= 0) x",
	                              DB_NOARGS, &partial, &e),
	                 0);
	assert_int_equal(partial, 0);
	db_release(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(counter_loses_no_update),
	        cmocka_unit_test(failed_batches_leave_nothing),
	};

	return cmocka_run_group_tests_name("db_concurrency", tests, setup, teardown);
}
