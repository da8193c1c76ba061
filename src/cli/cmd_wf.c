/* cmd_wf.c - `collective wf`: under construction in this revision. */
#include <stdio.h>

#include "cli/cli.h"

int cli_wf(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "collective wf: not available in this build yet\n");
	return CLI_FAIL;
}
