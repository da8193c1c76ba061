/* Fuzz target for the account input rules and the email format
 * (src/mod/accounts/rules.c, smtp.c).
 *
 * For any input: acct_email_normalise either fails with field "email" or
 * gives a lower-case address of at most ACCT_EMAIL_MAX bytes with exactly
 * one '@', no space or control byte, and normalising it again changes
 * nothing; acct_name_check and acct_password_check never crash and name
 * their field; acct_mail_format either refuses or writes a message whose
 * every line ends in CRLF and whose headers hold no bare CR or LF, so no
 * input can add a header. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mod/accounts/acct.h"

#define CHECK(c)                                                                                   \
	do {                                                                                       \
		if (!(c))                                                                          \
			abort();                                                                   \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	char out[ACCT_EMAIL_MAX + 1], again[ACCT_EMAIL_MAX + 1];
	struct co_err e;
	const char *p;
	char *sep;

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (acct_email_normalise(s, out, &e) == 0) {
		CHECK(strlen(out) <= ACCT_EMAIL_MAX);
		CHECK(strchr(out, '@') && strchr(out, '@') == strrchr(out, '@'));
		for (p = out; *p; p++) {
			CHECK((unsigned char)*p > ' ' && *p != 0x7F);
			CHECK(!(*p >= 'A' && *p <= 'Z'));
		}
		CHECK(acct_email_normalise(out, again, &e) == 0);
		CHECK(strcmp(out, again) == 0);
	} else {
		CHECK(strcmp(e.field, "email") == 0);
	}
	if (acct_name_check(s, &e) < 0)
		CHECK(strcmp(e.field, "name") == 0);
	if (acct_password_check(s, "someone@example.org", &e) < 0)
		CHECK(strcmp(e.field, "password") == 0);

	/* subject | body, into a message */
	sep = strchr(s, '|');
	if (sep) {
		struct acct_mail m = {"a@b.test", "c@d.test", s, sep + 1, NULL, NULL};
		size_t len, i;
		char *msg;

		*sep = '\0';
		msg = acct_mail_format(&m, &len, &e);
		if (msg) {
			const char *body = strstr(msg, "\r\n\r\n");

			CHECK(body != NULL);
			for (i = 0; i < len; i++) {
				if (msg[i] == '\n')
					CHECK(i > 0 && msg[i - 1] == '\r');
				if (msg[i] == '\r')
					CHECK(i + 1 < len && msg[i + 1] == '\n');
			}
			/* the subject stays on its one header line */
			CHECK(strstr(msg, "Subject: ") < body);
			free(msg);
		}
	}
	free(s);
	return 0;
}
