/*
 * db_migrate.c - numbered SQL migrations and backups.
 *
 * A migration is an embedded file src/<...>/migrations/NNNN_name.sql. All
 * of them, from every module, run in the order of their number (then name),
 * each in its own write transaction together with the row that records it
 * in schema_migrations(name, applied_at), so a failed migration leaves
 * nothing behind and a finished one is never run again.
 *
 * Several processes may start at once on one database. On PostgreSQL the
 * whole run holds a session advisory lock, so the others wait and then find
 * everything applied; on SQLite each migration's BEGIN IMMEDIATE takes the
 * write lock and the "already applied?" check is made inside it.
 */
#include "db/db_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/asset.h"

struct migration {
	long number;
	char name[128]; /* NNNN_name, the key in schema_migrations */
	const struct co_asset *asset;
};

/* Fills m when path is src/.../migrations/NNNN_name.sql. */
static int is_migration(const struct co_asset *a, struct migration *m)
{
	const char *base, *dir, *p;
	size_t n;

	if (strncmp(a->path, "src/", 4) != 0)
		return 0;
	base = strrchr(a->path, '/') + 1;
	dir = base - sizeof("migrations/") + 1;
	if (dir < a->path + 4 || strncmp(dir, "migrations/", 11) != 0 || dir[-1] != '/')
		return 0;
	for (p = base; p < base + 4; p++)
		if (*p < '0' || *p > '9')
			return 0;
	if (base[4] != '_')
		return 0;
	n = strlen(base);
	if (n < 10 || strcmp(base + n - 4, ".sql") != 0 || n - 4 >= sizeof(m->name))
		return 0;
	for (p = base + 5; p < base + n - 4; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_'))
			return 0;
	m->number = (base[0] - '0') * 1000 + (base[1] - '0') * 100 + (base[2] - '0') * 10 +
	            (base[3] - '0');
	memcpy(m->name, base, n - 4);
	m->name[n - 4] = '\0';
	m->asset = a;
	return 1;
}

static int by_number(const void *a, const void *b)
{
	const struct migration *x = a, *y = b;

	if (x->number != y->number)
		return x->number < y->number ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* Runs one migration unless it is recorded already; *ran is set when it ran. */
static int apply_one(struct db_conn *c, const struct migration *m, int *ran, struct co_err *e)
{
	int64_t seen;
	int rc;

	*ran = 0;
	rc = db_begin(c, DB_TX_WRITE, e);
	if (rc)
		return rc;
	rc = db_query_int(c, "SELECT COUNT(*) FROM schema_migrations WHERE name = ?",
	                  DB_ARGS(DB_T(m->name)), &seen, e);
	if (rc == 0 && seen == 0) {
		rc = db_exec_script(c, m->asset->data, e);
		if (rc == 0)
			rc = db_exec(
			        c, "INSERT INTO schema_migrations (name, applied_at) VALUES (?, ?)",
			        DB_ARGS(DB_T(m->name), DB_I(time(NULL))), NULL, e);
		if (rc == 0)
			*ran = 1;
	}
	if (rc == 0)
		rc = db_commit(c, e);
	if (rc) {
		db_rollback(c);
		*ran = 0;
		if (e) {
			char msg[CO_MAX_ERRMSG];

			snprintf(msg, sizeof(msg), "%s", e->msg);
			co_errf(e, rc, "migration %s failed: %s", m->asset->path, msg);
		}
	}
	return rc;
}

int db_migrate_from(struct db *db, const struct co_asset *assets, int *applied, struct co_err *e)
{
	struct migration *list = NULL;
	struct db_conn *c = NULL;
	size_t n = 0, cap = 0, i;
	int rc = 0, count = 0, locked = 0;
	const struct co_asset *a;

	for (a = assets; a->path; a++) {
		struct migration m;

		if (!is_migration(a, &m))
			continue;
		if (n == cap) {
			struct migration *grown;

			cap = cap ? cap * 2 : 32;
			grown = realloc(list, cap * sizeof(*list));
			if (!grown) {
				rc = co_errf(e, CO_ENOMEM, "out of memory listing migrations");
				goto out;
			}
			list = grown;
		}
		list[n++] = m;
	}
	if (n)
		qsort(list, n, sizeof(*list), by_number);
	for (i = 1; i < n; i++)
		if (strcmp(list[i - 1].name, list[i].name) == 0) {
			rc = co_errf(e, CO_EINTERNAL, "two migrations are named %s: %s and %s",
			             list[i].name, list[i - 1].asset->path, list[i].asset->path);
			goto out;
		}

	rc = db_acquire(db, &c, e);
	if (rc)
		goto out;
	if (db->kind == DB_POSTGRES) {
		rc = db__pg_lock(c, 1, e);
		if (rc)
			goto out;
		locked = 1;
	}
	/* On SQLite, two processes may race to create the table: IF NOT
	 * EXISTS under the write lock settles it. */
	rc = db_begin(c, DB_TX_WRITE, e);
	if (rc == 0)
		rc = db_exec_script(c,
		                    "CREATE TABLE IF NOT EXISTS schema_migrations ("
		                    " name TEXT PRIMARY KEY, applied_at BIGINT NOT NULL)",
		                    e);
	if (rc == 0)
		rc = db_commit(c, e);
	if (rc) {
		db_rollback(c);
		goto out;
	}
	for (i = 0; i < n; i++) {
		int ran;

		rc = apply_one(c, &list[i], &ran, e);
		if (rc)
			goto out;
		count += ran;
	}
out:
	if (locked)
		db__pg_lock(c, 0, NULL);
	db_release(c);
	free(list);
	if (rc == 0 && applied)
		*applied = count;
	return rc;
}

int db_migrate(struct db *db, int *applied, struct co_err *e)
{
	return db_migrate_from(db, co_assets, applied, e);
}

int db_backup(struct db *db, const char *path, struct co_err *e)
{
	struct db_conn *c;
	int rc;

	if (!path || !*path)
		return co_errf(e, CO_EINPUT, "no backup file given");
	if (db->kind == DB_POSTGRES)
		return db__pg_backup(db, path, e);
	rc = db_acquire(db, &c, e);
	if (rc)
		return rc;
	rc = db__sqlite_backup(db, c, path, e);
	db_release(c);
	return rc;
}
