/*
 * ex_rules.h - the rules of registration, nominations and the conference,
 * as pure functions over plain values (no storage, no clock: the caller
 * passes "now"). ex_store.c applies them inside one locked transaction.
 *
 * Registration states and what moves between them:
 *
 *   sign-up ──► pending ──approve──► confirmed ──check_in──► attended
 *      │           │  └──reject──► declined       └──no_show──► no_show
 *      │           └──approve, full──► waitlisted
 *      ├──► confirmed   (a place is free and nobody is waiting)
 *      └──► waitlisted ──offer──► offered ──accept──► confirmed (or pending)
 *                                   ├──decline──► declined
 *                                   └──expire───► declined
 *   cancel: pending, confirmed, waitlisted, offered ──► cancelled
 *
 * With approval needed, sign-ups are pending; when pending also holds a
 * place, a sign-up with no place left is waitlisted instead, and taking an
 * offered place makes it pending (it still needs approval).
 *
 * A place is held by confirmed, offered, attended and no_show registrations,
 * by pending ones when the programme says pending holds a place, and by the
 * places reserved for nominations until the allotments are released. A
 * place that becomes free is offered to the first person on the waiting
 * list (lowest request sequence), never given to a newcomer ahead of them.
 *
 * Thread-safe: no state.
 */
#ifndef EX_RULES_H
#define EX_RULES_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

enum ex_reg_state {
	EX_PENDING = 1,
	EX_CONFIRMED,
	EX_WAITLISTED,
	EX_OFFERED,
	EX_DECLINED,
	EX_CANCELLED,
	EX_ATTENDED,
	EX_NO_SHOW,
};
#define EX_N_STATES 8

enum ex_reg_event {
	EX_EV_APPROVE = 1, /* pending: admin approves (to confirmed or waitlisted) */
	EX_EV_REJECT,      /* pending: admin rejects */
	EX_EV_OFFER,       /* waitlisted: a place is free */
	EX_EV_ACCEPT,      /* offered: the person takes the place */
	EX_EV_DECLINE,     /* offered: the person does not want it */
	EX_EV_EXPIRE,      /* offered: the offer ran out */
	EX_EV_CANCEL,      /* the person (or an organiser) withdraws */
	EX_EV_CHECK_IN,    /* confirmed: arrived */
	EX_EV_NO_SHOW,     /* confirmed: did not come */
};

/* "pending", "confirmed", ... as stored in the database; NULL if unknown. */
const char *ex_state_name(enum ex_reg_state s);
/* 0 and *out, or CO_EINPUT. */
int ex_state_parse(const char *name, enum ex_reg_state *out);
const char *ex_event_name(enum ex_reg_event ev);

/* The state after ev, or CO_ECONFLICT with a message when ev does not apply
 * in state from. For EX_EV_APPROVE, full says whether the exchange has no
 * place for this person (then the answer is waitlisted). */
int ex_transition(enum ex_reg_state from, enum ex_reg_event ev, int full, enum ex_reg_state *to,
                  struct co_err *e);

/* Whether a registration in state s holds one of the exchange's places. */
int ex_state_holds_place(enum ex_reg_state s, int pending_holds_place);

/* What a programme says about sign-up. */
struct ex_policy {
	int64_t opens_at;
	int64_t deadline; /* sign-up allowed while now < deadline */
	int approval_needed;
	int pending_holds_place;
	int offer_hours; /* default 48 */
};

/* Registrations of one exchange by state, and its places. */
struct ex_counts {
	int capacity;
	int reserved;           /* places held for nominations, 0 once released */
	int n[EX_N_STATES + 1]; /* indexed by enum ex_reg_state */
};

/* Places held now (see above) and places left (never negative). */
int ex_places_held(const struct ex_counts *c, const struct ex_policy *p);
int ex_places_left(const struct ex_counts *c, const struct ex_policy *p);

/* 0 when sign-up is open at now for an exchange starting at starts_at;
 * otherwise CO_ECONFLICT with a message (not open yet, deadline passed,
 * exchange started or cancelled). */
int ex_signup_open(const struct ex_policy *p, int64_t now, int64_t starts_at, int cancelled,
                   struct co_err *e);

/* The state a new sign-up gets: pending when approval is needed (whether
 * or not places are left: the admin decides first; but when pending holds
 * a place, only while a place is left), confirmed when a place is left and
 * nobody is waiting, otherwise waitlisted. */
enum ex_reg_state ex_signup_state(const struct ex_counts *c, const struct ex_policy *p);

/* How many people at the head of the waiting list to offer a place to now. */
int ex_offers_due(const struct ex_counts *c, const struct ex_policy *p);

/* When an offer made at now runs out: now + offer_hours, but no later than
 * the exchange's start (an offer is useless after it). */
int64_t ex_offer_expiry(const struct ex_policy *p, int64_t now, int64_t starts_at);
int ex_offer_expired(int64_t expires_at, int64_t now);

/* Capacity may be lowered only down to the places already held by people
 * (confirmed, offered, attended, no-show, pending that holds). CO_EINPUT
 * with a message otherwise. */
int ex_check_capacity(int new_capacity, const struct ex_counts *c, const struct ex_policy *p,
                      struct co_err *e);

/* Checks an exchange's own fields: end after start, capacity >= 0, mode. */
int ex_check_times(int64_t starts_at, int64_t ends_at, struct co_err *e);

/* Modes of an exchange. */
int ex_mode_valid(const char *mode);

/* Nominations: an organisation may have at most `places` active
 * nominations (nominated, approved, accepted) until the deadline; a swap
 * replaces one active nomination by another (so the count is unchanged).
 * after_release: the allotment has been released, nothing more may be
 * nominated against it. */
int ex_nomination_allowed(int places, int active, int64_t now, int64_t deadline, int after_release,
                          int is_swap, struct co_err *e);
/* Unused allotment places: places - active, never negative. */
int ex_allotment_unused(int places, int active);

/* Workshop choice: sessions are [starts_at, ends_at) in UTC. */
struct ex_slot {
	int64_t id;
	int64_t starts_at, ends_at;
};
/* 1 when the two overlap (touching ends do not). */
int ex_slots_clash(const struct ex_slot *a, const struct ex_slot *b);
/* 0 when want clashes with none of chosen; else CO_ECONFLICT and *which
 * (may be NULL) the index of the first it clashes with. A session already
 * among the chosen (same id) is not a clash with itself. */
int ex_find_clash(const struct ex_slot *chosen, size_t n, const struct ex_slot *want, size_t *which,
                  struct co_err *e);

#endif
