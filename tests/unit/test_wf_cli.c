/* Tests of `collective wf` (src/cli/cmd_wf.c): exit status, nothing on
 * stdout for bad input, --help everywhere, and the shapes of the outputs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

#include "cli/cli.h"

/* main.c is not in the library; the tests provide what it does. */
int cli_wants_help(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++)
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
			return 1;
	return 0;
}

static char out[1 << 20];
static char dir[64];

/* Runs `collective wf ARGS...` (NULL-terminated) with stdout and stderr
 * captured; returns the exit status; out holds stdout. */
static int run(const char *first, ...)
{
	char *argv[32];
	char path[128], errpath[128];
	va_list ap;
	int argc = 0, rc, fd, saved, saved_err, efd;
	FILE *f;
	size_t n;

	argv[argc++] = (char *)"wf";
	argv[argc++] = (char *)first;
	va_start(ap, first);
	while (argc < 31 && (argv[argc] = va_arg(ap, char *)))
		argc++;
	va_end(ap);
	argv[argc] = NULL;
	snprintf(path, sizeof(path), "%s/stdout", dir);
	snprintf(errpath, sizeof(errpath), "%s/stderr", dir);
	fflush(stdout);
	fflush(stderr);
	saved = dup(1);
	saved_err = dup(2);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	efd = open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0 && efd >= 0);
	dup2(fd, 1);
	dup2(efd, 2);
	rc = cli_wf(argc, argv);
	fflush(stdout);
	fflush(stderr);
	dup2(saved, 1);
	dup2(saved_err, 2);
	close(fd);
	close(efd);
	close(saved);
	close(saved_err);
	f = fopen(path, "r");
	assert_non_null(f);
	n = fread(out, 1, sizeof(out) - 1, f);
	out[n] = '\0';
	fclose(f);
	return rc;
}

static char model[128], bad_model[128];

static int setup(void **state)
{
	FILE *f;

	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/wf-cli-XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(model, sizeof(model), "%s/model.json", dir);
	snprintf(bad_model, sizeof(bad_model), "%s/bad.json", dir);
	f = fopen(model, "w");
	assert_non_null(f);
	fputs("{\"base_year\": 2025, \"horizon\": 3, \"age_min\": 20, \"age_max\": 24,"
	      " \"professions\": [{\"code\": \"ot\", \"name\": \"Occupational therapy\","
	      "  \"stock\": [{\"group\": \"g1\", \"age\": \"20-24\", \"headcount\": 50},"
	      "            {\"group\": \"g2\", \"age\": \"22\", \"headcount\": 10}],"
	      "  \"fte_ratio\": [{\"age\": \"20-24\", \"ratio\": 1}],"
	      "  \"leaver_rate\": [{\"age\": \"20-24\", \"rate\": 0.1}],"
	      "  \"demand\": {\"method\": \"growth\", \"vacancies\": 5}}],"
	      " \"scenarios\": [{\"name\": \"keep\", \"changes\": [{\"set\": \"ot.leaver_rate\", "
	      "\"value\": 0.05}]}],"
	      " \"uncertainty\": [{\"param\": \"ot.leaver_rate\", \"dist\": \"beta\", \"sd\": "
	      "0.02}]}",
	      f);
	fclose(f);
	f = fopen(bad_model, "w");
	assert_non_null(f);
	fputs("{\"base_year\": 2025, \"horizon\": 3, \"age_min\": 20, \"age_max\": 24,"
	      " \"professions\": [{\"code\": \"ot\","
	      "  \"stock\": [{\"group\": \"g1\", \"age\": \"20-24\", \"headcount\": 50}],"
	      "  \"fte_ratio\": [{\"age\": \"20-24\", \"ratio\": 1}],"
	      "  \"leaver_rate\": [{\"age\": \"20-23\", \"rate\": 0.1}],"
	      "  \"demand\": {\"method\": \"growth\", \"vacancies\": 5}}]}",
	      f);
	fclose(f);
	return 0;
}

static void help_everywhere(void **state)
{
	(void)state;
	assert_int_equal(run("--help", NULL), 0);
	assert_non_null(strstr(out, "commission"));
	assert_int_equal(run("project", "--help", NULL), 0);
	assert_non_null(strstr(out, "--scenario"));
	assert_int_equal(run("commission", "--help", NULL), 0);
	assert_int_equal(run("manpower", "--help", NULL), 0);
	assert_int_equal(run("wisn", "--help", NULL), 0);
	assert_int_equal(run("nonsense", NULL), 2);
}

static void project_csv_rows(void **state)
{
	(void)state;
	assert_int_equal(run("project", model, "--format", "csv", NULL), 0);
	assert_true(strncmp(out,
	                    "scenario,profession,group,year,headcount,fte,leavers,joiners,"
	                    "graduates,entrants,returners,demand,gap\n",
	                    100) == 0);
	assert_non_null(strstr(out, "\nbase,ot,g1,2025,50,50,14,0,,,,,\n"));
	assert_non_null(strstr(out, "\nbase,ot,g2,2025,10,10,1,0,,,,,\n"));
	assert_non_null(strstr(out, "\nbase,ot,*,2025,60,60,15,0,0,0,0,65,5\n"));
	assert_int_equal(
	        run("project", model, "--scenario", "keep", "--scenario", "base", "--diff", NULL),
	        0);
	assert_non_null(strstr(out, "\nkeep,ot,*,2025,60,60,12.5,0,"));
	assert_non_null(strstr(out, "\nkeep-base,ot,*,2025,0,0,-2.5,0,"));
	assert_int_equal(run("project", model, "--format", "json", NULL), 0);
	assert_non_null(strstr(out, "\"columns\":[\"headcount\""));
}

static void project_monte_carlo(void **state)
{
	char a[sizeof(out)];
	char svg[160];
	FILE *f;

	(void)state;
	snprintf(svg, sizeof(svg), "%s/fan.svg", dir);
	assert_int_equal(run("project", model, "--draws", "200", "--seed", "3", "--svg", svg, NULL),
	                 0);
	assert_non_null(strstr(out, "scenario,profession,group,year,percentile,headcount"));
	assert_non_null(strstr(out, "\nbase,ot,*,2026,95,"));
	memcpy(a, out, sizeof(out));
	assert_int_equal(run("project", model, "--draws", "200", "--seed", "3", NULL), 0);
	assert_string_equal(a, out);
	f = fopen(svg, "r");
	assert_non_null(f);
	assert_true(fread(a, 1, 5, f) == 5 && strncmp(a, "<svg ", 5) == 0);
	fclose(f);
}

static void bad_input_exits_2_and_writes_nothing(void **state)
{
	(void)state;
	assert_int_equal(run("project", bad_model, NULL), 2);
	assert_string_equal(out, "");
	assert_int_equal(run("project", model, "--scenario", "nope", NULL), 2);
	assert_string_equal(out, "");
	assert_int_equal(run("project", model, "--format", "xml", NULL), 2);
	assert_string_equal(out, "");
	assert_int_equal(run("project", "/nonexistent/model.json", NULL), 2);
	assert_string_equal(out, "");
	assert_int_equal(run("project", model, "--draws", "0", NULL), 2);
	assert_int_equal(run("manpower", "examples/williams-manpower.json", NULL), 2);
	assert_string_equal(out, "");
	assert_int_equal(run("wisn", bad_model, NULL), 2);
	assert_string_equal(out, "");
	assert_int_equal(run("commission", model, NULL), 2); /* no training */
	assert_string_equal(out, "");
}

static void manpower_and_wisn(void **state)
{
	(void)state;
	assert_int_equal(run("manpower", "examples/williams-manpower.json", "--minimise",
	                     "redundancy", NULL),
	                 0);
	assert_non_null(strstr(out, "\"objective\":841.79"));
	assert_int_equal(run("wisn", "examples/wisn-team.json", NULL), 0);
	assert_non_null(strstr(out, "\"wisn_ratio\":"));
	assert_int_equal(
	        run("project", "examples/workforce-model.json", "--scenario", "retain", NULL), 0);
	assert_int_equal(
	        run("commission", "examples/workforce-model.json", "--greedy", "mhn", NULL), 0);
	assert_non_null(strstr(out, "\"greedy_places\":"));
}

static int teardown(void **state)
{
	char cmd[160];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(help_everywhere),
	        cmocka_unit_test(project_csv_rows),
	        cmocka_unit_test(project_monte_carlo),
	        cmocka_unit_test(bad_input_exits_2_and_writes_nothing),
	        cmocka_unit_test(manpower_and_wisn),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
