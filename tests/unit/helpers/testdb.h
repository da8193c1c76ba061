/*
 * testdb.h - a database for a test: the URL in COLLECTIVE_TEST_DB (a
 * PostgreSQL cluster from scripts/pg-temp, say), or else a fresh SQLite file
 * in $TMPDIR that testdb_close() deletes.
 *
 * A PostgreSQL database is shared by every test that runs against it, so a
 * test drops and creates the tables it uses (names of its own) rather than
 * assuming an empty database.
 */
#ifndef TESTDB_H
#define TESTDB_H

#include "db/db.h"

/* The URL tests run against (a new SQLite file on each call when
 * COLLECTIVE_TEST_DB is not set); the caller frees it with testdb_free_url. */
char *testdb_url(void);
void testdb_free_url(char *url);

/* Opens a pool of pool_size connections on testdb_url(); aborts the test
 * program with a message when that fails. */
struct db *testdb_open(int pool_size);
/* Closes the pool and deletes a temporary SQLite file. */
void testdb_close(struct db *db);

/* True when tests run on PostgreSQL. */
int testdb_is_pg(void);

#endif
