/*
 * ex_bench.c - simultaneous sign-ups to one exchange (bench/exchange).
 *
 * usage: ex_bench URL SIGNUPS CAPACITY POOL
 *
 * Makes SIGNUPS people and one exchange with CAPACITY places (and as many
 * again for a warm-up round on another exchange, not measured, so that the
 * pool's connections have prepared their statements as a running server's
 * have). All SIGNUPS requests arrive at once (time zero) and are served by POOL worker
 * threads, each with its own connection, as a server's worker pool would
 * serve them: each worker takes the next request and signs the person up
 * through ex_signup() (one locked write transaction, the same code the API
 * runs). Prints sign-ups per second, the 50th and 99th percentile of the
 * time from arrival to answer (queueing behind earlier requests included)
 * and of the transaction alone, and whether any place was sold twice.
 * Exits 1 when the counts are wrong.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "db/db.h"
#include "mod/exchange/ex_manage.h"
#include "mod/exchange/ex_store.h"

static struct db *db;
static int64_t exchange_id, *users, now;
static double *total_ms, *tx_ms;
static int *states;
static int64_t *seqs;
static pthread_barrier_t barrier;
static atomic_int failures;

static double ms_since(const struct timespec *a)
{
	struct timespec b;

	clock_gettime(CLOCK_MONOTONIC, &b);
	return (double)(b.tv_sec - a->tv_sec) * 1e3 + (double)(b.tv_nsec - a->tv_nsec) / 1e6;
}

static atomic_int next;
static int64_t run_exchange, *run_users;
static int n_total;
static struct timespec start;

static void *worker(void *arg)
{
	struct ex_reg_result r;
	struct timespec t1;
	struct db_conn *c;
	struct co_err e;
	int i;

	(void)arg;
	if (db_acquire(db, &c, &e) < 0) {
		atomic_fetch_add(&failures, 1);
		return NULL;
	}
	pthread_barrier_wait(&barrier);
	while ((i = atomic_fetch_add(&next, 1)) < n_total) {
		clock_gettime(CLOCK_MONOTONIC, &t1);
		if (ex_signup(c, run_exchange, run_users[i], now, &r, &e) < 0) {
			fprintf(stderr, "ex_bench: %s\n", e.msg);
			atomic_fetch_add(&failures, 1);
		} else {
			states[i] = r.state;
			seqs[i] = r.seq;
		}
		tx_ms[i] = ms_since(&t1);
		total_ms[i] = ms_since(&start);
	}
	db_release(c);
	return NULL;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double pct(double *v, int n, double p)
{
	int k = (int)(p * (n - 1) + 0.5);

	qsort(v, (size_t)n, sizeof(*v), cmp);
	return v[k];
}

int main(int argc, char **argv)
{
	struct ex_programme_in p = {.slug = "bench", .name = "Bench", .deadline = 4102444800};
	struct ex_exchange_in x = {.topic = "Bench",
	                           .mode = "online",
	                           .starts_at = 4102444800 + 3600,
	                           .ends_at = 4102444800 + 7200};
	struct timespec t0;
	struct db_conn *c;
	struct co_err e;
	pthread_t *th;
	int n, cap, pool, i, confirmed = 0, waitlisted = 0, bad_order = 0;
	int64_t pid, warm_id;
	int round;
	double wall;
	char *seen;

	if (argc != 5) {
		fprintf(stderr, "usage: ex_bench URL SIGNUPS CAPACITY POOL\n");
		return 2;
	}
	n = (int)strtol(argv[2], NULL, 10);
	cap = (int)strtol(argv[3], NULL, 10);
	pool = (int)strtol(argv[4], NULL, 10);
	if (n < 1 || cap < 0 || cap > n || pool < 1) {
		fprintf(stderr, "ex_bench: SIGNUPS >= 1, 0 <= CAPACITY <= SIGNUPS, POOL >= 1\n");
		return 2;
	}
	now = (int64_t)time(NULL);
	if (db_open(argv[1], pool, &db, &e) < 0 || db_migrate(db, NULL, &e) < 0 ||
	    db_acquire(db, &c, &e) < 0) {
		fprintf(stderr, "ex_bench: %s\n", e.msg);
		return 1;
	}
	users = calloc((size_t)n * 2, sizeof(*users));
	total_ms = calloc((size_t)n, sizeof(*total_ms));
	tx_ms = calloc((size_t)n, sizeof(*tx_ms));
	states = calloc((size_t)n, sizeof(*states));
	seqs = calloc((size_t)n, sizeof(*seqs));
	th = calloc((size_t)n, sizeof(*th));
	seen = calloc((size_t)n + 1, 1);
	if (db_begin(c, DB_TX_WRITE, &e) < 0)
		return 1;
	for (i = 0; i < 2 * n; i++) {
		char email[64];
		const char *em = email;

		snprintf(email, sizeof(email), "bench%d@example.org", i);
		if (db_query_int(c,
		                 "INSERT INTO users (email, name, created_at) VALUES (?, ?, 0) "
		                 "RETURNING id",
		                 DB_ARGS(DB_T(em), DB_T(em)), &users[i], &e) < 0) {
			fprintf(stderr, "ex_bench: %s\n", e.msg);
			return 1;
		}
	}
	x.capacity = cap;
	if (db_commit(c, &e) < 0 || ex_programme_create(c, &p, now, &pid, &e) < 0 ||
	    (x.programme_id = pid, ex_exchange_create(c, &x, now, &warm_id, &e)) < 0 ||
	    ex_exchange_create(c, &x, now, &exchange_id, &e) < 0) {
		fprintf(stderr, "ex_bench: %s\n", e.msg);
		return 1;
	}
	db_release(c);
	n_total = n;
	pthread_barrier_init(&barrier, NULL, (unsigned)pool + 1);
	/* Warm-up: the same sign-ups to another exchange, by other people,
	 * through the same pool, not measured (a running server's connections
	 * have their statements prepared already); then the measured round. */
	for (round = 0; round < 2; round++) {
		run_exchange = round ? exchange_id : warm_id;
		run_users = round ? users + n : users;
		atomic_store(&next, 0);
		for (i = 0; i < pool; i++)
			if (pthread_create(&th[i], NULL, worker, NULL) != 0) {
				fprintf(stderr, "ex_bench: cannot start thread %d\n", i);
				return 1;
			}
		pthread_barrier_wait(&barrier);
		clock_gettime(CLOCK_MONOTONIC, &t0);
		start = t0;
		for (i = 0; i < pool; i++)
			pthread_join(th[i], NULL);
		wall = ms_since(&t0);
	}
	for (i = 0; i < n; i++) {
		if (states[i] == EX_CONFIRMED)
			confirmed++;
		if (states[i] == EX_WAITLISTED)
			waitlisted++;
		if (seqs[i] >= 1 && seqs[i] <= n)
			seen[seqs[i]]++;
		if ((states[i] == EX_CONFIRMED) != (seqs[i] <= cap))
			bad_order++;
	}
	for (i = 1; i <= n; i++)
		if (seen[i] != 1)
			bad_order++;
	/* The counts kept on the exchange's row must be the rows' own. */
	if (db_acquire(db, &c, &e) < 0 || ex_counts_check(c, exchange_id, &e) < 0) {
		fprintf(stderr, "ex_bench: %s\n", e.msg);
		atomic_fetch_add(&failures, 1);
	} else {
		db_release(c);
	}
	printf("sign-ups: %d arriving at once for %d places, %d workers\n", n, cap, pool);
	printf("sign-ups/s: %.0f\n", n / (wall / 1e3));
	printf("p50 ms (arrival to answer): %.1f\n", pct(total_ms, n, 0.50));
	printf("p99 ms (arrival to answer): %.1f\n", pct(total_ms, n, 0.99));
	printf("p50 ms (transaction): %.2f\n", pct(tx_ms, n, 0.50));
	printf("p99 ms (transaction): %.2f\n", pct(tx_ms, n, 0.99));
	printf("confirmed: %d, waitlisted: %d, failed: %d, out of order: %d\n", confirmed,
	       waitlisted, atomic_load(&failures), bad_order);
	db_close(db);
	if (confirmed != cap || waitlisted != n - cap || atomic_load(&failures) || bad_order) {
		printf("OVERSOLD OR OUT OF ORDER\n");
		return 1;
	}
	printf("none oversold\n");
	return 0;
}
