/* Fuzz target for query strings and request paths (src/http/parse.c).
 *
 * For any input: http_parse_urlencoded either fails cleanly or gives at
 * most CO_MAX_FORM_FIELDS pairs whose values hold no NUL byte; encoding
 * those pairs again and parsing the result gives the same pairs back.
 * http_path_normalise either fails or gives a path that starts with '/',
 * has no empty, "." or ".." segment and no trailing '/' (unless it is "/"),
 * and no longer than its input. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/limits.h"
#include "http/http.h"

#define CHECK(c)                                                                                   \
	do {                                                                                       \
		if (!(c))                                                                          \
			abort();                                                                   \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void encode(struct co_buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '_' || c == '.')
			co_buf_addc(b, (char)c);
		else if (c == ' ')
			co_buf_addc(b, '+');
		else {
			co_buf_addc(b, '%');
			co_buf_addc(b, hex[c >> 4]);
			co_buf_addc(b, hex[c & 15]);
		}
	}
}

static void check_path(struct co_arena *a, const char *s, size_t n)
{
	const char *out = NULL;
	size_t len, i;

	if (http_path_normalise(a, s, n, &out, NULL) != 0)
		return;
	len = strlen(out);
	CHECK(out[0] == '/');
	CHECK(len <= n + 1);
	if (len > 1)
		CHECK(out[len - 1] != '/');
	for (i = 0; i < len; i++) {
		if (out[i] != '/')
			continue;
		CHECK(len == 1 || out[i + 1] != '/');
		CHECK(strncmp(out + i, "/./", 3) != 0 && strcmp(out + i, "/.") != 0);
		CHECK(strncmp(out + i, "/../", 4) != 0 && strcmp(out + i, "/..") != 0);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	struct http_params p, q;
	struct co_arena a;
	struct co_buf b;
	size_t i;

	co_arena_init(&a, 0);
	check_path(&a, s, size);
	if (http_parse_urlencoded(&a, s, size, &p, NULL) == 0) {
		CHECK(p.n <= CO_MAX_FORM_FIELDS);
		co_buf_init(&b, 16 * (size + 16));
		for (i = 0; i < p.n; i++) {
			CHECK(strlen(p.items[i].value) == p.items[i].len);
			CHECK(p.items[i].len <= CO_MAX_FIELD_VALUE);
			if (i)
				co_buf_addc(&b, '&');
			encode(&b, p.items[i].name, strlen(p.items[i].name));
			co_buf_addc(&b, '=');
			encode(&b, p.items[i].value, p.items[i].len);
		}
		/* Empty names with empty values vanish in the round trip as "=",
		 * which the parser keeps; so the count must match exactly. */
		CHECK(http_parse_urlencoded(&a, b.data ? b.data : "", b.len, &q, NULL) == 0);
		CHECK(q.n == p.n);
		for (i = 0; i < p.n; i++) {
			CHECK(strcmp(p.items[i].name, q.items[i].name) == 0);
			CHECK(p.items[i].len == q.items[i].len);
			CHECK(memcmp(p.items[i].value, q.items[i].value, p.items[i].len) == 0);
		}
		co_buf_free(&b);
	}
	co_arena_free(&a);
	return 0;
}
