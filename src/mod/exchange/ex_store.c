/*
 * ex_store.c - race-free registration, nominations and choices.
 *
 * The invariant, for every exchange at every commit:
 *   held = confirmed + offered + attended + no_show
 *          (+ pending, when pending holds a place) + reserved <= capacity
 *   and if held < capacity then nobody is waitlisted
 * (a capacity lowered by force is the one exception to the first line,
 * refused by ex_set_capacity). Each write below runs under the exchange's
 * row lock and ends with fill(), which restores the second line by
 * offering free places to the head of the waiting list.
 *
 * The counts come from the exchange's row (migration 0201: n_<state> and
 * max_seq), read by the statement that locks it, so a sign-up costs the
 * same with 10 or 10,000 registrations. Every change here moves them in
 * memory (move()) and writes them back before commit (save_counts()), in
 * the same transaction and under the same lock as the rows they count;
 * the rare changes whose "before" is not known row by row recount the
 * rows (resync()). ex_exchange_counts() recounts the rows and asserts the
 * stored counts agree (ex_counts_check()), so any drift fails loudly; the
 * UNIQUE (exchange_id, seq) constraint refuses a sequence given twice.
 */
#include "mod/exchange/ex_store.h"

#include <assert.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/buf.h"
#include "mod/accounts/acct.h"
#include "mod/exchange/ex_audit.h"

/* Per-process lock stripes, each with a queue of sign-ups (see ex_signup).
 * The database row lock is what makes sign-ups safe across processes; the
 * stripes keep the threads of one process from all waiting on the same
 * row lock at once (when a holder commits, PostgreSQL wakes every waiter to
 * race for the lock), and let one thread sign up everyone waiting in one
 * transaction. */
#define STRIPES 64
static pthread_mutex_t stripes[STRIPES] = {
#define M PTHREAD_MUTEX_INITIALIZER
        M, M, M, M, M, M, M, M, M, M, M, M, M, M, M, M, M, M, M, M, M, M,
        M, M, M, M, M, M, M, M, M, M, M, M, M, M, M, M, M, M, M, M, M, M,
        M, M, M, M, M, M, M, M, M, M, M, M, M, M, M, M, M, M, M, M,
#undef M
};

/* An exchange locked for the rest of the transaction, with its policy and
 * its registrations' counts as they stand in this transaction. */
struct locked {
	int64_t id, programme_id, starts_at;
	int capacity, reserved_places, cancelled, released;
	struct ex_policy p;
	int n[EX_N_STATES + 1]; /* registrations by state */
	int64_t max_seq;        /* highest request sequence given, 0 when none */
	int dirty;              /* counts changed: save_counts() writes them */
};

#define TRY(x)                                                                                     \
	do {                                                                                       \
		if ((rc = (x)) < 0)                                                                \
			goto out;                                                                  \
	} while (0)

/* The exchange's stored counters, in enum ex_reg_state order from 1. */
#define COUNT_COLS                                                                                 \
	"n_pending, n_confirmed, n_waitlisted, n_offered, n_declined, n_cancelled, n_attended, "   \
	"n_no_show"

static int lock_exchange(struct db_conn *c, int64_t id, struct locked *x, struct co_err *e)
{
	struct db_rows *r;
	int rc, i;

	/* One statement: the exchange's row locked with its counts, its
	 * programme's policy read through scalar subqueries, which FOR UPDATE
	 * does not lock (so sign-ups to different exchanges of one programme
	 * do not queue). */
	rc = db_query(
	        c,
	        "SELECT x.id, x.programme_id, x.capacity, x.reserved_places, x.starts_at, "
	        "x.status, (SELECT signup_opens_at FROM ex_programmes p WHERE p.id = "
	        "x.programme_id), (SELECT signup_deadline FROM ex_programmes p WHERE p.id = "
	        "x.programme_id), (SELECT approval_needed FROM ex_programmes p WHERE p.id = "
	        "x.programme_id), (SELECT pending_holds_place FROM ex_programmes p WHERE p.id "
	        "= x.programme_id), (SELECT offer_hours FROM ex_programmes p WHERE p.id = "
	        "x.programme_id), (SELECT CASE WHEN allotments_released_at IS NULL THEN 0 ELSE "
	        "1 END FROM ex_programmes p WHERE p.id = x.programme_id), x.max_seq, " COUNT_COLS
	        " FROM ex_exchanges x WHERE x.id = ? {{for_update}}",
	        DB_ARGS(DB_I(id)), &r, e);
	if (rc < 0)
		return rc;
	rc = db_rows_next(r, e);
	if (rc == 0)
		rc = co_errf(e, CO_ENOTFOUND, "no such exchange");
	if (rc > 0) {
		const char *status = db_text(r, 5);

		x->id = db_int(r, 0);
		x->programme_id = db_int(r, 1);
		x->capacity = (int)db_int(r, 2);
		x->reserved_places = (int)db_int(r, 3);
		x->starts_at = db_int(r, 4);
		x->cancelled = status && strcmp(status, "cancelled") == 0;
		x->p.opens_at = db_int(r, 6);
		x->p.deadline = db_int(r, 7);
		x->p.approval_needed = (int)db_int(r, 8);
		x->p.pending_holds_place = (int)db_int(r, 9);
		x->p.offer_hours = (int)db_int(r, 10);
		x->released = (int)db_int(r, 11);
		x->max_seq = db_int(r, 12);
		x->n[0] = 0;
		for (i = 1; i <= EX_N_STATES; i++)
			x->n[i] = (int)db_int(r, 12 + i);
		x->dirty = 0;
		rc = 0;
	}
	db_rows_free(r);
	return rc;
}

/* k registrations moved from one state to another (from 0: new ones). */
static void move(struct locked *x, enum ex_reg_state from, enum ex_reg_state to, int k)
{
	if (k == 0 || from == to)
		return;
	if (from)
		x->n[from] -= k;
	x->n[to] += k;
	assert(!from || x->n[from] >= 0);
	x->dirty = 1;
}

/* Writes the counts back to the locked row (before commit). */
static int save_counts(struct db_conn *c, struct locked *x, struct co_err *e)
{
	int rc;

	if (!x->dirty)
		return 0;
	/* Its answer can wait for the COMMIT (one round trip on PostgreSQL). */
	rc = db_exec_later(
	        c,
	        "UPDATE ex_exchanges SET n_pending = ?, n_confirmed = ?, n_waitlisted = ?, "
	        "n_offered = ?, n_declined = ?, n_cancelled = ?, n_attended = ?, "
	        "n_no_show = ?, max_seq = ? WHERE id = ?",
	        DB_ARGS(DB_I(x->n[1]), DB_I(x->n[2]), DB_I(x->n[3]), DB_I(x->n[4]), DB_I(x->n[5]),
	                DB_I(x->n[6]), DB_I(x->n[7]), DB_I(x->n[8]), DB_I(x->max_seq), DB_I(x->id)),
	        e);
	if (rc == 0)
		x->dirty = 0;
	return rc;
}

/* Counts the exchange's rows themselves: by state and the highest seq. */
static int recount(struct db_conn *c, int64_t exchange_id, int *n, int64_t *max_seq,
                   struct co_err *e)
{
	struct db_rows *r;
	int rc;

	memset(n, 0, sizeof(int) * (EX_N_STATES + 1));
	*max_seq = 0;
	rc = db_query(c,
	              "SELECT state, COUNT(*), MAX(seq) FROM ex_registrations WHERE "
	              "exchange_id = ? GROUP BY state",
	              DB_ARGS(DB_I(exchange_id)), &r, e);
	if (rc < 0)
		return rc;
	while ((rc = db_rows_next(r, e)) > 0) {
		enum ex_reg_state s;

		if (ex_state_parse(db_text(r, 0), &s) == 0)
			n[s] += (int)db_int(r, 1);
		if (db_int(r, 2) > *max_seq)
			*max_seq = db_int(r, 2);
	}
	db_rows_free(r);
	return rc < 0 ? rc : 0;
}

/* After a change whose states before are not known one by one: the
 * counts from the rows (under the lock, so exact). */
static int resync(struct db_conn *c, struct locked *x, struct co_err *e)
{
	int rc = recount(c, x->id, x->n, &x->max_seq, e);

	if (rc == 0)
		x->dirty = 1;
	return rc;
}

/* The counts the rules work on; nomination places consumed reduce what
 * stays reserved (counted only while places are reserved). */
static int load_counts(struct db_conn *c, const struct locked *x, struct ex_counts *out,
                       struct co_err *e)
{
	struct ex_counts n;
	int64_t holding = 0;
	int rc;

	memset(&n, 0, sizeof(n));
	n.capacity = x->capacity;
	memcpy(n.n, x->n, sizeof(n.n));
	if (!x->released && x->reserved_places > 0) {
		rc = db_query_int(
		        c,
		        x->p.pending_holds_place
		                ? "SELECT COUNT(*) FROM ex_registrations WHERE exchange_id = ? AND "
		                  "nomination_id IS NOT NULL AND state IN ('confirmed', 'offered', "
		                  "'attended', 'no_show', 'pending')"
		                : "SELECT COUNT(*) FROM ex_registrations WHERE exchange_id = ? AND "
		                  "nomination_id IS NOT NULL AND state IN ('confirmed', 'offered', "
		                  "'attended', 'no_show')",
		        DB_ARGS(DB_I(x->id)), &holding, e);
		if (rc < 0)
			return rc;
		if (x->reserved_places > holding)
			n.reserved = x->reserved_places - (int)holding;
	}
	*out = n;
	return 0;
}

int ex_counts_check(struct db_conn *c, int64_t exchange_id, struct co_err *e)
{
	struct locked x = {0};
	int n[EX_N_STATES + 1], rc, i;
	int64_t max_seq;

	TRY(db_begin(c, DB_TX_READ, e));
	TRY(lock_exchange(c, exchange_id, &x, e));
	TRY(recount(c, exchange_id, n, &max_seq, e));
	TRY(db_commit(c, e));
	for (i = 1; i <= EX_N_STATES; i++)
		if (n[i] != x.n[i])
			return co_errf(e, CO_EINTERNAL,
			               "exchange %lld stores %d %s registrations but has %d",
			               (long long)exchange_id, x.n[i],
			               ex_state_name((enum ex_reg_state)i), n[i]);
	if (max_seq != x.max_seq)
		return co_errf(e, CO_EINTERNAL,
		               "exchange %lld stores %lld as its last sequence but has %lld",
		               (long long)exchange_id, (long long)x.max_seq, (long long)max_seq);
	return 0;
out:
	db_rollback(c);
	return rc;
}

/* The audit entries of one transaction's sign-ups, written by one
 * multi-row INSERT into the accounts module's audit_log, as acct_audit()
 * writes them one by one (same columns, same JSON form), its answer left
 * for the next statement or the COMMIT (db_exec_later). */
struct audit_entry {
	int64_t actor, object_id;
	const char *address, *action;
	const json_t *before, *after;
};

#define AUDIT_BATCH 64

static int audit_many(struct db_conn *c, const struct audit_entry *a, int n, struct co_err *e)
{
	struct db_val vals[AUDIT_BATCH * 8];
	char *texts[AUDIT_BATCH * 2] = {0};
	struct co_buf sql;
	int64_t at = (int64_t)time(NULL);
	int rc = 0, i;

	assert(n <= AUDIT_BATCH);
	if (n <= 0)
		return 0;
	co_buf_init(&sql, 4096 + 32 * AUDIT_BATCH);
	rc = co_buf_adds(&sql, "INSERT INTO audit_log (at, actor_id, action, object_type, "
	                       "object_id, before_json, after_json, address) VALUES ");
	for (i = 0; rc == 0 && i < n; i++) {
		texts[2 * i] =
		        a[i].before ? json_dumps(a[i].before, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
		texts[2 * i + 1] =
		        a[i].after ? json_dumps(a[i].after, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
		if ((a[i].before && !texts[2 * i]) || (a[i].after && !texts[2 * i + 1])) {
			rc = co_errf(e, CO_ENOMEM, "out of memory");
			break;
		}
		vals[i * 8] = DB_I(at);
		vals[i * 8 + 1] = a[i].actor > 0 ? DB_I(a[i].actor) : DB_NUL;
		vals[i * 8 + 2] = DB_T(a[i].action);
		vals[i * 8 + 3] = DB_T("registration");
		vals[i * 8 + 4] = a[i].object_id > 0 ? DB_I(a[i].object_id) : DB_NUL;
		vals[i * 8 + 5] = DB_T(texts[2 * i]);
		vals[i * 8 + 6] = DB_T(texts[2 * i + 1]);
		vals[i * 8 + 7] = DB_T(a[i].address);
		rc = co_buf_adds(&sql,
		                 i ? ", (?, ?, ?, ?, ?, ?, ?, ?)" : "(?, ?, ?, ?, ?, ?, ?, ?)");
	}
	if (rc == 0)
		rc = db_exec_later(c, sql.data, vals, n * 8, e);
	else if (rc != CO_ENOMEM)
		rc = co_errf(e, rc, "audit statement too long");
	co_buf_free(&sql);
	for (i = 0; i < 2 * n; i++)
		free(texts[i]);
	return rc;
}

/* Offers free places to the head of the waiting list, each offer audited
 * as the system's ("registration.offer", the row before and after). */
static int fill(struct db_conn *c, struct locked *x, int64_t now, int *made, struct co_err *e)
{
	struct ex_counts n;
	struct db_rows *r;
	int64_t *ids = NULL, expires;
	int rc, due, k = 0, i;

	if ((rc = load_counts(c, x, &n, e)) < 0)
		return rc;
	due = ex_offers_due(&n, &x->p);
	if (due <= 0 || now >= x->starts_at)
		return 0;
	ids = calloc((size_t)due, sizeof(*ids));
	if (!ids)
		return co_errf(e, CO_ENOMEM, "out of memory");
	rc = db_query(
	        c,
	        "SELECT id FROM ex_registrations WHERE exchange_id = ? AND state = 'waitlisted' "
	        "ORDER BY seq LIMIT ?",
	        DB_ARGS(DB_I(x->id), DB_I(due)), &r, e);
	if (rc < 0)
		goto out;
	while (k < due && (rc = db_rows_next(r, e)) > 0)
		ids[k++] = db_int(r, 0);
	db_rows_free(r);
	if (rc < 0)
		goto out;
	expires = ex_offer_expiry(&x->p, now, x->starts_at);
	for (i = 0; i < k; i++) {
		json_t *before = NULL, *after;

		TRY(ex__audit_row(c, "ex_registrations", ids[i], &before, e));
		rc = db_exec(c,
		             "UPDATE ex_registrations SET state = 'offered', offered_at = ?, "
		             "offer_expires_at = ?, updated_at = ? WHERE id = ?",
		             DB_ARGS(DB_I(now), DB_I(expires), DB_I(now), DB_I(ids[i])), NULL, e);
		/* The row after: the row before with what the UPDATE set. */
		after = rc == 0 && before ? json_deep_copy(before) : NULL;
		if (rc == 0 && !after)
			rc = co_errf(e, CO_ENOMEM, "out of memory");
		if (after) {
			json_object_set_new(after, "state", json_string("offered"));
			json_object_set_new(after, "offered_at", json_integer(now));
			json_object_set_new(after, "offer_expires_at", json_integer(expires));
			json_object_set_new(after, "updated_at", json_integer(now));
			rc = acct_audit(c, 0, NULL, "registration.offer", "registration", ids[i],
			                before, after, e);
		}
		json_decref(before);
		json_decref(after);
		TRY(rc);
	}
	move(x, EX_WAITLISTED, EX_OFFERED, k);
	if (made)
		*made += k;
	rc = 0;
out:
	free(ids);
	return rc;
}

/* Reads a registration back into a result. */
static int read_result(struct db_conn *c, int64_t reg_id, struct ex_reg_result *out,
                       struct co_err *e)
{
	struct ex_reg_result res;
	struct db_rows *r;
	int64_t exchange_id = 0;
	int rc;

	memset(&res, 0, sizeof(res));
	rc = db_query(c,
	              "SELECT state, seq, offer_expires_at, exchange_id FROM ex_registrations "
	              "WHERE id = ?",
	              DB_ARGS(DB_I(reg_id)), &r, e);
	if (rc < 0)
		return rc;
	rc = db_rows_next(r, e);
	if (rc == 0)
		rc = co_errf(e, CO_ENOTFOUND, "no such registration");
	if (rc > 0) {
		rc = ex_state_parse(db_text(r, 0), &res.state);
		res.seq = db_int(r, 1);
		res.expires_at = db_isnull(r, 2) ? 0 : db_int(r, 2);
		exchange_id = db_int(r, 3);
		if (rc < 0)
			rc = co_errf(e, CO_EINTERNAL, "a registration has an unknown state");
	}
	db_rows_free(r);
	if (rc < 0)
		return rc;
	res.registration_id = reg_id;
	if (res.state == EX_WAITLISTED) {
		int64_t pos;

		rc = db_query_int(c,
		                  "SELECT COUNT(*) FROM ex_registrations WHERE exchange_id = ? "
		                  "AND state = 'waitlisted' AND seq <= ?",
		                  DB_ARGS(DB_I(exchange_id), DB_I(res.seq)), &pos, e);
		if (rc < 0)
			return rc;
		res.position = (int)pos;
	}
	if (res.state != EX_OFFERED)
		res.expires_at = 0;
	if (out) {
		int made = out->offers_made;

		*out = res;
		out->offers_made = made;
	}
	return 0;
}

/* A sign-up's row as written, for the audit log (no read back: the
 * sign-up path stays at one audit INSERT). */
static json_t *signup_json(int64_t id, int64_t exchange_id, int64_t user_id,
                           enum ex_reg_state state, int64_t seq, int64_t now)
{
	return json_pack("{s:I,s:I,s:I,s:s,s:I,s:I,s:I}", "id", (json_int_t)id, "exchange_id",
	                 (json_int_t)exchange_id, "user_id", (json_int_t)user_id, "state",
	                 ex_state_name(state), "seq", (json_int_t)seq, "requested_at",
	                 (json_int_t)now, "updated_at", (json_int_t)now);
}

/* Sign-ups written in one group at most. */
#define BATCH_MAX 64

/*
 * The sign-up fast path: new registrations whose states were decided
 * under the lock are written, audited and counted by statements whose
 * answers can wait (db_exec_later), then committed, and the new ids read
 * back by the query that follows the COMMIT (db_commit_query). On
 * PostgreSQL that is two round trips in all: BEGIN with the lock, then
 * everything else. A person already registered makes the INSERT fail,
 * and with it the whole transaction: the caller then takes the general
 * path, which finds out why.
 */
struct newreg {
	int64_t user_id, now, actor, seq, id;
	const char *address;
	enum ex_reg_state state;
};

static int write_group(struct db_conn *c, struct locked *x, struct newreg *g, int n,
                       struct co_err *e)
{
	struct db_val vals[BATCH_MAX * 6 + 1];
	struct co_buf sql;
	struct db_rows *r = NULL;
	int rc, i, got = 0, cap = 1;

#define ADD(s)                                                                                     \
	do {                                                                                       \
		if (rc == 0 && co_buf_adds(&sql, (s)) < 0)                                         \
			rc = co_errf(e, CO_ELIMIT, "a sign-up statement is too long");             \
	} while (0)

	assert(n >= 1 && n <= BATCH_MAX);
	/* The statements are written for a size class (1, 2, 4, ... 64 rows),
	 * the rows past n left NULL and filtered out, so that each connection
	 * prepares a few statements, not one per group size. */
	while (cap < n)
		cap *= 2;
	co_buf_init(&sql, 16384);
	/* The registrations. */
	rc = 0;
	ADD("INSERT INTO ex_registrations (exchange_id, user_id, state, seq, requested_at, "
	    "updated_at) SELECT column1, column2, column3, column4, column5, column6 FROM "
	    "(VALUES ");
	for (i = 0; rc == 0 && i < cap; i++) {
		vals[i * 6] = i < n ? DB_I(x->id) : DB_NUL;
		vals[i * 6 + 1] = i < n ? DB_I(g[i].user_id) : DB_NUL;
		vals[i * 6 + 2] = i < n ? DB_T(ex_state_name(g[i].state)) : DB_NUL;
		vals[i * 6 + 3] = i < n ? DB_I(g[i].seq) : DB_NUL;
		vals[i * 6 + 4] = i < n ? DB_I(g[i].now) : DB_NUL;
		vals[i * 6 + 5] = i < n ? DB_I(g[i].now) : DB_NUL;
		ADD(i ? ", (CAST(? AS BIGINT), CAST(? AS BIGINT), CAST(? AS TEXT), CAST(? AS "
		        "BIGINT), CAST(? AS BIGINT), CAST(? AS BIGINT))"
		      : "(CAST(? AS BIGINT), CAST(? AS BIGINT), CAST(? AS TEXT), CAST(? AS "
		        "BIGINT), "
		        "CAST(? AS BIGINT), CAST(? AS BIGINT))");
	}
	ADD(") AS v WHERE column1 IS NOT NULL");
	if (rc == 0)
		rc = db_exec_later(c, sql.data, vals, cap * 6, e);
	/* Their audit entries, each the row as written (the form acct_audit
	 * gives: compact JSON, keys in order), its id found by its seq. */
	co_buf_reset(&sql);
	ADD("INSERT INTO audit_log (at, actor_id, action, object_type, object_id, "
	    "before_json, after_json, address) SELECT CAST(? AS BIGINT), v.column2, "
	    "'registration.signup', 'registration', r.id, NULL, '{\"exchange_id\":' || "
	    "r.exchange_id || ',\"id\":' || r.id || ',\"requested_at\":' || "
	    "r.requested_at || ',\"seq\":' || r.seq || ',\"state\":\"' || r.state || "
	    "'\",\"updated_at\":' || r.updated_at || ',\"user_id\":' || r.user_id || "
	    "'}', v.column3 FROM ex_registrations r JOIN (VALUES ");
	vals[0] = DB_I((int64_t)time(NULL));
	for (i = 0; rc == 0 && i < cap; i++) {
		vals[1 + i * 3] = i < n ? DB_I(g[i].seq) : DB_NUL;
		vals[1 + i * 3 + 1] = i < n && g[i].actor > 0 ? DB_I(g[i].actor) : DB_NUL;
		vals[1 + i * 3 + 2] = i < n ? DB_T(g[i].address) : DB_NUL;
		ADD(i ? ", (CAST(? AS BIGINT), CAST(? AS BIGINT), CAST(? AS TEXT))"
		      : "(CAST(? AS BIGINT), CAST(? AS BIGINT), CAST(? AS TEXT))");
	}
	ADD(") AS v ON r.seq = v.column1 WHERE r.exchange_id = ? ORDER BY r.seq");
	vals[1 + cap * 3] = DB_I(x->id);
	if (rc == 0)
		rc = db_exec_later(c, sql.data, vals, 2 + cap * 3, e);
	/* The counts, then COMMIT and the ids. */
	if (rc == 0)
		rc = save_counts(c, x, e);
	co_buf_reset(&sql);
	ADD("SELECT id, user_id FROM ex_registrations WHERE exchange_id = ? AND user_id IN (");
	vals[0] = DB_I(x->id);
	for (i = 0; rc == 0 && i < cap; i++) {
		vals[1 + i] = DB_I(g[i < n ? i : 0].user_id);
		ADD(i ? ", ?" : "?");
	}
	ADD(")");
#undef ADD
	if (rc == 0)
		rc = db_commit_query(c, sql.data, vals, 1 + cap, &r, e);
	co_buf_free(&sql);
	if (rc < 0)
		return rc;
	while ((rc = db_rows_next(r, e)) > 0)
		for (i = 0; i < n; i++)
			if (g[i].user_id == db_int(r, 1) && !g[i].id) {
				g[i].id = db_int(r, 0);
				got++;
			}
	db_rows_free(r);
	if (rc < 0)
		return rc;
	/* Committed: every one of them is there (a row is never deleted). */
	if (got != n)
		return co_errf(e, CO_EINTERNAL, "a new registration was not found after commit");
	return 0;
}

/* One sign-up by the fast path; 1 when it does not apply (places are to be
 * offered), CO_ECONFLICT when the person may be registered already (or
 * sign-up is closed): the general path then decides. */
static int signup_fast(struct db_conn *c, int64_t exchange_id, int64_t user_id, int64_t now,
                       int64_t actor, const char *address, struct ex_reg_result *out,
                       struct co_err *e)
{
	struct newreg g = {user_id, now, actor, 0, 0, address, 0};
	struct locked x = {0};
	struct ex_counts n;
	int rc;

	TRY(db_begin(c, DB_TX_WRITE, e));
	TRY(lock_exchange(c, exchange_id, &x, e));
	TRY(ex_signup_open(&x.p, now, x.starts_at, x.cancelled, e));
	TRY(load_counts(c, &x, &n, e));
	g.state = ex_signup_state(&n, &x.p);
	n.n[g.state]++;
	if (ex_offers_due(&n, &x.p) > 0) {
		db_rollback(c);
		return 1;
	}
	g.seq = ++x.max_seq;
	move(&x, 0, g.state, 1);
	TRY(write_group(c, &x, &g, 1, e));
	memset(out, 0, sizeof(*out));
	out->registration_id = g.id;
	out->state = g.state;
	out->seq = g.seq;
	/* The newcomer is last in line: its position is the queue's length. */
	out->position = g.state == EX_WAITLISTED ? n.n[EX_WAITLISTED] : 0;
	return 0;
out:
	db_rollback(c);
	return rc;
}

/* One sign-up by the general path: any case (a person signing up again,
 * places to offer), in its own transaction. The registration is written
 * first (ON CONFLICT DO NOTHING: a person who has one already is found by
 * the conflict, not by a search beforehand); the state it gets was
 * decided from the counts under the lock. */
static int signup_classic(struct db_conn *c, int64_t exchange_id, int64_t user_id, int64_t now,
                          int64_t actor, const char *address, struct ex_reg_result *out,
                          struct co_err *e)
{
	struct ex_reg_result res = {0};
	struct locked x = {0};
	struct ex_counts n;
	enum ex_reg_state state, mine_state = 0;
	struct db_rows *r;
	int64_t reg_id = 0;
	json_t *before = NULL, *after = NULL;
	int rc;

	/* Round trips on PostgreSQL: BEGIN with the lock, the INSERT, then the
	 * audit, the counts and COMMIT together (more when the person signs
	 * up again or places are offered). */
	TRY(db_begin(c, DB_TX_WRITE, e));
	TRY(lock_exchange(c, exchange_id, &x, e));
	TRY(ex_signup_open(&x.p, now, x.starts_at, x.cancelled, e));
	TRY(load_counts(c, &x, &n, e));
	state = ex_signup_state(&n, &x.p);
	res.seq = x.max_seq + 1;
	TRY(db_query(c,
	             "INSERT INTO ex_registrations (exchange_id, user_id, state, seq, "
	             "requested_at, updated_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT "
	             "(exchange_id, user_id) DO NOTHING RETURNING id",
	             DB_ARGS(DB_I(exchange_id), DB_I(user_id), DB_T(ex_state_name(state)),
	                     DB_I(res.seq), DB_I(now), DB_I(now)),
	             &r, e));
	if ((rc = db_rows_next(r, e)) > 0)
		reg_id = db_int(r, 0);
	db_rows_free(r);
	if (rc < 0)
		goto out;
	if (!reg_id) {
		/* Registered before: reopen a cancelled or declined one at the
		 * back of the queue; refuse an active one. */
		TRY(db_query(c,
		             "SELECT id, state FROM ex_registrations WHERE exchange_id = ? AND "
		             "user_id = ?",
		             DB_ARGS(DB_I(exchange_id), DB_I(user_id)), &r, e));
		if ((rc = db_rows_next(r, e)) > 0) {
			reg_id = db_int(r, 0);
			if (ex_state_parse(db_text(r, 1), &mine_state) < 0)
				rc = co_errf(e, CO_EINTERNAL,
				             "a registration has an unknown state");
		} else if (rc == 0) {
			rc = co_errf(e, CO_EINTERNAL, "a registration vanished under the lock");
		}
		db_rows_free(r);
		if (rc < 0)
			goto out;
		if (mine_state != EX_CANCELLED && mine_state != EX_DECLINED) {
			rc = co_errf(e, CO_ECONFLICT, "%s",
			             mine_state == EX_WAITLISTED
			                     ? "you are already registered, on the waiting list"
			             : mine_state == EX_PENDING
			                     ? "you are already registered, waiting for approval"
			                     : "you are already registered");
			goto out;
		}
		TRY(ex__audit_row(c, "ex_registrations", reg_id, &before, e));
		TRY(db_exec(c,
		            "UPDATE ex_registrations SET state = ?, seq = ?, requested_at = ?, "
		            "offered_at = NULL, offer_expires_at = NULL, decided_at = NULL, "
		            "reason = '', updated_at = ? WHERE id = ?",
		            DB_ARGS(DB_T(ex_state_name(state)), DB_I(res.seq), DB_I(now), DB_I(now),
		                    DB_I(reg_id)),
		            NULL, e));
		n.n[mine_state]--;
	}
	move(&x, mine_state, state, 1);
	x.max_seq = res.seq;
	/* The newcomer is last in line: its position is the queue's length. */
	n.n[state]++;
	res.registration_id = reg_id;
	res.state = state;
	res.position = state == EX_WAITLISTED ? n.n[EX_WAITLISTED] : 0;
	/* Places left with people waiting (the state before was not what the
	 * invariant says): offer them now. */
	if (ex_offers_due(&n, &x.p) > 0) {
		TRY(fill(c, &x, now, &res.offers_made, e));
		TRY(read_result(c, reg_id, &res, e));
	}
	after = signup_json(reg_id, exchange_id, user_id, res.state, res.seq, now);
	{
		struct audit_entry a = {actor,  reg_id, address, "registration.signup",
		                        before, after};

		TRY(audit_many(c, &a, 1, e));
	}
	/* The audit, the counts and the COMMIT: one round trip on PostgreSQL. */
	TRY(save_counts(c, &x, e));
	TRY(db_commit(c, e));
	json_decref(before);
	json_decref(after);
	if (out)
		*out = res;
	return 0;
out:
	json_decref(before);
	json_decref(after);
	db_rollback(c);
	return rc;
}

/* One sign-up in its own transaction (the caller holds the stripe). */
static int signup_one(struct db_conn *c, int64_t exchange_id, int64_t user_id, int64_t now,
                      int64_t actor, const char *address, struct ex_reg_result *out,
                      struct co_err *e)
{
	struct ex_reg_result res;

	if (signup_fast(c, exchange_id, user_id, now, actor, address, &res, e) == 0) {
		if (out)
			*out = res;
		return 0;
	}
	return signup_classic(c, exchange_id, user_id, now, actor, address, out, e);
}

/*
 * Group sign-up. Requests for one exchange that arrive while another
 * thread of this process is signing someone up wait in their stripe's
 * queue; the next thread to go takes every waiting request for its
 * exchange and signs them up in one transaction, in the order they
 * arrived: one lock, one count and one commit for the lot, then one
 * INSERT each. Every request still gets its own answer. A request that
 * cannot go in the batch (the person has a registration already, or the
 * batch failed) is done alone afterwards, so one bad request never fails
 * the others.
 */
struct pending {
	int64_t exchange_id, user_id, now;
	struct ex_reg_result res;
	struct co_err err;
	int rc;
	int done;            /* answered: the asking thread may return */
	int lead;            /* its thread's turn to sign up a group */
	int alone;           /* to be done by itself */
	int64_t actor;       /* who asked (ex_audit_actor() of the asking thread) */
	const char *address; /* the asking thread's, alive while it waits */
	pthread_cond_t cv;   /* its thread waits on it: woken only when answered or leading */
	struct pending *next;
};

/* A stripe's queue: requests waiting, oldest first; busy while a thread
 * signs a group up. The thread that finishes a group wakes exactly the
 * threads it answered and hands the turn to the oldest request left. */
struct queue {
	int busy;
	struct pending *head, **tail;
};

static struct queue queues[STRIPES];

/* How many groups in a row one thread signs up before passing the turn
 * (its own caller waits that long for the answer it already has). */
#define LEAD_ROUNDS 2

/* Signs up batch[0..n) (all for one exchange) in one transaction, by the
 * fast path: states and places given in arrival order under the lock,
 * then one INSERT for the registrations, one for their audit entries, the
 * counts, COMMIT and the ids read back. If anyone in it is registered
 * already (the INSERT fails) or places are to be offered, the batch is
 * undone and everyone goes alone. */
static void signup_batch(struct db_conn *c, struct pending **batch, int n)
{
	struct newreg g[BATCH_MAX];
	struct locked x = {0};
	struct ex_counts counts;
	struct co_err e;
	int i, rc;
	int64_t now;

	assert(n >= 1 && n <= BATCH_MAX);
	now = batch[n - 1]->now;
	TRY(db_begin(c, DB_TX_WRITE, &e));
	TRY(lock_exchange(c, batch[0]->exchange_id, &x, &e));
	if ((rc = ex_signup_open(&x.p, now, x.starts_at, x.cancelled, &e)) < 0) {
		for (i = 0; i < n; i++) {
			batch[i]->rc = rc;
			batch[i]->err = e;
		}
		db_rollback(c);
		return;
	}
	TRY(load_counts(c, &x, &counts, &e));
	for (i = 0; i < n; i++) {
		struct pending *p = batch[i];
		enum ex_reg_state state = ex_signup_state(&counts, &x.p);

		counts.n[state]++;
		move(&x, 0, state, 1);
		g[i] = (struct newreg){p->user_id, p->now,     p->actor, ++x.max_seq,
		                       0,          p->address, state};
		p->res.state = state;
		p->res.seq = g[i].seq;
		p->res.position = state == EX_WAITLISTED ? counts.n[EX_WAITLISTED] : 0;
	}
	if (ex_offers_due(&counts, &x.p) > 0) {
		rc = 1;
		goto out;
	}
	TRY(write_group(c, &x, g, n, &e));
	for (i = 0; i < n; i++) {
		batch[i]->res.registration_id = g[i].id;
		batch[i]->rc = 0;
	}
	return;
out:
	db_rollback(c);
	(void)rc;
	for (i = 0; i < n; i++) {
		memset(&batch[i]->res, 0, sizeof(batch[i]->res));
		batch[i]->alone = 1; /* try each by itself */
		batch[i]->rc = CO_EINTERNAL;
	}
}

int ex_signup(struct db_conn *c, int64_t exchange_id, int64_t user_id, int64_t now,
              struct ex_reg_result *out, struct co_err *e)
{
	unsigned k = (unsigned)((uint64_t)exchange_id % STRIPES);
	struct queue *q = &queues[k];
	struct pending me = {.exchange_id = exchange_id,
	                     .user_id = user_id,
	                     .now = now,
	                     .rc = CO_EINTERNAL,
	                     .actor = ex_audit_actor(),
	                     .address = ex_audit_address()};
	struct pending *batch[BATCH_MAX], **pp;
	int n, i, rounds;

	pthread_cond_init(&me.cv, NULL);
	pthread_mutex_lock(&stripes[k]);
	/* Join the queue (at its end: arrival order). */
	if (!q->head)
		q->tail = &q->head;
	*q->tail = &me;
	q->tail = &me.next;
	if (!q->busy)
		me.lead = 1;
	while (!me.done && !me.lead)
		pthread_cond_wait(&me.cv, &stripes[k]);
	if (me.done)
		goto answer;
	/* Our turn: take the waiting requests for the exchange of the oldest,
	 * in order, and sign them up; keep the turn for one more group
	 * while requests wait (the next group starts at once, with no thread
	 * to wake), then pass it to the oldest request waiting. */
	q->busy = 1;
	for (rounds = 1;; rounds++) {
		int64_t xid = q->head->exchange_id;

		n = 0;
		for (pp = &q->head; *pp && n < BATCH_MAX;) {
			if ((*pp)->exchange_id == xid) {
				batch[n++] = *pp;
				*pp = (*pp)->next;
			} else {
				pp = &(*pp)->next;
			}
		}
		q->tail = pp;
		while (*q->tail)
			q->tail = &(*q->tail)->next;
		pthread_mutex_unlock(&stripes[k]);

		if (n == 1)
			batch[0]->alone = 1;
		else
			signup_batch(c, batch, n);
		for (i = 0; i < n; i++)
			if (batch[i]->alone)
				batch[i]->rc = signup_one(c, batch[i]->exchange_id,
				                          batch[i]->user_id, batch[i]->now,
				                          batch[i]->actor, batch[i]->address,
				                          &batch[i]->res, &batch[i]->err);

		pthread_mutex_lock(&stripes[k]);
		for (i = 0; i < n; i++) {
			batch[i]->done = 1;
			if (batch[i] != &me)
				pthread_cond_signal(&batch[i]->cv);
		}
		if (!q->head) {
			q->busy = 0;
			break;
		}
		if (rounds == LEAD_ROUNDS) {
			q->head->lead = 1;
			pthread_cond_signal(&q->head->cv);
			break;
		}
	}
answer:
	pthread_mutex_unlock(&stripes[k]);
	pthread_cond_destroy(&me.cv);
	/* me left the queue when it was taken into a group (done), so no
	 * pointer to it outlives this call. */
	if (me.rc < 0) {
		if (e)
			*e = me.err;
		return me.rc; // NOLINT(clang-analyzer-core.StackAddressEscape)
	}
	if (out)
		*out = me.res;
	return 0; // NOLINT(clang-analyzer-core.StackAddressEscape)
}

/* Finds the exchange of a registration, then locks it and checks the
 * registration again under the lock. */
static int lock_for_registration(struct db_conn *c, int64_t reg_id, struct locked *x,
                                 enum ex_reg_state *state, int64_t *expires, struct co_err *e)
{
	struct db_rows *r;
	int64_t exchange_id;
	int rc;

	rc = db_query_int(c, "SELECT exchange_id FROM ex_registrations WHERE id = ?",
	                  DB_ARGS(DB_I(reg_id)), &exchange_id, e);
	if (rc == CO_ENOTFOUND)
		return co_errf(e, CO_ENOTFOUND, "no such registration");
	if (rc < 0)
		return rc;
	if ((rc = lock_exchange(c, exchange_id, x, e)) < 0)
		return rc;
	rc = db_query(c, "SELECT state, offer_expires_at FROM ex_registrations WHERE id = ?",
	              DB_ARGS(DB_I(reg_id)), &r, e);
	if (rc < 0)
		return rc;
	rc = db_rows_next(r, e);
	if (rc == 0)
		rc = co_errf(e, CO_ENOTFOUND, "no such registration");
	if (rc > 0) {
		rc = ex_state_parse(db_text(r, 0), state) < 0
		             ? co_errf(e, CO_EINTERNAL, "a registration has an unknown state")
		             : 0;
		if (expires)
			*expires = db_isnull(r, 1) ? 0 : db_int(r, 1);
	}
	db_rows_free(r);
	return rc;
}

static int set_state(struct db_conn *c, int64_t reg_id, enum ex_reg_state to, const char *reason,
                     int64_t now, struct co_err *e)
{
	return db_exec(c,
	               "UPDATE ex_registrations SET state = ?, reason = ?, decided_at = ?, "
	               "offer_expires_at = CASE WHEN ? = 'offered' THEN offer_expires_at ELSE NULL "
	               "END, updated_at = ? WHERE id = ?",
	               DB_ARGS(DB_T(ex_state_name(to)), DB_T(reason), DB_I(now),
	                       DB_T(ex_state_name(to)), DB_I(now), DB_I(reg_id)),
	               NULL, e);
}

/* One event on one registration, then fill. expired_rc: for accept, the
 * offer had run out (the expiry is committed, then CO_ECONFLICT). */
/* The audit action of a registration event. */
static const char *event_action(enum ex_reg_event ev)
{
	switch (ev) {
	case EX_EV_APPROVE: return "registration.approve";
	case EX_EV_REJECT: return "registration.reject";
	case EX_EV_OFFER: return "registration.offer";
	case EX_EV_ACCEPT: return "registration.offer_accept";
	case EX_EV_DECLINE: return "registration.offer_decline";
	case EX_EV_EXPIRE: return "registration.offer_expire";
	case EX_EV_CANCEL: return "registration.cancel";
	case EX_EV_CHECK_IN: return "registration.check_in";
	case EX_EV_NO_SHOW: return "registration.no_show";
	}
	return "registration.update";
}

static int apply_event(struct db_conn *c, int64_t reg_id, enum ex_reg_event ev, int64_t now,
                       struct ex_reg_result *out, struct co_err *e)
{
	struct ex_reg_result res = {0};
	struct locked x = {0};
	enum ex_reg_state from = 0, to = 0;
	int64_t expires = 0;
	int rc, full = 0, offer_ran_out = 0;
	const char *reason = "";
	json_t *before = NULL;

	TRY(db_begin(c, DB_TX_WRITE, e));
	TRY(lock_for_registration(c, reg_id, &x, &from, &expires, e));
	TRY(ex__audit_row(c, "ex_registrations", reg_id, &before, e));
	if (from == EX_OFFERED && (ev == EX_EV_ACCEPT) && ex_offer_expired(expires, now)) {
		ev = EX_EV_EXPIRE;
		offer_ran_out = 1;
	}
	if (ev == EX_EV_EXPIRE)
		reason = "expired";
	if (ev == EX_EV_APPROVE) {
		struct ex_counts n;

		TRY(load_counts(c, &x, &n, e));
		/* A pending registration that holds its place keeps it. */
		full = !x.p.pending_holds_place &&
		       (ex_places_left(&n, &x.p) == 0 || n.n[EX_WAITLISTED] > 0);
	}
	if (ev == EX_EV_ACCEPT)
		full = x.p.approval_needed && x.p.pending_holds_place; /* not yet approved */
	TRY(ex_transition(from, ev, full, &to, e));
	TRY(set_state(c, reg_id, to, reason, now, e));
	move(&x, from, to, 1);
	if (to == EX_ATTENDED)
		TRY(db_exec(c, "UPDATE ex_registrations SET checked_in_at = ? WHERE id = ?",
		            DB_ARGS(DB_I(now), DB_I(reg_id)), NULL, e));
	TRY(ex__audit(c, -1, NULL, event_action(ev), "ex_registrations", "registration", reg_id,
	              before, e));
	TRY(fill(c, &x, now, &res.offers_made, e));
	TRY(save_counts(c, &x, e));
	TRY(read_result(c, reg_id, &res, e));
	TRY(db_commit(c, e));
	json_decref(before);
	before = NULL;
	if (out)
		*out = res;
	if (offer_ran_out)
		return co_errf(e, CO_ECONFLICT,
		               "the offer has expired and the place has passed on");
	return 0;
out:
	json_decref(before);
	db_rollback(c);
	return rc;
}

int ex_cancel(struct db_conn *c, int64_t registration_id, int64_t now, struct ex_reg_result *out,
              struct co_err *e)
{
	return apply_event(c, registration_id, EX_EV_CANCEL, now, out, e);
}

int ex_offer_accept(struct db_conn *c, int64_t registration_id, int64_t now,
                    struct ex_reg_result *out, struct co_err *e)
{
	return apply_event(c, registration_id, EX_EV_ACCEPT, now, out, e);
}

int ex_offer_decline(struct db_conn *c, int64_t registration_id, int64_t now,
                     struct ex_reg_result *out, struct co_err *e)
{
	return apply_event(c, registration_id, EX_EV_DECLINE, now, out, e);
}

int ex_decide(struct db_conn *c, int64_t registration_id, int approve, int64_t now,
              struct ex_reg_result *out, struct co_err *e)
{
	return apply_event(c, registration_id, approve ? EX_EV_APPROVE : EX_EV_REJECT, now, out, e);
}

int ex_mark_attendance(struct db_conn *c, int64_t registration_id, int attended, int64_t now,
                       struct ex_reg_result *out, struct co_err *e)
{
	return apply_event(c, registration_id, attended ? EX_EV_CHECK_IN : EX_EV_NO_SHOW, now, out,
	                   e);
}

/* Ids of exchanges matching a query, collected before any write. */
static int collect_ids(struct db_conn *c, const char *sql, const struct db_val *args, int nargs,
                       int64_t **ids, int *n, struct co_err *e)
{
	struct db_rows *r;
	int rc, cap = 0;

	*ids = NULL;
	*n = 0;
	if ((rc = db_query(c, sql, args, nargs, &r, e)) < 0)
		return rc;
	while ((rc = db_rows_next(r, e)) > 0) {
		if (*n == cap) {
			int64_t *p = realloc(*ids, sizeof(**ids) * (size_t)(cap ? cap * 2 : 16));

			if (!p) {
				rc = co_errf(e, CO_ENOMEM, "out of memory");
				break;
			}
			*ids = p;
			cap = cap ? cap * 2 : 16;
		}
		(*ids)[(*n)++] = db_int(r, 0);
	}
	db_rows_free(r);
	if (rc < 0) {
		free(*ids);
		*ids = NULL;
		*n = 0;
	}
	return rc < 0 ? rc : 0;
}

int ex_expire_offers(struct db_conn *c, int64_t now, int *expired, struct co_err *e)
{
	int64_t *ids;
	int n, i, rc, total = 0;

	rc = collect_ids(
	        c,
	        "SELECT DISTINCT exchange_id FROM ex_registrations WHERE state = 'offered' "
	        "AND offer_expires_at <= ? ORDER BY exchange_id",
	        DB_ARGS(DB_I(now)), &ids, &n, e);
	if (rc < 0)
		return rc;
	for (i = 0; i < n; i++) {
		struct locked x = {0};
		int64_t *regs = NULL;
		int nr = 0, j;

		TRY(db_begin(c, DB_TX_WRITE, e));
		TRY(lock_exchange(c, ids[i], &x, e));
		/* Under the lock, each offer that ran out: declined, audited as
		 * the system's with the row before and after. */
		TRY(collect_ids(c,
		                "SELECT id FROM ex_registrations WHERE exchange_id = ? AND "
		                "state = 'offered' AND offer_expires_at <= ? ORDER BY seq",
		                DB_ARGS(DB_I(ids[i]), DB_I(now)), &regs, &nr, e));
		for (j = 0; j < nr && rc == 0; j++) {
			json_t *before = NULL;

			rc = ex__audit_row(c, "ex_registrations", regs[j], &before, e);
			if (rc == 0)
				rc = db_exec(
				        c,
				        "UPDATE ex_registrations SET state = 'declined', reason = "
				        "'expired', decided_at = ?, offer_expires_at = NULL, "
				        "updated_at = ? WHERE id = ?",
				        DB_ARGS(DB_I(now), DB_I(now), DB_I(regs[j])), NULL, e);
			if (rc == 0)
				rc = ex__audit(c, 0, NULL, "registration.offer_expire",
				               "ex_registrations", "registration", regs[j], before,
				               e);
			json_decref(before);
		}
		free(regs);
		TRY(rc);
		move(&x, EX_OFFERED, EX_DECLINED, nr);
		TRY(fill(c, &x, now, NULL, e));
		TRY(save_counts(c, &x, e));
		TRY(db_commit(c, e));
		total += nr;
	}
	free(ids);
	if (expired)
		*expired = total;
	return 0;
out:
	db_rollback(c);
	free(ids);
	return rc;
}

int ex_set_capacity(struct db_conn *c, int64_t exchange_id, int capacity, int64_t now,
                    struct ex_reg_result *out, struct co_err *e)
{
	struct ex_reg_result res = {0};
	struct ex_counts n;
	struct locked x = {0};
	int rc;

	TRY(db_begin(c, DB_TX_WRITE, e));
	TRY(lock_exchange(c, exchange_id, &x, e));
	TRY(load_counts(c, &x, &n, e));
	TRY(ex_check_capacity(capacity, &n, &x.p, e));
	TRY(db_exec(c, "UPDATE ex_exchanges SET capacity = ?, updated_at = ? WHERE id = ?",
	            DB_ARGS(DB_I(capacity), DB_I(now), DB_I(exchange_id)), NULL, e));
	{
		json_t *before = json_pack("{s:i}", "capacity", x.capacity);
		json_t *after = json_pack("{s:i}", "capacity", capacity);

		rc = acct_audit(c, ex_audit_actor(), ex_audit_address(), "exchange.capacity",
		                "exchange", exchange_id, before, after, e);
		json_decref(before);
		json_decref(after);
		TRY(rc);
	}
	x.capacity = capacity;
	TRY(fill(c, &x, now, &res.offers_made, e));
	TRY(save_counts(c, &x, e));
	TRY(db_commit(c, e));
	if (out)
		*out = res;
	return 0;
out:
	db_rollback(c);
	return rc;
}

int ex_release_allotments(struct db_conn *c, int64_t now, int *released, struct co_err *e)
{
	int64_t *progs = NULL, *exs = NULL;
	int np, nx = 0, i, j, rc;

	rc = collect_ids(c,
	                 "SELECT id FROM ex_programmes WHERE allotments_release_at IS NOT NULL "
	                 "AND allotments_release_at <= ? AND allotments_released_at IS NULL",
	                 DB_ARGS(DB_I(now)), &progs, &np, e);
	if (rc < 0)
		return rc;
	for (i = 0; i < np; i++) {
		int64_t changed = 0;

		/* Mark the programme released (once, even with several job
		 * runners), then pass the places on exchange by exchange. */
		TRY(db_begin(c, DB_TX_WRITE, e));
		TRY(db_exec(c,
		            "UPDATE ex_programmes SET allotments_released_at = ? WHERE id = ? "
		            "AND allotments_released_at IS NULL",
		            DB_ARGS(DB_I(now), DB_I(progs[i])), &changed, e));
		if (changed)
			TRY(ex__audit(c, -1, NULL, "programme.allotments_release", "ex_programmes",
			              "programme", progs[i], NULL, e));
		TRY(db_commit(c, e));
		TRY(collect_ids(c,
		                "SELECT id FROM ex_exchanges WHERE programme_id = ? "
		                "AND reserved_places > 0",
		                DB_ARGS(DB_I(progs[i])), &exs, &nx, e));
		for (j = 0; j < nx; j++) {
			struct locked x = {0};

			TRY(db_begin(c, DB_TX_WRITE, e));
			TRY(lock_exchange(c, exs[j], &x, e));
			TRY(fill(c, &x, now, NULL, e));
			TRY(save_counts(c, &x, e));
			TRY(db_commit(c, e));
		}
		free(exs);
		exs = NULL;
	}
	free(progs);
	if (released)
		*released = np;
	return 0;
out:
	db_rollback(c);
	free(progs);
	free(exs);
	return rc;
}

int ex_exchange_counts(struct db_conn *c, int64_t exchange_id, struct ex_counts *out,
                       struct ex_policy *policy, struct co_err *e)
{
	struct ex_counts n;
	struct locked x = {0};
	int rc;

	TRY(db_begin(c, DB_TX_READ, e));
	/* {{for_update}} is harmless here but not needed: a read sees one
	 * committed state on both databases. */
	TRY(lock_exchange(c, exchange_id, &x, e));
	TRY(load_counts(c, &x, &n, e));
	{
		/* The stored counts must be the rows' own (see the top). */
		int real[EX_N_STATES + 1];
		int64_t max_seq;

		TRY(recount(c, exchange_id, real, &max_seq, e));
		if (memcmp(real, x.n, sizeof(real)) != 0 || max_seq != x.max_seq)
			fprintf(stderr,
			        "exchange %lld: stored counts differ from its registrations\n",
			        (long long)exchange_id);
		assert(memcmp(real, x.n, sizeof(real)) == 0 && max_seq == x.max_seq);
	}
	TRY(db_commit(c, e));
	*out = n;
	if (policy)
		*policy = x.p;
	return 0;
out:
	db_rollback(c);
	return rc;
}

/* --- nominations --- */

/* Locks the organisation's allotment row and counts its active nominations. */
static int lock_allotment(struct db_conn *c, int64_t programme_id, int64_t org_id, int *places,
                          int *active, int64_t *deadline, int *released, struct co_err *e)
{
	struct db_rows *r;
	int64_t n;
	int rc;

	rc = db_query(c,
	              "SELECT places FROM ex_allotments WHERE programme_id = ? AND org_id = ? "
	              "{{for_update}}",
	              DB_ARGS(DB_I(programme_id), DB_I(org_id)), &r, e);
	if (rc < 0)
		return rc;
	rc = db_rows_next(r, e);
	if (rc == 0)
		rc = co_errf(e, CO_ECONFLICT, "the organisation has no places in this programme");
	if (rc > 0) {
		*places = (int)db_int(r, 0);
		rc = 0;
	}
	db_rows_free(r);
	if (rc < 0)
		return rc;
	rc = db_query(
	        c, "SELECT signup_deadline, allotments_released_at FROM ex_programmes WHERE id = ?",
	        DB_ARGS(DB_I(programme_id)), &r, e);
	if (rc < 0)
		return rc;
	rc = db_rows_next(r, e);
	if (rc == 0)
		rc = co_errf(e, CO_ENOTFOUND, "no such programme");
	if (rc > 0) {
		*deadline = db_int(r, 0);
		*released = !db_isnull(r, 1);
		rc = 0;
	}
	db_rows_free(r);
	if (rc < 0)
		return rc;
	rc = db_query_int(
	        c,
	        "SELECT COUNT(*) FROM ex_nominations WHERE programme_id = ? AND org_id = ? "
	        "AND state IN ('nominated', 'approved', 'accepted')",
	        DB_ARGS(DB_I(programme_id), DB_I(org_id)), &n, e);
	if (rc < 0)
		return rc;
	*active = (int)n;
	return 0;
}

static int check_not_nominated(struct db_conn *c, int64_t programme_id, int64_t user_id,
                               struct co_err *e)
{
	int64_t n;
	int rc = db_query_int(c,
	                      "SELECT COUNT(*) FROM ex_nominations WHERE programme_id = ? AND "
	                      "user_id = ? AND state IN ('nominated', 'approved', 'accepted')",
	                      DB_ARGS(DB_I(programme_id), DB_I(user_id)), &n, e);

	if (rc < 0)
		return rc;
	if (n > 0)
		return co_errf(e, CO_ECONFLICT, "this person is already nominated");
	return 0;
}

int ex_nominate(struct db_conn *c, int64_t programme_id, int64_t org_id, int64_t user_id,
                int64_t by_user, int64_t now, int64_t *out_id, struct co_err *e)
{
	int places = 0, active = 0, released = 0, rc;
	int64_t deadline = 0, id = 0;

	TRY(db_begin(c, DB_TX_WRITE, e));
	TRY(lock_allotment(c, programme_id, org_id, &places, &active, &deadline, &released, e));
	TRY(ex_nomination_allowed(places, active, now, deadline, released, 0, e));
	TRY(check_not_nominated(c, programme_id, user_id, e));
	TRY(db_query_int(
	        c,
	        "INSERT INTO ex_nominations (programme_id, org_id, user_id, state, "
	        "nominated_by, created_at, updated_at) VALUES (?, ?, ?, 'nominated', ?, ?, ?) "
	        "RETURNING id",
	        DB_ARGS(DB_I(programme_id), DB_I(org_id), DB_I(user_id),
	                by_user ? DB_I(by_user) : DB_NUL, DB_I(now), DB_I(now)),
	        &id, e));
	TRY(ex__audit(c, by_user, ex_audit_address(), "nomination.create", "ex_nominations",
	              "nomination", id, NULL, e));
	TRY(db_commit(c, e));
	if (out_id)
		*out_id = id;
	return 0;
out:
	db_rollback(c);
	return rc;
}

/* Reads a nomination's programme, organisation, person and state. */
static int read_nomination(struct db_conn *c, int64_t id, int64_t *programme_id, int64_t *org_id,
                           int64_t *user_id, char *state, size_t state_size, struct co_err *e)
{
	struct db_rows *r;
	int rc;

	rc = db_query(
	        c, "SELECT programme_id, org_id, user_id, state FROM ex_nominations WHERE id = ?",
	        DB_ARGS(DB_I(id)), &r, e);
	if (rc < 0)
		return rc;
	rc = db_rows_next(r, e);
	if (rc == 0)
		rc = co_errf(e, CO_ENOTFOUND, "no such nomination");
	if (rc > 0) {
		*programme_id = db_int(r, 0);
		*org_id = db_int(r, 1);
		*user_id = db_int(r, 2);
		snprintf(state, state_size, "%s", db_text(r, 3) ? db_text(r, 3) : "");
		rc = 0;
	}
	db_rows_free(r);
	return rc;
}

int ex_nomination_swap(struct db_conn *c, int64_t nomination_id, int64_t new_user_id,
                       int64_t by_user, int64_t now, int64_t *out_id, struct co_err *e)
{
	int64_t programme_id = 0, org_id = 0, user_id = 0, deadline = 0, id = 0, *xids = NULL;
	int places = 0, active = 0, released = 0, rc, nx = 0, i;
	struct locked *xs = NULL;
	char state[32] = "";
	json_t *before = NULL;

	TRY(db_begin(c, DB_TX_WRITE, e));
	TRY(read_nomination(c, nomination_id, &programme_id, &org_id, &user_id, state,
	                    sizeof(state), e));
	TRY(lock_allotment(c, programme_id, org_id, &places, &active, &deadline, &released, e));
	/* Re-read under the lock: another swap may have closed it meanwhile. */
	state[0] = '\0';
	TRY(read_nomination(c, nomination_id, &programme_id, &org_id, &user_id, state,
	                    sizeof(state), e));
	if (strcmp(state, "nominated") != 0 && strcmp(state, "approved") != 0 &&
	    strcmp(state, "accepted") != 0) {
		rc = co_errf(e, CO_ECONFLICT, "only an active nomination can be swapped");
		goto out;
	}
	TRY(ex_nomination_allowed(places, active, now, deadline, released, 1, e));
	TRY(check_not_nominated(c, programme_id, new_user_id, e));
	/* The exchanges where the old nomination holds a registration are
	 * locked before the nomination is written (as accepting one does). */
	TRY(collect_ids(c,
	                "SELECT DISTINCT exchange_id FROM ex_registrations WHERE nomination_id = "
	                "? AND state IN ('confirmed', 'offered', 'pending', 'waitlisted') ORDER "
	                "BY exchange_id",
	                DB_ARGS(DB_I(nomination_id)), &xids, &nx, e));
	if (nx > 0 && !(xs = calloc((size_t)nx, sizeof(*xs)))) {
		rc = co_errf(e, CO_ENOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < nx; i++)
		TRY(lock_exchange(c, xids[i], &xs[i], e));
	TRY(ex__audit_row(c, "ex_nominations", nomination_id, &before, e));
	TRY(db_query_int(c,
	                 "INSERT INTO ex_nominations (programme_id, org_id, user_id, state, "
	                 "nominated_by, replaces, created_at, updated_at) "
	                 "VALUES (?, ?, ?, 'nominated', ?, ?, ?, ?) RETURNING id",
	                 DB_ARGS(DB_I(programme_id), DB_I(org_id), DB_I(new_user_id),
	                         by_user ? DB_I(by_user) : DB_NUL, DB_I(nomination_id), DB_I(now),
	                         DB_I(now)),
	                 &id, e));
	TRY(db_exec(c,
	            "UPDATE ex_nominations SET state = 'swapped', replaced_by = ?, updated_at = ? "
	            "WHERE id = ?",
	            DB_ARGS(DB_I(id), DB_I(now), DB_I(nomination_id)), NULL, e));
	/* A conference place taken through the old nomination is given up
	 * (and offered on if it was a free place). */
	for (i = 0; i < nx; i++) {
		TRY(db_exec(c,
		            "UPDATE ex_registrations SET state = 'cancelled', reason = 'nomination "
		            "swapped', updated_at = ? WHERE nomination_id = ? AND exchange_id = ? "
		            "AND state IN ('confirmed', 'offered', 'pending', 'waitlisted')",
		            DB_ARGS(DB_I(now), DB_I(nomination_id), DB_I(xids[i])), NULL, e));
		TRY(resync(c, &xs[i], e));
		TRY(fill(c, &xs[i], now, NULL, e));
		TRY(save_counts(c, &xs[i], e));
	}
	TRY(ex__audit(c, by_user, ex_audit_address(), "nomination.swap", "ex_nominations",
	              "nomination", nomination_id, before, e));
	TRY(ex__audit(c, by_user, ex_audit_address(), "nomination.create", "ex_nominations",
	              "nomination", id, NULL, e));
	TRY(db_commit(c, e));
	json_decref(before);
	free(xids);
	free(xs);
	if (out_id)
		*out_id = id;
	return 0;
out:
	json_decref(before);
	free(xids);
	free(xs);
	db_rollback(c);
	return rc;
}

int ex_nomination_decide(struct db_conn *c, int64_t nomination_id, int approve, int64_t by_user,
                         int64_t now, struct co_err *e)
{
	int64_t changed = 0;
	json_t *before = NULL;
	int rc;

	TRY(db_begin(c, DB_TX_WRITE, e));
	TRY(ex__audit_row(c, "ex_nominations", nomination_id, &before, e));
	TRY(db_exec(c,
	            "UPDATE ex_nominations SET state = ?, decided_by = ?, updated_at = ? "
	            "WHERE id = ? AND state = 'nominated'",
	            DB_ARGS(DB_T(approve ? "approved" : "rejected"),
	                    by_user ? DB_I(by_user) : DB_NUL, DB_I(now), DB_I(nomination_id)),
	            &changed, e));
	if (changed != 1) {
		rc = co_errf(e, CO_ECONFLICT, "%s",
		             approve ? "only a nomination awaiting a decision can be approved"
		                     : "only a nomination awaiting a decision can be rejected");
		goto out;
	}
	TRY(ex__audit(c, by_user, ex_audit_address(),
	              approve ? "nomination.approve" : "nomination.reject", "ex_nominations",
	              "nomination", nomination_id, before, e));
	TRY(db_commit(c, e));
	json_decref(before);
	return 0;
out:
	json_decref(before);
	db_rollback(c);
	return rc;
}

int ex_nomination_accept(struct db_conn *c, int64_t nomination_id, int64_t user_id, int64_t now,
                         int64_t *reg_id, struct co_err *e)
{
	int64_t programme_id = 0, org_id = 0, owner = 0, conf_id = 0, rid = 0, seq = 0;
	char state[32] = "";
	struct locked x = {0};
	struct ex_counts n;
	struct db_rows *r;
	json_t *before = NULL;
	int rc;

	TRY(db_begin(c, DB_TX_WRITE, e));
	TRY(ex__audit_row(c, "ex_nominations", nomination_id, &before, e));
	TRY(read_nomination(c, nomination_id, &programme_id, &org_id, &owner, state, sizeof(state),
	                    e));
	if (owner != user_id) {
		rc = co_errf(e, CO_EPERM, "only the nominee can accept a nomination");
		goto out;
	}
	TRY(db_query(c,
	             "SELECT id FROM ex_exchanges WHERE programme_id = ? AND kind = 'conference' "
	             "AND status <> 'cancelled' ORDER BY starts_at LIMIT 1",
	             DB_ARGS(DB_I(programme_id)), &r, e));
	if ((rc = db_rows_next(r, e)) > 0)
		conf_id = db_int(r, 0);
	db_rows_free(r);
	if (rc < 0)
		goto out;
	if (conf_id)
		TRY(lock_exchange(c, conf_id, &x, e));
	/* The state is read again after the lock (accept twice at once). */
	TRY(db_exec(c,
	            "UPDATE ex_nominations SET state = 'accepted', updated_at = ? WHERE id = ? "
	            "AND state = 'approved'",
	            DB_ARGS(DB_I(now), DB_I(nomination_id)), NULL, e));
	state[0] = '\0';
	TRY(read_nomination(c, nomination_id, &programme_id, &org_id, &owner, state, sizeof(state),
	                    e));
	if (strcmp(state, "accepted") != 0) {
		rc = co_errf(e, CO_ECONFLICT, "only an approved nomination can be accepted");
		goto out;
	}
	if (conf_id) {
		int64_t existing = 0;

		TRY(load_counts(c, &x, &n, e));
		TRY(db_query(
		        c, "SELECT id FROM ex_registrations WHERE exchange_id = ? AND user_id = ?",
		        DB_ARGS(DB_I(conf_id), DB_I(user_id)), &r, e));
		if ((rc = db_rows_next(r, e)) > 0)
			existing = db_int(r, 0);
		db_rows_free(r);
		if (rc < 0)
			goto out;
		/* A nominee takes a reserved place if one is left, else a free one,
		 * else joins the waiting list like anybody. */
		{
			enum ex_reg_state st = n.reserved > 0 || ex_places_left(&n, &x.p) > 0
			                               ? EX_CONFIRMED
			                               : EX_WAITLISTED;

			TRY(db_query_int(c,
			                 "SELECT COALESCE(MAX(seq), 0) + 1 FROM ex_registrations "
			                 "WHERE exchange_id = ?",
			                 DB_ARGS(DB_I(conf_id)), &seq, e));
			if (existing) {
				TRY(db_exec(
				        c,
				        "UPDATE ex_registrations SET state = ?, nomination_id = ?, "
				        "seq = CASE WHEN state IN ('cancelled', 'declined', "
				        "'waitlisted') THEN ? ELSE seq END, updated_at = ? "
				        "WHERE id = ?",
				        DB_ARGS(DB_T(ex_state_name(st)), DB_I(nomination_id),
				                DB_I(seq), DB_I(now), DB_I(existing)),
				        NULL, e));
				rid = existing;
			} else {
				TRY(db_query_int(c,
				                 "INSERT INTO ex_registrations (exchange_id, "
				                 "user_id, state, "
				                 "seq, nomination_id, requested_at, updated_at) "
				                 "VALUES (?, ?, "
				                 "?, ?, ?, ?, ?) RETURNING id",
				                 DB_ARGS(DB_I(conf_id), DB_I(user_id),
				                         DB_T(ex_state_name(st)), DB_I(seq),
				                         DB_I(nomination_id), DB_I(now), DB_I(now)),
				                 &rid, e));
			}
		}
		/* The registration's state before is not known here: count. */
		TRY(resync(c, &x, e));
		TRY(fill(c, &x, now, NULL, e));
		TRY(save_counts(c, &x, e));
	}
	TRY(ex__audit(c, user_id, ex_audit_address(), "nomination.accept", "ex_nominations",
	              "nomination", nomination_id, before, e));
	if (rid)
		TRY(ex__audit(c, user_id, ex_audit_address(), "registration.signup",
		              "ex_registrations", "registration", rid, NULL, e));
	TRY(db_commit(c, e));
	json_decref(before);
	if (reg_id)
		*reg_id = rid;
	return 0;
out:
	json_decref(before);
	db_rollback(c);
	return rc;
}

/* --- workshop choices --- */

int ex_choose_session(struct db_conn *c, int64_t registration_id, int64_t session_id, int64_t now,
                      struct co_err *e)
{
	struct ex_slot want, *chosen = NULL;
	struct db_rows *r;
	int64_t reg_exchange = 0, taken, room = 0;
	int rc, n = 0, cap = 0, capacity = -1;
	char state[32] = "";

	TRY(db_begin(c, DB_TX_WRITE, e));
	/* Lock the session row alone (PostgreSQL cannot lock through an
	 * outer join), then read its room's capacity. */
	TRY(db_query(c,
	             "SELECT id, exchange_id, starts_at, ends_at, capacity, room_id "
	             "FROM ex_sessions WHERE id = ? {{for_update}}",
	             DB_ARGS(DB_I(session_id)), &r, e));
	rc = db_rows_next(r, e);
	if (rc == 0)
		rc = co_errf(e, CO_ENOTFOUND, "no such session");
	if (rc > 0) {
		want.id = db_int(r, 0);
		reg_exchange = db_int(r, 1);
		want.starts_at = db_int(r, 2);
		want.ends_at = db_int(r, 3);
		capacity = db_isnull(r, 4) ? -1 : (int)db_int(r, 4);
		room = db_isnull(r, 5) ? 0 : db_int(r, 5);
		rc = 0;
	}
	db_rows_free(r);
	if (rc < 0)
		goto out;
	if (capacity < 0 && room) {
		int64_t room_cap;

		TRY(db_query_int(c, "SELECT capacity FROM ex_rooms WHERE id = ?",
		                 DB_ARGS(DB_I(room)), &room_cap, e));
		capacity = (int)room_cap;
	}
	TRY(db_query(c, "SELECT state FROM ex_registrations WHERE id = ? AND exchange_id = ?",
	             DB_ARGS(DB_I(registration_id), DB_I(reg_exchange)), &r, e));
	rc = db_rows_next(r, e);
	if (rc > 0)
		snprintf(state, sizeof(state), "%s", db_text(r, 0) ? db_text(r, 0) : "");
	db_rows_free(r);
	if (rc < 0)
		goto out;
	if (strcmp(state, "confirmed") != 0 && strcmp(state, "attended") != 0) {
		rc = co_errf(e, CO_ECONFLICT,
		             "only a confirmed place at this event can choose "
		             "sessions");
		goto out;
	}
	TRY(db_query(c,
	             "SELECT s.id, s.starts_at, s.ends_at FROM ex_session_choices ch "
	             "JOIN ex_sessions s ON s.id = ch.session_id WHERE ch.registration_id = ?",
	             DB_ARGS(DB_I(registration_id)), &r, e));
	while ((rc = db_rows_next(r, e)) > 0) {
		if (n == cap) {
			struct ex_slot *p =
			        realloc(chosen, sizeof(*p) * (size_t)(cap ? cap * 2 : 8));

			if (!p) {
				rc = co_errf(e, CO_ENOMEM, "out of memory");
				break;
			}
			chosen = p;
			cap = cap ? cap * 2 : 8;
		}
		chosen[n].id = db_int(r, 0);
		chosen[n].starts_at = db_int(r, 1);
		chosen[n].ends_at = db_int(r, 2);
		if (chosen[n].id == session_id) {
			rc = co_errf(e, CO_ECONFLICT, "you have already chosen this session");
			break;
		}
		n++;
	}
	db_rows_free(r);
	if (rc < 0)
		goto out;
	TRY(ex_find_clash(chosen, (size_t)n, &want, NULL, e));
	TRY(db_query_int(c, "SELECT COUNT(*) FROM ex_session_choices WHERE session_id = ?",
	                 DB_ARGS(DB_I(session_id)), &taken, e));
	if (capacity >= 0 && taken >= capacity) {
		rc = co_errf(e, CO_ECONFLICT, "this session is full");
		goto out;
	}
	TRY(db_exec(c,
	            "INSERT INTO ex_session_choices (session_id, registration_id, created_at) "
	            "VALUES (?, ?, ?)",
	            DB_ARGS(DB_I(session_id), DB_I(registration_id), DB_I(now)), NULL, e));
	TRY(db_commit(c, e));
	free(chosen);
	return 0;
out:
	db_rollback(c);
	free(chosen);
	return rc;
}
