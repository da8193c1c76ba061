/* cmd_token.c - `collective token create`: a new API token for a user. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "conf/conf.h"
#include "db/db.h"
#include "mod/accounts/acct.h"

static void usage(FILE *out)
{
	fprintf(out, "usage: collective token create --email E [--name NAME] [--db URL]\n"
	             "                                [--config FILE]\n"
	             "\n"
	             "Creates an API token for the user with that email address and prints\n"
	             "it, once: only its hash is stored. Send it as\n"
	             "`Authorization: Bearer TOKEN`. The user can see and revoke it on their\n"
	             "account page.\n"
	             "\n"
	             "  --name NAME    what the token is for (default \"command line\")\n"
	             "  --db URL       sqlite:PATH or postgresql://... (default from the\n"
	             "                 configuration, COLLECTIVE_DB, or sqlite:collective.db)\n"
	             "  --config FILE  an INI configuration file (or COLLECTIVE_CONFIG)\n");
}

int cli_token(int argc, char **argv)
{
	const char *url = NULL, *email_in = NULL, *name = "command line";
	char email[ACCT_EMAIL_MAX + 1], token[ACCT_TOKEN_LEN];
	struct db_conn *c = NULL;
	struct conf cf;
	struct co_err e;
	struct db *db;
	int64_t uid = 0;
	int i, rc;

	if (argc < 2 || cli_wants_help(argc, argv)) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? CLI_USAGE : CLI_OK;
	}
	if (strcmp(argv[1], "create") != 0) {
		fprintf(stderr, "collective token: unknown subcommand '%s'\n", argv[1]);
		usage(stderr);
		return CLI_USAGE;
	}
	for (i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--email") == 0 && i + 1 < argc)
			email_in = argv[++i];
		else if (strcmp(argv[i], "--name") == 0 && i + 1 < argc)
			name = argv[++i];
		else if (strcmp(argv[i], "--db") == 0 && i + 1 < argc)
			url = argv[++i];
		else if (strcmp(argv[i], "--config") == 0 && i + 1 < argc)
			i++;
		else {
			fprintf(stderr, "collective token: unexpected argument '%s'\n", argv[i]);
			usage(stderr);
			return CLI_USAGE;
		}
	}
	if (!email_in) {
		fprintf(stderr, "collective token create: --email is required\n");
		return CLI_USAGE;
	}
	if (conf_load(&cf, conf_arg_path(argc, argv), &e) != 0) {
		fprintf(stderr, "collective token: %s\n", e.msg);
		return CLI_USAGE;
	}
	if (!url)
		url = cf.db_url;
	if (acct_crypto_init() < 0)
		return CLI_FAIL;
	if (acct_email_normalise(email_in, email, &e) < 0) {
		fprintf(stderr, "collective token create: %s\n", e.msg);
		return CLI_USAGE;
	}
	if (db_open(url, 1, &db, &e) != 0) {
		fprintf(stderr, "collective token create: %s\n", e.msg);
		return e.code == CO_EINPUT ? CLI_USAGE : CLI_FAIL;
	}
	rc = db_migrate(db, NULL, &e);
	if (rc == 0)
		rc = db_acquire(db, &c, &e);
	if (rc == 0)
		rc = db_begin(c, DB_TX_WRITE, &e);
	if (rc == 0) {
		rc = db_query_int(c, "SELECT id FROM users WHERE email = ?", DB_ARGS(DB_T(email)),
		                  &uid, &e);
		if (rc == CO_ENOTFOUND)
			co_errf(&e, rc, "no user with the email address %s", email);
	}
	if (rc == 0)
		rc = acct_token_create(c, 0, uid, name, token, NULL, &e);
	if (rc == 0)
		rc = db_commit(c, &e);
	if (c) {
		if (rc < 0)
			db_rollback(c);
		db_release(c);
	}
	db_close(db);
	if (rc < 0) {
		fprintf(stderr, "collective token create: %s\n", e.msg);
		return rc == CO_ENOTFOUND || rc == CO_EINPUT ? CLI_USAGE : CLI_FAIL;
	}
	printf("%s\n", token);
	return CLI_OK;
}
