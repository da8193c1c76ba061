/* Configuration: defaults, the INI file, environment overrides, errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf/conf.h"

static const char *env_names[] = {
        "COLLECTIVE_CONFIG",
        "COLLECTIVE_DB",
        "COLLECTIVE_DB_POOL",
        "COLLECTIVE_LISTEN",
        "COLLECTIVE_THREADS",
        "COLLECTIVE_BASE_URL",
        "COLLECTIVE_SMTP_HOST",
        "COLLECTIVE_SMTP_PORT",
        "COLLECTIVE_SMTP_FROM",
        "COLLECTIVE_SMTP_USER",
        "COLLECTIVE_SMTP_PASSWORD",
        "COLLECTIVE_SESSION_LIFETIME",
        "COLLECTIVE_SUPPRESSION_THRESHOLD",
        "COLLECTIVE_JOBS",
};

static char path[64];

static int clear_env(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(env_names) / sizeof(env_names[0]); i++)
		unsetenv(env_names[i]);
	return 0;
}

static int remove_file(void **state)
{
	(void)state;
	if (path[0])
		unlink(path);
	path[0] = '\0';
	return clear_env(state);
}

/* Writes text to a new temporary file named in path. */
static void write_file(const char *text)
{
	FILE *f;
	int fd;

	snprintf(path, sizeof(path), "/tmp/collective-conf-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void defaults_without_file_or_env(void **state)
{
	struct conf c;
	struct co_err e;

	(void)state;
	assert_int_equal(conf_load(&c, NULL, &e), 0);
	assert_string_equal(c.db_url, "sqlite:collective.db");
	assert_string_equal(c.listen, "127.0.0.1:8080");
	assert_string_equal(c.smtp_host, "");
	assert_int_equal(c.smtp_port, 25);
	assert_int_equal(c.session_lifetime, 8 * 3600);
	assert_int_equal(c.suppression_threshold, 5);
	assert_string_equal(c.path, "");
}

static void file_then_environment(void **state)
{
	struct conf c;
	struct co_err e;

	(void)state;
	write_file("; Collective\n"
	           "[database]\n"
	           "url = postgresql://app@db.internal/collective\n"
	           "pool = 16\n"
	           "[server]\n"
	           "listen = 0.0.0.0:9000\n"
	           "threads = 4\n"
	           "base_url = https://collective.example.org/\n"
	           "[smtp]\n"
	           "host = mail.example.org\n"
	           "port = 587\n"
	           "from = Collective <no-reply@example.org>\n"
	           "[accounts]\n"
	           "session_lifetime = 3600\n"
	           "[reports]\n"
	           "suppression_threshold = 10\n");
	assert_int_equal(conf_load(&c, path, &e), 0);
	assert_string_equal(c.db_url, "postgresql://app@db.internal/collective");
	assert_int_equal(c.db_pool, 16);
	assert_string_equal(c.listen, "0.0.0.0:9000");
	assert_int_equal(c.threads, 4);
	assert_string_equal(c.base_url, "https://collective.example.org"); /* no trailing / */
	assert_string_equal(c.smtp_host, "mail.example.org");
	assert_int_equal(c.smtp_port, 587);
	assert_string_equal(c.smtp_from, "Collective <no-reply@example.org>");
	assert_int_equal(c.session_lifetime, 3600);
	assert_int_equal(c.suppression_threshold, 10);
	assert_string_equal(c.path, path);

	/* The environment wins over the file; the file is found through
	 * COLLECTIVE_CONFIG when no path is given. */
	setenv("COLLECTIVE_CONFIG", path, 1);
	setenv("COLLECTIVE_DB", "sqlite:/var/lib/collective/c.db", 1);
	setenv("COLLECTIVE_LISTEN", "127.0.0.1:8181", 1);
	setenv("COLLECTIVE_SMTP_PORT", "2525", 1);
	setenv("COLLECTIVE_SMTP_HOST", "", 1); /* empty: not an override */
	assert_int_equal(conf_load(&c, NULL, &e), 0);
	assert_string_equal(c.db_url, "sqlite:/var/lib/collective/c.db");
	assert_string_equal(c.listen, "127.0.0.1:8181");
	assert_int_equal(c.smtp_port, 2525);
	assert_string_equal(c.smtp_host, "mail.example.org");
	assert_int_equal(c.threads, 4);
}

static void errors_say_where(void **state)
{
	struct conf c, before;
	struct co_err e;

	(void)state;
	memset(&c, 0x5a, sizeof(c));
	before = c;
	write_file("[server]\nlisten = 127.0.0.1:1\n[smtp]\nprot = 25\n");
	assert_int_equal(conf_load(&c, path, &e), CO_EINPUT);
	assert_int_equal(e.row, 4);
	assert_string_equal(e.field, "smtp.prot");
	assert_non_null(strstr(e.msg, "unknown setting 'prot'"));
	assert_memory_equal(&c, &before, sizeof(c)); /* not written on failure */
	unlink(path);

	write_file("[smtp]\nport = 25x\n");
	assert_int_equal(conf_load(&c, path, &e), CO_EINPUT);
	assert_int_equal(e.row, 2);
	assert_non_null(strstr(e.msg, "not a whole number"));
	unlink(path);

	write_file("[smtp]\nport = 70000\n");
	assert_int_equal(conf_load(&c, path, &e), CO_EINPUT);
	assert_non_null(strstr(e.msg, "out of range"));
	unlink(path);

	write_file("[server]\nthis line has no equals sign\n");
	assert_int_equal(conf_load(&c, path, &e), CO_EINPUT);
	assert_int_equal(e.row, 2);
	unlink(path);
	path[0] = '\0';

	assert_int_equal(conf_load(&c, "/nonexistent/collective.ini", &e), CO_EIO);
	assert_non_null(strstr(e.msg, "/nonexistent/collective.ini"));

	setenv("COLLECTIVE_THREADS", "many", 1);
	assert_int_equal(conf_load(&c, NULL, &e), CO_EINPUT);
	assert_string_equal(e.field, "COLLECTIVE_THREADS");
	assert_memory_equal(&c, &before, sizeof(c));
}

/* The server's jobs switch: on by default, on/off (and 1/0, yes/no,
 * true/false) in the file and the environment, anything else refused. */
static void jobs_switch(void **state)
{
	struct conf c;
	struct co_err e;

	(void)state;
	assert_int_equal(conf_load(&c, NULL, &e), 0);
	assert_int_equal(c.jobs, 1);
	write_file("[server]\njobs = off\n");
	assert_int_equal(conf_load(&c, path, &e), 0);
	assert_int_equal(c.jobs, 0);
	setenv("COLLECTIVE_JOBS", "on", 1);
	assert_int_equal(conf_load(&c, path, &e), 0);
	assert_int_equal(c.jobs, 1);
	setenv("COLLECTIVE_JOBS", "0", 1);
	assert_int_equal(conf_load(&c, path, &e), 0);
	assert_int_equal(c.jobs, 0);
	setenv("COLLECTIVE_JOBS", "sometimes", 1);
	assert_int_equal(conf_load(&c, path, &e), CO_EINPUT);
	assert_string_equal(e.field, "COLLECTIVE_JOBS");
	assert_non_null(strstr(e.msg, "on or off"));
}

static void config_argument(void **state)
{
	char *a[] = {"migrate", "--db", "sqlite:x", "--config", "/etc/c.ini", NULL};
	char *b[] = {"serve", "--config=/etc/d.ini", NULL};
	char *n[] = {"serve", "--config", NULL};

	(void)state;
	assert_string_equal(conf_arg_path(5, a), "/etc/c.ini");
	assert_string_equal(conf_arg_path(2, b), "/etc/d.ini");
	assert_null(conf_arg_path(2, n));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(defaults_without_file_or_env, clear_env,
	                                        remove_file),
	        cmocka_unit_test_setup_teardown(file_then_environment, clear_env, remove_file),
	        cmocka_unit_test_setup_teardown(errors_say_where, clear_env, remove_file),
	        cmocka_unit_test_setup_teardown(jobs_switch, clear_env, remove_file),
	        cmocka_unit_test_setup_teardown(config_argument, clear_env, remove_file),
	};

	return cmocka_run_group_tests_name("conf", tests, NULL, NULL);
}
