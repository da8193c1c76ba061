/* cmd_spc.c - `collective spc`: statistical process control charts from CSV. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/spc_cli.h"

int cli_spc(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "--reference") == 0)
		return spc_reference_run(argc >= 3 ? argv[2] : "../shared/spc-reference",
		                         argc >= 4 ? argv[3] : NULL, 0);
	fprintf(stderr, "collective spc: not available in this build yet\n");
	return CLI_FAIL;
}
