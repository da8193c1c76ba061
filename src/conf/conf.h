/*
 * conf.h - Collective's configuration: defaults, an INI file, environment
 * overrides, in that order (command-line flags, applied by each command,
 * come last and win).
 *
 * The file is the one named by `--config FILE` or, failing that, by the
 * environment variable COLLECTIVE_CONFIG; with neither, no file is read.
 * Sections and keys (every one optional; an unknown one is an error, so
 * that a typing mistake does not pass silently):
 *
 *   [database]  url = sqlite:collective.db        COLLECTIVE_DB
 *               pool = 8                          COLLECTIVE_DB_POOL
 *   [server]    listen = 127.0.0.1:8080           COLLECTIVE_LISTEN
 *               threads = 0 (one per CPU)         COLLECTIVE_THREADS
 *               base_url = (http://LISTEN)        COLLECTIVE_BASE_URL
 *               jobs = on (on/off: the server runs  COLLECTIVE_JOBS
 *                      the periodic jobs itself)
 *   [smtp]      host = (empty: emails stay queued) COLLECTIVE_SMTP_HOST
 *               port = 25                         COLLECTIVE_SMTP_PORT
 *               from = collective@localhost       COLLECTIVE_SMTP_FROM
 *               user, password (empty)            COLLECTIVE_SMTP_USER, _PASSWORD
 *   [accounts]  session_lifetime = 28800 (s)      COLLECTIVE_SESSION_LIFETIME
 *   [reports]   suppression_threshold = 5         COLLECTIVE_SUPPRESSION_THRESHOLD
 *               (groups smaller than this are not shown in aggregate figures)
 *
 * Ownership: struct conf is a plain value (fixed-size strings), owned by the
 * caller; nothing to free. Thread-safety: conf_load reads the environment;
 * call it at start-up, before threads; a loaded struct may be read by any
 * thread.
 */
#ifndef CONF_H
#define CONF_H

#include "base/err.h"
#include "base/limits.h"

struct conf {
	char db_url[CO_MAX_CONF_VALUE];
	int db_pool;
	char listen[CO_MAX_CONF_VALUE];    /* HOST:PORT */
	int threads;                       /* 0: one per CPU */
	char base_url[CO_MAX_CONF_VALUE];  /* the public address, no trailing slash */
	int jobs;                          /* 1: `collective serve` runs the periodic jobs */
	char smtp_host[CO_MAX_CONF_VALUE]; /* "" when email is not sent */
	int smtp_port;
	char smtp_from[CO_MAX_CONF_VALUE];
	char smtp_user[CO_MAX_CONF_VALUE];
	char smtp_password[CO_MAX_CONF_VALUE];
	long session_lifetime; /* seconds */
	int suppression_threshold;
	char path[CO_MAX_CONF_VALUE]; /* the file read, "" when none */
};

/* Fills c with the defaults only. */
void conf_defaults(struct conf *c);

/* Defaults, then the file (path, or $COLLECTIVE_CONFIG when path is NULL),
 * then the environment. On failure (a missing file, an unknown key, a bad
 * number) e says which file, line and key; c is not written. */
int conf_load(struct conf *c, const char *path, struct co_err *e);

/* The value of `--config FILE` or `--config=FILE` in argv, or NULL. */
const char *conf_arg_path(int argc, char **argv);

#endif
