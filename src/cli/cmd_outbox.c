/* cmd_outbox.c - `collective outbox`: lists the queued emails; with --send,
 * sends them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "conf/conf.h"
#include "db/db.h"
#include "mod/accounts/acct.h"

static void usage(FILE *out)
{
	fprintf(out, "usage: collective outbox [--send] [--dir DIR] [--db URL] [--config FILE]\n"
	             "\n"
	             "Lists the emails waiting in the outbox (id, queued at, to, subject).\n"
	             "With --send, sends each one and marks it sent; one that fails stays queued\n"
	             "with its error, for the next run.\n"
	             "\n"
	             "Sending uses SMTP when a host is configured ([smtp] host and port, or\n"
	             "COLLECTIVE_SMTP_HOST and COLLECTIVE_SMTP_PORT; from [smtp] from): plain\n"
	             "SMTP without TLS or login, so point it at a local relay. Without a host,\n"
	             "each email is written as DIR/ID.eml (RFC 5322), DIR being --dir,\n"
	             "COLLECTIVE_OUTBOX_DIR, or ./outbox.\n"
	             "\n"
	             "  --db URL       sqlite:PATH or postgresql://... (default from the\n"
	             "                 configuration, COLLECTIVE_DB, or sqlite:collective.db)\n"
	             "  --config FILE  an INI configuration file (or COLLECTIVE_CONFIG)\n");
}

int cli_outbox(int argc, char **argv)
{
	const char *url = NULL, *dir = NULL;
	struct acct_mail_conf mc = {0};
	int send = 0, i, rc, sent = 0, failed = 0;
	struct conf cf;
	struct co_err e;
	struct db *db;

	if (cli_wants_help(argc, argv)) {
		usage(stdout);
		return CLI_OK;
	}
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--send") == 0)
			send = 1;
		else if (strcmp(argv[i], "--dir") == 0 && i + 1 < argc)
			dir = argv[++i];
		else if (strcmp(argv[i], "--db") == 0 && i + 1 < argc)
			url = argv[++i];
		else if (strncmp(argv[i], "--db=", 5) == 0)
			url = argv[i] + 5;
		else if (strcmp(argv[i], "--config") == 0 && i + 1 < argc)
			i++;
		else {
			fprintf(stderr, "collective outbox: unexpected argument '%s'\n", argv[i]);
			usage(stderr);
			return CLI_USAGE;
		}
	}
	if (conf_load(&cf, conf_arg_path(argc, argv), &e) != 0) {
		fprintf(stderr, "collective outbox: %s\n", e.msg);
		return CLI_USAGE;
	}
	if (!url)
		url = cf.db_url;
	if (!dir)
		dir = getenv("COLLECTIVE_OUTBOX_DIR");
	mc.smtp_host = cf.smtp_host;
	mc.smtp_port = cf.smtp_port;
	mc.from = cf.smtp_from;
	mc.dir = dir && *dir ? dir : "outbox";
	if (db_open(url, 1, &db, &e) != 0) {
		fprintf(stderr, "collective outbox: %s\n", e.msg);
		return e.code == CO_EINPUT ? CLI_USAGE : CLI_FAIL;
	}
	rc = db_migrate(db, NULL, &e);
	if (rc == 0)
		rc = acct_outbox_run(db, &mc, send, stdout, &sent, &failed, &e);
	db_close(db);
	if (rc < 0) {
		fprintf(stderr, "collective outbox: %s\n", e.msg);
		return CLI_FAIL;
	}
	if (send)
		printf("sent %d, failed %d%s%s\n", sent, failed,
		       mc.smtp_host[0] ? "" : ", written to ", mc.smtp_host[0] ? "" : mc.dir);
	return failed ? CLI_FAIL : CLI_OK;
}
