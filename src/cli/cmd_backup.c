/* cmd_backup.c - `collective backup FILE`: a consistent copy of the database. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "conf/conf.h"
#include "db/db.h"

static void usage(FILE *out)
{
	fprintf(out, "usage: collective backup FILE [--db URL] [--config FILE]\n"
	             "\n"
	             "Writes a consistent copy of the whole database to FILE while the\n"
	             "server keeps running: for SQLite a database file (the online backup),\n"
	             "for PostgreSQL a plain SQL dump made by pg_dump (restore it with psql).\n"
	             "FILE is replaced only when the copy is complete.\n"
	             "\n"
	             "  --db URL        sqlite:PATH or postgresql://... (default from the\n"
	             "                  configuration, COLLECTIVE_DB, or sqlite:collective.db)\n"
	             "  --config FILE   an INI configuration file (or COLLECTIVE_CONFIG)\n");
}

int cli_backup(int argc, char **argv)
{
	const char *url = NULL, *file = NULL;
	struct conf cf;
	struct co_err e;
	struct db *db;
	int i, rc;

	if (cli_wants_help(argc, argv)) {
		usage(stdout);
		return CLI_OK;
	}
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--db") == 0 && i + 1 < argc) {
			url = argv[++i];
		} else if (strncmp(argv[i], "--db=", 5) == 0) {
			url = argv[i] + 5;
		} else if (strcmp(argv[i], "--config") == 0 && i + 1 < argc) {
			i++;
		} else if (strncmp(argv[i], "--config=", 9) == 0) {
			continue;
		} else if (argv[i][0] != '-' && !file) {
			file = argv[i];
		} else {
			fprintf(stderr, "collective backup: unexpected argument '%s'\n", argv[i]);
			usage(stderr);
			return CLI_USAGE;
		}
	}
	if (!file) {
		fprintf(stderr, "collective backup: no FILE given\n");
		usage(stderr);
		return CLI_USAGE;
	}
	if (conf_load(&cf, conf_arg_path(argc, argv), &e) != 0) {
		fprintf(stderr, "collective backup: %s\n", e.msg);
		return CLI_USAGE;
	}
	if (!url)
		url = cf.db_url;
	if (db_open(url, 1, &db, &e) != 0) {
		fprintf(stderr, "collective backup: %s\n", e.msg);
		return e.code == CO_EINPUT ? CLI_USAGE : CLI_FAIL;
	}
	rc = db_backup(db, file, &e);
	if (rc != 0)
		fprintf(stderr, "collective backup: %s\n", e.msg);
	else
		printf("wrote a backup of %s to %s\n", db_url_safe(db), file);
	db_close(db);
	return rc ? CLI_FAIL : CLI_OK;
}
