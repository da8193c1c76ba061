/* testdb.c - see testdb.h. */
#include "helpers/testdb.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

char *testdb_url(void)
{
	const char *env = getenv("COLLECTIVE_TEST_DB");
	const char *tmp = getenv("TMPDIR");
	char path[512], *url;
	int fd;

	if (env && *env) {
		url = malloc(strlen(env) + 1);
		if (url)
			memcpy(url, env, strlen(env) + 1);
		return url;
	}
	snprintf(path, sizeof(path), "%s/collective-test-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	fd = mkstemp(path);
	if (fd < 0) {
		perror("testdb: mkstemp");
		abort();
	}
	close(fd); /* an empty file is an empty SQLite database */
	url = malloc(strlen(path) + sizeof("sqlite:"));
	if (url)
		snprintf(url, strlen(path) + sizeof("sqlite:"), "sqlite:%s", path);
	return url;
}

void testdb_free_url(char *url)
{
	char side[600];

	if (url && strncmp(url, "sqlite:", 7) == 0 && !getenv("COLLECTIVE_TEST_DB")) {
		unlink(url + 7);
		snprintf(side, sizeof(side), "%s-wal", url + 7);
		unlink(side);
		snprintf(side, sizeof(side), "%s-shm", url + 7);
		unlink(side);
	}
	free(url);
}

struct db *testdb_open(int pool_size)
{
	struct co_err e;
	struct db *db;
	char *url = testdb_url();

	if (!url || db_open(url, pool_size, &db, &e) != 0) {
		fprintf(stderr, "testdb: cannot open %s: %s\n", url ? url : "(no memory)",
		        url ? e.msg : "");
		abort();
	}
	free(url);
	return db;
}

void testdb_close(struct db *db)
{
	char *url = NULL;

	if (!db)
		return;
	if (db_kind(db) == DB_SQLITE) {
		const char *u = db_url_safe(db);

		url = malloc(strlen(u) + 1);
		if (url)
			memcpy(url, u, strlen(u) + 1);
	}
	db_close(db);
	testdb_free_url(url);
}

int testdb_is_pg(void)
{
	const char *env = getenv("COLLECTIVE_TEST_DB");

	return env && strncmp(env, "postgres", 8) == 0;
}
