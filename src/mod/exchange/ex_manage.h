/*
 * ex_manage.h - programmes, exchanges, needs, insights, the showcase and
 * calendar feeds: validated writes, and the read models the pages, the
 * API and the command line share (as JSON objects, so that one query
 * feeds a template and an API answer alike).
 *
 * Writes validate first and say which field is wrong (co_err.field, the
 * form field's name); a refused write changes nothing. A change to an
 * exchange's time, place, link or status raises its SEQUENCE, so that the
 * notice job tells confirmed attendees and their calendars update.
 *
 * Times in JSON: "starts_at"/"ends_at" are Unix seconds (UTC);
 * "starts_local"/"ends_local" are "YYYY-MM-DD HH:MM" in UK time with
 * "tz" "GMT" or "BST".
 *
 * json_t results are new references the caller owns. Thread-safety: one
 * connection per thread.
 */
#ifndef EX_MANAGE_H
#define EX_MANAGE_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "base/buf.h"
#include "base/err.h"
#include "db/db.h"

#define EX_MAX_THEMES 12

struct ex_programme_in {
	const char *slug; /* lower case letters, digits and '-' */
	const char *name;
	const char *summary;
	int64_t opens_at, deadline;
	int approval_needed, pending_holds_place;
	int offer_hours;          /* 0: 48 */
	int64_t release_at;       /* 0: never */
	int needs_retention_days; /* <0: 30 */
	const char *themes[EX_MAX_THEMES];
	int nthemes;
};
int ex_programme_create(struct db_conn *c, const struct ex_programme_in *in, int64_t now,
                        int64_t *id, struct co_err *e);
/* Changes a programme (its slug stays). Themes are matched by name: a
 * kept one keeps its id, a new one is added, a missing one is removed
 * (its exchanges keep no theme). */
int ex_programme_update(struct db_conn *c, int64_t id, const struct ex_programme_in *in,
                        int64_t now, struct co_err *e);
/* Sets an organisation's allotment (places >= 0). */
int ex_allotment_set(struct db_conn *c, int64_t programme_id, int64_t org_id, int places,
                     struct co_err *e);

struct ex_exchange_in {
	int64_t programme_id;
	const char *kind; /* NULL: "exchange" */
	int64_t host_org_id;
	const char *host_team_name;
	int64_t theme_id; /* 0: none */
	const char *topic;
	const char *mode; /* online, on_site, hybrid */
	const char *address, *region, *access_info, *online_url;
	const char *description_md;
	int64_t starts_at, ends_at;
	int capacity;
	int reserved_places;
};
int ex_exchange_create(struct db_conn *c, const struct ex_exchange_in *in, int64_t now, int64_t *id,
                       struct co_err *e);
/* Replaces an exchange's fields (programme and kind stay). Capacity may not
 * drop below the places people hold; a raised one offers places. */
int ex_exchange_update(struct db_conn *c, int64_t id, const struct ex_exchange_in *in, int64_t now,
                       struct co_err *e);
/* Cancels an exchange (status 'cancelled', SEQUENCE raised). */
int ex_exchange_cancel(struct db_conn *c, int64_t id, int64_t now, struct co_err *e);

/* Dietary and access needs of a registration, deleted retention days after
 * the event ends. Empty both: the row is deleted. */
int ex_needs_set(struct db_conn *c, int64_t registration_id, const char *dietary,
                 const char *access, int64_t now, struct co_err *e);
/* Deletes every needs row past its date; *deleted (may be NULL). */
int ex_needs_purge(struct db_conn *c, int64_t now, int *deleted, struct co_err *e);

/* Accommodation: the nights (YYYY-MM-DD, the evening's date) of a
 * registration, replacing what was there. */
int ex_nights_set(struct db_conn *c, int64_t registration_id, const char *const *nights, int n,
                  struct co_err *e);

/* A conference session. room: a room's name (made on first use, with
 * room_capacity); capacity < 0: the room's. */
struct ex_session_in {
	int64_t exchange_id;
	const char *kind; /* reception, keynote, workshop, showcase, networking, plenary, break */
	const char *title;
	const char *summary_md;
	int64_t starts_at, ends_at;
	const char *room;
	int room_capacity;
	int capacity;
	int needs_choice;
};
/* Refused: an unknown kind, a session outside the event's days (more than
 * a day before it starts or after it ends), an end before the start. */
int ex_session_create(struct db_conn *c, const struct ex_session_in *in, int64_t *id,
                      struct co_err *e);

/* Changes a session of exchange in->exchange_id: every field of in
 * replaces the stored one (a new room name makes the room, as above). The
 * same checks as ex_session_create, and refused, naming the field: places
 * fewer than the attendees who chose it ("capacity", or "room" when the
 * room's capacity would be used); new times that would give an attendee
 * who chose it a clash with another of their choices ("starts_at"). A
 * session of another exchange is CO_ENOTFOUND. When the time or room of a
 * chosen session changes, those who chose it are owed a change notice
 * (ex_notify.h) and its calendar SEQUENCE rises. */
int ex_session_update(struct db_conn *c, int64_t session_id, const struct ex_session_in *in,
                      struct co_err *e);
/* Removes a session; CO_ECONFLICT while attendees have chosen it or
 * showcase submissions are placed in it. */
int ex_session_delete(struct db_conn *c, int64_t exchange_id, int64_t session_id, struct co_err *e);
/* Renames a room and sets its capacity: refused below the capacity of any
 * of its sessions, or below the choices of one without its own, and a name
 * another room of the exchange has (CO_ECONFLICT). A new name is a new
 * place for its sessions: their SEQUENCE rises and their choosers are owed
 * a notice, as for a moved session. */
int ex_room_update(struct db_conn *c, int64_t exchange_id, int64_t room_id, const char *name,
                   int capacity, struct co_err *e);
/* Removes a room no session uses (else CO_ECONFLICT). */
int ex_room_delete(struct db_conn *c, int64_t exchange_id, int64_t room_id, struct co_err *e);
/* {"rooms": [{id, name, capacity, sessions}]} by name. */
int ex_json_rooms(struct db_conn *c, int64_t exchange_id, json_t **out, struct co_err *e);
/* One session of the exchange as ex_json_sessions gives it. */
int ex_json_session(struct db_conn *c, int64_t exchange_id, int64_t session_id, json_t **out,
                    struct co_err *e);

/* Refusals that count attendees, submissions, sessions or places: English
 * singular and plural with "{n}" for the number. The writes put the
 * English sentence in co_err.msg; pages match it here and translate it
 * (ngettext). */
enum {
	EX_MSG_BELOW_CHOICES,
	EX_MSG_CLASH,
	EX_MSG_CHOSEN,
	EX_MSG_PLACED,
	EX_MSG_ROOM_USED,
	EX_MSG_ROOM_SMALL,
	EX_COUNT_MSGS
};
extern const char *const ex_count_msgs[EX_COUNT_MSGS][2];
/* tmpl with "{n}" replaced by n, truncated to size. */
void ex_count_text(char *out, size_t size, const char *tmpl, long n);

/* A day of a conference (date YYYY-MM-DD within the event, once each). */
int ex_conf_day_add(struct db_conn *c, int64_t exchange_id, const char *date, const char *label,
                    int64_t *id, struct co_err *e);
/* {"days": [{id, date, label}]} in date order. */
int ex_json_days(struct db_conn *c, int64_t exchange_id, json_t **out, struct co_err *e);

/* Insights of an exchange (by the host: by_host = 1). */
int ex_insight_add(struct db_conn *c, int64_t exchange_id, int64_t author_id, int by_host,
                   const char *learned, const char *ideas, const char *actions, int64_t now,
                   int64_t *id, struct co_err *e);

/* The showcase. */
struct ex_submission_in {
	int64_t call_id;
	int64_t submitter_id, org_id;
	const char *team_name, *title, *summary, *evidence;
	int64_t improve_project_id; /* 0: none */
};
int ex_submission_create(struct db_conn *c, const struct ex_submission_in *in, int64_t now,
                         int64_t *id, struct co_err *e);
/* One review per reviewer (a second replaces the first); score 1-5. */
int ex_review_set(struct db_conn *c, int64_t submission_id, int64_t reviewer_id, int score,
                  const char *comments, int64_t now, struct co_err *e);
/* accept = 1 / 0 (reject). */
int ex_submission_decide(struct db_conn *c, int64_t submission_id, int accept, int64_t now,
                         struct co_err *e);
/* Places an accepted submission in a showcase session, within its time. */
int ex_slot_set(struct db_conn *c, int64_t submission_id, int64_t session_id, int64_t starts_at,
                int64_t ends_at, const char *position, struct co_err *e);

/* The showcase of an exchange (the conference): its call and its
 * submissions with their mean review score, reviews count, state, slot
 * and, for a submission linked to an Improve project, the project's aim
 * and the team whose live charts it links to. all = 0 lists only accepted
 * ones (the public view). */
int ex_json_showcase(struct db_conn *c, int64_t exchange_id, int all, json_t **out,
                     struct co_err *e);
/* The aim of an Improve project as one sentence, for a submission's
 * summary ("" when the project has none; CO_ENOTFOUND when no project). */
int ex_improve_aim(struct db_conn *c, int64_t project_id, char *out, size_t size, struct co_err *e);

/* Personal calendar feeds: a new secret (43 characters, URL-safe base64
 * of 32 random bytes; only its hash is kept) replaces the old one. */
#define EX_FEED_SECRET_LEN 44
int ex_feed_new(struct db_conn *c, int64_t user_id, int64_t now, char secret[EX_FEED_SECRET_LEN],
                struct co_err *e);
/* The user of a feed secret; CO_ENOTFOUND when unknown. */
int ex_feed_user(struct db_conn *c, const char *secret, int64_t *user_id, struct co_err *e);

/* iCalendar of one exchange, and of a person's programme (their
 * confirmed and offered places, and the conference sessions they chose).
 * host names the site for UIDs and URLs
 * ("collective.example"); base_url prefixes links (may be NULL). */
int ex_ics_exchange(struct db_conn *c, int64_t exchange_id, const char *host, const char *base_url,
                    int64_t now, struct co_buf *out, struct co_err *e);
int ex_ics_person(struct db_conn *c, int64_t user_id, const char *host, const char *base_url,
                  int64_t now, struct co_buf *out, struct co_err *e);

/* ---- read models ---- */

/* {"programmes": [{id, slug, name, summary, signup_opens_at, signup_deadline,
 *   approval_needed, themes: [{id, name}]}]} */
int ex_json_programmes(struct db_conn *c, json_t **out, struct co_err *e);
/* One programme by id or slug (id 0: use slug). */
int ex_json_programme(struct db_conn *c, int64_t id, const char *slug, json_t **out,
                      struct co_err *e);
/* The exchanges of a programme (0: all), in time order, each with
 * capacity, places_left, confirmed, waitlisted, fill (0..1). */
int ex_json_exchanges(struct db_conn *c, int64_t programme_id, json_t **out, struct co_err *e);
/* One exchange with its description as safe HTML, and the viewer's
 * registration ("mine": null or {id, state, position, expires_at});
 * online_url only when show_link. */
int ex_json_exchange(struct db_conn *c, int64_t id, int64_t viewer_id, int show_link, json_t **out,
                     struct co_err *e);
/* A person's registrations with their exchanges. */
int ex_json_my(struct db_conn *c, int64_t user_id, json_t **out, struct co_err *e);
/* The host's view: counts and every registration (name, email,
 * organisation, state, position, checked_in_at); needs only when
 * show_needs. */
int ex_json_attendees(struct db_conn *c, int64_t exchange_id, int show_needs, json_t **out,
                      struct co_err *e);
/* The admin's view of a programme: fill rate per exchange, nominations
 * per organisation against its allotment. */
int ex_json_admin(struct db_conn *c, int64_t programme_id, json_t **out, struct co_err *e);
/* Insights of a programme grouped by theme: {"themes": [{name, insights:
 * [{exchange, host, learned, ideas, actions, by_host}]}]} */
int ex_json_pack(struct db_conn *c, int64_t programme_id, json_t **out, struct co_err *e);
/* Sessions of a conference (with room, capacity: its own or the room's,
 * own_capacity, chosen count). */
int ex_json_sessions(struct db_conn *c, int64_t exchange_id, int64_t viewer_reg_id, json_t **out,
                     struct co_err *e);

/* The local-time fields of a UTC instant, added to obj under prefix
 * ("starts" gives starts_at, starts_local, starts_date, starts_time). */
void ex_json_time(json_t *obj, const char *prefix, int64_t utc);

#endif
