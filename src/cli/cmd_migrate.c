/* cmd_migrate.c - `collective migrate`: brings the database schema up to date. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "conf/conf.h"
#include "db/db.h"

static void usage(FILE *out)
{
	fprintf(out, "usage: collective migrate [--db URL] [--config FILE]\n"
	             "\n"
	             "Applies every database migration not yet applied, each in its own\n"
	             "transaction. Safe to run again, and from several processes at once.\n"
	             "\n"
	             "  --db URL        sqlite:PATH or postgresql://... (default from the\n"
	             "                  configuration, COLLECTIVE_DB, or sqlite:collective.db)\n"
	             "  --config FILE   an INI configuration file (or COLLECTIVE_CONFIG)\n");
}

int cli_migrate(int argc, char **argv)
{
	const char *url = NULL;
	struct conf cf;
	struct co_err e;
	struct db *db;
	int i, applied, rc;

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
		} else {
			fprintf(stderr, "collective migrate: unexpected argument '%s'\n", argv[i]);
			usage(stderr);
			return CLI_USAGE;
		}
	}
	if (conf_load(&cf, conf_arg_path(argc, argv), &e) != 0) {
		fprintf(stderr, "collective migrate: %s\n", e.msg);
		return CLI_USAGE;
	}
	if (!url)
		url = cf.db_url;
	if (db_open(url, 1, &db, &e) != 0) {
		fprintf(stderr, "collective migrate: %s\n", e.msg);
		return e.code == CO_EINPUT ? CLI_USAGE : CLI_FAIL;
	}
	rc = db_migrate(db, &applied, &e);
	if (rc != 0)
		fprintf(stderr, "collective migrate: %s\n", e.msg);
	else if (applied)
		printf("applied %d migration%s to %s\n", applied, applied == 1 ? "" : "s",
		       db_url_safe(db));
	else
		printf("%s is up to date\n", db_url_safe(db));
	db_close(db);
	return rc ? CLI_FAIL : CLI_OK;
}
