/*
 * cli.h - the command line: `collective COMMAND [ARGS]`.
 *
 * Each command lives in src/cli/cmd_NAME.c as `int cli_NAME(int argc, char
 * **argv)`, where argv[0] is the command's name. A command returns the
 * process's exit status: 0 success, 1 failure, 2 bad usage or bad input
 * (nothing written). Every command answers --help.
 */
#ifndef CLI_H
#define CLI_H

#include <stdio.h>

#define CLI_OK    0
#define CLI_FAIL  1
#define CLI_USAGE 2

int cli_serve(int argc, char **argv);
int cli_migrate(int argc, char **argv);
int cli_demo(int argc, char **argv);
int cli_user(int argc, char **argv);
int cli_token(int argc, char **argv);
int cli_outbox(int argc, char **argv);
int cli_backup(int argc, char **argv);
int cli_spc(int argc, char **argv);
int cli_wf(int argc, char **argv);
int cli_improve(int argc, char **argv);
int cli_jobs(int argc, char **argv);

/* Reads one line of standard input (for --password-stdin) into buf
 * without its line end; -1 at end of input or when longer than buf. */
int cli_read_password(char *buf, size_t size);

/* True when argv holds -h or --help. */
int cli_wants_help(int argc, char **argv);

#endif
