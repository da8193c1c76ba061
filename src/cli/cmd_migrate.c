/* cmd_migrate.c - `collective migrate`: under construction in this revision. */
#include <stdio.h>

#include "cli/cli.h"

int cli_migrate(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "collective migrate: not available in this build yet\n");
	return CLI_FAIL;
}
