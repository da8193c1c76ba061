/* Storage tests of Exchange registration (src/mod/exchange/ex_store.c):
 * the rules applied in the database, and many threads at once.
 *
 * Runs on the database named by COLLECTIVE_TEST_DB (a postgresql:// URL,
 * as tests/exchange/run passes from a throw-away cluster), or on a fresh
 * SQLite file when it is unset. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db/db.h"
#include "mod/exchange/ex_store.h"

#define NOW      1735000000 /* December 2024: before the deadline below */
#define DEADLINE 1740528000
#define STARTS   1741773600
#define N_USERS  220

static struct db *db;
static char sqlite_path[64];
static int64_t users[N_USERS];
static int64_t org_id;
static int fixture_seq;

static struct db_conn *conn(void)
{
	struct db_conn *c;
	struct co_err e;

	if (db_acquire(db, &c, &e) < 0)
		fail_msg("db_acquire: %s", e.msg);
	return c;
}

static void exec_ok(struct db_conn *c, const char *sql, const struct db_val *a, int n)
{
	struct co_err e;

	if (db_exec(c, sql, a, n, NULL, &e) < 0)
		fail_msg("%s: %s", sql, e.msg);
}

static int64_t int_ok(struct db_conn *c, const char *sql, const struct db_val *a, int n)
{
	struct co_err e;
	int64_t v;

	if (db_query_int(c, sql, a, n, &v, &e) < 0)
		fail_msg("%s: %s", sql, e.msg);
	return v;
}

static int setup_db(void **state)
{
	const char *url = getenv("COLLECTIVE_TEST_DB");
	struct db_conn *c;
	struct co_err e;
	char buf[128];
	int i;

	(void)state;
	if (!url || !*url) {
		snprintf(sqlite_path, sizeof(sqlite_path), "/tmp/test_ex_register_%d.db",
		         (int)getpid());
		unlink(sqlite_path);
		snprintf(buf, sizeof(buf), "sqlite:%s", sqlite_path);
		url = buf;
	}
	if (db_open(url, 16, &db, &e) < 0 || db_migrate(db, NULL, &e) < 0) {
		fprintf(stderr, "test_ex_register_db: %s\n", e.msg);
		return -1;
	}
	c = conn();
	org_id = int_ok(
	        c,
	        "INSERT INTO organisations (code, name, type, region, created_at, updated_at) "
	        "VALUES ('EXT', 'Exchange test board', 'health_board', 'Mid Wales', 0, 0) "
	        "RETURNING id",
	        DB_NOARGS);
	for (i = 0; i < N_USERS; i++) {
		char buf_email[64];
		const char *email = buf_email;

		snprintf(buf_email, sizeof(buf_email), "ex-test-%d@example.org", i);
		users[i] = int_ok(c,
		                  "INSERT INTO users (email, name, created_at) VALUES (?, ?, 0) "
		                  "RETURNING id",
		                  DB_ARGS(DB_T(email), DB_T(email)));
	}
	db_release(c);
	return 0;
}

static int teardown_db(void **state)
{
	(void)state;
	db_close(db);
	if (sqlite_path[0]) {
		char p[80];

		unlink(sqlite_path);
		snprintf(p, sizeof(p), "%s-wal", sqlite_path);
		unlink(p);
		snprintf(p, sizeof(p), "%s-shm", sqlite_path);
		unlink(p);
	}
	return 0;
}

struct prog_opts {
	int approval, pending_holds, offer_hours, reserved;
	int64_t release_at;
};

/* A programme with one exchange of the given capacity; returns the exchange. */
static int64_t make_exchange(int capacity, const struct prog_opts *o, int64_t *programme_out)
{
	struct db_conn *c = conn();
	char buf_slug[32];
	const char *slug = buf_slug;
	int64_t prog, ex;

	snprintf(buf_slug, sizeof(buf_slug), "p%d", ++fixture_seq);
	prog = int_ok(
	        c,
	        "INSERT INTO ex_programmes (slug, name, signup_opens_at, signup_deadline, "
	        "approval_needed, pending_holds_place, offer_hours, allotments_release_at, "
	        "created_at, updated_at) VALUES (?, 'Test', 0, ?, ?, ?, ?, ?, 0, 0) RETURNING id",
	        DB_ARGS(DB_T(slug), DB_I(DEADLINE), DB_I(o ? o->approval : 0),
	                DB_I(o ? o->pending_holds : 0),
	                DB_I(o && o->offer_hours ? o->offer_hours : 48),
	                o && o->release_at ? DB_I(o->release_at) : DB_NUL));
	ex = int_ok(c,
	            "INSERT INTO ex_exchanges (programme_id, kind, host_org_id, topic, mode, "
	            "starts_at, "
	            "ends_at, capacity, reserved_places, created_at, updated_at) VALUES (?, ?, ?, "
	            "'Topic', 'on_site', ?, ?, ?, ?, 0, 0) RETURNING id",
	            DB_ARGS(DB_I(prog), DB_T(o && o->reserved ? "conference" : "exchange"),
	                    DB_I(org_id), DB_I(STARTS), DB_I(STARTS + 7200), DB_I(capacity),
	                    DB_I(o ? o->reserved : 0)));
	db_release(c);
	if (programme_out)
		*programme_out = prog;
	return ex;
}

static int count_state(int64_t ex, const char *state)
{
	struct db_conn *c = conn();
	int64_t n = int_ok(
	        c, "SELECT COUNT(*) FROM ex_registrations WHERE exchange_id = ? AND state = ?",
	        DB_ARGS(DB_I(ex), DB_T(state)));

	db_release(c);
	return (int)n;
}

static void signup_confirms_then_waitlists(void **state)
{
	int64_t ex = make_exchange(2, NULL, NULL);
	struct ex_reg_result r[4], again;
	struct db_conn *c = conn();
	struct co_err e;
	int i;

	(void)state;
	for (i = 0; i < 4; i++)
		assert_int_equal(ex_signup(c, ex, users[i], NOW + i, &r[i], &e), 0);
	assert_int_equal(r[0].state, EX_CONFIRMED);
	assert_int_equal(r[1].state, EX_CONFIRMED);
	assert_int_equal(r[2].state, EX_WAITLISTED);
	assert_int_equal(r[2].position, 1);
	assert_int_equal(r[3].state, EX_WAITLISTED);
	assert_int_equal(r[3].position, 2);
	/* Each sign-up is audited with the row as written, in acct_audit's
	 * form (compact JSON, keys in order), its actor the system here. */
	for (i = 0; i < 4; i++) {
		char want[320];
		struct db_rows *rows;

		snprintf(want, sizeof(want),
		         "{\"exchange_id\":%lld,\"id\":%lld,\"requested_at\":%lld,\"seq\":%lld,"
		         "\"state\":\"%s\",\"updated_at\":%lld,\"user_id\":%lld}",
		         (long long)ex, (long long)r[i].registration_id, (long long)(NOW + i),
		         (long long)r[i].seq, i < 2 ? "confirmed" : "waitlisted",
		         (long long)(NOW + i), (long long)users[i]);
		assert_int_equal(
		        db_query(c,
		                 "SELECT after_json, before_json IS NULL, actor_id IS NULL "
		                 "FROM audit_log WHERE action = 'registration.signup' AND "
		                 "object_type = 'registration' AND object_id = ?",
		                 DB_ARGS(DB_I(r[i].registration_id)), &rows, &e),
		        0);
		assert_int_equal(db_rows_next(rows, &e), 1);
		assert_string_equal(db_text(rows, 0), want);
		assert_int_equal(db_int(rows, 1), 1);
		assert_int_equal(db_int(rows, 2), 1);
		assert_int_equal(db_rows_next(rows, &e), 0);
		db_rows_free(rows);
	}
	/* One registration per person per exchange. */
	assert_int_equal(ex_signup(c, ex, users[0], NOW + 5, &again, &e), CO_ECONFLICT);
	assert_non_null(strstr(e.msg, "already registered"));

	/* A cancellation offers the place to the first in the queue. */
	assert_int_equal(ex_cancel(c, r[0].registration_id, NOW + 10, &again, &e), 0);
	assert_int_equal(again.state, EX_CANCELLED);
	assert_int_equal(again.offers_made, 1);
	assert_int_equal(ex_signup(c, ex, users[9], NOW + 11, &again, &e), 0);
	assert_int_equal(again.state, EX_WAITLISTED); /* no jumping the queue */
	assert_int_equal(again.position, 2);
	assert_int_equal(ex_offer_accept(c, r[2].registration_id, NOW + 12, &again, &e), 0);
	assert_int_equal(again.state, EX_CONFIRMED);
	assert_int_equal(count_state(ex, "confirmed"), 2);
	/* The cancelled person may ask again, at the back. */
	assert_int_equal(ex_signup(c, ex, users[0], NOW + 13, &again, &e), 0);
	assert_int_equal(again.state, EX_WAITLISTED);
	assert_int_equal(again.position, 3);
	db_release(c);
}

static void refusals_change_nothing(void **state)
{
	int64_t ex = make_exchange(2, NULL, NULL);
	struct ex_reg_result r, before;
	struct db_conn *c = conn();
	struct co_err e;

	(void)state;
	assert_int_equal(ex_signup(c, ex, users[0], NOW, &r, &e), 0);
	assert_int_equal(ex_signup(c, ex, users[1], NOW, &r, &e), 0);
	/* After the deadline. */
	assert_int_equal(ex_signup(c, ex, users[2], DEADLINE, &r, &e), CO_ECONFLICT);
	assert_non_null(strstr(e.msg, "deadline"));
	assert_int_equal(count_state(ex, "waitlisted"), 0);
	/* Capacity below the places taken. */
	before = r;
	assert_int_equal(ex_set_capacity(c, ex, 1, NOW, &r, &e), CO_EINPUT);
	assert_string_equal(e.field, "capacity");
	assert_memory_equal(&r, &before, sizeof(r));
	assert_int_equal(
	        int_ok(c, "SELECT capacity FROM ex_exchanges WHERE id = ?", DB_ARGS(DB_I(ex))), 2);
	/* Unknown things. */
	assert_int_equal(ex_signup(c, 999999, users[2], NOW, &r, &e), CO_ENOTFOUND);
	assert_int_equal(ex_cancel(c, 999999, NOW, &r, &e), CO_ENOTFOUND);
	/* A state that does not allow the step. */
	assert_int_equal(ex_offer_accept(c, before.registration_id, NOW, &r, &e), CO_ECONFLICT);
	/* Raising capacity offers the new place to the queue. */
	assert_int_equal(ex_signup(c, ex, users[2], NOW, &r, &e), 0);
	assert_int_equal(r.state, EX_WAITLISTED);
	assert_int_equal(ex_set_capacity(c, ex, 3, NOW, &r, &e), 0);
	assert_int_equal(r.offers_made, 1);
	assert_int_equal(count_state(ex, "offered"), 1);
	db_release(c);
}

static void approval_and_pending_holds(void **state)
{
	struct prog_opts o = {.approval = 1};
	int64_t ex = make_exchange(1, &o, NULL);
	struct ex_reg_result a, b;
	struct db_conn *c = conn();
	struct co_err e;

	(void)state;
	assert_int_equal(ex_signup(c, ex, users[0], NOW, &a, &e), 0);
	assert_int_equal(ex_signup(c, ex, users[1], NOW + 1, &b, &e), 0);
	assert_int_equal(a.state, EX_PENDING);
	assert_int_equal(b.state, EX_PENDING);
	/* Pending does not hold places here: approving the second first gives it
	 * the only place, and the first then joins the waiting list. */
	assert_int_equal(ex_decide(c, b.registration_id, 1, NOW + 2, &b, &e), 0);
	assert_int_equal(b.state, EX_CONFIRMED);
	assert_int_equal(ex_decide(c, a.registration_id, 1, NOW + 3, &a, &e), 0);
	assert_int_equal(a.state, EX_WAITLISTED);
	assert_int_equal(a.position, 1);
	assert_int_equal(ex_decide(c, a.registration_id, 0, NOW + 4, &a, &e), CO_ECONFLICT);

	/* Pending holds places: the second asker waits behind the first, and
	 * still needs approval after taking an offered place. */
	o.pending_holds = 1;
	ex = make_exchange(1, &o, NULL);
	assert_int_equal(ex_signup(c, ex, users[0], NOW, &a, &e), 0);
	assert_int_equal(a.state, EX_PENDING);
	assert_int_equal(ex_signup(c, ex, users[1], NOW + 1, &b, &e), 0);
	assert_int_equal(b.state, EX_WAITLISTED);
	assert_int_equal(b.position, 1);
	assert_int_equal(ex_decide(c, b.registration_id, 1, NOW + 2, &b, &e), CO_ECONFLICT);
	assert_int_equal(ex_decide(c, a.registration_id, 1, NOW + 3, &a, &e), 0);
	assert_int_equal(a.state, EX_CONFIRMED);
	assert_int_equal(ex_cancel(c, a.registration_id, NOW + 4, &a, &e), 0);
	assert_int_equal(a.offers_made, 1);
	assert_int_equal(ex_offer_accept(c, b.registration_id, NOW + 5, &b, &e), 0);
	assert_int_equal(b.state, EX_PENDING);
	assert_int_equal(ex_decide(c, b.registration_id, 1, NOW + 6, &b, &e), 0);
	assert_int_equal(b.state, EX_CONFIRMED);
	db_release(c);
}

/* The counts kept on the exchange's row equal the rows' own. */
static void counts_agree(int64_t ex)
{
	struct db_conn *c = conn();
	struct co_err e;

	if (ex_counts_check(c, ex, &e) != 0)
		fail_msg("%s", e.msg);
	db_release(c);
}

static int audited(const char *action, int64_t reg)
{
	struct db_conn *c = conn();
	int64_t n = int_ok(c,
	                   "SELECT COUNT(*) FROM audit_log WHERE action = ? AND object_type = "
	                   "'registration' AND object_id = ?",
	                   DB_ARGS(DB_T(action), DB_I(reg)));

	db_release(c);
	return (int)n;
}

static void offers_expire_and_pass_on(void **state)
{
	struct prog_opts o = {.offer_hours = 2};
	int64_t ex = make_exchange(1, &o, NULL);
	struct ex_reg_result r[3], x;
	struct db_conn *c = conn();
	struct co_err e;
	int i, n = -1;

	(void)state;
	for (i = 0; i < 3; i++)
		assert_int_equal(ex_signup(c, ex, users[i], NOW + i, &r[i], &e), 0);
	assert_int_equal(ex_cancel(c, r[0].registration_id, NOW + 10, &x, &e), 0);
	assert_int_equal(ex_cancel(c, r[0].registration_id, NOW + 10, &x, &e), CO_ECONFLICT);
	/* r[1] is offered until NOW + 10 + 2h. */
	assert_int_equal(ex_expire_offers(c, NOW + 10 + 7199, &n, &e), 0);
	assert_int_equal(n, 0);
	assert_int_equal(ex_expire_offers(c, NOW + 10 + 7200, &n, &e), 0);
	assert_int_equal(n, 1);
	assert_int_equal(count_state(ex, "offered"), 1); /* now r[2]'s */
	/* The automatic offers and the expiry are in the audit log. */
	assert_int_equal(audited("registration.offer", r[1].registration_id), 1);
	assert_int_equal(audited("registration.offer_expire", r[1].registration_id), 1);
	assert_int_equal(audited("registration.offer", r[2].registration_id), 1);
	counts_agree(ex);
	/* r[1] tries to accept the expired offer: refused. */
	assert_int_equal(ex_offer_accept(c, r[1].registration_id, NOW + 8000, &x, &e),
	                 CO_ECONFLICT);
	/* r[2] lets it run out while accepting: the expiry commits, place passes on. */
	assert_int_equal(ex_offer_accept(c, r[2].registration_id, NOW + 10 + 7200 + 7200, &x, &e),
	                 CO_ECONFLICT);
	assert_non_null(strstr(e.msg, "expired"));
	assert_int_equal(x.state, EX_DECLINED);
	assert_int_equal(count_state(ex, "offered"), 0);
	assert_int_equal(count_state(ex, "declined"), 2);
	/* An offer is never later than the exchange's start. */
	assert_int_equal(ex_signup(c, ex, users[5], NOW + 20000, &x, &e), 0);
	assert_int_equal(x.state, EX_CONFIRMED);
	assert_int_equal(ex_signup(c, ex, users[6], NOW + 20001, &r[0], &e), 0);
	assert_int_equal(ex_cancel(c, x.registration_id, STARTS - 3600, &x, &e), 0);
	assert_int_equal(ex_offer_decline(c, r[0].registration_id, STARTS - 3599, &x, &e), 0);
	assert_int_equal(x.state, EX_DECLINED);
	assert_int_equal(int_ok(c, "SELECT decided_at FROM ex_registrations WHERE id = ?",
	                        DB_ARGS(DB_I(r[0].registration_id))),
	                 STARTS - 3599);
	counts_agree(ex);
	/* A count that drifted is caught. */
	exec_ok(c, "UPDATE ex_exchanges SET n_confirmed = n_confirmed + 1 WHERE id = ?",
	        DB_ARGS(DB_I(ex)));
	assert_int_equal(ex_counts_check(c, ex, &e), CO_EINTERNAL);
	assert_non_null(strstr(e.msg, "confirmed"));
	exec_ok(c,
	        "UPDATE ex_exchanges SET n_confirmed = n_confirmed - 1, max_seq = max_seq + 1 "
	        "WHERE id = ?",
	        DB_ARGS(DB_I(ex)));
	assert_int_equal(ex_counts_check(c, ex, &e), CO_EINTERNAL);
	exec_ok(c, "UPDATE ex_exchanges SET max_seq = max_seq - 1 WHERE id = ?", DB_ARGS(DB_I(ex)));
	db_release(c);
	counts_agree(ex);
}

/* --- many at once --- */

struct signup_job {
	int64_t exchange, user;
	struct ex_reg_result res;
	int rc;
	char msg[CO_MAX_ERRMSG];
};

static pthread_barrier_t barrier;

static void *signup_thread(void *arg)
{
	struct signup_job *j = arg;
	struct db_conn *c;
	struct co_err e;

	pthread_barrier_wait(&barrier);
	j->rc = db_acquire(db, &c, &e);
	if (j->rc == 0) {
		j->rc = ex_signup(c, j->exchange, j->user, NOW, &j->res, &e);
		db_release(c);
	}
	if (j->rc < 0)
		snprintf(j->msg, sizeof(j->msg), "%s", e.msg);
	return NULL;
}

static void simultaneous_signups_never_oversell(void **state)
{
	enum { N = 200, CAP = 20 };
	int64_t ex = make_exchange(CAP, NULL, NULL);
	static struct signup_job jobs[N];
	pthread_t th[N];
	char seen[N + 1];
	int i, confirmed = 0, waitlisted = 0;

	(void)state;
	memset(seen, 0, sizeof(seen));
	pthread_barrier_init(&barrier, NULL, N);
	for (i = 0; i < N; i++) {
		jobs[i] = (struct signup_job){.exchange = ex, .user = users[i]};
		assert_int_equal(pthread_create(&th[i], NULL, signup_thread, &jobs[i]), 0);
	}
	for (i = 0; i < N; i++)
		pthread_join(th[i], NULL);
	pthread_barrier_destroy(&barrier);
	for (i = 0; i < N; i++) {
		struct signup_job *j = &jobs[i];

		if (j->rc != 0)
			fail_msg("sign-up %d failed: %s", i, j->msg);
		assert_in_range(j->res.seq, 1, N);
		assert_int_equal(seen[j->res.seq], 0); /* every request has its own place in line */
		seen[j->res.seq] = 1;
		if (j->res.state == EX_CONFIRMED) {
			confirmed++;
			assert_in_range(j->res.seq, 1, CAP); /* the first CAP to ask */
		} else {
			assert_int_equal(j->res.state, EX_WAITLISTED);
			waitlisted++;
			/* The position told equals the order of asking. */
			assert_int_equal(j->res.position, j->res.seq - CAP);
		}
	}
	assert_int_equal(confirmed, CAP);
	assert_int_equal(waitlisted, N - CAP);
	assert_int_equal(count_state(ex, "confirmed"), CAP);
	assert_int_equal(count_state(ex, "waitlisted"), N - CAP);
	counts_agree(ex);
	/* Every sign-up, in a group or alone, has exactly one audit entry. */
	{
		struct db_conn *c = conn();

		assert_int_equal(int_ok(c,
		                        "SELECT COUNT(DISTINCT a.object_id) FROM audit_log a JOIN "
		                        "ex_registrations r ON r.id = a.object_id WHERE a.action = "
		                        "'registration.signup' AND r.exchange_id = ?",
		                        DB_ARGS(DB_I(ex))),
		                 N);
		assert_int_equal(
		        int_ok(c,
		               "SELECT COUNT(*) FROM audit_log a JOIN ex_registrations r ON "
		               "r.id = a.object_id WHERE a.action = 'registration.signup' "
		               "AND r.exchange_id = ?",
		               DB_ARGS(DB_I(ex))),
		        N);
		db_release(c);
	}
}

/* Everyone presses the button twice at once: one registration each, the
 * second press refused, whichever of them joins a group sign-up. */
static void double_presses_at_once(void **state)
{
	enum { PEOPLE = 40, CAP = 10 };
	int64_t ex = make_exchange(CAP, NULL, NULL);
	static struct signup_job jobs[PEOPLE * 2];
	pthread_t th[PEOPLE * 2];
	int i, ok = 0, refused = 0;

	(void)state;
	pthread_barrier_init(&barrier, NULL, PEOPLE * 2);
	for (i = 0; i < PEOPLE * 2; i++) {
		jobs[i] = (struct signup_job){.exchange = ex, .user = users[i % PEOPLE]};
		assert_int_equal(pthread_create(&th[i], NULL, signup_thread, &jobs[i]), 0);
	}
	for (i = 0; i < PEOPLE * 2; i++)
		pthread_join(th[i], NULL);
	pthread_barrier_destroy(&barrier);
	for (i = 0; i < PEOPLE * 2; i++) {
		if (jobs[i].rc == 0)
			ok++;
		else if (jobs[i].rc == CO_ECONFLICT && strstr(jobs[i].msg, "already registered"))
			refused++;
		else
			fail_msg("press %d: %d %s", i, jobs[i].rc, jobs[i].msg);
	}
	assert_int_equal(ok, PEOPLE);
	assert_int_equal(refused, PEOPLE);
	assert_int_equal(count_state(ex, "confirmed"), CAP);
	assert_int_equal(count_state(ex, "waitlisted"), PEOPLE - CAP);
	counts_agree(ex);
}

/* Cancellations, acceptances, declines and expiries racing, on a clock
 * that moves 10 minutes per operation (offers last 2 hours). */
struct race {
	int64_t exchange;
	int64_t regs[N_USERS];
	int nregs;
	atomic_long clock;
	atomic_int errors;
	atomic_int cancels;
	int id;
};

static void *race_thread(void *arg)
{
	struct race *rc = (struct race *)((void **)arg)[0];
	int id = (int)(intptr_t)((void **)arg)[1];
	struct db_conn *c;
	struct co_err e;
	unsigned seed = (unsigned)id * 7919u + 1;
	int k;

	pthread_barrier_wait(&barrier);
	if (db_acquire(db, &c, &e) < 0) {
		atomic_fetch_add(&rc->errors, 1);
		return NULL;
	}
	for (k = 0; k < 30; k++) {
		int64_t now = atomic_fetch_add(&rc->clock, 600);
		int64_t reg = rc->regs[rand_r(&seed) % (unsigned)rc->nregs];
		struct ex_reg_result res;
		int r = 0;

		switch ((id + k) % 4) {
		case 0:
			r = ex_cancel(c, reg, now, &res, &e);
			if (r == 0)
				atomic_fetch_add(&rc->cancels, 1);
			break;
		case 1: r = ex_offer_accept(c, reg, now, &res, &e); break;
		case 2: r = ex_expire_offers(c, now, NULL, &e); break;
		case 3: r = ex_offer_decline(c, reg, now, &res, &e); break;
		}
		/* Refusals (wrong state, expired) are expected; failures are not. */
		if (r < 0 && r != CO_ECONFLICT)
			atomic_fetch_add(&rc->errors, 1);
	}
	db_release(c);
	return NULL;
}

static void cancellations_racing_offers_and_expiries(void **state)
{
	enum { N = 120, CAP = 15, T = 12 };
	struct prog_opts o = {.offer_hours = 2};
	static struct race race;
	int64_t ex = make_exchange(CAP, &o, NULL);
	pthread_t th[T];
	void *args[T][2];
	struct db_conn *c = conn();
	struct co_err e;
	struct ex_counts n;
	struct ex_policy p;
	int i, held;

	(void)state;
	memset(&race, 0, sizeof(race));
	race.exchange = ex;
	atomic_init(&race.clock, NOW + 100);
	for (i = 0; i < N; i++) {
		struct ex_reg_result r;

		assert_int_equal(ex_signup(c, ex, users[i], NOW, &r, &e), 0);
		race.regs[race.nregs++] = r.registration_id;
	}
	db_release(c);
	pthread_barrier_init(&barrier, NULL, T);
	for (i = 0; i < T; i++) {
		args[i][0] = &race;
		args[i][1] = (void *)(intptr_t)i;
		assert_int_equal(pthread_create(&th[i], NULL, race_thread, args[i]), 0);
	}
	for (i = 0; i < T; i++)
		pthread_join(th[i], NULL);
	pthread_barrier_destroy(&barrier);
	assert_int_equal(atomic_load(&race.errors), 0);
	assert_true(atomic_load(&race.cancels) > 0);

	counts_agree(ex);
	c = conn();
	assert_int_equal(ex_exchange_counts(c, ex, &n, &p, &e), 0);
	held = ex_places_held(&n, &p);
	/* Never oversold, and never a free place while someone waits. */
	assert_true(held <= CAP);
	if (n.n[EX_WAITLISTED] > 0)
		assert_int_equal(held, CAP);
	/* Every registration is accounted for. */
	assert_int_equal(n.n[EX_CONFIRMED] + n.n[EX_OFFERED] + n.n[EX_WAITLISTED] +
	                         n.n[EX_DECLINED] + n.n[EX_CANCELLED],
	                 N);
	/* Offers went in request order: everyone ever offered asked before
	 * everyone still waiting. */
	if (n.n[EX_WAITLISTED] > 0)
		assert_true(int_ok(c,
		                   "SELECT COALESCE(MAX(seq), 0) FROM ex_registrations WHERE "
		                   "exchange_id = ? AND offered_at IS NOT NULL",
		                   DB_ARGS(DB_I(ex))) <
		            int_ok(c,
		                   "SELECT MIN(seq) FROM ex_registrations WHERE exchange_id = ? "
		                   "AND state = 'waitlisted'",
		                   DB_ARGS(DB_I(ex))));
	/* Every open offer has an expiry; no other state keeps one. */
	assert_int_equal(int_ok(c,
	                        "SELECT COUNT(*) FROM ex_registrations WHERE exchange_id = ? AND "
	                        "((state = 'offered') <> (offer_expires_at IS NOT NULL))",
	                        DB_ARGS(DB_I(ex))),
	                 0);
	db_release(c);
}

static void nominations_within_allotments(void **state)
{
	struct prog_opts o = {.reserved = 3, .release_at = NOW + 1000};
	int64_t prog, conf = make_exchange(4, &o, &prog), n[4], swapped, reg;
	struct db_conn *c = conn();
	struct ex_reg_result r;
	struct co_err e;
	int released = -1;

	(void)state;
	exec_ok(c, "INSERT INTO ex_allotments (programme_id, org_id, places) VALUES (?, ?, 2)",
	        DB_ARGS(DB_I(prog), DB_I(org_id)));
	assert_int_equal(ex_nominate(c, prog, org_id, users[0], 0, NOW, &n[0], &e), 0);
	assert_int_equal(ex_nominate(c, prog, org_id, users[0], 0, NOW, &n[3], &e), CO_ECONFLICT);
	assert_int_equal(ex_nominate(c, prog, org_id, users[1], 0, NOW, &n[1], &e), 0);
	assert_int_equal(ex_nominate(c, prog, org_id, users[2], 0, NOW, &n[2], &e), CO_ECONFLICT);
	assert_non_null(strstr(e.msg, "all 2"));
	/* A swap keeps the count and the history. */
	assert_int_equal(ex_nomination_swap(c, n[1], users[2], 0, NOW, &swapped, &e), 0);
	assert_int_equal(int_ok(c, "SELECT replaced_by FROM ex_nominations WHERE id = ?",
	                        DB_ARGS(DB_I(n[1]))),
	                 swapped);
	assert_int_equal(ex_nomination_swap(c, n[1], users[3], 0, NOW, &n[3], &e), CO_ECONFLICT);
	assert_int_equal(ex_nomination_swap(c, swapped, users[3], 0, DEADLINE, &n[3], &e),
	                 CO_ECONFLICT);
	/* Admin approves, nominee accepts: a reserved conference place. */
	assert_int_equal(ex_nomination_accept(c, n[0], users[0], NOW, &reg, &e), CO_ECONFLICT);
	assert_int_equal(ex_nomination_decide(c, n[0], 1, 0, NOW, &e), 0);
	assert_int_equal(ex_nomination_accept(c, n[0], users[1], NOW, &reg, &e), CO_EPERM);
	assert_int_equal(ex_nomination_accept(c, n[0], users[0], NOW, &reg, &e), 0);
	assert_true(reg > 0);
	assert_int_equal(count_state(conf, "confirmed"), 1);
	/* Capacity 4, 3 reserved (one used): two open places for everyone else. */
	assert_int_equal(ex_signup(c, conf, users[10], NOW, &r, &e), 0);
	assert_int_equal(r.state, EX_CONFIRMED);
	assert_int_equal(ex_signup(c, conf, users[11], NOW, &r, &e), 0);
	assert_int_equal(r.state, EX_WAITLISTED);
	assert_int_equal(ex_signup(c, conf, users[12], NOW, &r, &e), 0);
	assert_int_equal(r.position, 2);
	/* Release: the two unused reserved places go to the waiting list. */
	assert_int_equal(ex_release_allotments(c, NOW + 999, &released, &e), 0);
	assert_int_equal(released, 0);
	assert_int_equal(ex_release_allotments(c, NOW + 1000, &released, &e), 0);
	assert_int_equal(released, 1);
	assert_int_equal(count_state(conf, "offered"), 2);
	assert_int_equal(ex_nominate(c, prog, org_id, users[4], 0, NOW + 1001, &n[3], &e),
	                 CO_ECONFLICT);
	counts_agree(conf);
	/* Swapping the accepted nominee gives up their conference place. */
	assert_int_equal(ex_nomination_swap(c, n[0], users[5], 0, NOW + 1002, &n[3], &e), 0);
	assert_int_equal(int_ok(c,
	                        "SELECT COUNT(*) FROM ex_registrations WHERE id = ? AND "
	                        "state = 'cancelled'",
	                        DB_ARGS(DB_I(reg))),
	                 1);
	counts_agree(conf);
	db_release(c);
}

static void workshop_choices_refuse_clashes(void **state)
{
	int64_t ex = make_exchange(10, NULL, NULL), s1, s2, s3, room;
	struct db_conn *c = conn();
	struct ex_reg_result r, w;
	struct co_err e;

	(void)state;
	room = int_ok(c,
	              "INSERT INTO ex_rooms (exchange_id, name, capacity) VALUES (?, 'Room A', 1) "
	              "RETURNING id",
	              DB_ARGS(DB_I(ex)));
	s1 = int_ok(
	        c,
	        "INSERT INTO ex_sessions (exchange_id, room_id, kind, title, starts_at, ends_at, "
	        "needs_choice) VALUES (?, ?, 'workshop', 'W1', ?, ?, 1) RETURNING id",
	        DB_ARGS(DB_I(ex), DB_I(room), DB_I(STARTS), DB_I(STARTS + 3600)));
	s2 = int_ok(
	        c,
	        "INSERT INTO ex_sessions (exchange_id, kind, title, starts_at, ends_at, capacity, "
	        "needs_choice) VALUES (?, 'workshop', 'W2', ?, ?, 5, 1) RETURNING id",
	        DB_ARGS(DB_I(ex), DB_I(STARTS + 1800), DB_I(STARTS + 5400)));
	s3 = int_ok(c,
	            "INSERT INTO ex_sessions (exchange_id, kind, title, starts_at, ends_at, "
	            "needs_choice) VALUES (?, 'workshop', 'W3', ?, ?, 1) RETURNING id",
	            DB_ARGS(DB_I(ex), DB_I(STARTS + 3600), DB_I(STARTS + 7200)));
	assert_int_equal(ex_signup(c, ex, users[0], NOW, &r, &e), 0);
	assert_int_equal(ex_signup(c, ex, users[1], NOW, &w, &e), 0);
	assert_int_equal(ex_choose_session(c, r.registration_id, s1, NOW, &e), 0);
	assert_int_equal(ex_choose_session(c, r.registration_id, s2, NOW, &e), CO_ECONFLICT);
	assert_non_null(strstr(e.msg, "clash"));
	assert_int_equal(ex_choose_session(c, r.registration_id, s3, NOW, &e), 0);
	assert_int_equal(ex_choose_session(c, r.registration_id, s3, NOW, &e), CO_ECONFLICT);
	/* Room A holds one: the second person cannot join W1. */
	assert_int_equal(ex_choose_session(c, w.registration_id, s1, NOW, &e), CO_ECONFLICT);
	assert_non_null(strstr(e.msg, "full"));
	assert_int_equal(int_ok(c,
	                        "SELECT COUNT(*) FROM ex_session_choices WHERE session_id IN "
	                        "(?, ?, ?)",
	                        DB_ARGS(DB_I(s1), DB_I(s2), DB_I(s3))),
	                 2);
	db_release(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(signup_confirms_then_waitlists),
	        cmocka_unit_test(refusals_change_nothing),
	        cmocka_unit_test(approval_and_pending_holds),
	        cmocka_unit_test(offers_expire_and_pass_on),
	        cmocka_unit_test(simultaneous_signups_never_oversell),
	        cmocka_unit_test(double_presses_at_once),
	        cmocka_unit_test(cancellations_racing_offers_and_expiries),
	        cmocka_unit_test(nominations_within_allotments),
	        cmocka_unit_test(workshop_choices_refuse_clashes),
	};

	return cmocka_run_group_tests(tests, setup_db, teardown_db);
}
