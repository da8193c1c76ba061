/*
 * ex_runner.c - the module's jobs inside `collective serve`: one background
 * thread runs ex_jobs() (the same work as `collective jobs run`) shortly
 * after a change wakes it (ex_jobs_wake(), called by the handlers after a
 * registration or exchange change has committed) and at least once every
 * interval otherwise, so that confirmations and change notices reach the
 * outbox at once and offers expire and pass on in time.
 *
 * Several serve processes (and cron's `collective jobs run`) may run the
 * jobs at once: each notice is recorded under a unique key in the same
 * transaction as its email, so only one runner queues it; offers expire
 * under the exchange's row lock; the needs purge deletes each row once.
 */
#include "mod/exchange/exchange.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "mod/exchange/ex_notify.h"

/* A wake-up is answered after this pause, so that a burst of changes
 * (a sign-up rush) is one run. */
#define EX_RUNNER_SETTLE_MS 150

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv;
static pthread_t thread;
static int running, stopping, woken;
static struct ex_runner_conf conf;
static char base_url[512], from_email[320];

void ex_jobs_wake(void)
{
	pthread_mutex_lock(&mu);
	if (running) {
		woken = 1;
		pthread_cond_signal(&cv);
	}
	pthread_mutex_unlock(&mu);
}

static void deadline_in(struct timespec *ts, long ms)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

static void *runner(void *arg)
{
	struct timespec until;

	(void)arg;
	pthread_mutex_lock(&mu);
	while (!stopping) {
		struct ex_jobs_report rep;
		struct co_err e;
		int rc;

		/* Wait for a wake-up or the interval; then let a burst settle. */
		deadline_in(&until, (long)conf.interval_s * 1000L);
		while (!stopping && !woken && pthread_cond_timedwait(&cv, &mu, &until) == 0)
			;
		if (stopping)
			break;
		if (woken) {
			deadline_in(&until, EX_RUNNER_SETTLE_MS);
			while (!stopping && pthread_cond_timedwait(&cv, &mu, &until) == 0)
				;
			if (stopping)
				break;
		}
		woken = 0;
		pthread_mutex_unlock(&mu);
		memset(&rep, 0, sizeof(rep));
		rc = ex_jobs(conf.db, base_url[0] ? base_url : NULL, from_email, conf.now(), &rep,
		             &e);
		if (rc < 0)
			fprintf(stderr, "collective serve: exchange jobs: %s\n", e.msg);
		pthread_mutex_lock(&mu);
	}
	pthread_mutex_unlock(&mu);
	return NULL;
}

int ex_runner_start(const struct ex_runner_conf *c, struct co_err *e)
{
	pthread_condattr_t ca;
	int rc;

	pthread_mutex_lock(&mu);
	if (running) {
		pthread_mutex_unlock(&mu);
		return co_errf(e, CO_ECONFLICT, "the exchange jobs are already running");
	}
	conf = *c;
	if (conf.interval_s <= 0)
		conf.interval_s = 60;
	snprintf(base_url, sizeof(base_url), "%s", c->base_url ? c->base_url : "");
	snprintf(from_email, sizeof(from_email), "%s", c->from_email ? c->from_email : "");
	conf.base_url = conf.from_email = NULL;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&cv, &ca);
	pthread_condattr_destroy(&ca);
	stopping = 0;
	/* A first run at start: what came due while no server ran. */
	woken = 1;
	rc = pthread_create(&thread, NULL, runner, NULL);
	if (rc != 0) {
		pthread_cond_destroy(&cv);
		pthread_mutex_unlock(&mu);
		return co_errf(e, CO_EINTERNAL, "cannot start the exchange jobs thread");
	}
	running = 1;
	pthread_mutex_unlock(&mu);
	return 0;
}

void ex_runner_stop(void)
{
	pthread_mutex_lock(&mu);
	if (!running) {
		pthread_mutex_unlock(&mu);
		return;
	}
	stopping = 1;
	pthread_cond_signal(&cv);
	pthread_mutex_unlock(&mu);
	pthread_join(thread, NULL);
	pthread_mutex_lock(&mu);
	running = 0;
	pthread_cond_destroy(&cv);
	pthread_mutex_unlock(&mu);
}
