/*
 * rules.c - the account rules that need no database: password policy and
 * hashing, e-mail normalisation, secret tokens and their hashes, login
 * throttling, and the life of single-use links.
 *
 * Passwords: Argon2id through libsodium's crypto_pwhash_str with t=2
 * passes and m=19 MiB, the OWASP Password Storage Cheat Sheet's first
 * recommended Argon2id setting; it keeps a login well under a second and
 * the server's memory small. Policy after NIST SP 800-63B section 5.1.1.2:
 * a minimum length, no composition rules, and a refusal of passwords
 * known to be common or derived from the account's own e-mail address.
 * Messages are fixed strings (no numbers spliced in) because they are also
 * the msgids the pages translate.
 *
 * Tokens: 32 random bytes (256 bits) from randombytes_buf, written as
 * unpadded base64url. Only the BLAKE2b-256 hash (crypto_generichash) is
 * stored, as lower-case hex: the token has full entropy, so a fast hash is
 * enough and lets the lookup be a plain equality on an indexed column.
 */
#include "mod/accounts/acct.h"

#include <assert.h>
#include <ctype.h>
#include <string.h>

#include <sodium.h>

#define PWHASH_OPS 2
#define PWHASH_MEM (19u * 1024 * 1024)

int acct_crypto_init(void)
{
	return sodium_init() < 0 ? CO_EINTERNAL : 0;
}

/* Counts UTF-8 code points; a stray continuation byte counts as one. */
static size_t utf8_len(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xC0) != 0x80)
			n++;
	return n;
}

/* Passwords anyone would try first. A short list on purpose: the length
 * rule already excludes most leaked passwords. */
static const char *const common_passwords[] = {
        "123456789012", "password1234", "passwordpassword", "qwertyuiop12",
        "qwertyuiopas", "iloveyou1234", "letmeinletmein",   "changemechangeme",
        "welcome12345", "password123!", "administrator",    "collective123",
        "aaaaaaaaaaaa", "abcdefghijkl", "abc123abc123",     "111111111111",
};

static int ascii_casecmp(const char *a, const char *b)
{
	for (; *a && *b; a++, b++)
		if (tolower((unsigned char)*a) != tolower((unsigned char)*b))
			return 1;
	return *a != *b;
}

int acct_password_check(const char *pw, const char *email, struct co_err *e)
{
	size_t i, n;
	int same = 1;
	const char *at;

	if (!pw || !*pw)
		return co_errf_at(e, CO_EINPUT, 0, 0, "password", "Enter a password");
	n = utf8_len(pw);
	if (n < ACCT_PASSWORD_MIN)
		return co_errf_at(e, CO_EINPUT, 0, 0, "password",
		                  "Password must be at least 12 characters long");
	if (strlen(pw) > ACCT_PASSWORD_MAX_BYTES)
		return co_errf_at(e, CO_EINPUT, 0, 0, "password", "Password is too long");
	for (i = 1; pw[i]; i++)
		if (pw[i] != pw[0])
			same = 0;
	if (same)
		return co_errf_at(e, CO_EINPUT, 0, 0, "password",
		                  "Password must not repeat one character");
	for (i = 0; i < sizeof(common_passwords) / sizeof(common_passwords[0]); i++)
		if (ascii_casecmp(pw, common_passwords[i]) == 0)
			return co_errf_at(e, CO_EINPUT, 0, 0, "password",
			                  "Password is too common: choose another");
	if (email && *email) {
		at = strchr(email, '@');
		if (ascii_casecmp(pw, email) == 0 ||
		    (at && (size_t)(at - email) == strlen(pw) &&
		     strncasecmp(pw, email, (size_t)(at - email)) == 0))
			return co_errf_at(e, CO_EINPUT, 0, 0, "password",
			                  "Password must not be your email address");
	}
	return 0;
}

int acct_password_hash(const char *pw, char out[ACCT_PWHASH_LEN], struct co_err *e)
{
	char h[crypto_pwhash_STRBYTES];

	_Static_assert(ACCT_PWHASH_LEN >= crypto_pwhash_STRBYTES, "hash buffer too small");
	if (crypto_pwhash_str_alg(h, pw, strlen(pw), PWHASH_OPS, PWHASH_MEM,
	                          crypto_pwhash_ALG_ARGON2ID13) != 0)
		return co_errf(e, CO_ENOMEM, "out of memory while hashing a password");
	memcpy(out, h, sizeof(h));
	return 0;
}

int acct_password_verify(const char *hash, const char *pw)
{
	if (!hash || !pw)
		return 0;
	return crypto_pwhash_str_verify(hash, pw, strlen(pw)) == 0;
}

/* A dummy verification so that an unknown account costs the same time as a
 * known one, and the answer's timing does not reveal which e-mails exist. */
void acct_password_burn(const char *pw)
{
	static char dummy[crypto_pwhash_STRBYTES];
	static int ready;

	if (!ready) {
		/* Benign race: every thread computes the same kind of value. */
		if (crypto_pwhash_str_alg(dummy, "not a real password", 19, PWHASH_OPS, PWHASH_MEM,
		                          crypto_pwhash_ALG_ARGON2ID13) != 0)
			return;
		ready = 1;
	}
	if (crypto_pwhash_str_verify(dummy, pw ? pw : "", pw ? strlen(pw) : 0) == 0)
		return; /* cannot match; the time spent is the point */
}

int acct_email_normalise(const char *in, char out[ACCT_EMAIL_MAX + 1], struct co_err *e)
{
	const char *s, *end, *at = NULL, *dot = NULL;
	size_t n, i;

	if (!in)
		in = "";
	s = in;
	while (*s == ' ' || *s == '\t')
		s++;
	end = s + strlen(s);
	while (end > s && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	n = (size_t)(end - s);
	if (n == 0)
		return co_errf_at(e, CO_EINPUT, 0, 0, "email", "Enter an email address");
	if (n > ACCT_EMAIL_MAX)
		return co_errf_at(e, CO_EINPUT, 0, 0, "email", "Email address is too long");
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c <= ' ' || c == 0x7F || c == '<' || c == '>' || c == '"' || c == ',' ||
		    c == ';' || c == '\\' || c == '(' || c == ')')
			return co_errf_at(e, CO_EINPUT, 0, 0, "email",
			                  "Enter an email address in the right format, like "
			                  "name@example.org");
		if (c == '@') {
			if (at)
				return co_errf_at(e, CO_EINPUT, 0, 0, "email",
				                  "Enter an email address in the right format, "
				                  "like name@example.org");
			at = s + i;
		} else if (c == '.' && at) {
			dot = s + i;
		}
	}
	if (!at || at == s || !dot || dot == at + 1 || dot == end - 1)
		return co_errf_at(
		        e, CO_EINPUT, 0, 0, "email",
		        "Enter an email address in the right format, like name@example.org");
	for (i = 0; i < n; i++)
		out[i] = (char)tolower((unsigned char)s[i]);
	out[n] = '\0';
	return 0;
}

void acct_token_new(const char *prefix, char out[ACCT_TOKEN_LEN])
{
	unsigned char raw[32];
	size_t p = prefix ? strlen(prefix) : 0;

	assert(p + sodium_base64_ENCODED_LEN(32, sodium_base64_VARIANT_URLSAFE_NO_PADDING) <=
	       ACCT_TOKEN_LEN);
	randombytes_buf(raw, sizeof(raw));
	memcpy(out, prefix ? prefix : "", p);
	sodium_bin2base64(out + p, ACCT_TOKEN_LEN - p, raw, sizeof(raw),
	                  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(raw, sizeof(raw));
}

void acct_token_hash(const char *token, char out[ACCT_HASH_HEX])
{
	unsigned char h[32];

	crypto_generichash(h, sizeof(h), (const unsigned char *)token, strlen(token), NULL, 0);
	sodium_bin2hex(out, ACCT_HASH_HEX, h, sizeof(h));
}

int acct_throttle_wait(const struct acct_throttle *t, int64_t now)
{
	int64_t until = 0;

	if (t->account_failures >= ACCT_THROTTLE_ACCOUNT && t->account_oldest > 0)
		until = t->account_oldest + ACCT_THROTTLE_WINDOW;
	if (t->address_failures >= ACCT_THROTTLE_ADDRESS && t->address_oldest > 0 &&
	    t->address_oldest + ACCT_THROTTLE_WINDOW > until)
		until = t->address_oldest + ACCT_THROTTLE_WINDOW;
	return until > now ? (int)(until - now) : 0;
}

enum acct_link_state acct_link_state(int64_t expires_at, int64_t used_at, int64_t revoked_at,
                                     int64_t now)
{
	if (revoked_at > 0)
		return ACCT_LINK_REVOKED;
	if (used_at > 0)
		return ACCT_LINK_USED;
	if (now >= expires_at)
		return ACCT_LINK_EXPIRED;
	return ACCT_LINK_VALID;
}

int acct_name_check(const char *name, struct co_err *e)
{
	size_t n;

	if (!name)
		name = "";
	while (*name == ' ')
		name++;
	n = strlen(name);
	if (n == 0)
		return co_errf_at(e, CO_EINPUT, 0, 0, "name", "Enter a name");
	if (n > ACCT_NAME_MAX)
		return co_errf_at(e, CO_EINPUT, 0, 0, "name", "Name is too long");
	for (; *name; name++)
		if ((unsigned char)*name < ' ' || *name == 0x7F)
			return co_errf_at(e, CO_EINPUT, 0, 0, "name",
			                  "Name must not contain control characters");
	return 0;
}
