/*
 * fuzz_tpl - the template compiler and renderer on arbitrary input.
 *
 * The input is a template's source, optionally followed by "\n%%JSON\n" and
 * the data to render it with. It is compiled as HTML and as plain text,
 * together with a second template it may include or extend ("base"); when
 * it compiles, it is rendered in English and Welsh into a bounded buffer.
 * Any crash, leak or sanitizer report is a bug; compile errors are fine.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tpl/tpl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char base_src[] = "<p>{% block content %}{{ x }}{% endblock %}</p>"
                               "{% for i in l %}{{ loop.index }}{% endfor %}";
static const char default_json[] =
        "{\"x\": \"<b>&'\\\"\", \"n\": 3, \"r\": 2.5, \"l\": [1, \"two\", {\"a\": null}],"
        " \"o\": {\"k\": \"v\", \"e\": {}}, \"t\": true, \"u\": \"javascript:alert(1)\","
        " \"errors\": {\"f\": \"bad\"}, \"when\": 1700000000}";

static void try(const char *src, size_t len, int html, const json_t *d)
{
	struct tpl_set *s;
	struct co_err e;
	struct co_buf b;

	if (tpl_set_new(&s))
		return;
	if (tpl_set_add(s, "base", base_src, sizeof(base_src) - 1, 1, &e) == 0 &&
	    tpl_set_add(s, "main", src, len, html, &e) == 0 && tpl_set_link(s, &e) == 0) {
		co_buf_init(&b, 1 << 20);
		tpl_render(s, "main", d, "en", &b, &e);
		co_buf_reset(&b);
		tpl_render(s, "main", d, "cy", &b, &e);
		co_buf_free(&b);
	}
	tpl_set_free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *src = (const char *)data, *sep;
	size_t len = size;
	json_t *d = NULL;

	if (size > (size_t)64 * 1024)
		return 0;
	for (sep = NULL, len = 0; len + 8 <= size; len++) {
		if (memcmp(src + len, "\n%%JSON\n", 8) == 0) {
			sep = src + len;
			break;
		}
	}
	len = size;
	if (sep) {
		len = (size_t)(sep - src);
		d = json_loadb(sep + 8, size - len - 8, 0, NULL);
	}
	if (!d)
		d = json_loads(default_json, 0, NULL);
	try(src, len, 1, d);
	try(src, len, 0, d);
	json_decref(d);
	return 0;
}
