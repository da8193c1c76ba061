/*
 * ex_rules.c - registration, nomination and conference rules (pure).
 */
#include "mod/exchange/ex_rules.h"

#include <string.h>

static const char *const state_names[EX_N_STATES + 1] = {
        NULL,       "pending",   "confirmed", "waitlisted", "offered",
        "declined", "cancelled", "attended",  "no_show",
};

static const char *const event_names[] = {
        NULL,      "approve", "reject", "offer",    "accept",
        "decline", "expire",  "cancel", "check in", "mark as no-show",
};

const char *ex_state_name(enum ex_reg_state s)
{
	return s >= 1 && s <= EX_N_STATES ? state_names[s] : NULL;
}

int ex_state_parse(const char *name, enum ex_reg_state *out)
{
	int i;

	for (i = 1; name && i <= EX_N_STATES; i++)
		if (strcmp(name, state_names[i]) == 0) {
			*out = (enum ex_reg_state)i;
			return 0;
		}
	return CO_EINPUT;
}

const char *ex_event_name(enum ex_reg_event ev)
{
	return ev >= EX_EV_APPROVE && ev <= EX_EV_NO_SHOW ? event_names[ev] : "?";
}

int ex_transition(enum ex_reg_state from, enum ex_reg_event ev, int flag, enum ex_reg_state *to,
                  struct co_err *e)
{
	enum ex_reg_state next = 0;

	switch (ev) {
	case EX_EV_APPROVE:
		if (from == EX_PENDING)
			next = flag ? EX_WAITLISTED : EX_CONFIRMED;
		break;
	case EX_EV_REJECT:
		if (from == EX_PENDING)
			next = EX_DECLINED;
		break;
	case EX_EV_OFFER:
		if (from == EX_WAITLISTED)
			next = EX_OFFERED;
		break;
	case EX_EV_ACCEPT:
		if (from == EX_OFFERED)
			next = flag ? EX_PENDING : EX_CONFIRMED;
		break;
	case EX_EV_DECLINE:
	case EX_EV_EXPIRE:
		if (from == EX_OFFERED)
			next = EX_DECLINED;
		break;
	case EX_EV_CANCEL:
		if (from == EX_PENDING || from == EX_CONFIRMED || from == EX_WAITLISTED ||
		    from == EX_OFFERED)
			next = EX_CANCELLED;
		break;
	case EX_EV_CHECK_IN:
		if (from == EX_CONFIRMED || from == EX_NO_SHOW)
			next = EX_ATTENDED;
		break;
	case EX_EV_NO_SHOW:
		if (from == EX_CONFIRMED)
			next = EX_NO_SHOW;
		break;
	}
	if (!next) {
		/* One whole sentence a state, so that pages can translate it. */
		static const char *const refused[EX_N_STATES + 1] = {
		        "that cannot be done to this registration now",
		        "that cannot be done to a registration waiting for approval",
		        "that cannot be done to a confirmed registration",
		        "that cannot be done to a registration on the waiting list",
		        "that cannot be done to a registration with a place on offer",
		        "that cannot be done to a declined registration",
		        "that cannot be done to a cancelled registration",
		        "that cannot be done to a registration marked as attended",
		        "that cannot be done to a registration marked as a no-show"};

		return co_errf(e, CO_ECONFLICT, "%s",
		               refused[from >= EX_PENDING && from <= EX_NO_SHOW ? from : 0]);
	}
	*to = next;
	return 0;
}

int ex_state_holds_place(enum ex_reg_state s, int pending_holds_place)
{
	return s == EX_CONFIRMED || s == EX_OFFERED || s == EX_ATTENDED || s == EX_NO_SHOW ||
	       (s == EX_PENDING && pending_holds_place);
}

int ex_places_held(const struct ex_counts *c, const struct ex_policy *p)
{
	int s, held = c->reserved;

	for (s = 1; s <= EX_N_STATES; s++)
		if (ex_state_holds_place((enum ex_reg_state)s, p->pending_holds_place))
			held += c->n[s];
	return held;
}

int ex_places_left(const struct ex_counts *c, const struct ex_policy *p)
{
	int left = c->capacity - ex_places_held(c, p);

	return left > 0 ? left : 0;
}

int ex_signup_open(const struct ex_policy *p, int64_t now, int64_t starts_at, int cancelled,
                   struct co_err *e)
{
	if (cancelled)
		return co_errf(e, CO_ECONFLICT, "this exchange has been cancelled");
	if (now < p->opens_at)
		return co_errf(e, CO_ECONFLICT, "sign-up has not opened yet");
	if (now >= p->deadline)
		return co_errf(e, CO_ECONFLICT, "the sign-up deadline has passed");
	if (now >= starts_at)
		return co_errf(e, CO_ECONFLICT, "this exchange has already started");
	return 0;
}

enum ex_reg_state ex_signup_state(const struct ex_counts *c, const struct ex_policy *p)
{
	int place = ex_places_left(c, p) > 0 && c->n[EX_WAITLISTED] == 0;

	if (p->approval_needed && (!p->pending_holds_place || place))
		return EX_PENDING;
	return place ? EX_CONFIRMED : EX_WAITLISTED;
}

int ex_offers_due(const struct ex_counts *c, const struct ex_policy *p)
{
	int left = ex_places_left(c, p), waiting = c->n[EX_WAITLISTED];

	return left < waiting ? left : waiting;
}

int64_t ex_offer_expiry(const struct ex_policy *p, int64_t now, int64_t starts_at)
{
	int hours = p->offer_hours > 0 ? p->offer_hours : 48;
	int64_t at = now + (int64_t)hours * 3600;

	return at < starts_at ? at : starts_at;
}

int ex_offer_expired(int64_t expires_at, int64_t now)
{
	return now >= expires_at;
}

int ex_check_capacity(int new_capacity, const struct ex_counts *c, const struct ex_policy *p,
                      struct co_err *e)
{
	int people = ex_places_held(c, p) - c->reserved;

	if (new_capacity < 0)
		return co_errf_at(e, CO_EINPUT, 0, 0, "capacity", "capacity cannot be negative");
	if (new_capacity < people)
		return co_errf_at(e, CO_EINPUT, 0, 0, "capacity",
		                  "capacity cannot be lowered to %d: %d places are already taken",
		                  new_capacity, people);
	return 0;
}

int ex_check_times(int64_t starts_at, int64_t ends_at, struct co_err *e)
{
	if (ends_at <= starts_at)
		return co_errf_at(e, CO_EINPUT, 0, 0, "ends_at", "the end must be after the start");
	if (ends_at - starts_at > (int64_t)14 * 86400)
		return co_errf_at(e, CO_EINPUT, 0, 0, "ends_at",
		                  "an exchange cannot last more than 14 days");
	return 0;
}

int ex_mode_valid(const char *mode)
{
	return mode && (strcmp(mode, "online") == 0 || strcmp(mode, "on_site") == 0 ||
	                strcmp(mode, "hybrid") == 0);
}

int ex_nomination_allowed(int places, int active, int64_t now, int64_t deadline, int after_release,
                          int is_swap, struct co_err *e)
{
	if (now >= deadline)
		return co_errf(e, CO_ECONFLICT,
		               "the nomination deadline has passed: nominations cannot change");
	if (is_swap)
		return 0;
	if (after_release)
		return co_errf(e, CO_ECONFLICT,
		               "the organisation's unused places have been released");
	if (active >= places)
		return co_errf(e, CO_ECONFLICT,
		               "the organisation has used all %d of its places: swap a nominee "
		               "instead",
		               places);
	return 0;
}

int ex_allotment_unused(int places, int active)
{
	return places > active ? places - active : 0;
}

int ex_slots_clash(const struct ex_slot *a, const struct ex_slot *b)
{
	return a->starts_at < b->ends_at && b->starts_at < a->ends_at;
}

int ex_find_clash(const struct ex_slot *chosen, size_t n, const struct ex_slot *want, size_t *which,
                  struct co_err *e)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (chosen[i].id == want->id)
			continue;
		if (ex_slots_clash(&chosen[i], want)) {
			if (which)
				*which = i;
			return co_errf(e, CO_ECONFLICT,
			               "this session clashes with another session you have chosen");
		}
	}
	return 0;
}
