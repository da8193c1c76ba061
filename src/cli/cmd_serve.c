/* cmd_serve.c - `collective serve`: under construction in this revision. */
#include <stdio.h>

#include "cli/cli.h"

int cli_serve(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "collective serve: not available in this build yet\n");
	return CLI_FAIL;
}
