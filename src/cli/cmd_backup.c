/* cmd_backup.c - `collective backup`: under construction in this revision. */
#include <stdio.h>

#include "cli/cli.h"

int cli_backup(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "collective backup: not available in this build yet\n");
	return CLI_FAIL;
}
