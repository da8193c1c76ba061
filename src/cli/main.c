/*
 * main.c - dispatches `collective COMMAND` to the command's function.
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "version.h"

struct cli_command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
};

static int cli_version(int argc, char **argv);

static const struct cli_command commands[] = {
        {"serve", cli_serve, "start the web server"},
        {"migrate", cli_migrate, "bring the database schema up to date"},
        {"demo", cli_demo, "load the demonstration data into an empty database"},
        {"user", cli_user, "add or import user accounts"},
        {"token", cli_token, "create an API token for a user"},
        {"outbox", cli_outbox, "list and send queued emails"},
        {"backup", cli_backup, "write a consistent copy of the database to a file"},
        {"spc", cli_spc, "statistical process control charts from CSV"},
        {"wf", cli_wf, "workforce projections, scenarios and commissioning"},
        {"improve", cli_improve, "improvement collaboratives: import measure data"},
        {"jobs", cli_jobs, "periodic work: offers, allotments, needs, emails"},
        {"version", cli_version, "print the version"},
};

#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static void usage(FILE *out)
{
	size_t i;

	fprintf(out, "usage: collective COMMAND [OPTIONS]\n\ncommands:\n");
	for (i = 0; i < N_COMMANDS; i++)
		fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(out, "\n`collective COMMAND --help` describes each command.\n");
}

static int cli_version(int argc, char **argv)
{
	if (cli_wants_help(argc, argv)) {
		printf("usage: collective version\n\nPrints the version of Collective.\n");
		return CLI_OK;
	}
	printf("collective %s\n", CO_VERSION);
	return CLI_OK;
}

int cli_wants_help(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++)
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
			return 1;
	return 0;
}

int main(int argc, char **argv)
{
	size_t i;

	if (argc < 2) {
		usage(stderr);
		return CLI_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return CLI_OK;
	}
	if (strcmp(argv[1], "--version") == 0)
		return cli_version(1, argv + 1);
	for (i = 0; i < N_COMMANDS; i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "collective: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return CLI_USAGE;
}
