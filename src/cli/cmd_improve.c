/* cmd_improve.c - `collective improve`: the Improve module from the command
 * line. `improve import FILE.csv` loads measure data from a CSV file, all of
 * it or, when any row is wrong, none of it, listing every error. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/arena.h"
#include "base/limits.h"
#include "cli/cli.h"
#include "conf/conf.h"
#include "db/db.h"
#include "mod/improve/imp_data.h"
#include "mod/improve/imp_store.h"

static void usage(FILE *out)
{
	fprintf(out,
	        "usage: collective improve import FILE.csv --collaborative SLUG [--team CODE]\n"
	        "                                  [--dry-run] [--db URL] [--config FILE]\n"
	        "\n"
	        "Loads measure data for a collaborative's teams from a CSV file (\"-\" reads\n"
	        "standard input). Columns, named in the header in any order: team, measure,\n"
	        "period, value, numerator, denominator, stratum, group, notes. A row with\n"
	        "stratum and group empty is a team's value for a period; a row with both is\n"
	        "one group's share of it, and the groups must add up to the team's value.\n"
	        "Periods are YYYY-MM for monthly measures and the Monday YYYY-MM-DD for\n"
	        "weekly ones. A value already stored for the same measure, team and period\n"
	        "is replaced.\n"
	        "\n"
	        "Nothing is stored unless every row is right: otherwise every error is\n"
	        "listed on standard error with its row, column and column name, and the\n"
	        "exit status is 2.\n"
	        "\n"
	        "  --collaborative SLUG  the collaborative the data belong to\n"
	        "  --team CODE     every row is this team's (the team column may be left out)\n"
	        "  --dry-run       check the file and store nothing\n"
	        "  --db URL        sqlite:PATH or postgresql://... (default from the\n"
	        "                  configuration, COLLECTIVE_DB, or sqlite:collective.db)\n"
	        "  --config FILE   an INI configuration file (or COLLECTIVE_CONFIG)\n");
}

static char *read_all(const char *path, size_t *len, struct co_err *e)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	char *buf = NULL, *grown;
	size_t n = 0, cap = 0, got;

	if (!f) {
		co_errf(e, CO_EIO, "cannot open %s", path);
		return NULL;
	}
	for (;;) {
		if (n == cap) {
			cap = cap ? cap * 2 : 65536;
			if (cap > CO_MAX_FILE) {
				co_errf(e, CO_ELIMIT, "%s is larger than %lu bytes", path,
				        (unsigned long)CO_MAX_FILE);
				free(buf);
				buf = NULL;
				break;
			}
			if (!(grown = realloc(buf, cap))) {
				co_errf(e, CO_ENOMEM, "out of memory");
				free(buf);
				buf = NULL;
				break;
			}
			buf = grown;
		}
		got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (got == 0) {
			if (ferror(f)) {
				co_errf(e, CO_EIO, "cannot read %s", path);
				free(buf);
				buf = NULL;
			}
			break;
		}
	}
	if (f != stdin)
		fclose(f);
	*len = n;
	return buf;
}

static void print_errors(const struct imp_errs *errs)
{
	char line[CO_MAX_ERRMSG + 128];
	int i;

	for (i = 0; i < errs->n; i++) {
		co_err_format(&errs->v[i], line, sizeof(line));
		fprintf(stderr, "%s\n", line);
	}
	if (errs->more)
		fprintf(stderr, "... and %ld more errors\n", errs->more);
}

static int cmd_import(int argc, char **argv)
{
	const char *file = NULL, *slug = NULL, *team = NULL, *url = NULL;
	int dry = 0, i, rc, n = 0, status = CLI_FAIL;
	struct conf cf;
	struct co_err e;
	struct db *db = NULL;
	struct db_conn *c = NULL;
	struct co_arena a;
	struct imp_errs errs;
	struct imp_catalog cat;
	struct imp_table t;
	struct imp_point *pts = NULL;
	int64_t collab = 0, team_id = 0;
	int32_t today;
	char *data = NULL;
	size_t len = 0;
	time_t now = time(NULL);
	struct tm tm;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--collaborative") == 0 && i + 1 < argc)
			slug = argv[++i];
		else if (strcmp(argv[i], "--team") == 0 && i + 1 < argc)
			team = argv[++i];
		else if (strcmp(argv[i], "--db") == 0 && i + 1 < argc)
			url = argv[++i];
		else if (strncmp(argv[i], "--db=", 5) == 0)
			url = argv[i] + 5;
		else if (strcmp(argv[i], "--config") == 0 && i + 1 < argc)
			i++;
		else if (strncmp(argv[i], "--config=", 9) == 0)
			continue;
		else if (strcmp(argv[i], "--dry-run") == 0)
			dry = 1;
		else if ((argv[i][0] != '-' || strcmp(argv[i], "-") == 0) && !file)
			file = argv[i];
		else {
			fprintf(stderr, "collective improve import: unexpected argument '%s'\n",
			        argv[i]);
			usage(stderr);
			return CLI_USAGE;
		}
	}
	if (!file || !slug) {
		fprintf(stderr,
		        "collective improve import: a FILE and --collaborative are needed\n");
		usage(stderr);
		return CLI_USAGE;
	}
	if (conf_load(&cf, conf_arg_path(argc, argv), &e) != 0) {
		fprintf(stderr, "collective improve import: %s\n", e.msg);
		return CLI_USAGE;
	}
	if (!url)
		url = cf.db_url;
	gmtime_r(&now, &tm);
	today = imp_days_from_civil(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
	co_arena_init(&a, 0);
	imp_errs_init(&errs);
	if (!(data = read_all(file, &len, &e))) {
		fprintf(stderr, "collective improve import: %s\n", e.msg);
		status = e.code == CO_EIO ? CLI_USAGE : CLI_FAIL;
		goto out;
	}
	if (db_open(url, 1, &db, &e) != 0 || db_acquire(db, &c, &e) != 0) {
		fprintf(stderr, "collective improve import: %s\n", e.msg);
		status = e.code == CO_EINPUT ? CLI_USAGE : CLI_FAIL;
		goto out;
	}
	if ((rc = imp_store_collab_find(c, slug, &collab, &e)) < 0 ||
	    (rc = imp_store_catalog(c, collab, today, &a, &cat, &e)) < 0) {
		fprintf(stderr, "collective improve import: %s\n", e.msg);
		status = rc == CO_ENOTFOUND ? CLI_USAGE : CLI_FAIL;
		goto out;
	}
	if (team) {
		for (i = 0; i < cat.nteams; i++)
			if (strcmp(cat.teams[i].code, team) == 0)
				team_id = cat.teams[i].id;
		if (!team_id) {
			fprintf(stderr, "collective improve import: no team '%s' in %s\n", team,
			        slug);
			status = CLI_USAGE;
			goto out;
		}
	}
	rc = imp_table_read(data, len, &a, &t, &errs);
	if (rc == 0)
		rc = imp_csv_validate(&cat, team_id, &t, &a, &pts, &n, &errs);
	if (rc == CO_EINPUT) {
		print_errors(&errs);
		fprintf(stderr, "collective improve import: nothing stored: %d error%s in %s\n",
		        errs.n, errs.n == 1 ? "" : "s", file);
		status = CLI_USAGE;
		goto out;
	}
	if (rc < 0) {
		fprintf(stderr, "collective improve import: %s\n", co_code_name(rc));
		goto out;
	}
	if (dry) {
		printf("%s is valid: %d value%s would be stored\n", file, n, n == 1 ? "" : "s");
		status = CLI_OK;
		goto out;
	}
	if (db_begin(c, DB_TX_WRITE, &e) < 0 ||
	    imp_store_save_points(c, 0, pts, n, (int64_t)now, &e) < 0 || db_commit(c, &e) < 0) {
		fprintf(stderr, "collective improve import: %s\n", e.msg);
		goto out;
	}
	printf("stored %d value%s from %s\n", n, n == 1 ? "" : "s", file);
	status = CLI_OK;
out:
	if (c)
		db_release(c);
	if (db)
		db_close(db);
	imp_errs_free(&errs);
	co_arena_free(&a);
	free(data);
	return status;
}

int cli_improve(int argc, char **argv)
{
	if (argc < 2 || (argc == 2 && cli_wants_help(argc, argv))) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? CLI_USAGE : CLI_OK;
	}
	if (strcmp(argv[1], "import") == 0) {
		if (cli_wants_help(argc - 1, argv + 1)) {
			usage(stdout);
			return CLI_OK;
		}
		return cmd_import(argc - 1, argv + 1);
	}
	fprintf(stderr, "collective improve: unknown subcommand '%s'\n", argv[1]);
	usage(stderr);
	return CLI_USAGE;
}
