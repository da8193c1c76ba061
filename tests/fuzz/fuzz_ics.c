/* Fuzz target for the iCalendar text writer (src/mod/exchange/ex_ics.c).
 *
 * For any input bytes, the content line written must: end in CRLF, have no
 * physical line over 75 octets, never fold inside a UTF-8 sequence, be
 * valid UTF-8, contain no control characters other than TAB, and unfold and
 * unescape back to the input as the writer promises to keep it (line breaks
 * as "\n", other controls dropped, invalid bytes as U+FFFD). The whole
 * calendar around it must also hold the line rules. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "mod/exchange/ex_ics.h"

#define CHECK(c)                                                                                   \
	do {                                                                                       \
		if (!(c))                                                                          \
			abort();                                                                   \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Strict UTF-8 sequence length (a second implementation, on purpose). */
static size_t seq_len(const uint8_t *s, size_t n)
{
	uint32_t cp;
	size_t len, i;

	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xE0) == 0xC0)
		len = 2, cp = s[0] & 0x1F;
	else if ((s[0] & 0xF0) == 0xE0)
		len = 3, cp = s[0] & 0x0F;
	else if ((s[0] & 0xF8) == 0xF0)
		len = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3F);
	}
	if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		return 0;
	return len;
}

/* What the writer promises to keep of the input. */
static void expected_text(const uint8_t *in, size_t n, struct co_buf *out)
{
	size_t i = 0;

	while (i < n) {
		size_t l;

		if (in[i] == '\r') {
			co_buf_addc(out, '\n');
			i += (i + 1 < n && in[i + 1] == '\n') ? 2 : 1;
			continue;
		}
		if (in[i] == '\n' || in[i] == '\t') {
			co_buf_addc(out, (char)in[i++]);
			continue;
		}
		if (in[i] < 0x20 || in[i] == 0x7F) {
			i++;
			continue;
		}
		l = seq_len(in + i, n - i);
		if (l == 0) {
			co_buf_add(out, "\xEF\xBF\xBD", 3);
			i++;
			continue;
		}
		co_buf_add(out, in + i, l);
		i += l;
	}
}

static void check_lines(const char *s, size_t len)
{
	size_t i = 0;

	CHECK(len >= 2 && s[len - 2] == '\r' && s[len - 1] == '\n');
	while (i < len) {
		size_t j = i, k;

		while (j < len && s[j] != '\r')
			j++;
		CHECK(j + 1 < len && s[j + 1] == '\n');
		CHECK(j - i <= 75);
		if (i > 0 && s[i] == ' ')
			CHECK(((unsigned char)s[i + 1] & 0xC0) != 0x80 || j == i + 1);
		for (k = i; k < j;) {
			size_t l = seq_len((const uint8_t *)s + k, j - k);

			CHECK(l > 0);
			CHECK((unsigned char)s[k] >= 0x20 || s[k] == '\t');
			k += l;
		}
		i = j + 2;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct co_buf line, text, want;
	char *value;
	size_t i, start;

	if (size > 64 * 1024)
		return 0;
	value = malloc(size + 1);
	if (!value)
		return 0;
	memcpy(value, data, size);
	value[size] = '\0'; /* the writer takes C strings: stop at the first NUL */
	size = strlen(value);

	co_buf_init(&line, 1024 * 1024);
	co_buf_init(&text, 1024 * 1024);
	co_buf_init(&want, 1024 * 1024);
	CHECK(ex_ics_text_line(&line, "DESCRIPTION", value) == 0);
	check_lines(line.data, line.len);

	/* Unfold, then unescape the value. */
	start = strlen("DESCRIPTION:");
	{
		struct co_buf unf;

		co_buf_init(&unf, 1024 * 1024);
		for (i = 0; i < line.len - 2; i++) {
			if (line.data[i] == '\r' && line.data[i + 1] == '\n') {
				CHECK(line.data[i + 2] == ' ');
				i += 2;
				continue;
			}
			co_buf_addc(&unf, line.data[i]);
		}
		CHECK(unf.len >= start && memcmp(unf.data, "DESCRIPTION:", start) == 0);
		for (i = start; i < unf.len; i++) {
			char c = unf.data[i];

			CHECK(c != ';' && c != ',');
			if (c == '\\') {
				char n;

				CHECK(i + 1 < unf.len);
				n = unf.data[++i];
				CHECK(n == '\\' || n == ';' || n == ',' || n == 'n');
				co_buf_addc(&text, n == 'n' ? '\n' : n);
			} else {
				co_buf_addc(&text, c);
			}
		}
		co_buf_free(&unf);
	}
	expected_text((const uint8_t *)value, size, &want);
	CHECK(text.len == want.len);
	CHECK(text.len == 0 || memcmp(text.data, want.data, text.len) == 0);

	/* The same text in a whole calendar keeps the line rules. */
	{
		struct ex_ics_event ev = {
		        .uid = "fuzz@collective.test",
		        .starts_at = 1741773600,
		        .ends_at = 1741777200,
		        .summary = size ? value : "empty",
		        .description = value,
		        .location = value,
		        .organizer_name = value,
		        .organizer_email = "host@example.org",
		};
		struct ex_ics_calendar cal = {.name = value, .events = &ev, .n_events = 1};
		struct co_buf all;
		struct co_err e;

		co_buf_init(&all, 4 * 1024 * 1024);
		CHECK(ex_ics_write(&all, &cal, &e) == 0);
		check_lines(all.data, all.len);
		co_buf_free(&all);
	}
	co_buf_free(&line);
	co_buf_free(&text);
	co_buf_free(&want);
	free(value);
	return 0;
}
