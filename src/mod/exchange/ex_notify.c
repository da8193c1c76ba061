/*
 * ex_notify.c - notices derived from state, and the periodic jobs.
 */
#include "mod/exchange/ex_notify.h"
#include "mod/exchange/ex_audit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/limits.h"
#include "i18n/i18n.h"
#include "mod/accounts/acct.h"
#include "mod/exchange/ex_ics.h"
#include "mod/exchange/ex_manage.h"
#include "mod/exchange/ex_store.h"
#include "mod/exchange/ex_time.h"

/* A notice to consider: the registration and what the email needs. */
struct due {
	int64_t reg_id, exchange_id, seq, xseq, starts_at, ends_at, expires_at;
	char kind[16];
	char *email, *name, *lang, *topic, *mode, *address, *link, *status;
	/* a session notice: the change number, the session's title, time, room */
	int64_t change_seq, s_starts, s_ends;
	char *s_title, *s_room;
};

static void due_free(struct due *d)
{
	free(d->email);
	free(d->name);
	free(d->lang);
	free(d->topic);
	free(d->mode);
	free(d->address);
	free(d->link);
	free(d->status);
	free(d->s_title);
	free(d->s_room);
}

static char *dup0(const char *s)
{
	return strdup(s ? s : "");
}

#define DUE_COLS                                                                                   \
	"g.id, x.id, g.seq, x.sequence, x.starts_at, x.ends_at, g.offer_expires_at, u.email, "     \
	"u.name, u.language, x.topic, x.mode, x.address, x.online_url, x.status"
#define DUE_FROM                                                                                   \
	" FROM ex_registrations g JOIN ex_exchanges x ON x.id = g.exchange_id JOIN users u ON "    \
	"u.id = g.user_id "
/* The session columns of a notice, and their stand-ins for the others. */
#define NO_SESSION ", 0, 0, 0, '', ''"

/* The queries that find due notices, by kind. `sequence` is what the
 * notice row records: the request sequence for state notices (a new
 * sign-up after a cancellation is a new one), the exchange's SEQUENCE for
 * changes, 0 for the reminder. */
static const struct {
	const char *kind;
	const char *where;
	const char *cols, *join; /* the session notice's own; NULL: none */
} finders[] = {
        {"confirmation",
         "WHERE g.state = 'confirmed' AND x.status <> 'cancelled' AND x.ends_at > ? "
         "AND NOT EXISTS (SELECT 1 FROM ex_notices n WHERE n.registration_id = g.id "
         "AND n.kind = 'confirmation' AND n.sequence = g.seq)",
         NULL, NULL},
        {"waitlisted",
         "WHERE g.state = 'waitlisted' AND x.status <> 'cancelled' AND x.ends_at > ? "
         "AND NOT EXISTS (SELECT 1 FROM ex_notices n WHERE n.registration_id = g.id "
         "AND n.kind = 'waitlisted' AND n.sequence = g.seq)",
         NULL, NULL},
        {"offer",
         "WHERE g.state = 'offered' AND x.status <> 'cancelled' AND g.offer_expires_at > ? "
         "AND NOT EXISTS (SELECT 1 FROM ex_notices n WHERE n.registration_id = g.id AND "
         "n.kind = 'offer' AND n.sequence = g.seq)",
         NULL, NULL},
        {"change",
         "WHERE g.state IN ('confirmed', 'offered') AND x.ends_at > ? AND EXISTS (SELECT 1 "
         "FROM ex_notices n WHERE n.registration_id = g.id AND n.kind = 'change') AND NOT "
         "EXISTS (SELECT 1 FROM ex_notices n WHERE n.registration_id = g.id AND n.kind = "
         "'change' AND n.sequence >= x.sequence)",
         NULL, NULL},
        {"reminder",
         "WHERE g.state = 'confirmed' AND x.status <> 'cancelled' AND x.starts_at > ? "
         "AND x.starts_at <= ? + 86400 AND NOT EXISTS (SELECT 1 FROM ex_notices n WHERE "
         "n.registration_id = g.id AND n.kind = 'reminder')",
         NULL, NULL},
        /* A chosen session whose time or room changed (ex_session_update
         * wrote the change number on the choices it concerned): one
         * notice per chooser and change number. */
        {"session",
         "WHERE ch.change_seq > 0 AND g.state IN ('confirmed', 'attended') AND x.status <> "
         "'cancelled' AND s.ends_at > ? AND NOT EXISTS (SELECT 1 FROM ex_notices n WHERE "
         "n.registration_id = g.id AND n.kind = 'session' AND n.sequence = ch.change_seq)",
         ", ch.change_seq, s.starts_at, s.ends_at, s.title, COALESCE(rm.name, '')",
         "JOIN ex_session_choices ch ON ch.registration_id = g.id JOIN ex_sessions s ON s.id = "
         "ch.session_id LEFT JOIN ex_rooms rm ON rm.id = s.room_id "},
};

static int collect(struct db_conn *c, int which, int64_t now, struct due **out, int *n,
                   struct co_err *e)
{
	struct db_rows *r;
	struct co_buf sql;
	struct due *list = NULL;
	int rc, cap = 0;

	*out = NULL;
	*n = 0;
	co_buf_init(&sql, 4096);
	if (co_buf_printf(&sql, "SELECT " DUE_COLS "%s" DUE_FROM "%s%s ORDER BY g.id",
	                  finders[which].cols ? finders[which].cols : NO_SESSION,
	                  finders[which].join ? finders[which].join : "",
	                  finders[which].where) < 0) {
		co_buf_free(&sql);
		return co_errf(e, CO_EINTERNAL, "notice query too long");
	}
	if (strcmp(finders[which].kind, "reminder") == 0)
		rc = db_query(c, sql.data, DB_ARGS(DB_I(now), DB_I(now)), &r, e);
	else
		rc = db_query(c, sql.data, DB_ARGS(DB_I(now)), &r, e);
	co_buf_free(&sql);
	if (rc < 0)
		return rc;
	while ((rc = db_rows_next(r, e)) > 0) {
		struct due *d;

		if (*n == cap) {
			struct due *p = realloc(list, sizeof(*p) * (size_t)(cap ? cap * 2 : 16));

			if (!p) {
				rc = co_errf(e, CO_ENOMEM, "out of memory");
				break;
			}
			list = p;
			cap = cap ? cap * 2 : 16;
		}
		d = &list[(*n)++];
		memset(d, 0, sizeof(*d));
		d->reg_id = db_int(r, 0);
		d->exchange_id = db_int(r, 1);
		d->seq = db_int(r, 2);
		d->xseq = db_int(r, 3);
		d->starts_at = db_int(r, 4);
		d->ends_at = db_int(r, 5);
		d->expires_at = db_isnull(r, 6) ? 0 : db_int(r, 6);
		d->email = dup0(db_text(r, 7));
		d->name = dup0(db_text(r, 8));
		d->lang = dup0(db_text(r, 9));
		d->topic = dup0(db_text(r, 10));
		d->mode = dup0(db_text(r, 11));
		d->address = dup0(db_text(r, 12));
		d->link = dup0(db_text(r, 13));
		d->status = dup0(db_text(r, 14));
		d->change_seq = db_int(r, 15);
		d->s_starts = db_int(r, 16);
		d->s_ends = db_int(r, 17);
		d->s_title = dup0(db_text(r, 18));
		d->s_room = dup0(db_text(r, 19));
		snprintf(d->kind, sizeof(d->kind), "%s", finders[which].kind);
	}
	db_rows_free(r);
	*out = list;
	return rc < 0 ? rc : 0;
}

/* Appends tmpl with each "{name}" replaced by its value from vars
 * (name, value pairs ending with NULL). Translations are templates, never
 * printf formats, so a translation cannot misuse the arguments. */
static int fill_in(struct co_buf *out, const char *tmpl, const char *const *vars)
{
	const char *p = tmpl;
	int rc = 0;

	while (rc == 0 && *p) {
		const char *close;
		int i, done = 0;

		if (*p == '{' && (close = strchr(p, '}')) != NULL) {
			for (i = 0; vars[i]; i += 2)
				if (strlen(vars[i]) == (size_t)(close - p - 1) &&
				    strncmp(p + 1, vars[i], (size_t)(close - p - 1)) == 0) {
					rc = co_buf_adds(out, vars[i + 1]);
					p = close + 1;
					done = 1;
					break;
				}
		}
		if (!done)
			rc = co_buf_addc(out, *p++);
	}
	return rc;
}

/* The text of one email, in the person's language. */
static int compose(const struct due *d, const struct ex_notify_conf *conf, int64_t position,
                   struct co_buf *subject, struct co_buf *body)
{
	const struct i18n_catalog *cat = i18n_catalog(d->lang);
	char when[32], until[32], pos[24];
	int rc, cancelled = strcmp(d->status, "cancelled") == 0;
	const char *place = strcmp(d->mode, "online") == 0
	                            ? i18n_pgettext(cat, "exchange", "Online")
	                            : d->address;
	const char *subj, *text;

	ex_time_format_local(d->starts_at, when, sizeof(when));
	ex_time_format_local(d->expires_at, until, sizeof(until));
	snprintf(pos, sizeof(pos), "%lld", (long long)position);
	{
		const char *const vars[] = {"topic", d->topic,  "until",    until, "position",
		                            pos,     "session", d->s_title, NULL};

#define T(s) i18n_pgettext(cat, "exchange", s)
		if (strcmp(d->kind, "confirmation") == 0) {
			subj = T("Your place is confirmed: {topic}");
			text = T("Your place is confirmed. The calendar file attached adds it to "
			         "your "
			         "calendar.");
		} else if (strcmp(d->kind, "waitlisted") == 0) {
			subj = T("You are on the waiting list: {topic}");
			text = T(
			        "You are number {position} on the waiting list. If a place becomes "
			        "free it will be offered to you by email.");
		} else if (strcmp(d->kind, "offer") == 0) {
			subj = T("A place is offered to you: {topic}");
			text = T("A place has become free and is offered to you until {until} (UK "
			         "time). Accept or decline it on your programme page; if you do "
			         "nothing it passes to the next person.");
		} else if (strcmp(d->kind, "session") == 0) {
			subj = T("Session changed: {session}");
			text = T("The time or room of a session you chose at {topic} has changed. "
			         "The new details are below.");
		} else if (strcmp(d->kind, "reminder") == 0) {
			subj = T("Reminder: {topic} is tomorrow");
			text = T("This is a reminder that your exchange is tomorrow.");
		} else if (cancelled) {
			subj = T("Cancelled: {topic}");
			text = T("This exchange has been cancelled.");
		} else {
			subj = T("Changed: {topic}");
			text = T("The time, place or link of this exchange has changed. The new "
			         "details are below.");
		}
		rc = fill_in(subject, subj, vars);
		if (rc == 0)
			rc = co_buf_printf(body, "%s %s,\n\n", T("Hello"), d->name);
		if (rc == 0)
			rc = fill_in(body, text, vars);
	}
	if (rc == 0 && strcmp(d->kind, "session") == 0) {
		char ends[32];

		ex_time_format_local(d->s_starts, when, sizeof(when));
		ex_time_format_local(d->s_ends, ends, sizeof(ends));
		rc = co_buf_printf(body, "\n\n%s\n%s: %s - %s (%s)\n%s: %s%s%s\n", d->s_title,
		                   T("When"), when, ends + 11, ex_time_zone_name(d->s_starts),
		                   T("Where"), d->s_room, *d->s_room ? ", " : "", place);
	} else if (rc == 0) {
		rc = co_buf_printf(body, "\n\n%s\n%s: %s (%s)\n%s: %s\n", d->topic, T("When"), when,
		                   ex_time_zone_name(d->starts_at), T("Where"), place);
	}
	if (rc == 0 && *d->link && !cancelled &&
	    (strcmp(d->kind, "confirmation") == 0 || strcmp(d->kind, "reminder") == 0 ||
	     strcmp(d->kind, "change") == 0))
		rc = co_buf_printf(body, "%s: %s\n", T("Online link"), d->link);
	if (rc == 0 && conf->base_url)
		rc = co_buf_printf(body, "\n%s: %s/exchanges/%lld\n%s: %s/exchanges/my\n",
		                   T("Exchange page"), conf->base_url, (long long)d->exchange_id,
		                   T("Your programme"), conf->base_url);
#undef T
	return rc;
}

static int make_ics(const struct due *d, const struct ex_notify_conf *conf, int64_t now,
                    struct co_buf *out, struct co_err *e)
{
	char uid[256];
	int cancel = strcmp(d->status, "cancelled") == 0;
	struct ex_ics_event ev = {
	        .uid = uid,
	        .dtstamp = now,
	        .starts_at = d->starts_at,
	        .ends_at = d->ends_at,
	        .sequence = (int)d->xseq,
	        .summary = d->topic,
	        .location = strcmp(d->mode, "online") == 0 ? "Online" : d->address,
	        .description = strcmp(d->mode, "on_site") != 0 ? d->link : NULL,
	        .organizer_name = conf->from_name,
	        .organizer_email = conf->from_email,
	        .attendee_name = d->name,
	        .attendee_email = d->email,
	};
	struct ex_ics_calendar cal = {
	        .method = cancel ? EX_ICS_CANCEL : EX_ICS_REQUEST, .events = &ev, .n_events = 1};

	snprintf(uid, sizeof(uid), "exchange-%lld@%s", (long long)d->exchange_id,
	         conf->host ? conf->host : "collective");
	return ex_ics_write(out, &cal, e);
}

/* Records and sends one notice in its own transaction; 1 sent, 0 already
 * sent by someone else, negative on error. */
static int send_one(struct db_conn *c, const struct ex_notify_conf *conf, const struct due *d,
                    int64_t now, struct co_err *e)
{
	struct co_buf subject, body, ics;
	int64_t position = 0, notice_seq;
	int rc, with_ics;

	notice_seq = strcmp(d->kind, "change") == 0     ? d->xseq
	             : strcmp(d->kind, "session") == 0  ? d->change_seq
	             : strcmp(d->kind, "reminder") == 0 ? 0
	                                                : d->seq;
	co_buf_init(&subject, (size_t)CO_EX_MAX_TITLE * 4);
	co_buf_init(&body, CO_EX_MAX_TEXT);
	co_buf_init(&ics, (size_t)CO_EX_MAX_TEXT * 4);
	if ((rc = db_begin(c, DB_TX_WRITE, e)) < 0)
		goto out;
	rc = db_exec(
	        c,
	        "INSERT INTO ex_notices (registration_id, kind, sequence, sent_at) VALUES (?, ?, "
	        "?, ?)",
	        DB_ARGS(DB_I(d->reg_id), DB_T(d->kind), DB_I(notice_seq), DB_I(now)), NULL, e);
	if (rc == CO_ECONFLICT) {
		rc = 0; /* another runner sent it */
		goto out;
	}
	if (rc < 0)
		goto out;
	{
		json_t *after =
		        json_pack("{s:s,s:I}", "kind", d->kind, "sequence", (json_int_t)notice_seq);

		rc = acct_audit(c, ex_audit_actor(), ex_audit_address(), "notice.queue",
		                "registration", d->reg_id, NULL, after, e);
		json_decref(after);
		if (rc < 0)
			goto out;
	}
	/* The first confirmation also records the exchange's SEQUENCE as
	 * known, so that only later changes send change notices. */
	if (strcmp(d->kind, "confirmation") == 0 || strcmp(d->kind, "offer") == 0) {
		int64_t known;

		rc = db_query_int(
		        c,
		        "SELECT COUNT(*) FROM ex_notices WHERE registration_id = ? AND kind "
		        "= 'change' AND sequence >= ?",
		        DB_ARGS(DB_I(d->reg_id), DB_I(d->xseq)), &known, e);
		if (rc == 0 && known == 0)
			rc = db_exec(c,
			             "INSERT INTO ex_notices (registration_id, kind, sequence, "
			             "sent_at) VALUES (?, 'change', ?, ?)",
			             DB_ARGS(DB_I(d->reg_id), DB_I(d->xseq), DB_I(now)), NULL, e);
		if (rc < 0)
			goto out;
	}
	if (strcmp(d->kind, "waitlisted") == 0 &&
	    (rc = db_query_int(
	             c,
	             "SELECT COUNT(*) FROM ex_registrations WHERE exchange_id = ? AND state "
	             "= 'waitlisted' AND seq <= ?",
	             DB_ARGS(DB_I(d->exchange_id), DB_I(d->seq)), &position, e)) < 0)
		goto out;
	if (compose(d, conf, position, &subject, &body) < 0) {
		rc = co_errf(e, CO_ELIMIT, "an email is too long");
		goto out;
	}
	with_ics = strcmp(d->kind, "confirmation") == 0 || strcmp(d->kind, "change") == 0 ||
	           strcmp(d->kind, "reminder") == 0;
	if (with_ics && conf->from_email && (rc = make_ics(d, conf, now, &ics, e)) < 0)
		goto out;
	{
		struct ex_email m = {.kind = d->kind,
		                     .to = d->email,
		                     .subject = subject.data,
		                     .body = body.data,
		                     .ics_name = with_ics && ics.len ? "exchange.ics" : NULL,
		                     .ics = with_ics && ics.len ? ics.data : NULL};

		if ((rc = conf->send(conf->arg, c, &m, e)) < 0)
			goto out;
	}
	if ((rc = db_commit(c, e)) < 0)
		goto out;
	rc = 1;
out:
	if (rc <= 0)
		db_rollback(c);
	co_buf_free(&subject);
	co_buf_free(&body);
	co_buf_free(&ics);
	return rc;
}

int ex_notices_run(struct db_conn *c, const struct ex_notify_conf *conf, int64_t now, int *sent,
                   struct co_err *e)
{
	size_t k;
	int total = 0, rc = 0;

	for (k = 0; k < sizeof(finders) / sizeof(finders[0]); k++) {
		struct due *list;
		int n, i;

		if ((rc = collect(c, (int)k, now, &list, &n, e)) < 0) {
			for (i = 0; i < n; i++)
				due_free(&list[i]);
			free(list);
			return rc;
		}
		for (i = 0; i < n; i++) {
			if (rc >= 0) {
				rc = send_one(c, conf, &list[i], now, e);
				if (rc > 0)
					total++;
			}
			due_free(&list[i]);
		}
		free(list);
		if (rc < 0)
			return rc;
	}
	if (sent)
		*sent = total;
	return 0;
}

int ex_jobs_run(struct db *db, const struct ex_notify_conf *conf, int64_t now,
                struct ex_jobs_report *report, struct co_err *e)
{
	struct ex_jobs_report rep = {0};
	struct db_conn *c;
	int rc;

	ex_audit_actor_set(0, NULL); /* the jobs' changes are the system's */
	if ((rc = db_acquire(db, &c, e)) < 0)
		return rc;
	rc = ex_expire_offers(c, now, &rep.offers_expired, e);
	if (rc == 0)
		rc = ex_release_allotments(c, now, &rep.programmes_released, e);
	if (rc == 0)
		rc = ex_needs_purge(c, now, &rep.needs_deleted, e);
	if (rc == 0 && conf && conf->send)
		rc = ex_notices_run(c, conf, now, &rep.emails, e);
	db_release(c);
	if (rc < 0)
		return rc;
	if (report)
		*report = rep;
	return 0;
}
