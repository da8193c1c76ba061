/* cmd_jobs.c - `collective jobs run`: the periodic work of the modules
 * (run it from cron every few minutes; several runners at once are safe). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "conf/conf.h"
#include "db/db.h"
#include "mod/exchange/ex_notify.h"
#include "mod/exchange/exchange.h"
#include "web/web.h"

static void usage(FILE *out)
{
	fprintf(out, "usage: collective jobs run [--db URL] [--config FILE] [--now UNIX_SECONDS]\n"
	             "\n"
	             "Does the periodic work: expires place offers that ran out and offers the\n"
	             "places to the next on each waiting list, releases unused nomination places\n"
	             "on their date, deletes dietary and access needs past their date, and\n"
	             "queues the due emails (confirmations, offers, reminders the day before,\n"
	             "changes) in the outbox for `collective outbox --send`.\n"
	             "\n"
	             "  --db URL        sqlite:PATH or postgresql://... (default from the\n"
	             "                  configuration, COLLECTIVE_DB, or sqlite:collective.db)\n"
	             "  --config FILE   an INI configuration file (or COLLECTIVE_CONFIG)\n"
	             "  --now SECONDS   act as if it were this time (for testing)\n");
}

int cli_jobs(int argc, char **argv)
{
	const char *url = NULL;
	struct ex_jobs_report rep = {0};
	int64_t now = web_now();
	struct conf cf;
	struct co_err e;
	struct db *db;
	int i, rc;

	if (cli_wants_help(argc, argv)) {
		usage(stdout);
		return CLI_OK;
	}
	if (argc < 2 || strcmp(argv[1], "run") != 0) {
		usage(stderr);
		return CLI_USAGE;
	}
	for (i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--db") == 0 && i + 1 < argc) {
			url = argv[++i];
		} else if (strncmp(argv[i], "--db=", 5) == 0) {
			url = argv[i] + 5;
		} else if (strcmp(argv[i], "--config") == 0 && i + 1 < argc) {
			i++;
		} else if (strncmp(argv[i], "--config=", 9) == 0) {
			continue;
		} else if (strcmp(argv[i], "--now") == 0 && i + 1 < argc) {
			char *end;
			long long v = strtoll(argv[++i], &end, 10);

			if (*end || v <= 0) {
				fprintf(stderr, "collective jobs: --now needs Unix seconds\n");
				return CLI_USAGE;
			}
			now = v;
		} else {
			fprintf(stderr, "collective jobs: unexpected argument '%s'\n", argv[i]);
			usage(stderr);
			return CLI_USAGE;
		}
	}
	if (conf_load(&cf, conf_arg_path(argc, argv), &e) != 0) {
		fprintf(stderr, "collective jobs: %s\n", e.msg);
		return CLI_USAGE;
	}
	if (!url)
		url = cf.db_url;
	if (db_open(url, 2, &db, &e) != 0) {
		fprintf(stderr, "collective jobs: %s\n", e.msg);
		return e.code == CO_EINPUT ? CLI_USAGE : CLI_FAIL;
	}
	rc = db_migrate(db, NULL, &e);
	if (rc == 0)
		rc = ex_jobs(db, cf.base_url, cf.smtp_from, now, &rep, &e);
	db_close(db);
	if (rc < 0) {
		fprintf(stderr, "collective jobs: %s\n", e.msg);
		return CLI_FAIL;
	}
	printf("offers expired: %d\nprogrammes whose unused places were released: %d\n"
	       "needs deleted: %d\nemails queued: %d\n",
	       rep.offers_expired, rep.programmes_released, rep.needs_deleted, rep.emails);
	return CLI_OK;
}
