/*
 * i18n.h - translations: gettext .po catalogues, plural forms, and the
 * choice of a request's language.
 *
 * Languages: "en" (the default, and the fallback) and "cy" (Welsh). Each
 * module keeps its catalogues beside its code, src/<module>/po/en.po and
 * src/<module>/po/cy.po (feature modules: src/mod/<name>/po/...). Every
 * embedded asset whose path matches src/.../po/<lang>.po is loaded and all the
 * files of one language are merged into one catalogue.
 *
 * Supported .po syntax: comments (# ...), msgctxt, msgid, msgid_plural,
 * msgstr, msgstr[N], adjacent string literals concatenated, C escapes
 * (\n \t \" \\ and \ooo octal, \xHH), and the header entry (msgid "") with
 * its "Plural-Forms: nplurals=N; plural=EXPR;" line. EXPR is the C-like
 * expression gettext uses (n, integer literals, ! * / % + - < <= > >= == !=
 * && || ?: and parentheses); it is compiled once into a small tree and
 * evaluated safely: division by zero gives 0, results outside 0..nplurals-1
 * give form 0, depth and length are bounded. Welsh uses six forms:
 *   nplurals=6; plural=(n==0) ? 0 : (n==1) ? 1 : (n==2) ? 2 : (n==3) ? 3 :
 *                      (n==6) ? 4 : 5;
 * All files of one language must agree on Plural-Forms (a file without the
 * header takes the language's). Fuzzy entries (#, fuzzy) are ignored, as
 * gettext does. A msgid defined twice for one language with different
 * translations is an error naming both files.
 *
 * Lookup (i18n_gettext and friends): by (msgctxt, msgid) in a hash table.
 * A missing entry or an empty msgstr falls back to the English catalogue,
 * then to the msgid itself (msgid_plural when the English rule n != 1 says
 * so). Lookups never fail and never allocate; the strings returned live as
 * long as the catalogue (for the process-wide ones: until i18n_shutdown).
 *
 * Ownership and thread-safety: the process-wide catalogues are built once,
 * by i18n_init() at start-up or on first use by i18n_catalog(), under a
 * pthread_once; afterwards they are read-only and safe to share between
 * threads. A catalogue made with i18n_catalog_new() belongs to the caller,
 * who frees it with i18n_catalog_free(); it must not be changed while
 * another thread reads it.
 */
#ifndef I18N_H
#define I18N_H

#include <stddef.h>

#include "base/err.h"

#define I18N_DEFAULT "en"

/* The supported language codes, default first, ending with NULL. */
extern const char *const i18n_langs[];

/* One language's merged messages. */
struct i18n_catalog;

/* A compiled Plural-Forms expression. */
struct i18n_plural;

/* ---- process-wide catalogues (from the embedded .po files) ---- */

/* Loads and merges every embedded src/.../po/<lang>.po. Call once at start-up
 * to report a broken catalogue early; later calls return the first result.
 * Thread-safe. */
int i18n_init(struct co_err *e);

/* The catalogue of a language code ("en", "cy"); an unknown or NULL code
 * gives English. Loads the catalogues on first use. NULL only when loading
 * failed (i18n_init() says why). */
const struct i18n_catalog *i18n_catalog(const char *lang);

/* Frees the process-wide catalogues (at exit, for leak checkers). No other
 * thread may use them during or after the call. */
void i18n_shutdown(void);

/* ---- lookups: c may be NULL (then the msgid itself, English plural rule) ---- */

const char *i18n_gettext(const struct i18n_catalog *c, const char *msgid);
/* With a msgctxt (ctx may be NULL: no context). */
const char *i18n_pgettext(const struct i18n_catalog *c, const char *ctx, const char *msgid);
/* The plural form for n, chosen by the catalogue's Plural-Forms. */
const char *i18n_ngettext(const struct i18n_catalog *c, const char *msgid, const char *plural,
                          unsigned long n);
const char *i18n_npgettext(const struct i18n_catalog *c, const char *ctx, const char *msgid,
                           const char *plural, unsigned long n);

/* The catalogue's language code ("en" for NULL). */
const char *i18n_lang(const struct i18n_catalog *c);

/* ---- choosing the language of a request ---- */

/* 1 when code is a supported language code, else 0. */
int i18n_lang_supported(const char *code);

/* The language for a request: the ?lang= query value if supported, else the
 * `lang` cookie's value if supported, else the best supported language in
 * the Accept-Language header (q-values honoured; "cy-GB" matches "cy"),
 * else "en". Any argument may be NULL. Returns a static string from
 * i18n_langs. */
const char *i18n_choose(const char *query_lang, const char *cookie_lang,
                        const char *accept_language);

/* ---- building catalogues (tests, fuzzing, tools) ---- */

/* An empty catalogue for lang with the English plural rule. fallback (may
 * be NULL) is consulted when a message is missing or untranslated; it must
 * outlive the catalogue. */
int i18n_catalog_new(const char *lang, const struct i18n_catalog *fallback,
                     struct i18n_catalog **out, struct co_err *e);

/* Parses one .po file's text and merges its messages into c. name (for
 * example the asset path) is used in error messages, which give its line
 * and column. On failure c is left as it was. */
int i18n_catalog_add_po(struct i18n_catalog *c, const char *name, const char *text, size_t len,
                        struct co_err *e);

void i18n_catalog_free(struct i18n_catalog *c);

/* Whether c itself (no fallback) holds (ctx, msgid): 1 with every msgstr
 * non-empty, 0 present but some msgstr empty, -1 absent. For the check that
 * every template string is in every catalogue. */
int i18n_catalog_has(const struct i18n_catalog *c, const char *ctx, const char *msgid);

/* The number of messages in c (the header entry excluded). */
size_t i18n_catalog_size(const struct i18n_catalog *c);

/* The number of plural forms c's Plural-Forms declares. */
unsigned i18n_catalog_nplurals(const struct i18n_catalog *c);

/* ---- plural expressions ---- */

/* Compiles a Plural-Forms header value, "nplurals=N; plural=EXPR;"
 * (1 <= N <= 8). Errors give the column of the problem. */
int i18n_plural_compile(const char *forms, struct i18n_plural **out, struct co_err *e);
/* The form index for n, always in 0..nplurals-1. */
unsigned i18n_plural_eval(const struct i18n_plural *p, unsigned long n);
unsigned i18n_plural_count(const struct i18n_plural *p);
void i18n_plural_free(struct i18n_plural *p);

#endif
