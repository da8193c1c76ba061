/*
 * fuzz_po - the .po reader and the Plural-Forms evaluator on arbitrary input.
 *
 * The input is merged into an English and a Welsh catalogue (the Welsh one
 * falling back to the English), looked up, and also compiled as a
 * Plural-Forms value and evaluated for a range of n. Errors are fine;
 * crashes, leaks, unbounded recursion and sanitizer reports are bugs.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "i18n/i18n.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct i18n_catalog *en = NULL, *cy = NULL;
	struct i18n_plural *p;
	struct co_err e;
	char *forms;
	unsigned long n;

	if (size > (size_t)256 * 1024)
		return 0;
	if (i18n_catalog_new("en", NULL, &en, &e) == 0 &&
	    i18n_catalog_new("cy", en, &cy, &e) == 0) {
		i18n_catalog_add_po(en, "f.po", (const char *)data, size, &e);
		i18n_catalog_add_po(cy, "f.po", (const char *)data, size, &e);
		/* and the same again: a second merge of identical entries is allowed */
		i18n_catalog_add_po(cy, "g.po", (const char *)data, size, &e);
		for (n = 0; n < 8; n++) {
			i18n_ngettext(cy, "a", "b", n);
			i18n_npgettext(cy, "c", "a", "b", n);
		}
		i18n_gettext(cy, "");
		i18n_catalog_has(cy, NULL, "a");
	}
	i18n_catalog_free(cy);
	i18n_catalog_free(en);
	forms = malloc(size + 1);
	if (!forms)
		return 0;
	memcpy(forms, data, size);
	forms[size] = '\0';
	if (i18n_plural_compile(forms, &p, &e) == 0) {
		for (n = 0; n < 300; n++)
			if (i18n_plural_eval(p, n) >= i18n_plural_count(p))
				abort();
		i18n_plural_eval(p, ~0UL);
		i18n_plural_free(p);
	}
	free(forms);
	return 0;
}
