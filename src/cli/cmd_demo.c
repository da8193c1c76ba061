/* cmd_demo.c - `collective demo`: loads the demonstration data (the
 * organisations of NHS Wales and its partners, one account per role) into
 * an empty database. */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "cli/cli.h"
#include "conf/conf.h"
#include "db/db.h"
#include "mod/accounts/acct.h"
#include "web/web.h"

static void usage(FILE *out)
{
	fprintf(out,
	        "usage: collective demo [--db URL] [--config FILE] [--password-stdin]\n"
	        "\n"
	        "Brings the schema up to date and loads the demonstration data into an\n"
	        "empty database: the organisations of NHS Wales, its local authorities,\n"
	        "third-sector bodies and universities, and one account per role\n"
	        "(ROLE@demo.collective.test). A database that already holds organisations\n"
	        "or users is refused and left as it was.\n"
	        "\n"
	        "Every demo account gets the same password: the first line of standard\n"
	        "input with --password-stdin (at least %d characters), or a random one\n"
	        "that is printed.\n"
	        "\n"
	        "  --db URL          sqlite:PATH or postgresql://... (default from the\n"
	        "                    configuration, COLLECTIVE_DB, or sqlite:collective.db)\n"
	        "  --config FILE     an INI configuration file (or COLLECTIVE_CONFIG)\n"
	        "  --password-stdin  read the password from standard input\n",
	        ACCT_PASSWORD_MIN);
}

int cli_read_password(char *buf, size_t size)
{
	size_t n;

	if (!fgets(buf, (int)size, stdin))
		return -1;
	n = strcspn(buf, "\r\n");
	if (buf[n] == '\0' && n == size - 1)
		return -1; /* longer than the buffer */
	buf[n] = '\0';
	return 0;
}

int cli_demo(int argc, char **argv)
{
	const char *url = NULL;
	int from_stdin = 0, i, rc, applied = 0;
	char password[ACCT_PASSWORD_MAX_BYTES + 2];
	struct conf cf;
	struct co_err e;
	struct db *db;

	if (cli_wants_help(argc, argv)) {
		usage(stdout);
		return CLI_OK;
	}
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--db") == 0 && i + 1 < argc)
			url = argv[++i];
		else if (strncmp(argv[i], "--db=", 5) == 0)
			url = argv[i] + 5;
		else if (strcmp(argv[i], "--config") == 0 && i + 1 < argc)
			i++;
		else if (strncmp(argv[i], "--config=", 9) == 0)
			continue;
		else if (strcmp(argv[i], "--password-stdin") == 0)
			from_stdin = 1;
		else {
			fprintf(stderr, "collective demo: unexpected argument '%s'\n", argv[i]);
			usage(stderr);
			return CLI_USAGE;
		}
	}
	if (conf_load(&cf, conf_arg_path(argc, argv), &e) != 0) {
		fprintf(stderr, "collective demo: %s\n", e.msg);
		return CLI_USAGE;
	}
	if (!url)
		url = cf.db_url;
	if (acct_crypto_init() < 0)
		return CLI_FAIL;
	if (from_stdin) {
		if (cli_read_password(password, sizeof(password)) < 0) {
			fprintf(stderr, "collective demo: no password on standard input\n");
			return CLI_USAGE;
		}
		if (acct_password_check(password, NULL, &e) < 0) {
			fprintf(stderr, "collective demo: %s\n", e.msg);
			return CLI_USAGE;
		}
	} else {
		/* 16 random characters from an unambiguous alphabet */
		static const char abc[] = "abcdefghjkmnpqrstuvwxyz23456789";

		for (i = 0; i < 16; i++)
			password[i] = abc[randombytes_uniform(sizeof(abc) - 1)];
		password[16] = '\0';
	}
	if (db_open(url, 1, &db, &e) != 0) {
		fprintf(stderr, "collective demo: %s\n", e.msg);
		return e.code == CO_EINPUT ? CLI_USAGE : CLI_FAIL;
	}
	rc = db_migrate(db, &applied, &e);
	/* Each module loads its own, accounts (organisations, people) first. */
	for (i = 0; rc == 0 && web_modules[i]; i++)
		if (web_modules[i]->demo)
			rc = web_modules[i]->demo(db, password, &e);
	if (rc != 0) {
		fprintf(stderr, "collective demo: %s\n", e.msg);
		db_close(db);
		sodium_memzero(password, sizeof(password));
		return rc == CO_ECONFLICT ? CLI_USAGE : CLI_FAIL;
	}
	printf("loaded the demo data into %s\n", db_url_safe(db));
	printf("demo accounts (every one with the same password):\n");
	for (i = 0; acct_demo_users[i].email; i++)
		printf("  %-36s %s: %s\n", acct_demo_users[i].email, acct_demo_users[i].name,
		       acct_demo_users[i].what);
	if (!from_stdin)
		printf("password: %s\n", password);
	sodium_memzero(password, sizeof(password));
	db_close(db);
	return CLI_OK;
}
