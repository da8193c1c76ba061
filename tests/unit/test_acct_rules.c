/* Unit tests of the account rules: password policy and hashing, e-mail
 * normalisation, token hashing, login throttling, single-use link expiry. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "mod/accounts/acct.h"

static void password_policy_refuses_weak_and_accepts_long(void **state)
{
	struct co_err e;

	(void)state;
	assert_int_equal(acct_password_check("", "a@b.org", &e), CO_EINPUT);
	assert_string_equal(e.field, "password");
	assert_int_equal(acct_password_check("short pass", "a@b.org", &e), CO_EINPUT);
	assert_non_null(strstr(e.msg, "12 characters"));
	/* 11 code points but 22 bytes: length counts characters, not bytes. */
	assert_int_equal(acct_password_check("ŵŵŵŵŵŵŵŵŵŵx", NULL, &e), CO_EINPUT);
	assert_int_equal(acct_password_check("ŵŵŵŵŵŵŵŵŵŵxy", NULL, &e), 0);
	assert_int_equal(acct_password_check("zzzzzzzzzzzzzzzz", NULL, &e), CO_EINPUT);
	assert_int_equal(acct_password_check("Password1234", NULL, &e), CO_EINPUT);
	assert_non_null(strstr(e.msg, "common"));
	assert_int_equal(acct_password_check("lead.person.one", "Lead.Person.One@example.org", &e),
	                 CO_EINPUT);
	assert_int_equal(acct_password_check("lead.person.one@example.org",
	                                     "lead.person.one@example.org", &e),
	                 CO_EINPUT);
	assert_int_equal(acct_password_check("correct horse battery staple", "a@b.org", &e), 0);
	{
		char big[ACCT_PASSWORD_MAX_BYTES + 2];

		memset(big, 'a', sizeof(big) - 1);
		big[0] = 'b';
		big[sizeof(big) - 1] = '\0';
		assert_int_equal(acct_password_check(big, NULL, &e), CO_EINPUT);
	}
}

static void password_hash_verifies_only_the_right_password(void **state)
{
	char h[ACCT_PWHASH_LEN];
	char h2[ACCT_PWHASH_LEN];

	(void)state;
	assert_int_equal(acct_password_hash("river lantern quietly", h, NULL), 0);
	assert_non_null(strstr(h, "$argon2id$"));
	assert_true(acct_password_verify(h, "river lantern quietly"));
	assert_false(acct_password_verify(h, "river lantern quietlY"));
	assert_false(acct_password_verify(NULL, "river lantern quietly"));
	/* Salted: the same password hashes differently each time. */
	assert_int_equal(acct_password_hash("river lantern quietly", h2, NULL), 0);
	assert_string_not_equal(h, h2);
}

static void email_is_trimmed_lowercased_and_checked(void **state)
{
	char out[ACCT_EMAIL_MAX + 1];
	struct co_err e;

	(void)state;
	assert_int_equal(acct_email_normalise("  Lead@Demo.Collective.TEST ", out, &e), 0);
	assert_string_equal(out, "lead@demo.collective.test");
	assert_int_equal(acct_email_normalise("", out, &e), CO_EINPUT);
	assert_string_equal(e.field, "email");
	assert_int_equal(acct_email_normalise("no-at-sign.org", out, &e), CO_EINPUT);
	assert_int_equal(acct_email_normalise("a@b@c.org", out, &e), CO_EINPUT);
	assert_int_equal(acct_email_normalise("a@nodot", out, &e), CO_EINPUT);
	assert_int_equal(acct_email_normalise("@x.org", out, &e), CO_EINPUT);
	assert_int_equal(acct_email_normalise("a b@x.org", out, &e), CO_EINPUT);
	assert_int_equal(acct_email_normalise("a@x.org\r\nBcc: z@y.org", out, &e), CO_EINPUT);
	assert_int_equal(acct_email_normalise("a@x.", out, &e), CO_EINPUT);
}

static void tokens_are_random_and_hashes_stable(void **state)
{
	char t1[ACCT_TOKEN_LEN], t2[ACCT_TOKEN_LEN];
	char h1[ACCT_HASH_HEX], h1b[ACCT_HASH_HEX], h2[ACCT_HASH_HEX];
	size_t i;

	(void)state;
	acct_token_new("co_", t1);
	acct_token_new("co_", t2);
	assert_int_equal(strncmp(t1, "co_", 3), 0);
	assert_int_equal(strlen(t1), 3 + 43); /* 256 bits in unpadded base64url */
	for (i = 3; t1[i]; i++)
		assert_non_null(strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		                       "0123456789-_",
		                       t1[i]));
	assert_string_not_equal(t1, t2);
	acct_token_hash(t1, h1);
	acct_token_hash(t1, h1b);
	acct_token_hash(t2, h2);
	assert_int_equal(strlen(h1), 64);
	assert_string_equal(h1, h1b);
	assert_string_not_equal(h1, h2);
	assert_null(strstr(h1, t1 + 3));
	/* A known BLAKE2b-256 value: the empty string. */
	acct_token_hash("", h1);
	assert_string_equal(h1, "0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8");
}

static void throttle_locks_account_then_releases(void **state)
{
	struct acct_throttle t = {0};
	int64_t now = 1000000;

	(void)state;
	t.account_failures = ACCT_THROTTLE_ACCOUNT - 1;
	t.account_oldest = now - 60;
	assert_int_equal(acct_throttle_wait(&t, now), 0);
	t.account_failures = ACCT_THROTTLE_ACCOUNT;
	assert_int_equal(acct_throttle_wait(&t, now), ACCT_THROTTLE_WINDOW - 60);
	/* once the oldest failure leaves the window, the account is free */
	assert_int_equal(acct_throttle_wait(&t, now - 60 + ACCT_THROTTLE_WINDOW), 0);
	/* the address limit applies on its own, and the longer wait wins */
	t.account_failures = 0;
	t.address_failures = ACCT_THROTTLE_ADDRESS;
	t.address_oldest = now - 10;
	assert_int_equal(acct_throttle_wait(&t, now), ACCT_THROTTLE_WINDOW - 10);
	t.account_failures = ACCT_THROTTLE_ACCOUNT;
	t.account_oldest = now - 5;
	assert_int_equal(acct_throttle_wait(&t, now), ACCT_THROTTLE_WINDOW - 5);
}

static void links_expire_and_are_single_use(void **state)
{
	int64_t now = 5000;

	(void)state;
	assert_int_equal(acct_link_state(now + 1, 0, 0, now), ACCT_LINK_VALID);
	assert_int_equal(acct_link_state(now, 0, 0, now), ACCT_LINK_EXPIRED);
	assert_int_equal(acct_link_state(now + 100, now - 1, 0, now), ACCT_LINK_USED);
	assert_int_equal(acct_link_state(now + 100, 0, now - 1, now), ACCT_LINK_REVOKED);
	assert_int_equal(acct_link_state(now - 100, now - 200, now - 150, now), ACCT_LINK_REVOKED);
}

static void names_are_required_and_plain(void **state)
{
	struct co_err e;

	(void)state;
	assert_int_equal(acct_name_check("  ", &e), CO_EINPUT);
	assert_string_equal(e.field, "name");
	assert_int_equal(acct_name_check("Demo organisation lead", &e), 0);
	assert_int_equal(acct_name_check("bad\nname", &e), CO_EINPUT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(password_policy_refuses_weak_and_accepts_long),
	        cmocka_unit_test(password_hash_verifies_only_the_right_password),
	        cmocka_unit_test(email_is_trimmed_lowercased_and_checked),
	        cmocka_unit_test(tokens_are_random_and_hashes_stable),
	        cmocka_unit_test(throttle_locks_account_then_releases),
	        cmocka_unit_test(links_expire_and_are_single_use),
	        cmocka_unit_test(names_are_required_and_plain),
	};

	if (acct_crypto_init() != 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
