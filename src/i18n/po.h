/*
 * po.h - the .po file parser, shared by the files of src/i18n only.
 *
 * i18n__po_parse() reads a whole .po text and calls fn once for each
 * complete entry (the header entry, msgid "", included), in file order.
 * Strings are unescaped and allocated from the arena the caller passes;
 * they live as long as it. Errors name the file, line and column.
 */
#ifndef I18N_PO_H
#define I18N_PO_H

#include <stddef.h>

#include "base/arena.h"
#include "base/err.h"

#define I18N__MAX_FORMS 8

struct i18n__po_entry {
	const char *ctx; /* msgctxt, NULL when none */
	const char *msgid;
	const char *plural; /* msgid_plural, NULL when none */
	const char *str[I18N__MAX_FORMS];
	unsigned nstr; /* 1 without a plural */
	long line;     /* of the msgid */
	int fuzzy;     /* flagged "#, fuzzy" */
};

int i18n__po_parse(const char *name, const char *text, size_t len, struct co_arena *a,
                   int (*fn)(void *arg, const struct i18n__po_entry *en, struct co_err *e),
                   void *arg, struct co_err *e);

#endif
