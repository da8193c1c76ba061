/* cmd_spc.c - `collective spc`: under construction in this revision. */
#include <stdio.h>

#include "cli/cli.h"

int cli_spc(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "collective spc: not available in this build yet\n");
	return CLI_FAIL;
}
