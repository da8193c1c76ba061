/* cmd_demo.c - `collective demo`: under construction in this revision. */
#include <stdio.h>

#include "cli/cli.h"

int cli_demo(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "collective demo: not available in this build yet\n");
	return CLI_FAIL;
}
