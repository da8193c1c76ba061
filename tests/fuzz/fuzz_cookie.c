/* Fuzz target for the Cookie header parser (src/http/parse.c).
 *
 * For any header text: the parse succeeds with at most CO_MAX_COOKIES
 * pairs; every name is a non-empty RFC 7230 token; no value holds ';', a
 * double quote or a control character; and each "name=value" (or
 * name="value") appears in the header as written. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "base/limits.h"
#include "http/http.h"

#define CHECK(c)                                                                                   \
	do {                                                                                       \
		if (!(c))                                                                          \
			abort();                                                                   \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct http_params p;
	struct co_arena a;
	char *h = malloc(size + 1);
	size_t i, k;

	if (!h)
		return 0;
	memcpy(h, data, size);
	h[size] = '\0';
	co_arena_init(&a, 0);
	CHECK(http_parse_cookies(&a, h, &p, NULL) == 0);
	CHECK(p.n <= CO_MAX_COOKIES);
	for (i = 0; i < p.n; i++) {
		const char *n = p.items[i].name, *v = p.items[i].value;

		CHECK(*n);
		for (k = 0; n[k]; k++)
			CHECK(n[k] > 0x20 && n[k] < 0x7f && !strchr("()<>@,;:\\\"/[]?={}", n[k]));
		CHECK(strlen(v) == p.items[i].len);
		for (k = 0; v[k]; k++)
			CHECK((unsigned char)v[k] >= 0x20 && v[k] != 0x7f && v[k] != ';' &&
			      v[k] != '"');
		CHECK(strstr(h, n) != NULL);
		CHECK(strstr(h, v) != NULL);
	}
	co_arena_free(&a);
	free(h);
	return 0;
}
