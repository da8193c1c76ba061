/* cmd_token.c - `collective token`: under construction in this revision. */
#include <stdio.h>

#include "cli/cli.h"

int cli_token(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "collective token: not available in this build yet\n");
	return CLI_FAIL;
}
