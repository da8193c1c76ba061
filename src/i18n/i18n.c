/*
 * i18n.c - the process-wide catalogues, built once from the embedded .po
 * files, and the choice of a request's language.
 */
#include "i18n/i18n.h"

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "base/asset.h"

const char *const i18n_langs[] = {"en", "cy", NULL};
#define NLANGS 2

static pthread_once_t load_once = PTHREAD_ONCE_INIT;
static struct i18n_catalog *cats[NLANGS];
static struct co_err load_err;
static int load_rc;

static int lang_index(const char *code)
{
	int i;

	if (!code)
		return -1;
	for (i = 0; i < NLANGS; i++)
		if (strcmp(code, i18n_langs[i]) == 0)
			return i;
	return -1;
}

/* The language of an asset path src/.../po/<lang>.po, or -1. */
static int po_lang(const char *path)
{
	const char *slash = strrchr(path, '/');
	char code[8];
	size_t n;

	if (strncmp(path, "src/", 4) != 0 || !slash || slash - path < 3 ||
	    strncmp(slash - 3, "/po", 3) != 0)
		return -1;
	n = strlen(slash + 1);
	if (n < 4 || n - 3 >= sizeof(code) || strcmp(slash + 1 + n - 3, ".po") != 0)
		return -1;
	memcpy(code, slash + 1, n - 3);
	code[n - 3] = '\0';
	return lang_index(code);
}

static void load(void)
{
	const struct co_asset *a;
	int i, rc = 0;

	co_err_clear(&load_err);
	for (i = 0; i < NLANGS && !rc; i++)
		rc = i18n_catalog_new(i18n_langs[i], i ? cats[0] : NULL, &cats[i], &load_err);
	for (a = co_assets; a->path && !rc; a++) {
		int l = po_lang(a->path);

		if (l >= 0)
			rc = i18n_catalog_add_po(cats[l], a->path, a->data, a->len, &load_err);
	}
	if (rc) {
		for (i = NLANGS - 1; i >= 0; i--) {
			i18n_catalog_free(cats[i]);
			cats[i] = NULL;
		}
	}
	load_rc = rc;
}

int i18n_init(struct co_err *e)
{
	pthread_once(&load_once, load);
	if (load_rc && e)
		*e = load_err;
	return load_rc;
}

const struct i18n_catalog *i18n_catalog(const char *lang)
{
	int i;

	pthread_once(&load_once, load);
	i = lang_index(lang);
	return cats[i < 0 ? 0 : i];
}

void i18n_shutdown(void)
{
	int i;

	for (i = NLANGS - 1; i >= 0; i--) {
		i18n_catalog_free(cats[i]);
		cats[i] = NULL;
	}
}

int i18n_lang_supported(const char *code)
{
	return lang_index(code) >= 0;
}

/* Parses a q-value ("0.8", "1", "1.000") in [s, end); -1 when malformed. */
static double parse_q(const char *s, const char *end)
{
	char tmp[16], *e;
	size_t n = (size_t)(end - s);
	double q;

	if (n == 0 || n >= sizeof(tmp))
		return -1;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	errno = 0;
	q = strtod(tmp, &e);
	if (errno || e != tmp + n || !(q >= 0 && q <= 1))
		return -1;
	return q;
}

/* The best supported language of an Accept-Language value, or NULL. */
static const char *from_accept(const char *h)
{
	const char *best = NULL;
	double best_q = 0;
	const char *p = h;

	while (*p) {
		const char *item = p, *item_end, *tag_end, *semi;
		char code[8];
		size_t n;
		double q = 1;
		int l;

		item_end = strchr(p, ',');
		if (!item_end)
			item_end = p + strlen(p);
		p = *item_end ? item_end + 1 : item_end;
		while (item < item_end && isspace((unsigned char)*item))
			item++;
		for (semi = item; semi < item_end && *semi != ';'; semi++)
			;
		tag_end = semi;
		if (semi == item_end)
			semi = NULL;
		/* the primary subtag */
		n = 0;
		while (item + n < tag_end && isalpha((unsigned char)item[n]))
			n++;
		if (n == 0 || n >= sizeof(code))
			continue;
		for (size_t i = 0; i < n; i++)
			code[i] = (char)tolower((unsigned char)item[i]);
		code[n] = '\0';
		if (semi) {
			const char *qs = semi + 1;

			while (qs < item_end && isspace((unsigned char)*qs))
				qs++;
			if (item_end - qs >= 2 && (qs[0] == 'q' || qs[0] == 'Q') && qs[1] == '=') {
				const char *qe = qs + 2;

				while (qe < item_end && !isspace((unsigned char)*qe) && *qe != ';')
					qe++;
				q = parse_q(qs + 2, qe);
				if (q < 0)
					continue;
			}
		}
		l = lang_index(code);
		if (l >= 0 && q > best_q) {
			best = i18n_langs[l];
			best_q = q;
		}
	}
	return best;
}

const char *i18n_choose(const char *query_lang, const char *cookie_lang,
                        const char *accept_language)
{
	const char *l;
	int i;

	if ((i = lang_index(query_lang)) >= 0)
		return i18n_langs[i];
	if ((i = lang_index(cookie_lang)) >= 0)
		return i18n_langs[i];
	if (accept_language && (l = from_accept(accept_language)) != NULL)
		return l;
	return i18n_langs[0];
}
