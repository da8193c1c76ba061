/* Fuzz target for form bodies (src/http/parse.c): urlencoded and
 * multipart/form-data.
 *
 * The first input line is the Content-Type (so the fuzzer varies the
 * boundary too), the rest the body. For any input: the parse either fails
 * cleanly or gives at most CO_MAX_FORM_FIELDS fields and files together,
 * text values without NUL bytes and within CO_MAX_FIELD_VALUE, and file
 * parts whose bytes occur in the body as they are. */
#define _GNU_SOURCE /* memmem */
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
	const char *s = (const char *)data, *nl = memchr(s, '\n', size);
	struct http_params f = {NULL, 0};
	struct http_files files = {NULL, 0};
	struct co_arena a;
	char *ct;
	const char *body;
	size_t blen, i;

	if (!nl)
		return 0;
	co_arena_init(&a, 0);
	ct = co_arena_strndup(&a, s, (size_t)(nl - s));
	body = nl + 1;
	blen = size - (size_t)(body - s);
	if (ct && http_parse_multipart(&a, ct, body, blen, &f, &files, NULL) == 0) {
		CHECK(f.n + files.n <= CO_MAX_FORM_FIELDS + 1);
		for (i = 0; i < f.n; i++) {
			CHECK(strlen(f.items[i].value) == f.items[i].len);
			CHECK(f.items[i].len <= CO_MAX_FIELD_VALUE);
			CHECK(f.items[i].name != NULL);
		}
		for (i = 0; i < files.n; i++) {
			CHECK(files.items[i].len <= blen);
			CHECK(files.items[i].len == 0 ||
			      memmem(body, blen, files.items[i].data, files.items[i].len));
			CHECK(files.items[i].filename && files.items[i].content_type);
		}
	}
	if (http_parse_urlencoded(&a, body, blen, &f, NULL) == 0) {
		CHECK(f.n <= CO_MAX_FORM_FIELDS);
		for (i = 0; i < f.n; i++)
			CHECK(strlen(f.items[i].value) == f.items[i].len);
	}
	co_arena_free(&a);
	return 0;
}
