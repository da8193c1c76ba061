/*
 * conf.c - defaults, the INI file (parsed by inih) and environment
 * overrides. One table maps each setting to its section, key, environment
 * variable and place in struct conf, so the three sources cannot drift.
 */
#include "conf/conf.h"

#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ini.h>

enum conf_kind { CONF_STR, CONF_INT, CONF_LONG, CONF_BOOL };

struct conf_key {
	const char *section;
	const char *key;
	const char *env;
	enum conf_kind kind;
	size_t offset;
	long min, max; /* numbers only */
};

#define STR(sec, key, env, field)                                                                  \
	{                                                                                          \
		sec, key, env, CONF_STR, offsetof(struct conf, field), 0, 0                        \
	}
#define NUM(sec, key, env, kind, field, lo, hi)                                                    \
	{                                                                                          \
		sec, key, env, kind, offsetof(struct conf, field), lo, hi                          \
	}

static const struct conf_key keys[] = {
        STR("database", "url", "COLLECTIVE_DB", db_url),
        NUM("database", "pool", "COLLECTIVE_DB_POOL", CONF_INT, db_pool, 1, 1000),
        STR("server", "listen", "COLLECTIVE_LISTEN", listen),
        NUM("server", "threads", "COLLECTIVE_THREADS", CONF_INT, threads, 0, 1024),
        STR("server", "base_url", "COLLECTIVE_BASE_URL", base_url),
        NUM("server", "jobs", "COLLECTIVE_JOBS", CONF_BOOL, jobs, 0, 1),
        STR("smtp", "host", "COLLECTIVE_SMTP_HOST", smtp_host),
        NUM("smtp", "port", "COLLECTIVE_SMTP_PORT", CONF_INT, smtp_port, 1, 65535),
        STR("smtp", "from", "COLLECTIVE_SMTP_FROM", smtp_from),
        STR("smtp", "user", "COLLECTIVE_SMTP_USER", smtp_user),
        STR("smtp", "password", "COLLECTIVE_SMTP_PASSWORD", smtp_password),
        NUM("accounts", "session_lifetime", "COLLECTIVE_SESSION_LIFETIME", CONF_LONG,
            session_lifetime, 60, 366L * 24 * 3600),
        NUM("reports", "suppression_threshold", "COLLECTIVE_SUPPRESSION_THRESHOLD", CONF_INT,
            suppression_threshold, 0, 1000),
};

#define N_KEYS (sizeof(keys) / sizeof(keys[0]))

void conf_defaults(struct conf *c)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->db_url, sizeof(c->db_url), "sqlite:collective.db");
	c->db_pool = 8;
	snprintf(c->listen, sizeof(c->listen), "127.0.0.1:8080");
	c->threads = 0;
	c->jobs = 1;
	c->smtp_port = 25;
	snprintf(c->smtp_from, sizeof(c->smtp_from), "collective@localhost");
	c->session_lifetime = 8L * 3600;
	c->suppression_threshold = 5;
}

/* Stores value into the setting k of c; a message in msg when it is bad. */
static int set(struct conf *c, const struct conf_key *k, const char *value, char *msg, size_t msize)
{
	char *field = (char *)c + k->offset;
	size_t n = strlen(value);
	long x;
	char *end;

	if (k->kind == CONF_STR) {
		if (n >= CO_MAX_CONF_VALUE) {
			snprintf(msg, msize, "the value is too long (%d bytes at most)",
			         CO_MAX_CONF_VALUE - 1);
			return -1;
		}
		memcpy(field, value, n + 1);
		/* A base URL is joined with paths that start with '/'. */
		if (k->offset == offsetof(struct conf, base_url))
			while (n > 0 && field[n - 1] == '/')
				field[--n] = '\0';
		return 0;
	}
	if (k->kind == CONF_BOOL) {
		static const char *const yes[] = {"1", "on", "yes", "true"}, *const no[] = {
		                                                                     "0", "off",
		                                                                     "no", "false"};
		size_t i;

		for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
			if (strcmp(value, yes[i]) == 0) {
				*(int *)(void *)field = 1;
				return 0;
			}
			if (strcmp(value, no[i]) == 0) {
				*(int *)(void *)field = 0;
				return 0;
			}
		}
		snprintf(msg, msize, "'%.100s' is not on or off", value);
		return -1;
	}
	errno = 0;
	x = strtol(value, &end, 10);
	if (end == value || *end || errno) {
		snprintf(msg, msize, "'%.100s' is not a whole number", value);
		return -1;
	}
	if (x < k->min || x > k->max) {
		snprintf(msg, msize, "%ld is out of range (%ld to %ld)", x, k->min, k->max);
		return -1;
	}
	if (k->kind == CONF_INT)
		*(int *)(void *)field = (int)x;
	else
		*(long *)(void *)field = x;
	return 0;
}

struct conf_parse {
	struct conf *c;
	FILE *f;
	int line;     /* lines read so far: the one the handler is given */
	int bad_line; /* where the first bad setting is, 0 when none */
	char msg[CO_MAX_ERRMSG - 128];
	char key[CO_MAX_FIELDNAME];
};

/* fgets that counts lines, so that on_ini knows where it is. */
static char *read_line(char *str, int num, void *stream)
{
	struct conf_parse *p = stream;
	char *s = fgets(str, num, p->f);

	if (s)
		p->line++;
	return s;
}

static int on_ini(void *user, const char *section, const char *name, const char *value)
{
	struct conf_parse *p = user;
	size_t i;

	if (p->bad_line)
		return 1; /* report the first problem only */
	for (i = 0; i < N_KEYS; i++)
		if (strcmp(keys[i].section, section) == 0 && strcmp(keys[i].key, name) == 0)
			break;
	if (i == N_KEYS)
		snprintf(p->msg, sizeof(p->msg), "unknown setting '%s' in [%s]", name, section);
	else if (set(p->c, &keys[i], value, p->msg, sizeof(p->msg)) == 0)
		return 1;
	p->bad_line = p->line;
	snprintf(p->key, sizeof(p->key), "%s.%s", section, name);
	return 0;
}

int conf_load(struct conf *out, const char *path, struct co_err *e)
{
	struct conf c;
	char msg[CO_MAX_ERRMSG - 128];
	size_t i;

	conf_defaults(&c);
	if (!path || !*path)
		path = getenv("COLLECTIVE_CONFIG");
	if (path && *path) {
		struct conf_parse p;
		int line;

		if (strlen(path) >= sizeof(c.path))
			return co_errf(e, CO_EINPUT, "configuration file name too long");
		memset(&p, 0, sizeof(p));
		p.c = &c;
		p.f = fopen(path, "r");
		if (!p.f)
			return co_errf(e, CO_EIO, "cannot read the configuration file '%s': %s",
			               path, strerror(errno));
		line = ini_parse_stream(read_line, &p, on_ini, &p);
		fclose(p.f);
		if (line > 0) {
			if (line == p.bad_line)
				return co_errf_at(e, CO_EINPUT, line, 0, p.key,
				                  "%.200s line %d: %s", path, line, p.msg);
			return co_errf_at(e, CO_EINPUT, line, 0, NULL,
			                  "%.200s line %d: expected 'key = value' or [section]",
			                  path, line);
		}
		if (line < 0)
			return co_errf(e, CO_ENOMEM, "out of memory reading '%s'", path);
		snprintf(c.path, sizeof(c.path), "%s", path);
	}
	for (i = 0; i < N_KEYS; i++) {
		const char *v = getenv(keys[i].env);

		if (!v || !*v)
			continue;
		if (set(&c, &keys[i], v, msg, sizeof(msg)) != 0)
			return co_errf_at(e, CO_EINPUT, 0, 0, keys[i].env,
			                  "environment variable %s: %s", keys[i].env, msg);
	}
	*out = c;
	return 0;
}

const char *conf_arg_path(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--config") == 0 && i + 1 < argc)
			return argv[i + 1];
		if (strncmp(argv[i], "--config=", 9) == 0)
			return argv[i] + 9;
	}
	return NULL;
}
