/* Storage tests of Exchange notices and jobs (src/mod/exchange/ex_notify.c):
 * each email sent once, in the person's language, with the calendar file
 * where it belongs; offers expire, needs are deleted. SQLite, or the
 * database in COLLECTIVE_TEST_DB. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db/db.h"
#include "mod/exchange/ex_manage.h"
#include "mod/exchange/ex_notify.h"
#include "mod/exchange/ex_store.h"

#define NOW   1735000000
#define START 1741773600 /* 2025-03-12 10:00 GMT */

static struct db *db;
static struct db_conn *c;
static char sqlite_path[64];
static int64_t users[4], prog, ex;

struct sent {
	char kind[16], to[64], subject[256], body[2048];
	int has_ics;
	char ics[8192];
};
static struct sent mails[64];
static int nmails;

static int capture(void *arg, struct db_conn *conn, const struct ex_email *m, struct co_err *e)
{
	struct sent *s;

	(void)arg;
	(void)conn;
	(void)e;
	/* Other tests may share the database: count only our people. */
	if (strncmp(m->to, "n", 1) != 0 || !strstr(m->to, "@example.org"))
		return 0;
	assert_true(nmails < 64);
	s = &mails[nmails++];
	snprintf(s->kind, sizeof(s->kind), "%s", m->kind);
	snprintf(s->to, sizeof(s->to), "%s", m->to);
	snprintf(s->subject, sizeof(s->subject), "%s", m->subject);
	snprintf(s->body, sizeof(s->body), "%s", m->body);
	s->has_ics = m->ics != NULL;
	snprintf(s->ics, sizeof(s->ics), "%s", m->ics ? m->ics : "");
	return 0;
}

static const struct ex_notify_conf conf = {.host = "collective.test",
                                           .base_url = "https://collective.test",
                                           .from_name = "Collective",
                                           .from_email = "noreply@collective.test",
                                           .send = capture};

#define OK(x)                                                                                      \
	do {                                                                                       \
		if ((x) < 0)                                                                       \
			fail_msg("%s: %s", #x, e.msg);                                             \
	} while (0)

static int run(int64_t now)
{
	struct co_err e;
	int n = -1;

	nmails = 0;
	OK(ex_notices_run(c, &conf, now, &n, &e));
	assert_true(n >= nmails);
	return nmails;
}

static struct sent *find(const char *kind, const char *to)
{
	int i;

	for (i = 0; i < nmails; i++)
		if (strcmp(mails[i].kind, kind) == 0 && strcmp(mails[i].to, to) == 0)
			return &mails[i];
	return NULL;
}

static int setup(void **state)
{
	const char *url = getenv("COLLECTIVE_TEST_DB");
	struct ex_programme_in p = {.slug = "notify", .name = "N", .deadline = START};
	struct ex_exchange_in x = {.topic = "Crisis care together",
	                           .mode = "hybrid",
	                           .address = "Town Hall, Wrexham",
	                           .online_url = "https://meet.example.org/abc",
	                           .starts_at = START,
	                           .ends_at = START + 7200,
	                           .capacity = 2};
	char buf[128];
	struct co_err e;
	int i;

	(void)state;
	if (!url || !*url) {
		snprintf(sqlite_path, sizeof(sqlite_path), "/tmp/test_ex_notify_%d.db",
		         (int)getpid());
		unlink(sqlite_path);
		snprintf(buf, sizeof(buf), "sqlite:%s", sqlite_path);
		url = buf;
	}
	if (db_open(url, 4, &db, &e) < 0 || db_migrate(db, NULL, &e) < 0 ||
	    db_acquire(db, &c, &e) < 0)
		return -1;
	for (i = 0; i < 4; i++) {
		char b[64];
		const char *email = b;

		snprintf(b, sizeof(b), "n%d@example.org", i);
		if (db_query_int(c,
		                 "INSERT INTO users (email, name, language, created_at) VALUES (?, "
		                 "?, ?, "
		                 "0) RETURNING id",
		                 DB_ARGS(DB_T(email), DB_T(email), DB_T(i == 1 ? "cy" : "en")),
		                 &users[i], &e) < 0)
			return -1;
	}
	if (ex_programme_create(c, &p, NOW, &prog, &e) < 0)
		return -1;
	x.programme_id = prog;
	return ex_exchange_create(c, &x, NOW, &ex, &e) < 0 ? -1 : 0;
}

static int teardown(void **state)
{
	(void)state;
	db_release(c);
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

static void each_notice_once(void **state)
{
	struct ex_reg_result r[3];
	struct ex_exchange_in x = {.programme_id = 0};
	struct co_err e;
	struct sent *m;
	int i;

	(void)state;
	for (i = 0; i < 3; i++)
		OK(ex_signup(c, ex, users[i], NOW, &r[i], &e));
	assert_int_equal(run(NOW), 3);
	m = find("confirmation", "n0@example.org");
	assert_non_null(m);
	assert_true(m->has_ics);
	assert_non_null(strstr(m->ics, "METHOD:REQUEST"));
	assert_non_null(strstr(m->ics, "DTSTART;TZID=Europe/London:20250312T100000"));
	assert_non_null(strstr(m->body, "https://meet.example.org/abc"));
	assert_non_null(strstr(m->body, "2025-03-12 10:00 (GMT)"));
	/* The Welsh speaker reads Welsh. */
	m = find("confirmation", "n1@example.org");
	assert_non_null(m);
	assert_string_equal(m->subject, "Mae eich lle wedi'i gadarnhau: Crisis care together");
	m = find("waitlisted", "n2@example.org");
	assert_non_null(m);
	assert_false(m->has_ics);
	assert_non_null(strstr(m->body, "number 1 on the waiting list"));
	assert_null(strstr(m->body, "meet.example.org")); /* no link for the waiting list */
	assert_int_equal(run(NOW + 1), 0);                /* nothing twice */

	/* A cancellation: the place is offered, and the offer mailed. */
	OK(ex_cancel(c, r[0].registration_id, NOW + 10, NULL, &e));
	assert_int_equal(run(NOW + 11), 1);
	m = find("offer", "n2@example.org");
	assert_non_null(m);
	assert_non_null(strstr(m->body, "(UK time)"));

	/* A new time: a change notice to the confirmed and the offered, with
	 * SEQUENCE 1 in the calendar file. */
	{
		json_t *j;
		struct ex_exchange_in upd;

		OK(ex_json_exchange(c, ex, 0, 1, &j, &e));
		json_decref(j);
		upd = (struct ex_exchange_in){.topic = "Crisis care together",
		                              .mode = "hybrid",
		                              .address = "Guildhall, Wrexham",
		                              .online_url = "https://meet.example.org/abc",
		                              .starts_at = START + 3600,
		                              .ends_at = START + 7200,
		                              .capacity = 2};
		(void)x;
		OK(ex_exchange_update(c, ex, &upd, NOW + 20, &e));
	}
	assert_int_equal(run(NOW + 21), 2);
	m = find("change", "n1@example.org");
	assert_non_null(m);
	assert_non_null(strstr(m->ics, "SEQUENCE:1"));
	assert_non_null(strstr(m->body, "Guildhall"));
	assert_non_null(find("change", "n2@example.org"));
	assert_null(find("change", "n0@example.org")); /* cancelled: not told */
	assert_int_equal(run(NOW + 22), 0);

	/* The reminder: only within the day before. */
	assert_int_equal(run(START + 3600 - 86400 - 1), 0);
	OK(ex_offer_accept(c, r[2].registration_id, NOW + 30, NULL, &e));
	nmails = 0;
	assert_int_equal(run(START + 3600 - 86400 + 5), 3); /* n2's confirmation, two reminders */
	assert_non_null(find("reminder", "n1@example.org"));
	assert_non_null(find("reminder", "n2@example.org"));
	assert_non_null(find("confirmation", "n2@example.org"));

	/* Cancelled: METHOD:CANCEL to everyone holding a place. */
	OK(ex_exchange_cancel(c, ex, START - 7200, &e));
	assert_int_equal(run(START - 7100), 2);
	m = find("change", "n2@example.org");
	assert_non_null(m);
	assert_non_null(strstr(m->ics, "METHOD:CANCEL"));
	assert_non_null(strstr(m->subject, "Cancelled"));
}

static void jobs_expire_offers_and_delete_needs(void **state)
{
	struct ex_programme_in p = {.slug = "jobs",
	                            .name = "J",
	                            .deadline = START,
	                            .offer_hours = 1,
	                            .needs_retention_days = 0};
	struct ex_exchange_in x = {.topic = "T",
	                           .mode = "online",
	                           .starts_at = START,
	                           .ends_at = START + 3600,
	                           .capacity = 1};
	struct ex_reg_result a, b;
	struct ex_jobs_report rep;
	struct co_err e;
	int64_t pid, xid;

	(void)state;
	OK(ex_programme_create(c, &p, NOW, &pid, &e));
	x.programme_id = pid;
	OK(ex_exchange_create(c, &x, NOW, &xid, &e));
	OK(ex_signup(c, xid, users[0], NOW, &a, &e));
	OK(ex_signup(c, xid, users[3], NOW, &b, &e));
	OK(ex_needs_set(c, a.registration_id, "", "hearing loop", NOW, &e));
	OK(ex_cancel(c, a.registration_id, NOW + 1, NULL, &e)); /* b is offered for an hour */
	OK(ex_jobs_run(db, NULL, NOW + 3600, &rep, &e));
	assert_int_equal(rep.offers_expired, 0);
	db_release(c); /* ex_jobs_run takes its own connection */
	OK(ex_jobs_run(db, NULL, NOW + 3601, &rep, &e));
	assert_int_equal(rep.offers_expired, 1);
	assert_int_equal(rep.needs_deleted, 0);
	OK(ex_jobs_run(db, NULL, START + 3600, &rep, &e));
	assert_int_equal(rep.needs_deleted, 1);
	OK(db_acquire(db, &c, &e));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(each_notice_once),
	        cmocka_unit_test(jobs_expire_offers_and_delete_needs),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
