/* Storage tests of Exchange management and read models
 * (src/mod/exchange/ex_manage.c): validation that changes nothing, places
 * left, what each viewer sees, calendar files, needs deletion, the pack,
 * the admin's allotment view and the showcase. SQLite, or the database in
 * COLLECTIVE_TEST_DB. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/limits.h"
#include "db/db.h"
#include "mod/exchange/ex_manage.h"
#include "mod/exchange/ex_store.h"

#define NOW        1735000000
#define DEADLINE   1740528000
#define MARCH12_10 1741773600 /* 2025-03-12 10:00 GMT */

static struct db *db;
static struct db_conn *c;
static char sqlite_path[64];
static int64_t users[8], org_a, org_b;

#define OK(x)                                                                                      \
	do {                                                                                       \
		struct co_err *ep_ = &e;                                                           \
		if ((x) < 0)                                                                       \
			fail_msg("%s: %s", #x, ep_->msg);                                          \
	} while (0)

static int64_t q_int(const char *sql, const struct db_val *a, int n)
{
	struct co_err e;
	int64_t v = -1;

	if (db_query_int(c, sql, a, n, &v, &e) < 0)
		fail_msg("%s: %s", sql, e.msg);
	return v;
}

static int setup(void **state)
{
	const char *url = getenv("COLLECTIVE_TEST_DB");
	char buf[128];
	struct co_err e;
	int i;

	(void)state;
	if (!url || !*url) {
		snprintf(sqlite_path, sizeof(sqlite_path), "/tmp/test_ex_manage_%d.db",
		         (int)getpid());
		unlink(sqlite_path);
		snprintf(buf, sizeof(buf), "sqlite:%s", sqlite_path);
		url = buf;
	}
	if (db_open(url, 4, &db, &e) < 0 || db_migrate(db, NULL, &e) < 0 ||
	    db_acquire(db, &c, &e) < 0) {
		fprintf(stderr, "test_ex_manage_db: %s\n", e.msg);
		return -1;
	}
	if (db_query_int(c,
	                 "INSERT INTO organisations (code, name, type, region, created_at, "
	                 "updated_at) VALUES ('MA', 'Board A', 'health_board', 'north', 0, 0) "
	                 "RETURNING id",
	                 DB_NOARGS, &org_a, &e) < 0 ||
	    db_query_int(c,
	                 "INSERT INTO organisations (code, name, type, region, created_at, "
	                 "updated_at) VALUES ('MB', 'Board B', 'health_board', 'west', 0, 0) "
	                 "RETURNING id",
	                 DB_NOARGS, &org_b, &e) < 0)
		return -1;
	for (i = 0; i < 8; i++) {
		char b[64];
		const char *email = b;

		snprintf(b, sizeof(b), "m%d@example.org", i);
		if (db_query_int(c,
		                 "INSERT INTO users (email, name, created_at) VALUES (?, ?, 0) "
		                 "RETURNING id",
		                 DB_ARGS(DB_T(email), DB_T(email)), &users[i], &e) < 0 ||
		    db_exec(c,
		            "INSERT INTO memberships (user_id, scope_type, scope_id, role, "
		            "created_at) VALUES (?, 'org', ?, 'member', 0)",
		            DB_ARGS(DB_I(users[i]), DB_I(i % 2 ? org_b : org_a)), NULL, &e) < 0)
			return -1;
	}
	return 0;
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

static int64_t programme(const char *slug, int64_t *theme1)
{
	struct ex_programme_in in = {.slug = slug,
	                             .name = "Leadership exchange",
	                             .opens_at = 0,
	                             .deadline = DEADLINE,
	                             .needs_retention_days = 10,
	                             .themes = {"Right help first time", "Recovery"},
	                             .nthemes = 2};
	struct co_err e;
	int64_t id;

	OK(ex_programme_create(c, &in, NOW, &id, &e));
	if (theme1)
		*theme1 = q_int("SELECT id FROM ex_themes WHERE programme_id = ? AND position = 1",
		                DB_ARGS(DB_I(id)));
	return id;
}

static struct ex_exchange_in exchange_in(int64_t prog, int64_t theme)
{
	return (struct ex_exchange_in){.programme_id = prog,
	                               .host_org_id = org_a,
	                               .theme_id = theme,
	                               .topic = "Crisis care together",
	                               .mode = "hybrid",
	                               .address = "Town Hall, Wrexham",
	                               .online_url = "https://meet.example.org/abc",
	                               .description_md = "Bring *questions*.<script>x</script>",
	                               .starts_at = MARCH12_10,
	                               .ends_at = MARCH12_10 + 10800,
	                               .capacity = 2};
}

static void programme_validation(void **state)
{
	struct ex_programme_in in = {.slug = "Bad Slug", .name = "x", .deadline = 10};
	struct co_err e;
	int64_t id = -5;

	(void)state;
	assert_int_equal(ex_programme_create(c, &in, NOW, &id, &e), CO_EINPUT);
	assert_string_equal(e.field, "slug");
	in.slug = "ok";
	in.opens_at = 20;
	assert_int_equal(ex_programme_create(c, &in, NOW, &id, &e), CO_EINPUT);
	assert_string_equal(e.field, "signup_deadline");
	in.opens_at = 0;
	in.themes[0] = "A";
	in.themes[1] = "A";
	in.nthemes = 2;
	assert_int_equal(ex_programme_create(c, &in, NOW, &id, &e), CO_EINPUT);
	assert_string_equal(e.field, "themes");
	assert_int_equal(id, -5);
	in.nthemes = 1;
	OK(ex_programme_create(c, &in, NOW, &id, &e));
	assert_int_equal(ex_programme_create(c, &in, NOW, &id, &e), CO_ECONFLICT);
	assert_string_equal(e.field, "slug");
	assert_int_equal(q_int("SELECT COUNT(*) FROM ex_programmes WHERE slug = 'ok'", DB_NOARGS),
	                 1);
}

static void exchange_validation_and_updates(void **state)
{
	int64_t theme, prog = programme("p-valid", &theme), other = programme("p-other", NULL);
	int64_t other_theme = q_int("SELECT id FROM ex_themes WHERE programme_id = ? LIMIT 1",
	                            DB_ARGS(DB_I(other)));
	struct ex_exchange_in in = exchange_in(prog, theme);
	struct ex_reg_result r;
	struct co_err e;
	int64_t id, before;

	(void)state;
	in.ends_at = in.starts_at - 60; /* an end before its start */
	assert_int_equal(ex_exchange_create(c, &in, NOW, &id, &e), CO_EINPUT);
	assert_string_equal(e.field, "ends_at");
	in = exchange_in(prog, other_theme);
	assert_int_equal(ex_exchange_create(c, &in, NOW, &id, &e), CO_EINPUT);
	assert_string_equal(e.field, "theme");
	in = exchange_in(prog, theme);
	in.mode = "on_site";
	in.address = "";
	assert_int_equal(ex_exchange_create(c, &in, NOW, &id, &e), CO_EINPUT);
	assert_string_equal(e.field, "address");
	in = exchange_in(prog, theme);
	in.online_url = "javascript:alert(1)";
	assert_int_equal(ex_exchange_create(c, &in, NOW, &id, &e), CO_EINPUT);
	assert_string_equal(e.field, "online_url");
	in = exchange_in(prog, theme);
	OK(ex_exchange_create(c, &in, NOW, &id, &e));

	/* Two confirmed: lowering the capacity to 1 is refused, nothing changes. */
	OK(ex_signup(c, id, users[0], NOW, &r, &e));
	OK(ex_signup(c, id, users[1], NOW, &r, &e));
	OK(ex_signup(c, id, users[2], NOW, &r, &e));
	before = q_int("SELECT sequence FROM ex_exchanges WHERE id = ?", DB_ARGS(DB_I(id)));
	in.capacity = 1;
	in.topic = "Changed";
	assert_int_equal(ex_exchange_update(c, id, &in, NOW, &e), CO_EINPUT);
	assert_string_equal(e.field, "capacity");
	assert_int_equal(
	        q_int("SELECT COUNT(*) FROM ex_exchanges WHERE id = ? AND topic = 'Changed'",
	              DB_ARGS(DB_I(id))),
	        0);
	/* A new time raises SEQUENCE; a raised capacity offers the place. */
	in.capacity = 3;
	in.starts_at += 3600;
	in.ends_at += 3600;
	OK(ex_exchange_update(c, id, &in, NOW, &e));
	assert_int_equal(q_int("SELECT sequence FROM ex_exchanges WHERE id = ?", DB_ARGS(DB_I(id))),
	                 before + 1);
	assert_int_equal(q_int("SELECT COUNT(*) FROM ex_registrations WHERE exchange_id = ? AND "
	                       "state = 'offered'",
	                       DB_ARGS(DB_I(id))),
	                 1);
	/* Only a description change: no new SEQUENCE. */
	in.description_md = "Other words";
	OK(ex_exchange_update(c, id, &in, NOW, &e));
	assert_int_equal(q_int("SELECT sequence FROM ex_exchanges WHERE id = ?", DB_ARGS(DB_I(id))),
	                 before + 1);
	OK(ex_exchange_cancel(c, id, NOW, &e));
	assert_int_equal(ex_exchange_cancel(c, id, NOW, &e), CO_ECONFLICT);
	assert_int_equal(ex_signup(c, id, users[5], NOW, &r, &e), CO_ECONFLICT);
}

static void views_show_places_and_hide_the_link(void **state)
{
	int64_t theme, prog = programme("p-views", &theme), id;
	struct ex_exchange_in in = exchange_in(prog, theme);
	struct ex_reg_result r;
	struct co_err e;
	json_t *list, *x, *mine;

	(void)state;
	OK(ex_exchange_create(c, &in, NOW, &id, &e));
	OK(ex_signup(c, id, users[0], NOW, &r, &e));
	OK(ex_json_exchanges(c, prog, &list, &e));
	x = json_array_get(json_object_get(list, "exchanges"), 0);
	assert_int_equal(json_integer_value(json_object_get(x, "places_left")), 1);
	assert_int_equal(json_integer_value(json_object_get(x, "fill_percent")), 50);
	assert_string_equal(json_string_value(json_object_get(x, "starts_local")),
	                    "2025-03-12 10:00");
	assert_string_equal(json_string_value(json_object_get(x, "starts_tz")), "GMT");
	assert_string_equal(json_string_value(json_object_get(x, "theme")),
	                    "Right help first time");
	json_decref(list);

	/* A stranger does not see the online link; the confirmed person does. */
	OK(ex_json_exchange(c, id, users[3], 0, &x, &e));
	assert_string_equal(json_string_value(json_object_get(x, "online_url")), "");
	assert_true(json_is_null(json_object_get(x, "mine")));
	assert_null(strstr(json_string_value(json_object_get(x, "description_html")), "<script"));
	assert_non_null(strstr(json_string_value(json_object_get(x, "description_html")),
	                       "<em>questions</em>"));
	json_decref(x);
	OK(ex_json_exchange(c, id, users[0], 0, &x, &e));
	assert_string_equal(json_string_value(json_object_get(x, "online_url")),
	                    "https://meet.example.org/abc");
	mine = json_object_get(x, "mine");
	assert_string_equal(json_string_value(json_object_get(mine, "state")), "confirmed");
	json_decref(x);
	/* Waitlisted people see their position. */
	OK(ex_signup(c, id, users[1], NOW, &r, &e));
	OK(ex_signup(c, id, users[2], NOW, &r, &e));
	OK(ex_json_exchange(c, id, users[2], 0, &x, &e));
	mine = json_object_get(x, "mine");
	assert_string_equal(json_string_value(json_object_get(mine, "state")), "waitlisted");
	assert_int_equal(json_integer_value(json_object_get(mine, "position")), 1);
	assert_string_equal(json_string_value(json_object_get(x, "online_url")), "");
	json_decref(x);
	OK(ex_json_my(c, users[2], &x, &e));
	assert_int_equal(
	        json_integer_value(json_object_get(
	                json_object_get(json_array_get(json_object_get(x, "registrations"), 0),
	                                "registration"),
	                "position")),
	        1);
	json_decref(x);
	assert_int_equal(ex_json_exchange(c, 999999, 0, 0, &x, &e), CO_ENOTFOUND);
}

static void calendars_and_feeds(void **state)
{
	int64_t theme, prog = programme("p-ics", &theme), id, who = 0;
	struct ex_exchange_in in = exchange_in(prog, theme);
	struct ex_reg_result r;
	struct co_buf b;
	struct co_err e;
	char secret[EX_FEED_SECRET_LEN], old[EX_FEED_SECRET_LEN];

	(void)state;
	OK(ex_exchange_create(c, &in, NOW, &id, &e));
	co_buf_init(&b, CO_MAX_OUTPUT);
	OK(ex_ics_exchange(c, id, "collective.test", "https://collective.test", NOW, &b, &e));
	assert_non_null(strstr(b.data, "DTSTART;TZID=Europe/London:20250312T100000"));
	assert_null(strstr(b.data, "meet.example.org")); /* the public file has no link */
	co_buf_reset(&b);
	OK(ex_signup(c, id, users[4], NOW, &r, &e));
	OK(ex_ics_person(c, users[4], "collective.test", NULL, NOW, &b, &e));
	assert_non_null(strstr(b.data, "UID:exchange-"));
	{
		/* Unfold the lines before looking. */
		char *p = b.data, *q = b.data;

		while (*p) {
			if (p[0] == '\r' && p[1] == '\n' && p[2] == ' ')
				p += 3;
			else
				*q++ = *p++;
		}
		*q = '\0';
	}
	assert_non_null(strstr(b.data, "meet.example.org/abc")); /* confirmed: the link is there */
	co_buf_free(&b);

	OK(ex_feed_new(c, users[4], NOW, secret, &e));
	assert_int_equal(strlen(secret), EX_FEED_SECRET_LEN - 1);
	OK(ex_feed_user(c, secret, &who, &e));
	assert_int_equal(who, users[4]);
	memcpy(old, secret, sizeof(old));
	OK(ex_feed_new(c, users[4], NOW, secret, &e));
	assert_int_equal(ex_feed_user(c, old, &who, &e), CO_ENOTFOUND); /* the old one is revoked */
	assert_int_equal(ex_feed_user(c, "short", &who, &e), CO_ENOTFOUND);
}

static void needs_are_deleted_after_the_event(void **state)
{
	int64_t theme, prog = programme("p-needs", &theme), id;
	struct ex_exchange_in in = exchange_in(prog, theme);
	struct ex_reg_result r;
	struct co_err e;
	json_t *a;
	int n = -1;

	(void)state;
	OK(ex_exchange_create(c, &in, NOW, &id, &e));
	OK(ex_signup(c, id, users[0], NOW, &r, &e));
	OK(ex_needs_set(c, r.registration_id, "vegetarian", "step-free access", NOW, &e));
	OK(ex_json_attendees(c, id, 0, &a, &e));
	assert_null(json_object_get(json_array_get(json_object_get(a, "attendees"), 0), "dietary"));
	json_decref(a);
	OK(ex_json_attendees(c, id, 1, &a, &e));
	assert_string_equal(json_string_value(json_object_get(
	                            json_array_get(json_object_get(a, "attendees"), 0), "dietary")),
	                    "vegetarian");
	assert_string_equal(
	        json_string_value(json_object_get(
	                json_array_get(json_object_get(a, "attendees"), 0), "organisation")),
	        "Board A");
	json_decref(a);
	/* Ten days (the programme's retention) after the end, and not before. */
	OK(ex_needs_purge(c, in.ends_at + 10 * 86400 - 1, &n, &e));
	assert_int_equal(n, 0);
	OK(ex_needs_purge(c, in.ends_at + 10 * 86400, &n, &e));
	assert_int_equal(n, 1);
	assert_int_equal(q_int("SELECT COUNT(*) FROM ex_needs WHERE registration_id = ?",
	                       DB_ARGS(DB_I(r.registration_id))),
	                 0);
}

static void pack_and_admin_views(void **state)
{
	int64_t theme, prog = programme("p-pack", &theme), id1, id2, nom;
	int64_t theme2 = q_int("SELECT id FROM ex_themes WHERE programme_id = ? AND position = 2",
	                       DB_ARGS(DB_I(prog)));
	struct ex_exchange_in in = exchange_in(prog, theme2);
	struct co_err e;
	json_t *p, *t;

	(void)state;
	OK(ex_exchange_create(c, &in, NOW, &id1, &e));
	in = exchange_in(prog, theme);
	in.starts_at += 86400;
	in.ends_at += 86400;
	OK(ex_exchange_create(c, &in, NOW, &id2, &e));
	OK(ex_insight_add(c, id1, users[0], 1, "Recovery colleges work", "", "", NOW, NULL, &e));
	OK(ex_insight_add(c, id2, users[1], 0, "", "Shared triage", "", NOW, NULL, &e));
	OK(ex_insight_add(c, id2, users[0], 1, "One front door", "", "Pilot it", NOW, NULL, &e));
	assert_int_equal(ex_insight_add(c, id2, users[0], 1, "", "", "", NOW, NULL, &e), CO_EINPUT);
	OK(ex_json_pack(c, prog, &p, &e));
	t = json_object_get(p, "themes");
	assert_int_equal(json_array_size(t), 2);
	/* Themes in the programme's order, the host's insight first. */
	assert_string_equal(json_string_value(json_object_get(json_array_get(t, 0), "name")),
	                    "Right help first time");
	assert_string_equal(
	        json_string_value(json_object_get(
	                json_array_get(json_object_get(json_array_get(t, 0), "insights"), 0),
	                "learned")),
	        "One front door");
	assert_int_equal(json_array_size(json_object_get(json_array_get(t, 0), "insights")), 2);
	json_decref(p);

	OK(ex_allotment_set(c, prog, org_a, 2, &e));
	OK(ex_allotment_set(c, prog, org_b, 1, &e));
	OK(ex_allotment_set(c, prog, org_b, 3, &e)); /* replaces */
	assert_int_equal(ex_allotment_set(c, prog, org_b, -1, &e), CO_EINPUT);
	OK(ex_nominate(c, prog, org_a, users[0], 0, NOW, &nom, &e));
	OK(ex_json_admin(c, prog, &p, &e));
	t = json_object_get(p, "allotments");
	assert_int_equal(json_array_size(t), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(t, 0), "name")),
	                    "Board A");
	assert_int_equal(json_integer_value(json_object_get(json_array_get(t, 0), "nominated")), 1);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(t, 0), "unused")), 1);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(t, 1), "places")), 3);
	assert_int_equal(json_array_size(json_object_get(p, "exchanges")), 2);
	json_decref(p);
}

static void showcase_flow(void **state)
{
	int64_t theme, prog = programme("p-show", &theme), conf, call, sub, sess,
	               reviewer = users[7];
	struct ex_exchange_in in = exchange_in(prog, theme);
	struct ex_submission_in s = {
	        .title = "Ward safety huddles", .summary = "Daily ten-minute huddles", .org_id = 0};
	struct co_err e;

	(void)state;
	in.kind = "conference";
	in.capacity = 100;
	OK(ex_exchange_create(c, &in, NOW, &conf, &e));
	call = q_int(
	        "INSERT INTO ex_showcase_calls (exchange_id, opens_at, closes_at) VALUES (?, ?, "
	        "?) RETURNING id",
	        DB_ARGS(DB_I(conf), DB_I(NOW - 10), DB_I(NOW + 1000)));
	sess = q_int(
	        "INSERT INTO ex_sessions (exchange_id, kind, title, starts_at, ends_at) VALUES "
	        "(?, 'showcase', 'Showcase', ?, ?) RETURNING id",
	        DB_ARGS(DB_I(conf), DB_I(MARCH12_10), DB_I(MARCH12_10 + 3600)));
	s.call_id = call;
	s.submitter_id = users[0];
	assert_int_equal(ex_submission_create(c, &s, NOW + 1000, &sub, &e), CO_ECONFLICT);
	s.title = "";
	assert_int_equal(ex_submission_create(c, &s, NOW, &sub, &e), CO_EINPUT);
	assert_string_equal(e.field, "title");
	s.title = "Ward safety huddles";
	OK(ex_submission_create(c, &s, NOW, &sub, &e));
	assert_int_equal(ex_review_set(c, sub, reviewer, 6, "", NOW, &e), CO_EINPUT);
	OK(ex_review_set(c, sub, reviewer, 4, "Clear", NOW, &e));
	OK(ex_review_set(c, sub, reviewer, 5, "Clearer", NOW, &e));
	assert_int_equal(
	        q_int("SELECT score FROM ex_reviews WHERE submission_id = ?", DB_ARGS(DB_I(sub))),
	        5);
	assert_int_equal(ex_slot_set(c, sub, sess, MARCH12_10, MARCH12_10 + 600, "Stand 1", &e),
	                 CO_ECONFLICT); /* not accepted yet */
	OK(ex_submission_decide(c, sub, 1, NOW, &e));
	assert_int_equal(
	        ex_slot_set(c, sub, sess, MARCH12_10 - 60, MARCH12_10 + 600, "Stand 1", &e),
	        CO_EINPUT);
	OK(ex_slot_set(c, sub, sess, MARCH12_10, MARCH12_10 + 600, "Stand 1", &e));
	OK(ex_submission_decide(c, sub, 0, NOW, &e));
	assert_int_equal(q_int("SELECT COUNT(*) FROM ex_showcase_slots WHERE submission_id = ?",
	                       DB_ARGS(DB_I(sub))),
	                 0);
}

static void conference_sessions(void **state)
{
	int64_t theme, prog = programme("p-sessions", &theme), conf, s1, s2;
	struct ex_exchange_in in = exchange_in(prog, theme);
	struct ex_session_in s = {.kind = "workshop",
	                          .title = "Workshop A",
	                          .starts_at = MARCH12_10,
	                          .ends_at = MARCH12_10 + 5400,
	                          .room = "Seminar room 1",
	                          .room_capacity = 30,
	                          .capacity = -1,
	                          .needs_choice = 1};
	struct co_err e;

	(void)state;
	in.kind = "conference";
	OK(ex_exchange_create(c, &in, NOW, &conf, &e));
	s.exchange_id = conf;
	s.kind = "party";
	assert_int_equal(ex_session_create(c, &s, &s1, &e), CO_EINPUT);
	assert_string_equal(e.field, "kind");
	s.kind = "workshop";
	s.starts_at = MARCH12_10 + 3 * 86400;
	s.ends_at = s.starts_at + 3600;
	assert_int_equal(ex_session_create(c, &s, &s1, &e), CO_EINPUT); /* outside the event */
	s.starts_at = MARCH12_10;
	s.ends_at = MARCH12_10 - 1;
	assert_int_equal(ex_session_create(c, &s, &s1, &e), CO_EINPUT);
	assert_string_equal(e.field, "ends_at");
	s.ends_at = MARCH12_10 + 5400;
	OK(ex_session_create(c, &s, &s1, &e));
	s.title = "Workshop B";
	OK(ex_session_create(c, &s, &s2, &e));
	/* One room, made once; the sessions take its capacity. */
	assert_int_equal(
	        q_int("SELECT COUNT(*) FROM ex_rooms WHERE exchange_id = ?", DB_ARGS(DB_I(conf))),
	        1);
	assert_int_equal(q_int("SELECT COUNT(*) FROM ex_sessions WHERE exchange_id = ? AND room_id "
	                       "IS NOT NULL AND capacity IS NULL",
	                       DB_ARGS(DB_I(conf))),
	                 2);
}

/* Changing and removing sessions and rooms: each refusal counts what
 * stands in the way and changes nothing; a moved chosen session owes its
 * choosers a notice. */
static void session_changes_and_removals(void **state)
{
	int64_t theme, prog = programme("p-session-changes", &theme), conf, a, b, coffee, other,
	               room, regs[3];
	struct ex_exchange_in in = exchange_in(prog, theme);
	struct ex_session_in s = {.kind = "workshop",
	                          .title = "Workshop A",
	                          .starts_at = MARCH12_10,
	                          .ends_at = MARCH12_10 + 3600,
	                          .room = "Room 1",
	                          .room_capacity = 30,
	                          .capacity = -1,
	                          .needs_choice = 1};
	struct ex_reg_result r;
	struct co_err e;
	int i;

	(void)state;
	in.kind = "conference";
	in.capacity = 10;
	OK(ex_exchange_create(c, &in, NOW, &conf, &e));
	OK(ex_exchange_create(c, &in, NOW, &other, &e));
	s.exchange_id = conf;
	OK(ex_session_create(c, &s, &a, &e));
	s.title = "Workshop B";
	s.starts_at = MARCH12_10 + 3600;
	s.ends_at = MARCH12_10 + 7200;
	OK(ex_session_create(c, &s, &b, &e));
	room = q_int("SELECT room_id FROM ex_sessions WHERE id = ?", DB_ARGS(DB_I(a)));
	for (i = 0; i < 3; i++) {
		OK(ex_signup(c, conf, users[i], NOW, &r, &e));
		regs[i] = r.registration_id;
		OK(ex_choose_session(c, regs[i], a, NOW, &e));
		if (i < 2)
			OK(ex_choose_session(c, regs[i], b, NOW, &e));
	}
	/* Places below the three choices. */
	s.title = "Workshop A";
	s.starts_at = MARCH12_10;
	s.ends_at = MARCH12_10 + 3600;
	s.capacity = 2;
	assert_int_equal(ex_session_update(c, a, &s, &e), CO_EINPUT);
	assert_string_equal(e.field, "capacity");
	assert_string_equal(e.msg,
	                    "the places cannot be fewer than the 3 attendees who have chosen this "
	                    "session");
	/* A over B (chosen by two of them); touching ends are no clash. */
	s.capacity = -1;
	s.ends_at = MARCH12_10 + 3601;
	assert_int_equal(ex_session_update(c, a, &s, &e), CO_EINPUT);
	assert_string_equal(e.field, "starts_at");
	assert_string_equal(e.msg, "the new times would clash with another session chosen by 2 "
	                           "attendees who chose this session");
	assert_int_equal(q_int("SELECT ends_at FROM ex_sessions WHERE id = ?", DB_ARGS(DB_I(a))),
	                 MARCH12_10 + 3600);
	/* A session of another exchange is not found. */
	s.exchange_id = other;
	assert_int_equal(ex_session_update(c, a, &s, &e), CO_ENOTFOUND);
	assert_int_equal(ex_session_delete(c, other, a, &e), CO_ENOTFOUND);
	s.exchange_id = conf;
	/* Moved earlier: the choosers owe a notice under a new change number. */
	s.starts_at = MARCH12_10 - 1800;
	s.ends_at = MARCH12_10 + 1800;
	OK(ex_session_update(c, a, &s, &e));
	assert_int_equal(q_int("SELECT sequence FROM ex_sessions WHERE id = ?", DB_ARGS(DB_I(a))),
	                 1);
	assert_int_equal(q_int("SELECT COUNT(*) FROM ex_session_choices WHERE session_id = ? AND "
	                       "change_seq = 1",
	                       DB_ARGS(DB_I(a))),
	                 3);
	assert_int_equal(q_int("SELECT COUNT(*) FROM ex_session_choices WHERE session_id = ? AND "
	                       "change_seq > 0",
	                       DB_ARGS(DB_I(b))),
	                 0);
	/* A title alone is no move. */
	s.title = "Workshop A, renamed";
	OK(ex_session_update(c, a, &s, &e));
	assert_int_equal(q_int("SELECT sequence FROM ex_sessions WHERE id = ?", DB_ARGS(DB_I(a))),
	                 1);
	/* Removals. */
	assert_int_equal(ex_session_delete(c, conf, b, &e), CO_ECONFLICT);
	assert_string_equal(e.msg, "2 attendees have chosen this session, so it cannot be removed");
	assert_int_equal(ex_room_delete(c, conf, room, &e), CO_ECONFLICT);
	assert_string_equal(e.msg, "2 sessions use this room, so it cannot be removed");
	/* The room: not below A's three choices; not another room's name. */
	assert_int_equal(ex_room_update(c, conf, room, "Room 1", 2, &e), CO_EINPUT);
	assert_string_equal(e.msg,
	                    "a session in this room needs 3 places; the room cannot have fewer");
	s.title = "Coffee";
	s.kind = "break";
	s.needs_choice = 0;
	s.room = "Room 2";
	s.starts_at = MARCH12_10 + 7200;
	s.ends_at = MARCH12_10 + 7800;
	OK(ex_session_create(c, &s, &coffee, &e));
	assert_int_equal(ex_room_update(c, conf, room, "Room 2", 30, &e), CO_ECONFLICT);
	assert_string_equal(e.field, "name");
	OK(ex_room_update(c, conf, room, "Hall", 3, &e));
	assert_int_equal(q_int("SELECT capacity FROM ex_rooms WHERE id = ? AND name = 'Hall'",
	                       DB_ARGS(DB_I(room))),
	                 3);
	/* The rename moved both sessions in the room: a notice each for their
	 * choosers (two change numbers), SEQUENCE raised. A capacity alone is
	 * no move. */
	assert_int_equal(q_int("SELECT sequence FROM ex_sessions WHERE id = ?", DB_ARGS(DB_I(a))),
	                 2);
	assert_int_equal(q_int("SELECT COUNT(DISTINCT change_seq) FROM ex_session_choices WHERE "
	                       "session_id IN (?, ?) AND change_seq > 1",
	                       DB_ARGS(DB_I(a), DB_I(b))),
	                 2);
	OK(ex_room_update(c, conf, room, "Hall", 4, &e));
	assert_int_equal(q_int("SELECT sequence FROM ex_sessions WHERE id = ?", DB_ARGS(DB_I(a))),
	                 2);
	OK(ex_session_delete(c, conf, coffee, &e));
	OK(ex_room_delete(c, conf,
	                  q_int("SELECT id FROM ex_rooms WHERE exchange_id = ? AND name = 'Room 2'",
	                        DB_ARGS(DB_I(conf))),
	                  &e));
	assert_int_equal(
	        q_int("SELECT COUNT(*) FROM ex_rooms WHERE exchange_id = ?", DB_ARGS(DB_I(conf))),
	        1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(programme_validation),
	        cmocka_unit_test(exchange_validation_and_updates),
	        cmocka_unit_test(views_show_places_and_hide_the_link),
	        cmocka_unit_test(calendars_and_feeds),
	        cmocka_unit_test(needs_are_deleted_after_the_event),
	        cmocka_unit_test(pack_and_admin_views),
	        cmocka_unit_test(showcase_flow),
	        cmocka_unit_test(conference_sessions),
	        cmocka_unit_test(session_changes_and_removals),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
