/* cmd_user.c - `collective user`: under construction in this revision. */
#include <stdio.h>

#include "cli/cli.h"

int cli_user(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "collective user: not available in this build yet\n");
	return CLI_FAIL;
}
