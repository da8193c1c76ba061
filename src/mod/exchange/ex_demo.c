/*
 * ex_demo.c - the demonstration programme of the Exchange module.
 *
 * A leadership exchange for mental-health leaders across Wales: three
 * themes, twenty knowledge exchanges in March hosted by health boards,
 * trusts, councils, third-sector bodies and universities, sign-up closing
 * on 26 February, and a two-day residential conference in April at
 * Aberystwyth University with an opening reception the evening before.
 * The year is the next whose deadline is still ahead, so sign-up is open.
 *
 * Ids are stable in a fresh database (the authorization test relies on
 * them): exchange 1 is hosted by Cardiff and Vale, exchange 2 by Swansea
 * Bay; registration 1 is on exchange 1 and registration 2 on exchange 2;
 * nomination 1 is Cardiff and Vale's, nomination 2 Swansea Bay's.
 */
#include "mod/exchange/ex_int.h"

#include <stdio.h>
#include <string.h>

#include "mod/accounts/acct.h"
#include "mod/exchange/ex_audit.h"

struct demo_exchange {
	const char *org, *topic, *town_address, *region, *mode;
	int theme, day, hour, minutes, capacity;
};

/* Day of March, local start hour and length in minutes. */
static const struct demo_exchange demo_exchanges[] = {
        {"CAVUHB", "One front door: a single point of access for mental health",
         "University Hospital Llandough, Penlan Road, Penarth CF64 2XX", "cardiff_vale", "hybrid",
         0, 3, 10, 180, 24},
        {"SBUHB", "Crisis cafés and safe havens after six o'clock",
         "Swansea Civic Centre, Oystermouth Road, Swansea SA1 3SN", "west_glamorgan", "on_site", 0,
         4, 13, 150, 20},
        {"ABUHB", "Mental health practitioners in 111 press 2", "", "gwent", "online", 0, 5, 10, 90,
         60},
        {"BCUHB", "Recovery colleges: learning our way to wellbeing",
         "Glan Clwyd Hospital, Rhuddlan Road, Bodelwyddan LL18 5UJ", "north", "on_site", 1, 6, 10,
         180, 18},
        {"HDUHB", "Peer support workers in community teams",
         "Carmarthen Town Hall, Carmarthen SA31 1JE", "west", "hybrid", 1, 7, 9, 180, 25},
        {"PTHB", "Rural mental health: reaching people across Powys",
         "Llandrindod Wells Town Hall, Temple Street, Llandrindod Wells LD1 5DL", "powys",
         "on_site", 0, 10, 10, 180, 16},
        {"CTMUHB", "Trauma-informed wards", "Royal Glamorgan Hospital, Llantrisant CF72 8XR",
         "cwm_taf", "on_site", 1, 11, 13, 150, 20},
        {"WAST", "Mental health calls: from the ambulance to the right service", "", "national",
         "online", 0, 12, 14, 90, 80},
        {"LA-CF", "Housing first and mental health: sharing the work",
         "County Hall, Atlantic Wharf, Cardiff CF10 4UW", "cardiff_vale", "on_site", 1, 13, 10, 150,
         22},
        {"MIND-CY", "Community wellbeing and the third sector", "", "national", "online", 1, 14, 10,
         90, 70},
        {"HEIW", "Growing the mental health workforce we need",
         "Ty Dysgu, Cefn Coed, Nantgarw CF15 7QQ", "national", "hybrid", 2, 17, 10, 180, 30},
        {"UNI-BANG", "Training pathways for mental health nurses in the north",
         "Bangor University, College Road, Bangor LL57 2DG", "north", "on_site", 2, 18, 13, 150,
         20},
        {"UNI-SWAN", "Psychology in primary care: what the evidence says", "", "national", "online",
         2, 19, 12, 90, 60},
        {"ADFERIAD", "Co-occurring substance use and mental health",
         "Wrexham Guildhall, Wrexham LL11 1AY", "north", "hybrid", 1, 20, 10, 180, 20},
        {"LA-GW", "Welsh-language mental health services: an active offer",
         "Council Offices, Shirehall Street, Caernarfon LL55 1SH", "north", "hybrid", 0, 21, 10,
         150, 20},
        {"PHW", "Measuring what matters: outcomes people value", "", "national", "online", 2, 24,
         14, 90, 80},
        {"VUNHST", "Supporting staff wellbeing after difficult events", "", "national", "online", 2,
         25, 10, 90, 50},
        {"UNI-USW", "Digital tools that teams actually use",
         "University of South Wales, Llantwit Road, Pontypridd CF37 1DL", "cwm_taf", "on_site", 2,
         26, 10, 150, 2},
        {"ABUHB", "Children and young people: one team around the family",
         "Grange University Hospital, Caerleon Road, Llanfrechfa NP44 8YN", "gwent", "on_site", 0,
         27, 10, 180, 20},
        {"NHSWPI", "Improvement methods for mental health teams", "", "national", "online", 2, 28,
         13, 120, 100},
};

static const char *const demo_themes[] = {
        "Right support, first time",
        "Recovery and whole-system working",
        "A sustainable, needs-led workforce",
};

static const struct {
	const char *kind, *title, *room;
	int day, hour, minutes, length, choice;
} demo_sessions[] = {
        {"reception", "Opening reception", "Arts Centre foyer", -1, 18, 0, 120, 0},
        {"keynote", "Keynote: from tiers to whole systems", "Great Hall", 0, 9, 30, 60, 0},
        {"workshop", "Workshop: designing a single point of access", "Seminar room 1", 0, 11, 0, 90,
         1},
        {"workshop", "Workshop: peer roles that last", "Seminar room 2", 0, 11, 0, 90, 1},
        {"workshop", "Workshop: workforce planning with the data we have", "Seminar room 3", 0, 11,
         0, 90, 1},
        {"showcase", "Innovation showcase", "Great Hall", 0, 13, 30, 90, 0},
        {"workshop", "Workshop: crisis alternatives in rural areas", "Seminar room 1", 0, 15, 30,
         90, 1},
        {"workshop", "Workshop: measuring recovery", "Seminar room 2", 0, 15, 30, 90, 1},
        {"networking", "Networking dinner", "Penbryn", 0, 19, 0, 150, 0},
        {"keynote", "Keynote: what the exchanges taught us", "Great Hall", 1, 9, 30, 60, 0},
        {"workshop", "Workshop: spreading what works between boards", "Seminar room 1", 1, 10, 45,
         90, 1},
        {"workshop", "Workshop: leading through change", "Seminar room 2", 1, 10, 45, 90, 1},
        {"plenary", "Insights from every exchange, by theme", "Great Hall", 1, 13, 0, 90, 0},
};

static const struct {
	const char *name;
	int capacity;
} demo_rooms[] = {
        {"Great Hall", 200},   {"Seminar room 1", 40},     {"Seminar room 2", 40},
        {"Seminar room 3", 2}, {"Arts Centre foyer", 200}, {"Penbryn", 180},
};

static const struct {
	const char *code;
	int places;
} demo_allotments[] = {
        {"ABUHB", 6}, {"BCUHB", 6},  {"CAVUHB", 6}, {"CTMUHB", 6}, {"HDUHB", 6}, {"PTHB", 6},
        {"SBUHB", 6}, {"VUNHST", 3}, {"WAST", 3},   {"PHW", 3},    {"HEIW", 2},  {"NHSWPI", 2},
};

#define TRY(x)                                                                                     \
	do {                                                                                       \
		if ((rc = (x)) < 0)                                                                \
			goto out;                                                                  \
	} while (0)

static int64_t local(int64_t y, int m, int d, int h, int mi)
{
	int64_t t = 0;

	ex_london_to_utc(y, m, d, h, mi, 0, &t, NULL, NULL);
	return t;
}

static int id_of(struct db_conn *c, const char *sql, const char *key, int64_t *id, struct co_err *e)
{
	int rc = db_query_int(c, sql, DB_ARGS(DB_T(key)), id, e);

	if (rc == CO_ENOTFOUND)
		return co_errf(e, CO_ENOTFOUND, "the demo needs %s (load the accounts demo first)",
		               key);
	return rc;
}

static int org(struct db_conn *c, const char *code, int64_t *id, struct co_err *e)
{
	return id_of(c, "SELECT id FROM organisations WHERE code = ?", code, id, e);
}

static int user(struct db_conn *c, const char *email, int64_t *id, struct co_err *e)
{
	return id_of(c, "SELECT id FROM users WHERE email = ?", email, id, e);
}

int ex_demo_load(struct db *db, int64_t now, struct co_err *e)
{
	struct ex_programme_in p = {0};
	struct db_conn *c;
	struct ex_local today;
	int64_t y, pid, themes[3], xids[32], conf, room_ids[8], n, u, o, call, row, first_thursday;
	char slug[64], name[128];
	size_t i;
	int rc;

	if ((rc = db_acquire(db, &c, e)) < 0)
		return rc;
	TRY(db_query_int(c, "SELECT COUNT(*) FROM ex_programmes", DB_NOARGS, &n, e));
	if (n > 0) {
		rc = co_errf(e, CO_ECONFLICT, "the exchange demo data is already loaded");
		goto out;
	}
	/* The next 26 February still ahead. */
	ex_london_from_utc(now, &today);
	y = today.year;
	if (now >= local(y, 2, 26, 17, 0))
		y++;
	snprintf(slug, sizeof(slug), "leadership-exchange-%lld", (long long)y);
	snprintf(name, sizeof(name), "Mental health leadership exchange %lld", (long long)y);
	p.slug = slug;
	p.name = name;
	p.summary = "Leaders from across health, social care, the third sector and universities "
	            "meet at knowledge exchanges around Wales in March, then bring what they "
	            "learned to a two-day residential conference in April. Places are limited: "
	            "organisations nominate their leaders, and anyone may join a waiting list.";
	p.opens_at =
	        now - 86400 < local(y - 1, 12, 1, 9, 0) ? now - 86400 : local(y - 1, 12, 1, 9, 0);
	p.deadline = local(y, 2, 26, 17, 0);
	p.offer_hours = 48;
	p.release_at = local(y, 2, 12, 17, 0);
	p.needs_retention_days = 30;
	for (i = 0; i < 3; i++)
		p.themes[i] = demo_themes[i];
	p.nthemes = 3;
	TRY(ex_programme_create(c, &p, now, &pid, e));
	for (i = 0; i < 3; i++)
		TRY(db_query_int(c,
		                 "SELECT id FROM ex_themes WHERE programme_id = ? AND position = ?",
		                 DB_ARGS(DB_I(pid), DB_I(i + 1)), &themes[i], e));

	for (i = 0; i < sizeof(demo_exchanges) / sizeof(demo_exchanges[0]); i++) {
		const struct demo_exchange *d = &demo_exchanges[i];
		char desc[512];
		struct ex_exchange_in in = {0};

		snprintf(
		        desc, sizeof(desc),
		        "A half-day exchange hosted by a team that has tried this in practice.\n\n"
		        "- what they changed and why\n- what the data showed\n- what they would do "
		        "differently\n\nBring a question from your own service.");
		in.programme_id = pid;
		TRY(org(c, d->org, &in.host_org_id, e));
		in.theme_id = themes[d->theme];
		in.topic = d->topic;
		in.mode = d->mode;
		in.address = d->town_address;
		in.region = d->region;
		in.access_info = strcmp(d->mode, "online") == 0
		                         ? "Live captions are on for every online session."
		                         : "Step-free access, a hearing loop and parking for blue "
		                           "badge holders.";
		in.online_url =
		        strcmp(d->mode, "on_site") == 0 ? "" : "https://meet.example.org/exchange";
		in.description_md = desc;
		in.starts_at = local(y, 3, d->day, d->hour, 0);
		in.ends_at = in.starts_at + (int64_t)d->minutes * 60;
		in.capacity = d->capacity;
		TRY(ex_exchange_create(c, &in, now, &xids[i], e));
	}

	/* The conference: the reception on the Wednesday evening, then
	 * Thursday and Friday, the first full week of April. */
	{
		struct ex_exchange_in in = {0};
		int64_t d0 = ex_days_from_civil(y, 4, 1), cy_, session_day;
		int cm, cd;

		while (ex_weekday(d0) != 4)
			d0++;
		first_thursday = d0;
		in.programme_id = pid;
		in.kind = "conference";
		TRY(org(c, "UNI-ABER", &in.host_org_id, e));
		in.topic = "Leadership exchange conference";
		in.mode = "on_site";
		in.address = "Aberystwyth University, Penglais Campus, Aberystwyth SY23 3FL";
		in.region = "west";
		in.access_info =
		        "Step-free routes between all rooms; a quiet room is open all day.";
		in.description_md =
		        "Two days of keynotes, workshops, an innovation showcase and networking, "
		        "with an optional opening reception the evening before. The insights from "
		        "every knowledge exchange are presented, theme by theme.\n\nAttendance is "
		        "free; organisations agree and cover their own expenses.";
		ex_civil_from_days(first_thursday - 1, &cy_, &cm, &cd);
		in.starts_at = local(cy_, cm, cd, 18, 0);
		ex_civil_from_days(first_thursday + 1, &cy_, &cm, &cd);
		in.ends_at = local(cy_, cm, cd, 16, 30);
		in.capacity = 150;
		in.reserved_places = 57;
		TRY(ex_exchange_create(c, &in, now, &conf, e));
		/* The conference's rooms, days, sessions and call in one
		 * transaction, each audited as the system's. */
		TRY(db_begin(c, DB_TX_WRITE, e));
		for (i = 0; i < sizeof(demo_rooms) / sizeof(demo_rooms[0]); i++) {
			TRY(db_query_int(
			        c,
			        "INSERT INTO ex_rooms (exchange_id, name, capacity) VALUES (?, "
			        "?, ?) RETURNING id",
			        DB_ARGS(DB_I(conf), DB_T(demo_rooms[i].name),
			                DB_I(demo_rooms[i].capacity)),
			        &room_ids[i], e));
			TRY(ex__audit(c, -1, NULL, "room.create", "ex_rooms", "room", room_ids[i],
			              NULL, e));
		}
		for (i = 0; i < 3; i++) {
			char date[16];

			ex_civil_from_days(first_thursday - 1 + (int64_t)i, &session_day, &cm, &cd);
			snprintf(date, sizeof(date), "%04d-%02d-%02d", (int)session_day, cm, cd);
			TRY(db_query_int(c,
			                 "INSERT INTO ex_conf_days (exchange_id, day_date, label) "
			                 "VALUES (?, ?, ?) RETURNING id",
			                 DB_ARGS(DB_I(conf), DB_T(date),
			                         DB_T(i == 0   ? "Opening reception"
			                              : i == 1 ? "Day one"
			                                       : "Day two")),
			                 &row, e));
			TRY(ex__audit(c, -1, NULL, "conference_day.create", "ex_conf_days",
			              "conference_day", row, NULL, e));
		}
		for (i = 0; i < sizeof(demo_sessions) / sizeof(demo_sessions[0]); i++) {
			int64_t sy, room = 0, start;
			int sm, sd;
			size_t k;

			ex_civil_from_days(first_thursday + demo_sessions[i].day, &sy, &sm, &sd);
			start = local(sy, sm, sd, demo_sessions[i].hour, demo_sessions[i].minutes);
			for (k = 0; k < sizeof(demo_rooms) / sizeof(demo_rooms[0]); k++)
				if (strcmp(demo_rooms[k].name, demo_sessions[i].room) == 0)
					room = room_ids[k];
			TRY(db_query_int(
			        c,
			        "INSERT INTO ex_sessions (exchange_id, room_id, kind, title, "
			        "starts_at, ends_at, needs_choice) VALUES (?, ?, ?, ?, ?, ?, ?) "
			        "RETURNING id",
			        DB_ARGS(DB_I(conf), DB_I(room), DB_T(demo_sessions[i].kind),
			                DB_T(demo_sessions[i].title), DB_I(start),
			                DB_I(start + (int64_t)demo_sessions[i].length * 60),
			                DB_I(demo_sessions[i].choice)),
			        &row, e));
			TRY(ex__audit(c, -1, NULL, "session.create", "ex_sessions", "session", row,
			              NULL, e));
		}
		TRY(db_query_int(
		        c,
		        "INSERT INTO ex_showcase_calls (exchange_id, opens_at, closes_at, "
		        "guidance_md) VALUES (?, ?, ?, ?) RETURNING id",
		        DB_ARGS(DB_I(conf), DB_I(p.opens_at), DB_I(local(y, 3, 14, 17, 0)),
		                DB_T("Tell us what your team changed, and show the data.")),
		        &call, e));
		TRY(ex__audit(c, -1, NULL, "showcase_call.create", "ex_showcase_calls",
		              "showcase_call", call, NULL, e));
		TRY(db_commit(c, e));
	}

	for (i = 0; i < sizeof(demo_allotments) / sizeof(demo_allotments[0]); i++) {
		TRY(org(c, demo_allotments[i].code, &o, e));
		TRY(ex_allotment_set(c, pid, o, demo_allotments[i].places, e));
	}

	/* Roles: the demo host runs Aneurin Bevan's exchanges and is the venue
	 * contact of the conference. */
	TRY(user(c, "host@demo.collective.test", &u, e));
	for (i = 0; i < sizeof(demo_exchanges) / sizeof(demo_exchanges[0]); i++)
		if (strcmp(demo_exchanges[i].org, "ABUHB") == 0)
			TRY(acct_membership_add(c, 0, u, "exchange", xids[i], "host", e));
	TRY(acct_membership_add(c, 0, u, "exchange", conf, "venue", e));

	/* Registrations (ids 1 and 2 first: one on each of the first two). */
	{
		static const struct {
			const char *email;
			int exchange;
		} regs[] = {
		        {"member@demo.collective.test", 0},
		        {"member.other@demo.collective.test", 1},
		        {"participant@demo.collective.test", 0},
		        {"participant@demo.collective.test", 3},
		        {"participant@demo.collective.test", 17},
		        {"member@demo.collective.test", 17},
		        {"lead.other@demo.collective.test", 17},
		        {"team@demo.collective.test", 17},
		};
		struct ex_reg_result r;

		for (i = 0; i < sizeof(regs) / sizeof(regs[0]); i++) {
			TRY(user(c, regs[i].email, &u, e));
			TRY(ex_signup(c, xids[regs[i].exchange], u, now, &r, e));
		}
		TRY(user(c, "participant@demo.collective.test", &u, e));
		TRY(db_query_int(
		        c, "SELECT id FROM ex_registrations WHERE exchange_id = ? AND user_id = ?",
		        DB_ARGS(DB_I(xids[0]), DB_I(u)), &n, e));
		TRY(ex_needs_set(c, n, "Vegetarian", "", now, e));
	}

	/* Nominations: Cardiff and Vale's first (id 1), then Swansea Bay's. */
	{
		int64_t lead, nom;

		TRY(org(c, "CAVUHB", &o, e));
		TRY(user(c, "lead@demo.collective.test", &lead, e));
		TRY(user(c, "member@demo.collective.test", &u, e));
		TRY(ex_nominate(c, pid, o, u, lead, now, &nom, e));
		TRY(org(c, "SBUHB", &o, e));
		TRY(user(c, "lead.other@demo.collective.test", &lead, e));
		TRY(user(c, "member.other@demo.collective.test", &u, e));
		TRY(ex_nominate(c, pid, o, u, lead, now, &nom, e));
		TRY(ex_nomination_decide(c, nom, 1, 0, now, e));
	}

	/* Insights recorded by hosts of earlier sessions, for the pack. */
	{
		static const struct {
			int exchange;
			const char *learned, *ideas, *actions;
		} ins[] = {
		        {0, "One phone number and one triage conversation cut repeat referrals.",
		         "Share the triage script and the call-back rules.",
		         "Two boards will pilot the script in their own front doors."},
		        {3,
		         "People who teach a course at a recovery college stay involved for "
		         "longer.",
		         "Co-produce every course with someone who has used services.",
		         "Publish the course list so other colleges can borrow it."},
		        {10,
		         "Vacancies fall fastest where training places are planned with employers.",
		         "Plan placements and posts together, a year ahead.",
		         "Bring the commissioning figures to the conference workshop."},
		};

		for (i = 0; i < sizeof(ins) / sizeof(ins[0]); i++)
			TRY(ex_insight_add(c, xids[ins[i].exchange], 0, 1, ins[i].learned,
			                   ins[i].ideas, ins[i].actions, now, NULL, e));
	}

	/* Two showcase submissions, one reviewed and accepted. */
	{
		struct ex_submission_in s = {.call_id = call};
		int64_t sub, admin;

		TRY(org(c, "HDUHB", &s.org_id, e));
		TRY(user(c, "admin@demo.collective.test", &admin, e));
		s.team_name = "Community mental health team, Llanelli";
		s.title = "Same-day assessment without a waiting list";
		s.summary = "A duty rota and a shared diary let the team see everyone referred on "
		            "the day they are referred.";
		s.evidence = "Median wait fell from 19 days to 1 over eight months.";
		TRY(ex_submission_create(c, &s, now, &sub, e));
		TRY(ex_review_set(c, sub, admin, 5, "Clear method and data.", now, e));
		TRY(ex_submission_decide(c, sub, 1, now, e));
		TRY(org(c, "BCUHB", &s.org_id, e));
		s.team_name = "Older adult ward, Bangor";
		s.title = "Fewer falls with protected mealtimes";
		s.summary = "Quiet, staffed mealtimes on an older adult ward.";
		s.evidence = "";
		TRY(ex_submission_create(c, &s, now, &sub, e));
	}
	rc = 0;
out:
	db_release(c);
	return rc;
}
