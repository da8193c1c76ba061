/* Unit tests of translations: .po parsing, plural expressions (against
 * gettext's documented rules), lookups with fallback, the language choice,
 * and the embedded catalogues. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <ctype.h>
#include <dirent.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/asset.h"
#include "i18n/i18n.h"

static struct i18n_catalog *load(const char *lang, const struct i18n_catalog *fb, const char *po)
{
	struct i18n_catalog *c;
	struct co_err e;

	assert_int_equal(i18n_catalog_new(lang, fb, &c, &e), 0);
	if (i18n_catalog_add_po(c, "t.po", po, strlen(po), &e) != 0)
		fail_msg("%s", e.msg);
	return c;
}

static int po_error(const char *lang, const char *po, struct co_err *e)
{
	struct i18n_catalog *c;
	int rc;

	assert_int_equal(i18n_catalog_new(lang, NULL, &c, e), 0);
	rc = i18n_catalog_add_po(c, "bad.po", po, strlen(po), e);
	i18n_catalog_free(c);
	return rc;
}

static const char *cy_header = "msgid \"\"\n"
                               "msgstr \"\"\n"
                               "\"Content-Type: text/plain; charset=UTF-8\\n\"\n"
                               "\"Plural-Forms: nplurals=6; plural=(n==0) ? 0 : (n==1) ? 1 : "
                               "(n==2) ? 2 : (n==3) ? 3 : (n==6) ? 4 : 5;\\n\"\n\n";

static void po_parses_entries_context_escapes_and_continuations(void **state)
{
	struct i18n_catalog *c;
	char po[2048];

	(void)state;
	snprintf(po, sizeof(po),
	         "%s"
	         "# a comment\n"
	         "msgid \"Organisations\"\n"
	         "msgstr \"Sefydliadau\"\n\n"
	         "msgctxt \"month\"\n"
	         "msgid \"May\"\n"
	         "msgstr \"Mai\"\n\n"
	         "msgid \"May\"\n"
	         "msgstr \"Gall\"\n\n"
	         "msgid \"\"\n"
	         "\"Long \"\n"
	         "\"text\"\n"
	         "msgstr \"Testun \" \"hir\"\n\n"
	         "msgid \"Quote \\\"x\\\"\\tand\\\\\\n\"\n"
	         "msgstr \"Dyfynnu \\\"x\\\"\\t\\101\\x42\"\n\n"
	         "#, fuzzy\n"
	         "msgid \"Fuzzy\"\n"
	         "msgstr \"Niwlog\"\n",
	         cy_header);
	c = load("cy", NULL, po);
	assert_string_equal(i18n_gettext(c, "Organisations"), "Sefydliadau");
	assert_string_equal(i18n_pgettext(c, "month", "May"), "Mai");
	assert_string_equal(i18n_gettext(c, "May"), "Gall");
	assert_string_equal(i18n_gettext(c, "Long text"), "Testun hir");
	assert_string_equal(i18n_gettext(c, "Quote \"x\"\tand\\\n"), "Dyfynnu \"x\"\tAB");
	/* fuzzy entries are ignored, as gettext does */
	assert_string_equal(i18n_gettext(c, "Fuzzy"), "Fuzzy");
	assert_int_equal(i18n_catalog_has(c, NULL, "Fuzzy"), -1);
	assert_int_equal(i18n_catalog_size(c), 5);
	assert_int_equal(i18n_catalog_nplurals(c), 6);
	i18n_catalog_free(c);
}

static void po_errors_name_file_line_and_column(void **state)
{
	struct co_err e;

	(void)state;
	assert_int_equal(po_error("en", "msgid \"a\"\nmsgstr \"b\n", &e), CO_EINPUT);
	assert_int_equal(e.row, 2);
	assert_non_null(strstr(e.msg, "bad.po:2:"));
	assert_int_equal(po_error("en", "msgid \"a\"\nmsgid \"b\"\nmsgstr \"\"\n", &e), CO_EINPUT);
	assert_int_equal(e.row, 2);
	assert_int_equal(po_error("en", "msgid \"a\"\n", &e), CO_EINPUT);
	assert_int_equal(po_error("en", "msgid \"a\"\nmsgstr[0] \"x\"\n", &e), CO_EINPUT);
	assert_int_equal(po_error("en", "msgid \"a\" junk\nmsgstr \"\"\n", &e), CO_EINPUT);
	assert_int_equal(e.row, 1);
	assert_int_equal(e.col, 11);
	assert_int_equal(po_error("en", "msgid \"a\\0\"\nmsgstr \"\"\n", &e), CO_EINPUT);
	assert_int_equal(po_error("en", "msgid \"a\\q\"\nmsgstr \"\"\n", &e), CO_EINPUT);
	assert_int_equal(po_error("en", "bogus \"a\"\n", &e), CO_EINPUT);
	/* the same msgid twice in one file */
	assert_int_equal(
	        po_error("en", "msgid \"a\"\nmsgstr \"1\"\nmsgid \"a\"\nmsgstr \"2\"\n", &e),
	        CO_EINPUT);
	assert_non_null(strstr(e.msg, "twice"));
	/* a plural with the wrong number of forms for Welsh */
	assert_int_equal(po_error("cy",
	                          "msgid \"a\"\nmsgid_plural \"as\"\nmsgstr[0] \"x\"\nmsgstr[1] "
	                          "\"y\"\n",
	                          &e),
	                 CO_EINPUT);
	assert_non_null(strstr(e.msg, "needs 6"));
	/* a Plural-Forms header that disagrees with the language's rule */
	assert_int_equal(po_error("cy",
	                          "msgid \"\"\nmsgstr \"Plural-Forms: nplurals=2; plural=n != "
	                          "1;\\n\"\n",
	                          &e),
	                 CO_EINPUT);
}

static void merging_keeps_catalogue_unchanged_on_conflict(void **state)
{
	struct i18n_catalog *c;
	struct co_err e;
	const char *a = "msgid \"Home\"\nmsgstr \"Hafan\"\n";
	const char *b = "msgid \"Plan\"\nmsgstr \"Cynllun\"\nmsgid \"Home\"\nmsgstr \"Cartref\"\n";
	const char *same =
	        "msgid \"Home\"\nmsgstr \"Hafan\"\nmsgid \"Survey\"\nmsgstr \"Arolwg\"\n";

	(void)state;
	c = load("cy", NULL, a);
	assert_int_equal(i18n_catalog_add_po(c, "b.po", b, strlen(b), &e), CO_EINPUT);
	assert_non_null(strstr(e.msg, "t.po"));
	/* nothing of b.po was added */
	assert_int_equal(i18n_catalog_has(c, NULL, "Plan"), -1);
	assert_int_equal(i18n_catalog_size(c), 1);
	/* the same translation from two modules is fine */
	assert_int_equal(i18n_catalog_add_po(c, "c.po", same, strlen(same), &e), 0);
	assert_string_equal(i18n_gettext(c, "Survey"), "Arolwg");
	assert_int_equal(i18n_catalog_size(c), 2);
	i18n_catalog_free(c);
}

/* Welsh plural forms, as the CLDR and gettext describe them: 0 zero, 1 one,
 * 2 two, 3 few, 6 many, every other number other. */
static void plural_welsh_six_forms(void **state)
{
	struct i18n_plural *p;
	struct co_err e;
	static const unsigned expect[] = {0, 1, 2, 3, 5, 5, 4, 5, 5, 5, 5, 5};
	unsigned long n;

	(void)state;
	assert_int_equal(i18n_plural_compile("nplurals=6; plural=(n==0) ? 0 : (n==1) ? 1 : "
	                                     "(n==2) ? 2 : (n==3) ? 3 : (n==6) ? 4 : 5;",
	                                     &p, &e),
	                 0);
	assert_int_equal(i18n_plural_count(p), 6);
	for (n = 0; n < sizeof(expect) / sizeof(expect[0]); n++)
		assert_int_equal(i18n_plural_eval(p, n), expect[n]);
	assert_int_equal(i18n_plural_eval(p, 1000000), 5);
	i18n_plural_free(p);
}

/* Other rules from the gettext manual, evaluated against the same
 * arithmetic written in C. */
static void plural_rules_match_c(void **state)
{
	struct i18n_plural *ru, *pl, *ga, *fr;
	struct co_err e;
	unsigned long n;

	(void)state;
	assert_int_equal(
	        i18n_plural_compile("nplurals=3; plural=n%10==1 && n%100!=11 ? 0 : n%10>=2 && "
	                            "n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2;",
	                            &ru, &e),
	        0);
	assert_int_equal(i18n_plural_compile("nplurals=3; plural=(n==1 ? 0 : n%10>=2 && n%10<=4 "
	                                     "&& (n%100<10 || n%100>=20) ? 1 : 2);",
	                                     &pl, &e),
	                 0);
	assert_int_equal(
	        i18n_plural_compile("nplurals=5; plural=n==1 ? 0 : n==2 ? 1 : (n>2 && n<7) ? 2 "
	                            ":(n>6 && n<11) ? 3 : 4;",
	                            &ga, &e),
	        0);
	assert_int_equal(i18n_plural_compile("nplurals=2; plural=(n > 1);", &fr, &e), 0);
	for (n = 0; n < 2000; n++) {
		unsigned r = n % 10 == 1 && n % 100 != 11                                    ? 0
		             : n % 10 >= 2 && n % 10 <= 4 && (n % 100 < 10 || n % 100 >= 20) ? 1
		                                                                             : 2;
		unsigned p = n == 1                                                          ? 0
		             : n % 10 >= 2 && n % 10 <= 4 && (n % 100 < 10 || n % 100 >= 20) ? 1
		                                                                             : 2;
		unsigned g = n == 1              ? 0
		             : n == 2            ? 1
		             : (n > 2 && n < 7)  ? 2
		             : (n > 6 && n < 11) ? 3
		                                 : 4;

		assert_int_equal(i18n_plural_eval(ru, n), r);
		assert_int_equal(i18n_plural_eval(pl, n), p);
		assert_int_equal(i18n_plural_eval(ga, n), g);
		assert_int_equal(i18n_plural_eval(fr, n), n > 1);
	}
	i18n_plural_free(ru);
	i18n_plural_free(pl);
	i18n_plural_free(ga);
	i18n_plural_free(fr);
}

static void plural_is_safe_on_bad_input(void **state)
{
	struct i18n_plural *p;
	struct co_err e;
	char deep[600];
	int i;

	(void)state;
	/* division by zero gives 0; out-of-range results give form 0 */
	assert_int_equal(i18n_plural_compile("nplurals=2; plural=n/0 + n%0;", &p, &e), 0);
	assert_int_equal(i18n_plural_eval(p, 7), 0);
	i18n_plural_free(p);
	assert_int_equal(i18n_plural_compile("nplurals=2; plural=n+5;", &p, &e), 0);
	assert_int_equal(i18n_plural_eval(p, 1), 0);
	i18n_plural_free(p);
	/* malformed */
	assert_int_equal(i18n_plural_compile("nplurals=2; plural=n ==;", &p, &e), CO_EINPUT);
	assert_int_equal(i18n_plural_compile("nplurals=2; plural=(n;", &p, &e), CO_EINPUT);
	assert_int_equal(i18n_plural_compile("nplurals=2; plural=m;", &p, &e), CO_EINPUT);
	assert_int_equal(i18n_plural_compile("nplurals=0; plural=0;", &p, &e), CO_EINPUT);
	assert_int_equal(i18n_plural_compile("nplurals=99; plural=0;", &p, &e), CO_EINPUT);
	assert_int_equal(i18n_plural_compile("plural=0;", &p, &e), CO_EINPUT);
	assert_int_equal(i18n_plural_compile("nplurals=2; plural=n ? 1;", &p, &e), CO_EINPUT);
	assert_int_equal(i18n_plural_compile("nplurals=2; plural=99999999999999999999999;", &p, &e),
	                 CO_EINPUT);
	/* nesting too deep is refused, not a stack overflow */
	for (i = 0; i < 300; i++)
		deep[i] = '(';
	deep[i] = '\0';
	{
		char forms[700];

		snprintf(forms, sizeof(forms), "nplurals=2; plural=%sn;", deep);
		assert_int_equal(i18n_plural_compile(forms, &p, &e), CO_EINPUT);
	}
}

static void lookup_falls_back_to_english_then_msgid(void **state)
{
	struct i18n_catalog *en, *cy;
	char po[2048];

	(void)state;
	en = load("en", NULL,
	          "msgid \"Sign in\"\nmsgstr \"\"\n"
	          "msgid \"Organisation\"\nmsgstr \"Organisation (en)\"\n"
	          "msgid \"{n} team\"\nmsgid_plural \"{n} teams\"\nmsgstr[0] \"\"\nmsgstr[1] "
	          "\"\"\n");
	snprintf(po, sizeof(po),
	         "%s"
	         "msgid \"Sign in\"\nmsgstr \"Mewngofnodi\"\n"
	         "msgid \"Organisation\"\nmsgstr \"\"\n"
	         "msgid \"{n} team\"\nmsgid_plural \"{n} teams\"\n"
	         "msgstr[0] \"{n} tîm\"\nmsgstr[1] \"{n} tîm\"\nmsgstr[2] \"{n} dîm\"\n"
	         "msgstr[3] \"{n} thîm\"\nmsgstr[4] \"{n} thîm\"\nmsgstr[5] \"{n} tîm\"\n",
	         cy_header);
	cy = load("cy", en, po);
	assert_string_equal(i18n_gettext(cy, "Sign in"), "Mewngofnodi");
	assert_string_equal(i18n_gettext(en, "Sign in"), "Sign in"); /* empty: the msgid */
	assert_string_equal(i18n_gettext(cy, "Organisation"), "Organisation (en)");
	assert_string_equal(i18n_gettext(cy, "Not there"), "Not there");
	assert_string_equal(i18n_ngettext(cy, "{n} team", "{n} teams", 2), "{n} dîm");
	assert_string_equal(i18n_ngettext(cy, "{n} team", "{n} teams", 3), "{n} thîm");
	assert_string_equal(i18n_ngettext(cy, "{n} team", "{n} teams", 6), "{n} thîm");
	assert_string_equal(i18n_ngettext(en, "{n} team", "{n} teams", 1), "{n} team");
	assert_string_equal(i18n_ngettext(en, "{n} team", "{n} teams", 0), "{n} teams");
	assert_string_equal(i18n_ngettext(NULL, "a", "b", 5), "b");
	assert_int_equal(i18n_catalog_has(cy, NULL, "Organisation"), 0);
	assert_int_equal(i18n_catalog_has(cy, NULL, "Sign in"), 1);
	assert_string_equal(i18n_lang(cy), "cy");
	assert_string_equal(i18n_lang(NULL), "en");
	i18n_catalog_free(cy);
	i18n_catalog_free(en);
}

static void choose_language(void **state)
{
	(void)state;
	assert_string_equal(i18n_choose(NULL, NULL, NULL), "en");
	assert_string_equal(i18n_choose("cy", "en", "en"), "cy");
	assert_string_equal(i18n_choose("fr", "cy", NULL), "cy");
	assert_string_equal(i18n_choose(NULL, "xx", "cy-GB,en;q=0.8"), "cy");
	assert_string_equal(i18n_choose(NULL, NULL, "en-GB,en;q=0.9,cy;q=0.8"), "en");
	assert_string_equal(i18n_choose(NULL, NULL, "en;q=0.5, CY;q=0.7"), "cy");
	assert_string_equal(i18n_choose(NULL, NULL, "fr, de;q=0.5"), "en");
	assert_string_equal(i18n_choose(NULL, NULL, "cy;q=0"), "en");
	assert_string_equal(i18n_choose(NULL, NULL, "cy;q=bogus, en;q=0.1"), "en");
	assert_string_equal(i18n_choose(NULL, NULL, ",,;;=q,"), "en");
	assert_string_equal(i18n_choose("", "", ""), "en");
	assert_true(i18n_lang_supported("cy"));
	assert_false(i18n_lang_supported("CY"));
	assert_false(i18n_lang_supported(NULL));
}

/* Every embedded catalogue loads, Welsh has six forms, and every msgid of
 * every cy.po is also in the English catalogue (so that English never
 * falls back to a bare msgid by accident of a missing file). */
static void embedded_catalogues_load_and_agree(void **state)
{
	const struct i18n_catalog *en, *cy;
	struct co_err e;
	const struct co_asset *a;
	int nfiles = 0;

	(void)state;
	if (i18n_init(&e) != 0)
		fail_msg("%s", e.msg);
	en = i18n_catalog("en");
	cy = i18n_catalog("cy");
	assert_non_null(en);
	assert_non_null(cy);
	assert_ptr_equal(i18n_catalog("xx"), en);
	assert_ptr_equal(i18n_catalog(NULL), en);
	assert_int_equal(i18n_catalog_nplurals(cy), 6);
	for (a = co_assets; a->path; a++)
		if (strstr(a->path, "/po/") && strstr(a->path, ".po"))
			nfiles++;
	assert_true(nfiles >= 2);
	assert_true(i18n_catalog_size(cy) > 0);
	assert_string_equal(i18n_gettext(cy, "Organisations"), "Sefydliadau");
	assert_string_equal(i18n_gettext(cy, "Sign in"), "Mewngofnodi");
	assert_string_equal(i18n_gettext(en, "Sign in"), "Sign in");
}

/* ---- messages used from C ----
 *
 * The calls below take English msgids as string literals. This scans the C
 * files of the listed directories (relative to the repository root, where
 * the tests run), takes each literal argument (adjacent literals joined, C
 * escapes decoded) and checks it is in the English catalogue and has a
 * Welsh translation. Add a module's directory here once its catalogues are
 * complete. */

static const char *const c_dirs[] = {"src/web", "src/tpl", "src/i18n", NULL};

static const struct {
	const char *fn;
	int args[2]; /* 0-based indexes of msgid arguments; -1 none */
	int ctx;     /* index of a msgctxt argument, -1 none */
} c_calls[] = {
        {"web_t", {1, -1}, -1},           {"web_flash", {2, -1}, -1},
        {"web_errors_add", {3, -1}, -1},  {"web_problem", {2, 3}, -1},
        {"web__error_page", {2, -1}, -1}, {"i18n_gettext", {1, -1}, -1},
        {"i18n_pgettext", {2, -1}, 1},
};

/* Decodes the argument text [s, e) when it is only string literals; returns
 * 0 (and out) or -1. */
static int literal_arg(const char *s, const char *e, char *out, size_t size)
{
	size_t n = 0;
	int any = 0;

	while (s < e) {
		if (isspace((unsigned char)*s)) {
			s++;
			continue;
		}
		if (*s != '"')
			return -1;
		any = 1;
		for (s++; s < e && *s != '"'; s++) {
			char c = *s;

			if (c == '\\' && s + 1 < e) {
				s++;
				c = *s == 'n' ? '\n' : *s == 't' ? '\t' : *s;
			}
			if (n + 1 < size)
				out[n++] = c;
		}
		if (s >= e)
			return -1;
		s++;
	}
	out[n] = '\0';
	return any ? 0 : -1;
}

struct c_check {
	const struct i18n_catalog *en, *cy;
	int total, bad;
};

static void check_c_file(const char *path, struct c_check *ck)
{
	FILE *f = fopen(path, "rb");
	char *src;
	long len;
	size_t k;

	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	fseek(f, 0, SEEK_SET);
	src = malloc((size_t)len + 1);
	assert_non_null(src);
	assert_int_equal(fread(src, 1, (size_t)len, f), (size_t)len);
	src[len] = '\0';
	fclose(f);
	for (k = 0; k < sizeof(c_calls) / sizeof(c_calls[0]); k++) {
		size_t fl = strlen(c_calls[k].fn);
		const char *p = src;

		while ((p = strstr(p, c_calls[k].fn)) != NULL) {
			const char *q = p + fl, *a[8], *ae[8];
			int depth = 0, na = 0, i, line = 1;
			char ctx[256] = "", msg[1024];
			const char *t;

			if ((p > src && (isalnum((unsigned char)p[-1]) || p[-1] == '_')) ||
			    (*q != '(' && !(*q == ' ' && q[1] == '('))) {
				p = q;
				continue;
			}
			q = strchr(q, '(');
			/* split the arguments at top-level commas, skipping strings */
			a[0] = q + 1;
			for (q++; *q && na < 8; q++) {
				if (*q == '"') {
					for (q++; *q && *q != '"'; q++)
						if (*q == '\\' && q[1])
							q++;
				} else if (*q == '(') {
					depth++;
				} else if (*q == ')' && depth-- == 0) {
					ae[na++] = q;
					break;
				} else if (*q == ',' && depth == 0) {
					ae[na] = q;
					a[++na] = q + 1;
				}
			}
			for (t = src; t < p; t++)
				line += *t == '\n';
			if (c_calls[k].ctx >= 0 && c_calls[k].ctx < na &&
			    literal_arg(a[c_calls[k].ctx], ae[c_calls[k].ctx], ctx, sizeof(ctx)))
				ctx[0] = '\0';
			for (i = 0; i < 2; i++) {
				int ix = c_calls[k].args[i];

				if (ix < 0 || ix >= na ||
				    literal_arg(a[ix], ae[ix], msg, sizeof(msg)) != 0)
					continue;
				ck->total++;
				if (i18n_catalog_has(ck->en, ctx[0] ? ctx : NULL, msg) < 0 ||
				    i18n_catalog_has(ck->cy, ctx[0] ? ctx : NULL, msg) < 1) {
					print_error("%s:%d: \"%s\" is not in en.po and cy.po (with "
					            "Welsh)\n",
					            path, line, msg);
					ck->bad++;
				}
			}
			p += fl;
		}
	}
	free(src);
}

static void check_c_dir(const char *dir, struct c_check *ck)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	assert_non_null(d);
	while ((de = readdir(d)) != NULL) {
		char path[512];
		size_t n = strlen(de->d_name);
		struct stat st;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (stat(path, &st) != 0)
			continue;
		if (S_ISDIR(st.st_mode))
			check_c_dir(path, ck);
		else if (n > 2 && strcmp(de->d_name + n - 2, ".c") == 0)
			check_c_file(path, ck);
	}
	closedir(d);
}

static void c_messages_are_translated(void **state)
{
	struct c_check ck = {0};
	int i;

	(void)state;
	ck.en = i18n_catalog("en");
	ck.cy = i18n_catalog("cy");
	assert_non_null(ck.en);
	for (i = 0; c_dirs[i]; i++)
		check_c_dir(c_dirs[i], &ck);
	assert_true(ck.total > 5);
	assert_int_equal(ck.bad, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(po_parses_entries_context_escapes_and_continuations),
	        cmocka_unit_test(po_errors_name_file_line_and_column),
	        cmocka_unit_test(merging_keeps_catalogue_unchanged_on_conflict),
	        cmocka_unit_test(plural_welsh_six_forms),
	        cmocka_unit_test(plural_rules_match_c),
	        cmocka_unit_test(plural_is_safe_on_bad_input),
	        cmocka_unit_test(lookup_falls_back_to_english_then_msgid),
	        cmocka_unit_test(choose_language),
	        cmocka_unit_test(embedded_catalogues_load_and_agree),
	        cmocka_unit_test(c_messages_are_translated),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
