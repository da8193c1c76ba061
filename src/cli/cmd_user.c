/* cmd_user.c - `collective user add` and `collective user import`: user
 * accounts from the command line (audited as the command line's doing). */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "base/buf.h"
#include "cli/cli.h"
#include "conf/conf.h"
#include "db/db.h"
#include "mod/accounts/acct.h"
#include "web/web.h"

static void usage(FILE *out)
{
	fprintf(out,
	        "usage: collective user add --email E --name N [--org CODE --role ROLE]\n"
	        "                           [--password-stdin] [--db URL] [--config FILE]\n"
	        "       collective user import FILE.csv [--db URL] [--config FILE]\n"
	        "\n"
	        "add     creates one account. --role is member or org_lead with --org (the\n"
	        "        organisation's code), or programme_admin or planner without it.\n"
	        "        With --password-stdin the first line of standard input is the\n"
	        "        password (at least %d characters); without it the account has no\n"
	        "        password until its owner resets it.\n"
	        "import  creates every account of a CSV file with the header\n"
	        "        email,name,org,role (org and role may be empty): all of them, or\n"
	        "        none when any row is wrong (every error is listed by row and column).\n"
	        "\n"
	        "  --db URL       sqlite:PATH or postgresql://... (default from the\n"
	        "                 configuration, COLLECTIVE_DB, or sqlite:collective.db)\n"
	        "  --config FILE  an INI configuration file (or COLLECTIVE_CONFIG)\n",
	        ACCT_PASSWORD_MIN);
}

static int cli_user_import(const char *url, const char *file);

/* The account, its password and its membership, in one transaction. */
static int add_user(struct db *db, const char *email, const char *name, const char *password,
                    const char *org, const char *role, int64_t *uid, struct co_err *e)
{
	struct db_conn *c;
	int64_t org_id = 0;
	int rc;

	if ((rc = db_acquire(db, &c, e)) < 0)
		return rc;
	if ((rc = db_begin(c, DB_TX_WRITE, e)) < 0)
		goto out;
	if (org) {
		rc = db_query_int(c, "SELECT id FROM organisations WHERE code = ?",
		                  DB_ARGS(DB_T(org)), &org_id, e);
		if (rc == CO_ENOTFOUND)
			rc = co_errf_at(e, CO_EINPUT, 0, 0, "org",
			                "no organisation with the code %s", org);
	}
	if (rc == 0)
		rc = acct_user_create(c, 0, email, name, password, NULL, uid, e);
	if (rc == 0 && role)
		rc = acct_membership_add(c, 0, *uid, org ? WEB_SCOPE_ORG : WEB_SCOPE_GLOBAL, org_id,
		                         role, e);
	if (rc == 0)
		rc = db_commit(c, e);
out:
	if (rc < 0)
		db_rollback(c);
	db_release(c);
	return rc;
}

static int check_role(const char *org, const char *role, struct co_err *e)
{
	if (!role)
		return org ? co_errf_at(e, CO_EINPUT, 0, 0, "role", "--org needs --role") : 0;
	if (org && strcmp(role, "member") != 0 && strcmp(role, "org_lead") != 0)
		return co_errf_at(e, CO_EINPUT, 0, 0, "role",
		                  "a role in an organisation is member or org_lead");
	if (!org && strcmp(role, "programme_admin") != 0 && strcmp(role, "planner") != 0)
		return co_errf_at(e, CO_EINPUT, 0, 0, "role",
		                  "without --org the role is programme_admin or planner");
	return 0;
}

int cli_user(int argc, char **argv)
{
	const char *url = NULL, *email = NULL, *name = NULL, *org = NULL, *role = NULL;
	const char *file = NULL;
	char password[ACCT_PASSWORD_MAX_BYTES + 2];
	int from_stdin = 0, i, rc;
	struct conf cf;
	struct co_err e;
	struct db *db;
	int64_t uid = 0;

	if (argc < 2 || cli_wants_help(argc, argv)) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? CLI_USAGE : CLI_OK;
	}
	if (strcmp(argv[1], "add") != 0 && strcmp(argv[1], "import") != 0) {
		fprintf(stderr, "collective user: unknown subcommand '%s'\n", argv[1]);
		usage(stderr);
		return CLI_USAGE;
	}
	for (i = 2; i < argc; i++) {
		const char **dst = NULL;

		if (strcmp(argv[i], "--db") == 0)
			dst = &url;
		else if (strcmp(argv[i], "--email") == 0)
			dst = &email;
		else if (strcmp(argv[i], "--name") == 0)
			dst = &name;
		else if (strcmp(argv[i], "--org") == 0)
			dst = &org;
		else if (strcmp(argv[i], "--role") == 0)
			dst = &role;
		else if (strcmp(argv[i], "--config") == 0 && i + 1 < argc) {
			i++;
			continue;
		} else if (strcmp(argv[i], "--password-stdin") == 0) {
			from_stdin = 1;
			continue;
		} else if (argv[i][0] != '-' && !file && strcmp(argv[1], "import") == 0) {
			file = argv[i];
			continue;
		}
		if (!dst || i + 1 >= argc) {
			fprintf(stderr, "collective user: unexpected argument '%s'\n", argv[i]);
			usage(stderr);
			return CLI_USAGE;
		}
		*dst = argv[++i];
	}
	if (conf_load(&cf, conf_arg_path(argc, argv), &e) != 0) {
		fprintf(stderr, "collective user: %s\n", e.msg);
		return CLI_USAGE;
	}
	if (!url)
		url = cf.db_url;
	if (acct_crypto_init() < 0)
		return CLI_FAIL;
	if (strcmp(argv[1], "import") == 0) {
		if (!file) {
			fprintf(stderr, "collective user import: name a CSV file\n");
			return CLI_USAGE;
		}
		return cli_user_import(url, file);
	}
	if (!email || !name) {
		fprintf(stderr, "collective user add: --email and --name are required\n");
		return CLI_USAGE;
	}
	if (check_role(org, role, &e) < 0) {
		fprintf(stderr, "collective user add: %s\n", e.msg);
		return CLI_USAGE;
	}
	if (from_stdin && cli_read_password(password, sizeof(password)) < 0) {
		fprintf(stderr, "collective user add: no password on standard input\n");
		return CLI_USAGE;
	}
	if (db_open(url, 1, &db, &e) != 0) {
		fprintf(stderr, "collective user add: %s\n", e.msg);
		return e.code == CO_EINPUT ? CLI_USAGE : CLI_FAIL;
	}
	rc = db_migrate(db, NULL, &e);
	if (rc == 0)
		rc = add_user(db, email, name, from_stdin ? password : NULL, org, role, &uid, &e);
	sodium_memzero(password, sizeof(password));
	db_close(db);
	if (rc < 0) {
		char msg[CO_MAX_ERRMSG + 80];

		co_err_format(&e, msg, sizeof(msg));
		fprintf(stderr, "collective user add: %s\n", msg);
		return rc == CO_EINPUT || rc == CO_ECONFLICT ? CLI_USAGE : CLI_FAIL;
	}
	printf("added user %lld <%s>\n", (long long)uid, email);
	return CLI_OK;
}

static void report(const struct co_err *e, void *arg)
{
	char msg[CO_MAX_ERRMSG + 80];

	co_err_format(e, msg, sizeof(msg));
	fprintf(stderr, "%s: %s\n", (const char *)arg, msg);
}

static int cli_user_import(const char *url, const char *file)
{
	struct co_buf b;
	struct co_err e;
	struct db *db;
	char chunk[65536];
	size_t n;
	int rc, created = 0;
	FILE *f = fopen(file, "rb");

	if (!f) {
		fprintf(stderr, "collective user import: cannot open %s\n", file);
		return CLI_USAGE;
	}
	co_buf_init(&b, CO_MAX_FILE);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		if (co_buf_add(&b, chunk, n) < 0) {
			fprintf(stderr, "collective user import: %s is too big\n", file);
			fclose(f);
			co_buf_free(&b);
			return CLI_USAGE;
		}
	fclose(f);
	if (db_open(url, 1, &db, &e) != 0) {
		fprintf(stderr, "collective user import: %s\n", e.msg);
		co_buf_free(&b);
		return e.code == CO_EINPUT ? CLI_USAGE : CLI_FAIL;
	}
	rc = db_migrate(db, NULL, &e);
	if (rc == 0)
		rc = acct_user_import(db, b.data ? b.data : "", b.len, &created, report,
		                      (void *)file, &e);
	db_close(db);
	co_buf_free(&b);
	if (rc < 0) {
		fprintf(stderr, "collective user import: %s: %s\n", file, e.msg);
		return rc == CO_EINPUT || rc == CO_ELIMIT ? CLI_USAGE : CLI_FAIL;
	}
	printf("imported %d account%s from %s\n", created, created == 1 ? "" : "s", file);
	return CLI_OK;
}
