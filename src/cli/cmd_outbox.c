/* cmd_outbox.c - `collective outbox`: under construction in this revision. */
#include <stdio.h>

#include "cli/cli.h"

int cli_outbox(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "collective outbox: not available in this build yet\n");
	return CLI_FAIL;
}
