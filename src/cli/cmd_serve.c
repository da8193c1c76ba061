/* cmd_serve.c - `collective serve`: migrates the database, then serves the
 * web pages and the API until SIGTERM or SIGINT. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "conf/conf.h"
#include "db/db.h"
#include "http/http.h"
#include "i18n/i18n.h"
#include "mod/accounts/acct.h"
#include "mod/exchange/exchange.h"
#include "tpl/tpl.h"
#include "web/web.h"

static void usage(FILE *out)
{
	fprintf(out,
	        "usage: collective serve [--listen HOST:PORT] [--db URL] [--config FILE]\n"
	        "                        [--threads N] [--trust-proxy] [--quiet] [--no-jobs]\n"
	        "       collective serve --list-routes\n"
	        "\n"
	        "Brings the database schema up to date, then serves the web pages and the\n"
	        "JSON API until it receives SIGTERM or SIGINT (requests in flight finish).\n"
	        "\n"
	        "  --listen HOST:PORT  where to listen (default 127.0.0.1:8080, or [server]\n"
	        "                      listen, or COLLECTIVE_LISTEN); port 0 picks a free one\n"
	        "  --db URL            sqlite:PATH or postgresql://... (default from the\n"
	        "                      configuration, COLLECTIVE_DB, or sqlite:collective.db)\n"
	        "  --config FILE       an INI configuration file (or COLLECTIVE_CONFIG)\n"
	        "  --threads N         worker threads (default: one per CPU)\n"
	        "  --trust-proxy       behind a reverse proxy: take the client address and\n"
	        "                      https from X-Forwarded-For / X-Forwarded-Proto, and\n"
	        "                      mark cookies Secure\n"
	        "  --quiet             no access log (it goes to standard output otherwise)\n"
	        "  --no-jobs           do not run the periodic jobs in the server (they run\n"
	        "                      otherwise: at start, just after each sign-up or\n"
	        "                      exchange change, and every minute; as `collective\n"
	        "                      jobs run` does); `jobs = off` in [server] or\n"
	        "                      COLLECTIVE_JOBS=off does the same\n"
	        "  --list-routes       print every route (method, pattern, name, what it\n"
	        "                      needs) as JSON and exit\n");
}

static void ready(void *ctx, const char *host, unsigned port)
{
	(void)ctx;
	printf("collective: listening on http://%s%s%s:%u/\n", strchr(host, ':') ? "[" : "", host,
	       strchr(host, ':') ? "]" : "", port);
	fflush(stdout);
}

/* "HOST:PORT", "[v6]:PORT" or ":PORT" into host and port. */
static int split_listen(const char *s, char *host, size_t size, unsigned *port)
{
	const char *colon = strrchr(s, ':');
	const char *h = s;
	size_t hl;
	char *end;
	long p;

	if (!colon)
		return -1;
	hl = (size_t)(colon - s);
	if (hl >= 2 && s[0] == '[' && colon[-1] == ']') {
		h = s + 1;
		hl -= 2;
	}
	if (hl >= size)
		return -1;
	memcpy(host, h, hl);
	host[hl] = '\0';
	if (!*host)
		snprintf(host, size, "127.0.0.1");
	p = strtol(colon + 1, &end, 10);
	if (end == colon + 1 || *end || p < 0 || p > 65535)
		return -1;
	*port = (unsigned)p;
	return 0;
}

int cli_serve(int argc, char **argv)
{
	const char *url = NULL, *listen = NULL;
	int list_routes = 0, quiet = 0, trust_proxy = 0, threads = -1, jobs = 1, i, rc;
	struct http_config hc = {0};
	struct web_config wc = {0};
	struct web_app *app = NULL;
	struct db *db = NULL;
	char host[256];
	struct conf cf;
	struct co_err e;
	char *end;

	if (cli_wants_help(argc, argv)) {
		usage(stdout);
		return CLI_OK;
	}
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--db") == 0 && i + 1 < argc)
			url = argv[++i];
		else if (strncmp(argv[i], "--db=", 5) == 0)
			url = argv[i] + 5;
		else if (strcmp(argv[i], "--listen") == 0 && i + 1 < argc)
			listen = argv[++i];
		else if (strncmp(argv[i], "--listen=", 9) == 0)
			listen = argv[i] + 9;
		else if (strcmp(argv[i], "--threads") == 0 && i + 1 < argc) {
			threads = (int)strtol(argv[++i], &end, 10);
			if (*end || threads < 0 || threads > 1024) {
				fprintf(stderr, "collective serve: --threads wants 0 to 1024\n");
				return CLI_USAGE;
			}
		} else if (strcmp(argv[i], "--config") == 0 && i + 1 < argc)
			i++;
		else if (strncmp(argv[i], "--config=", 9) == 0)
			continue;
		else if (strcmp(argv[i], "--list-routes") == 0)
			list_routes = 1;
		else if (strcmp(argv[i], "--quiet") == 0)
			quiet = 1;
		else if (strcmp(argv[i], "--trust-proxy") == 0)
			trust_proxy = 1;
		else if (strcmp(argv[i], "--no-jobs") == 0)
			jobs = 0;
		else {
			fprintf(stderr, "collective serve: unexpected argument '%s'\n", argv[i]);
			usage(stderr);
			return CLI_USAGE;
		}
	}
	if (list_routes) {
		json_t *routes;

		if (web_app_new(&wc, NULL, &app, &e) < 0) {
			fprintf(stderr, "collective serve: %s\n", e.msg);
			return CLI_FAIL;
		}
		routes = web_app_routes_json(app);
		json_dumpf(routes, stdout, JSON_INDENT(1));
		printf("\n");
		json_decref(routes);
		web_app_free(app);
		return CLI_OK;
	}
	if (conf_load(&cf, conf_arg_path(argc, argv), &e) != 0) {
		fprintf(stderr, "collective serve: %s\n", e.msg);
		return CLI_USAGE;
	}
	if (!url)
		url = cf.db_url;
	if (!listen)
		listen = cf.listen;
	if (split_listen(listen, host, sizeof(host), &hc.port) < 0) {
		fprintf(stderr, "collective serve: --listen wants HOST:PORT, not '%s'\n", listen);
		return CLI_USAGE;
	}
	if (acct_crypto_init() < 0 || tpl_init(&e) < 0 || i18n_init(&e) < 0) {
		fprintf(stderr, "collective serve: %s\n", e.msg);
		return CLI_FAIL;
	}
	if (db_open(url, cf.db_pool, &db, &e) != 0) {
		fprintf(stderr, "collective serve: %s\n", e.msg);
		return e.code == CO_EINPUT ? CLI_USAGE : CLI_FAIL;
	}
	rc = db_migrate(db, NULL, &e);
	if (rc == 0) {
		wc.db = db;
		wc.conf = &cf;
		/* Behind TLS (a https base URL): cookies are Secure whatever the
		 * proxy says. */
		wc.secure_cookies = strncmp(cf.base_url, "https://", 8) == 0;
		wc.public_url = cf.base_url[0] ? cf.base_url : NULL;
		rc = web_app_new(&wc, NULL, &app, &e);
	}
	if (rc == 0) {
		size_t n;

		hc.host = host;
		hc.threads = threads >= 0 ? (unsigned)threads : (unsigned)cf.threads;
		hc.trust_proxy = trust_proxy;
		hc.access_log = quiet ? NULL : stdout;
		hc.routes = web_app_routes(app, &n);
		hc.nroutes = n;
		hc.hooks = web_app_hooks(app);
		hc.hooks.ready = ready;
		if (jobs && cf.jobs) {
			char jobs_base[CO_MAX_CONF_VALUE + 16];
			struct ex_runner_conf rc_conf = {.db = db,
			                                 .base_url = jobs_base,
			                                 .from_email = cf.smtp_from,
			                                 .interval_s = 60,
			                                 .now = web_now};

			snprintf(jobs_base, sizeof(jobs_base), "%s%s",
			         cf.base_url[0] ? "" : "http://",
			         cf.base_url[0] ? cf.base_url : listen);
			rc = ex_runner_start(&rc_conf, &e);
		}
		if (rc == 0)
			rc = http_server_run(&hc, &e);
		ex_runner_stop();
	}
	if (rc != 0)
		fprintf(stderr, "collective serve: %s\n", e.msg);
	web_app_free(app);
	db_close(db);
	tpl_shutdown();
	i18n_shutdown();
	return rc ? CLI_FAIL : CLI_OK;
}
