/* Unit tests of the registration, nomination and conference rules
 * (src/mod/exchange/ex_rules.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "mod/exchange/ex_rules.h"

static const struct ex_policy open_policy = {.opens_at = 1000,
                                             .deadline = 2000,
                                             .approval_needed = 0,
                                             .pending_holds_place = 0,
                                             .offer_hours = 48};

static void state_names_round_trip(void **state)
{
	int s;
	enum ex_reg_state got;

	(void)state;
	for (s = 1; s <= EX_N_STATES; s++) {
		assert_non_null(ex_state_name((enum ex_reg_state)s));
		assert_int_equal(ex_state_parse(ex_state_name((enum ex_reg_state)s), &got), 0);
		assert_int_equal(got, s);
	}
	assert_int_equal(ex_state_parse("sold", &got), CO_EINPUT);
	assert_int_equal(ex_state_parse(NULL, &got), CO_EINPUT);
	assert_null(ex_state_name(0));
}

/* The whole table: every (state, event) pair either moves where the
 * diagram says or is refused. */
static void transition_table(void **state)
{
	static const struct {
		enum ex_reg_state from;
		enum ex_reg_event ev;
		int full;
		enum ex_reg_state to;
	} allowed[] = {
	        {EX_PENDING, EX_EV_APPROVE, 0, EX_CONFIRMED},
	        {EX_PENDING, EX_EV_APPROVE, 1, EX_WAITLISTED},
	        {EX_PENDING, EX_EV_REJECT, 0, EX_DECLINED},
	        {EX_WAITLISTED, EX_EV_OFFER, 0, EX_OFFERED},
	        {EX_OFFERED, EX_EV_ACCEPT, 0, EX_CONFIRMED},
	        {EX_OFFERED, EX_EV_ACCEPT, 1, EX_PENDING},
	        {EX_OFFERED, EX_EV_DECLINE, 0, EX_DECLINED},
	        {EX_OFFERED, EX_EV_EXPIRE, 0, EX_DECLINED},
	        {EX_PENDING, EX_EV_CANCEL, 0, EX_CANCELLED},
	        {EX_CONFIRMED, EX_EV_CANCEL, 0, EX_CANCELLED},
	        {EX_WAITLISTED, EX_EV_CANCEL, 0, EX_CANCELLED},
	        {EX_OFFERED, EX_EV_CANCEL, 0, EX_CANCELLED},
	        {EX_CONFIRMED, EX_EV_CHECK_IN, 0, EX_ATTENDED},
	        {EX_NO_SHOW, EX_EV_CHECK_IN, 0, EX_ATTENDED},
	        {EX_CONFIRMED, EX_EV_NO_SHOW, 0, EX_NO_SHOW},
	};
	int s, ev, full;
	size_t i;

	(void)state;
	for (s = 1; s <= EX_N_STATES; s++)
		for (ev = EX_EV_APPROVE; ev <= EX_EV_NO_SHOW; ev++)
			for (full = 0; full <= 1; full++) {
				enum ex_reg_state to = 99, want = 0;
				struct co_err e;
				int rc;

				for (i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++)
					if (allowed[i].from == (enum ex_reg_state)s &&
					    allowed[i].ev == (enum ex_reg_event)ev &&
					    (allowed[i].full == full ||
					     (allowed[i].ev != EX_EV_APPROVE &&
					      allowed[i].ev != EX_EV_ACCEPT)))
						want = allowed[i].to;
				rc = ex_transition((enum ex_reg_state)s, (enum ex_reg_event)ev,
				                   full, &to, &e);
				if (want) {
					assert_int_equal(rc, 0);
					assert_int_equal(to, want);
				} else {
					assert_int_equal(rc, CO_ECONFLICT);
					assert_int_equal(to, 99); /* untouched */
					assert_non_null(strstr(e.msg, "cannot"));
				}
			}
}

static void places_and_signup_state(void **state)
{
	struct ex_counts c = {.capacity = 3};
	struct ex_policy p = open_policy;

	(void)state;
	assert_int_equal(ex_places_left(&c, &p), 3);
	assert_int_equal(ex_signup_state(&c, &p), EX_CONFIRMED);
	c.n[EX_CONFIRMED] = 2;
	c.n[EX_CANCELLED] = 5; /* cancelled and declined hold nothing */
	c.n[EX_DECLINED] = 5;
	c.n[EX_PENDING] = 1;
	assert_int_equal(ex_places_left(&c, &p), 1);
	p.pending_holds_place = 1;
	assert_int_equal(ex_places_left(&c, &p), 0);
	assert_int_equal(ex_signup_state(&c, &p), EX_WAITLISTED);
	p.pending_holds_place = 0;
	/* An offer holds its place. */
	c.n[EX_OFFERED] = 1;
	assert_int_equal(ex_places_left(&c, &p), 0);
	assert_int_equal(ex_signup_state(&c, &p), EX_WAITLISTED);
	c.n[EX_OFFERED] = 0;
	/* A free place never goes to a newcomer while someone is waiting. */
	c.n[EX_WAITLISTED] = 1;
	assert_int_equal(ex_places_left(&c, &p), 1);
	assert_int_equal(ex_signup_state(&c, &p), EX_WAITLISTED);
	assert_int_equal(ex_offers_due(&c, &p), 1);
	/* Reserved nomination places are held until released. */
	c.reserved = 1;
	assert_int_equal(ex_places_left(&c, &p), 0);
	assert_int_equal(ex_offers_due(&c, &p), 0);
	/* Over-full (capacity lowered by an admin through storage) is 0, not negative. */
	c.capacity = 1;
	assert_int_equal(ex_places_left(&c, &p), 0);
	/* Approval needed: pending first, whatever the places ... */
	p.approval_needed = 1;
	assert_int_equal(ex_signup_state(&c, &p), EX_PENDING);
	/* ... unless pending holds a place and none is left. */
	p.pending_holds_place = 1;
	assert_int_equal(ex_signup_state(&c, &p), EX_WAITLISTED);
	c.capacity = 100;
	c.n[EX_WAITLISTED] = 0;
	assert_int_equal(ex_signup_state(&c, &p), EX_PENDING);
}

static void offers_due_counts_waiting_people(void **state)
{
	struct ex_counts c = {.capacity = 10};
	struct ex_policy p = open_policy;

	(void)state;
	c.n[EX_CONFIRMED] = 6;
	c.n[EX_OFFERED] = 1;
	c.n[EX_WAITLISTED] = 5;
	assert_int_equal(ex_offers_due(&c, &p), 3);
	c.n[EX_WAITLISTED] = 2;
	assert_int_equal(ex_offers_due(&c, &p), 2);
	c.n[EX_CONFIRMED] = 9;
	assert_int_equal(ex_offers_due(&c, &p), 0);
}

static void deadline_and_opening(void **state)
{
	struct ex_policy p = open_policy;
	struct co_err e;

	(void)state;
	assert_int_equal(ex_signup_open(&p, 999, 5000, 0, &e), CO_ECONFLICT);
	assert_non_null(strstr(e.msg, "not opened"));
	assert_int_equal(ex_signup_open(&p, 1000, 5000, 0, &e), 0);
	assert_int_equal(ex_signup_open(&p, 1999, 5000, 0, &e), 0);
	assert_int_equal(ex_signup_open(&p, 2000, 5000, 0, &e), CO_ECONFLICT);
	assert_non_null(strstr(e.msg, "deadline"));
	assert_int_equal(ex_signup_open(&p, 1500, 1500, 0, &e), CO_ECONFLICT);
	assert_non_null(strstr(e.msg, "started"));
	assert_int_equal(ex_signup_open(&p, 1500, 5000, 1, &e), CO_ECONFLICT);
	assert_non_null(strstr(e.msg, "cancelled"));
}

static void offer_expiry(void **state)
{
	struct ex_policy p = open_policy;

	(void)state;
	assert_int_equal(ex_offer_expiry(&p, 1000, 1000000), 1000 + 48 * 3600);
	assert_int_equal(ex_offer_expiry(&p, 1000, 5000), 5000); /* not past the start */
	p.offer_hours = 0;                                       /* default */
	assert_int_equal(ex_offer_expiry(&p, 0, 1000000), 48 * 3600);
	p.offer_hours = 2;
	assert_int_equal(ex_offer_expiry(&p, 0, 1000000), 7200);
	assert_false(ex_offer_expired(7200, 7199));
	assert_true(ex_offer_expired(7200, 7200));
}

static void capacity_cannot_drop_below_people(void **state)
{
	struct ex_counts c = {.capacity = 20, .reserved = 5};
	struct ex_policy p = open_policy;
	struct co_err e;

	(void)state;
	c.n[EX_CONFIRMED] = 8;
	c.n[EX_OFFERED] = 2;
	c.n[EX_WAITLISTED] = 30;
	assert_int_equal(ex_check_capacity(10, &c, &p, &e), 0);
	assert_int_equal(ex_check_capacity(9, &c, &p, &e), CO_EINPUT);
	assert_string_equal(e.field, "capacity");
	assert_non_null(strstr(e.msg, "10 places are already taken"));
	assert_int_equal(ex_check_capacity(-1, &c, &p, &e), CO_EINPUT);
	assert_int_equal(ex_check_times(100, 100, &e), CO_EINPUT);
	assert_string_equal(e.field, "ends_at");
	assert_int_equal(ex_check_times(100, 99, &e), CO_EINPUT);
	assert_int_equal(ex_check_times(100, 200, &e), 0);
	assert_true(ex_mode_valid("hybrid"));
	assert_false(ex_mode_valid("Hybrid"));
	assert_false(ex_mode_valid(NULL));
}

static void nominations_within_allotment(void **state)
{
	struct co_err e;

	(void)state;
	assert_int_equal(ex_nomination_allowed(3, 2, 100, 200, 0, 0, &e), 0);
	assert_int_equal(ex_nomination_allowed(3, 3, 100, 200, 0, 0, &e), CO_ECONFLICT);
	assert_non_null(strstr(e.msg, "all 3"));
	/* A swap keeps the count, so it is allowed at the limit ... */
	assert_int_equal(ex_nomination_allowed(3, 3, 100, 200, 0, 1, &e), 0);
	/* ... but not after the deadline. */
	assert_int_equal(ex_nomination_allowed(3, 3, 200, 200, 0, 1, &e), CO_ECONFLICT);
	assert_non_null(strstr(e.msg, "deadline"));
	assert_int_equal(ex_nomination_allowed(3, 0, 100, 200, 1, 0, &e), CO_ECONFLICT);
	assert_int_equal(ex_allotment_unused(3, 1), 2);
	assert_int_equal(ex_allotment_unused(3, 5), 0);
}

static void workshop_clashes(void **state)
{
	const struct ex_slot chosen[] = {
	        {1, 1000, 2000}, /* 10:00-11:00 say */
	        {2, 3000, 4000},
	};
	struct ex_slot want = {3, 2000, 3000}; /* exactly between: no clash */
	size_t which = 99;
	struct co_err e;

	(void)state;
	assert_int_equal(ex_find_clash(chosen, 2, &want, &which, &e), 0);
	assert_int_equal(which, 99);
	want.starts_at = 1999;
	assert_int_equal(ex_find_clash(chosen, 2, &want, &which, &e), CO_ECONFLICT);
	assert_int_equal(which, 0);
	assert_non_null(strstr(e.msg, "clashes"));
	want = (struct ex_slot){4, 3500, 3600}; /* inside the second */
	assert_int_equal(ex_find_clash(chosen, 2, &want, &which, &e), CO_ECONFLICT);
	assert_int_equal(which, 1);
	want = (struct ex_slot){2, 3000, 4000}; /* choosing again is no clash */
	assert_int_equal(ex_find_clash(chosen, 2, &want, NULL, &e), 0);
	want = (struct ex_slot){5, 0, 10000}; /* covers both */
	assert_int_equal(ex_find_clash(chosen, 2, &want, &which, &e), CO_ECONFLICT);
	assert_int_equal(which, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(state_names_round_trip),
	        cmocka_unit_test(transition_table),
	        cmocka_unit_test(places_and_signup_state),
	        cmocka_unit_test(offers_due_counts_waiting_people),
	        cmocka_unit_test(deadline_and_opening),
	        cmocka_unit_test(offer_expiry),
	        cmocka_unit_test(capacity_cannot_drop_below_people),
	        cmocka_unit_test(nominations_within_allotment),
	        cmocka_unit_test(workshop_clashes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
