/*
 * tpl.h - the template engine: HTML pages (and plain-text emails) from
 * template files and a jansson json_t, escaped by default.
 *
 * NAMES. Templates are the embedded files under src/.../templates/. A
 * template's name is its path with "src/", "mod/", "templates/" and a final
 * ".html" removed:
 *   src/web/templates/layout.html              -> "web/layout"
 *   src/mod/accounts/templates/org_list.html   -> "accounts/org_list"
 *   src/mod/improve/templates/chart/run.html   -> "improve/chart/run"
 *   src/mod/accounts/templates/invite.txt      -> "accounts/invite.txt"
 * ".html" templates are HTML (context-aware escaping, below); any other
 * extension is plain text (no escaping at all: for email bodies) and keeps
 * its extension in the name. Two files with one name are an error.
 *
 * SYNTAX.
 *   {{ expr }}                  output, escaped for where it stands
 *   {{ expr | raw }}            output unescaped: the visible exception, for
 *                               HTML the program built itself (an SVG chart)
 *   {# comment #}
 *   {% if expr %} ... {% elif expr %} ... {% else %} ... {% endif %}
 *   {% for x in expr %} ... {% else %} (empty or not a list) ... {% endfor %}
 *   {% for key, value in expr %}  objects (key, value); arrays (index, item)
 *       inside: loop.index (1-based), loop.index0, loop.first, loop.last,
 *       loop.length
 *   {% set name = expr %}       a variable for the rest of the enclosing
 *                               block/loop/branch
 *   {% include "web/field" %}   renders another template with the current
 *   {% include "web/field" with name="email" label=_("Email address") %}
 *                               variables, plus the given ones
 *   {% extends "web/layout" %}  must come first; the template then holds only
 *   {% block content %} ... {% endblock %}  block definitions, which replace
 *                               the parent's blocks of the same name (a
 *                               parent's block content is its default)
 *   {% trans %}Text with <em>markup</em>{% endtrans %}
 *   {% trans name=user.name %}Signed in as {name}{% endtrans %}
 *   {% trans count=n %}{count} team{% plural %}{count} teams{% endtrans %}
 *   {% trans context="verb" %}Plan{% endtrans %}
 *                               a translated paragraph. The body is the msgid
 *                               (runs of white space collapsed to one space,
 *                               trimmed); it is trusted HTML from the
 *                               catalogue, written as is; {name} placeholders
 *                               take the given values, HTML-escaped. Allowed
 *                               only where text is (not inside a tag).
 *   Whitespace: a {% tag %} alone on its line leaves no blank line (the line's
 *   indentation and the newline after the tag are dropped); {%- / -%} and
 *   {{- / -}} also strip all white space before / after them.
 *
 * EXPRESSIONS.
 *   names and paths   org.name, orgs.0.name, errors[field], loop.index
 *                     (a missing name or key is null: no error)
 *   literals          "text" 'text' 42 -1.5 true false null
 *   operators         == != < <= > >= (numbers, or strings by bytes),
 *                     and or not, in, not in (list item, object key,
 *                     substring), + - * / % (numbers), ~ (joins as text),
 *                     a if cond else b, ( ). Truthiness: null, false, 0,
 *                     "", [] and {} are false.
 *   translation       _("Organisations")
 *                     _("Page {page} of {pages}", page=p.page, pages=p.pages)
 *                     ngettext("{n} member", "{n} members", org.members)
 *                         ({n} is the count unless given explicitly)
 *                     pgettext("month", "May")
 *                     npgettext("ctx", "{n} file", "{n} files", k)
 *                     The message arguments must be string literals (so that
 *                     the catalogue check can find every one). The result is
 *                     text, escaped like any other value.
 *   filters           expr | name  or  expr | name(args)
 *     url             percent-encodes for a URL component (RFC 3986:
 *                     all but A-Z a-z 0-9 - . _ ~)
 *     default(x)      x when the value is null, false or ""
 *     length          items of a list or object, characters of a string
 *     join(sep)       a list's items as text with sep between
 *     number          an integer with thousands separators: 12,345;
 *     number(d)       a number with d decimals (0..6): 3.14
 *     date            Unix seconds (UTC) as a date in Europe/London, in
 *                     the language: "3 March 2025" / "3 Mawrth 2025"
 *     datetime        "3 March 2025, 14:05"; time: "14:05"
 *     isodate         "2025-03-03" (Europe/London), for <input type=date>
 *     upper, lower    ASCII case
 *   raw is only allowed as the last filter of an output tag.
 *
 * ESCAPING (".html" templates). The compiler follows the HTML around each
 * {{ }} and escapes for that place:
 *   text, <title>, <textarea>       & < > " ' become entities
 *   a quoted attribute value        the same
 *   a URL attribute (href, src, action, formaction, cite, poster, srcset)
 *                                   the same, and when the value starts the
 *                                   attribute a scheme other than http:,
 *                                   https:, mailto: or tel: (javascript:,
 *                                   data:, ...) is replaced by "#blocked"
 *   an unquoted attribute, a tag or attribute name, an on* or style
 *   attribute, <script>, <style>, an HTML comment
 *                                   a compile error (write quotes; keep
 *                                   script and style in static files)
 * The branches of an if, and a loop's body, must end in the HTML state they
 * began in (else a compile error), so the state is known at every output.
 *
 * ERRORS. Compile errors give "name:line:col: message" in e->msg with
 * e->row and e->col set (e->field holds the start of the name). Every
 * included, extended and translated name is checked when the set is
 * compiled, so rendering cannot meet an unknown template. Render errors:
 * CO_ELIMIT when the output would pass the co_buf's maximum, CO_ELIMIT when
 * includes nest deeper than TPL_MAX_DEPTH, CO_ENOMEM.
 *
 * DATA. The json_t passed to tpl_render is the root object: its members are
 * the top-level names. The caller keeps ownership; tpl never changes it.
 *
 * LAYOUT ("web/layout", see docs/templates.md). A page writes
 *   {% extends "web/layout" %}
 *   {% block content %} ... {% endblock %}
 * and the page data carries what the layout reads:
 *   lang     "en" or "cy" (html lang attribute, the language switch)
 *   title    the page title, already translated (<title> and nothing else)
 *   user     null when signed out, else {"name": ...}
 *   csrf     the CSRF token (the sign-out form posts it as field "csrf")
 *   nav      the current primary navigation item: "home", "improve",
 *            "exchange", "plan", "workforce", "survey", "network",
 *            "organisations" (marks it aria-current="page")
 *   flash    null, or {"kind": "success"|"info"|"warning", "message": text}
 *   errors   for forms: {} or {"field_id": "message", ...} in page order;
 *            the error summary lists them, web/field shows each by its field
 * Blocks a page may fill: title (the <title> text; default {{ title }}),
 * before_content (the top of <main>, e.g. a back link), content.
 *
 * OWNERSHIP AND THREADS. A struct tpl_set owns its compiled templates and
 * is freed with tpl_set_free(). Building a set (tpl_set_add, tpl_set_link)
 * is single-threaded; once linked, a set is read-only and tpl_render may be
 * called on it from any number of threads at once. The embedded set is
 * compiled once, by tpl_init() at start-up or on the first render, under a
 * pthread_once, and lives until tpl_shutdown().
 */
#ifndef TPL_H
#define TPL_H

#include <jansson.h>
#include <stddef.h>

#include "base/buf.h"
#include "base/err.h"

/* How deeply includes and extends may nest at render time. */
#define TPL_MAX_DEPTH 32

struct tpl_set;

/* ---- the embedded templates ---- */

/* Compiles and links every embedded template (src/.../templates/...). Call
 * once at start-up to report errors early; later calls return the first
 * result. Thread-safe. */
int tpl_init(struct co_err *e);

/* The set of embedded templates, compiling it on first use; NULL when it
 * failed to compile (tpl_init() says why). */
const struct tpl_set *tpl_embedded(void);

/* Frees the embedded set (at exit, for leak checkers). */
void tpl_shutdown(void);

/* ---- rendering ---- */

/*
 * Renders template `name` of set (NULL: the embedded set) with data as the
 * root object, in language lang ("en", "cy"; NULL or unknown: English),
 * appending to out, which bounds the size. On failure out may hold a partial
 * page: the caller discards it.
 */
int tpl_render(const struct tpl_set *set, const char *name, const json_t *data, const char *lang,
               struct co_buf *out, struct co_err *e);

/* 1 when set (NULL: embedded) holds a template of that name. */
int tpl_exists(const struct tpl_set *set, const char *name);

/* ---- building a set by hand (tests, fuzzing) ---- */

int tpl_set_new(struct tpl_set **out);

/* Compiles one template's source under name. html: 1 for HTML escaping
 * rules, 0 for plain text. On failure the set is unchanged. */
int tpl_set_add(struct tpl_set *set, const char *name, const char *src, size_t len, int html,
                struct co_err *e);

/* Checks every reference between the templates (include, extends exist; no
 * cycles of extends). Must succeed before rendering. */
int tpl_set_link(struct tpl_set *set, struct co_err *e);

void tpl_set_free(struct tpl_set *set);

/* The template name for an asset path ("src/web/templates/layout.html" ->
 * "web/layout"), written to out (size bytes); *html set to 1 for .html.
 * CO_EINPUT when the path is not a template path. */
int tpl_name_from_path(const char *path, char *out, size_t size, int *html);

/* ---- the catalogue check ---- */

/* One translatable message used in a template. */
struct tpl_msg {
	const char *tpl;    /* template name */
	int line;           /* where it is used */
	const char *ctx;    /* msgctxt or NULL */
	const char *msgid;  /* as the catalogue must hold it */
	const char *plural; /* msgid_plural or NULL */
};

/* Calls fn for every translatable message in every template of set (NULL:
 * embedded), in name order; stops and returns fn's value when it is not 0. */
int tpl_each_msg(const struct tpl_set *set, int (*fn)(const struct tpl_msg *m, void *arg),
                 void *arg);

#endif
