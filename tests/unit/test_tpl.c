/* Unit tests of the template engine: syntax, escaping (XSS cases),
 * inheritance, translation, errors with line and column, limits, the
 * embedded templates and the catalogue check (every template message in
 * every language). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/limits.h"
#include "i18n/i18n.h"
#include "tpl/tpl.h"

/* Builds a set from name/source pairs (NULL-terminated); "*.txt" names are
 * plain text. Fails the test on an error. */
static struct tpl_set *make_set(const char *const *pairs)
{
	struct tpl_set *s;
	struct co_err e;
	int i;

	assert_int_equal(tpl_set_new(&s), 0);
	for (i = 0; pairs[i]; i += 2) {
		int html = strstr(pairs[i], ".txt") == NULL;

		if (tpl_set_add(s, pairs[i], pairs[i + 1], strlen(pairs[i + 1]), html, &e))
			fail_msg("%s", e.msg);
	}
	if (tpl_set_link(s, &e))
		fail_msg("%s", e.msg);
	return s;
}

/* Renders template "main" of the pairs with data (JSON text) in lang;
 * returns a malloc'd string. */
static char *render_lang(const char *const *pairs, const char *json, const char *lang)
{
	struct tpl_set *s = make_set(pairs);
	struct co_buf b;
	struct co_err e;
	json_error_t je;
	json_t *data = json_loads(json ? json : "{}", 0, &je);
	char *out;

	if (!data)
		fail_msg("bad test JSON: %s", je.text);
	co_buf_init(&b, CO_MAX_PAGE);
	if (tpl_render(s, "main", data, lang, &b, &e))
		fail_msg("%s", e.msg);
	out = co_buf_take(&b, NULL);
	json_decref(data);
	tpl_set_free(s);
	return out;
}

static char *render1(const char *src, const char *json)
{
	const char *pairs[] = {"main", src, NULL};

	return render_lang(pairs, json, "en");
}

#define assert_renders(src, json, want)                                                            \
	do {                                                                                       \
		char *got_ = render1((src), (json));                                               \
		assert_string_equal(got_, (want));                                                 \
		free(got_);                                                                        \
	} while (0)

/* Compiles src as "main" and expects an error; returns it. */
static struct co_err compile_error(const char *src)
{
	struct tpl_set *s;
	struct co_err e;

	assert_int_equal(tpl_set_new(&s), 0);
	memset(&e, 0, sizeof(e));
	if (tpl_set_add(s, "main", src, strlen(src), 1, &e) == 0) {
		if (tpl_set_link(s, &e) == 0)
			fail_msg("expected an error compiling: %s", src);
	}
	tpl_set_free(s);
	return e;
}

static void variables_paths_and_literals(void **state)
{
	(void)state;
	assert_renders("Hello {{ name }}!", "{\"name\": \"Cymru\"}", "Hello Cymru!");
	assert_renders("{{ org.name }} / {{ org.region.name }}",
	               "{\"org\": {\"name\": \"Powys\", \"region\": {\"name\": \"Mid\"}}}",
	               "Powys / Mid");
	assert_renders("{{ orgs.1.name }} {{ orgs[0].name }} {{ orgs[-1].name }}",
	               "{\"orgs\": [{\"name\": \"a\"}, {\"name\": \"b\"}, {\"name\": \"c\"}]}",
	               "b a c");
	assert_renders("{{ errors[field] }}",
	               "{\"errors\": {\"email\": \"bad\"}, \"field\": \"email\"}", "bad");
	assert_renders("[{{ missing }}][{{ missing.deeper.still }}][{{ n.x }}]", "{\"n\": 5}",
	               "[][][]");
	assert_renders("{{ 42 }} {{ -1.5 }} {{ \"s\" }} {{ true }} {{ null }}|", NULL,
	               "42 -1.5 s true |");
	assert_renders("{{ i }} {{ r }} {{ big }}", "{\"i\": 12, \"r\": 2.5, \"big\": 3.0}",
	               "12 2.5 3");
}

static void operators_and_truthiness(void **state)
{
	(void)state;
	assert_renders("{{ a + b }} {{ a - b }} {{ a * b }} {{ a / b }} {{ a % b }} {{ 7 / 2 }}",
	               "{\"a\": 6, \"b\": 3}", "9 3 18 2 0 3.5");
	assert_renders("{{ 1 / 0 }}|{{ \"x\" + 1 }}|", NULL, "||");
	assert_renders("{{ a ~ '-' ~ b }}", "{\"a\": \"x\", \"b\": 2}", "x-2");
	assert_renders("{% if a == 1 and not b %}y{% else %}n{% endif %}",
	               "{\"a\": 1, \"b\": false}", "y");
	assert_renders("{% if a < b %}lt{% endif %}{% if 'abc' < 'abd' %}s{% endif %}",
	               "{\"a\": 1, \"b\": 2.5}", "lts");
	assert_renders("{% if x %}t{% else %}f{% endif %}", "{\"x\": []}", "f");
	assert_renders("{% if x %}t{% else %}f{% endif %}", "{\"x\": {}}", "f");
	assert_renders("{% if x %}t{% else %}f{% endif %}", "{\"x\": \"\"}", "f");
	assert_renders("{% if x %}t{% else %}f{% endif %}", "{\"x\": 0}", "f");
	assert_renders("{% if x %}t{% else %}f{% endif %}", "{\"x\": [0]}", "t");
	assert_renders("{% if 'admin' in roles %}A{% endif %}{% if 'x' not in roles %}B{% endif %}",
	               "{\"roles\": [\"lead\", \"admin\"]}", "AB");
	assert_renders("{% if 'k' in o %}K{% endif %}{% if 'ell' in 'hello' %}S{% endif %}",
	               "{\"o\": {\"k\": 1}}", "KS");
	assert_renders("{{ a or 'none' }} {{ b and 'yes' }}", "{\"a\": \"\", \"b\": 1}",
	               "none yes");
	assert_renders("{% if n > 1 %}a{% elif n == 1 %}b{% else %}c{% endif %}", "{\"n\": 1}",
	               "b");
	assert_renders("{% if n > 1 %}a{% elif n == 1 %}b{% else %}c{% endif %}", "{\"n\": 0}",
	               "c");
	assert_renders("{{ (1 + 2) * 3 }} {{ 1 + 2 * 3 }} {{ -(2) }}", NULL, "9 7 -2");
	assert_renders("{{ 'a' if n > 1 else 'b' }}{{ 'c' if n else 'd' if m else 'e' }}",
	               "{\"n\": 0, \"m\": 1}", "bd");
}

static void loops(void **state)
{
	(void)state;
	assert_renders("{% for o in orgs %}{{ loop.index }}:{{ o }}{% if not loop.last %}, "
	               "{% endif %}{% endfor %}",
	               "{\"orgs\": [\"a\", \"b\", \"c\"]}", "1:a, 2:b, 3:c");
	assert_renders("{% for o in orgs %}{% if loop.first %}[{% endif %}{{ loop.index0 }}/"
	               "{{ loop.length }}{% endfor %}",
	               "{\"orgs\": [1, 2]}", "[0/21/2");
	assert_renders("{% for o in orgs %}x{% else %}none{% endfor %}", "{\"orgs\": []}", "none");
	assert_renders("{% for o in orgs %}x{% else %}none{% endfor %}", "{}", "none");
	assert_renders("{% for k, v in m %}{{ k }}={{ v }};{% endfor %}",
	               "{\"m\": {\"b\": 1, \"a\": 2}}", "b=1;a=2;");
	assert_renders("{% for i, v in l %}{{ i }}{{ v }}{% endfor %}", "{\"l\": [\"x\", \"y\"]}",
	               "0x1y");
	assert_renders("{% for r in rows %}{% for c in r %}{{ loop.index }}{{ c }}{% endfor %}"
	               "({{ loop.index }}){% endfor %}",
	               "{\"rows\": [[\"a\", \"b\"], [\"c\"]]}", "1a2b(1)1c(2)");
	/* a loop variable shadows the data, and is gone after the loop */
	assert_renders("{% for x in l %}{{ x }}{% endfor %}{{ x }}", "{\"l\": [1], \"x\": \"top\"}",
	               "1top");
}

static void set_and_scopes(void **state)
{
	(void)state;
	assert_renders("{% set t = a ~ '!' %}{{ t }}", "{\"a\": \"hi\"}", "hi!");
	assert_renders("{% if true %}{% set t = 1 %}{{ t }}{% endif %}[{{ t }}]", NULL, "1[]");
}

static void escaping_in_text_and_attributes(void **state)
{
	(void)state;
	assert_renders(
	        "<p>{{ x }}</p>", "{\"x\": \"<script>alert('x')</script> & \\\"q\\\"\"}",
	        "<p>&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;</p>");
	assert_renders("<input value=\"{{ v }}\">", "{\"v\": \"\\\" onfocus=\\\"alert(1)\"}",
	               "<input value=\"&quot; onfocus=&quot;alert(1)\">");
	assert_renders("<input value='{{ v }}'>", "{\"v\": \"' onfocus='alert(1)\"}",
	               "<input value='&#39; onfocus=&#39;alert(1)'>");
	assert_renders("<title>{{ t }}</title>", "{\"t\": \"</title><script>\"}",
	               "<title>&lt;/title&gt;&lt;script&gt;</title>");
	assert_renders("<textarea>{{ t }}</textarea>", "{\"t\": \"</textarea>x\"}",
	               "<textarea>&lt;/textarea&gt;x</textarea>");
	/* raw is the visible exception */
	assert_renders("<div>{{ svg | raw }}</div>", "{\"svg\": \"<svg><rect/></svg>\"}",
	               "<div><svg><rect/></svg></div>");
	/* escaping of every value type, and of numbers (no change) */
	assert_renders("{{ o }}", "{\"o\": {\"a\": \"<b>\"}}",
	               "{&quot;a&quot;:&quot;&lt;b&gt;&quot;}");
	/* plain-text templates are not escaped */
	{
		const char *pairs[] = {"main.txt", "Hello {{ n }} & co", "main",
		                       "{% include "
		                       "\"main.txt\" %}",
		                       NULL};
		char *got = render_lang(pairs, "{\"n\": \"<A>\"}", "en");

		assert_string_equal(got, "Hello <A> & co");
		free(got);
	}
}

static void url_attributes_block_dangerous_schemes(void **state)
{
	static const char *const bad[] = {
	        "javascript:alert(1)",
	        "JavaScript:alert(1)",
	        " javascript:alert(1)",
	        "java\\tscript:alert(1)",
	        "java\\nscript:alert(1)",
	        "\\u0001javascript:x",
	        "data:text/html,<script>",
	        "vbscript:x",
	        "JAVASCRIPT:x",
	};
	static const char *const good[] = {"/orgs/1",     "https://example.org/a?b=c",
	                                   "http://x",    "mailto:a@b.c",
	                                   "tel:+441234", "?lang=cy",
	                                   "#main",       "relative/path:with-colon",
	                                   "//host/x"};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char json[256];
		char *got;

		snprintf(json, sizeof(json), "{\"u\": \"%s\"}", bad[i]);
		got = render1("<a href=\"{{ u }}\">x</a><img src='{{ u }}'>", json);
		assert_string_equal(got, "<a href=\"#blocked\">x</a><img src='#blocked'>");
		free(got);
	}
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		char json[256], want[256];
		char *got;

		snprintf(json, sizeof(json), "{\"u\": \"%s\"}", good[i]);
		snprintf(want, sizeof(want), "<a href=\"%s\">x</a>", good[i]);
		got = render1("<a href=\"{{ u }}\">x</a>", json);
		assert_string_equal(got, want);
		free(got);
	}
	/* not at the start of the attribute: an ordinary escaped value */
	assert_renders("<a href=\"/o/{{ u }}\">", "{\"u\": \"javascript:x\"}",
	               "<a href=\"/o/javascript:x\">");
	/* | url percent-encodes a component */
	assert_renders("<a href=\"/search?q={{ q | url }}\">", "{\"q\": \"a b&c=d/é\\\"<\"}",
	               "<a href=\"/search?q=a%20b%26c%3Dd%2F%C3%A9%22%3C\">");
}

static void unsafe_places_are_compile_errors(void **state)
{
	static const char *const srcs[] = {
	        "<a href={{ u }}>",                             /* unquoted */
	        "<div {{ attrs }}>",                            /* inside a tag */
	        "<{{ tag }}>",                                  /* a tag name */
	        "<a onclick=\"{{ js }}\">",                     /* event handler */
	        "<p style=\"color: {{ c }}\">",                 /* style */
	        "<script>var x = {{ x }};</script>",            /* script */
	        "<style>{{ css }}</style>",                     /* style element */
	        "<!-- {{ c }} -->",                             /* comment */
	        "<div {{ attrs | raw }}>",                      /* raw does not change the place */
	        "{% if x %}<div class=\"a{% endif %}\">",       /* branch leaves a value open */
	        "{% if x %}<a href=\"{% else %}<b>{% endif %}", /* branches disagree */
	        "{% for x in l %}<p class=\"{% endfor %}\">",   /* loop body not closed */
	        "<p",                                           /* ends inside a tag */
	        "<a class=\"{% include \"x\" %}\">",            /* include in a tag */
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(srcs) / sizeof(srcs[0]); i++) {
		struct co_err e = compile_error(srcs[i]);

		assert_int_equal(e.code, CO_EINPUT);
		assert_non_null(strstr(e.msg, "main:1:"));
	}
	/* attributes decided by a condition are fine */
	assert_renders("<li{% if c %} class=\"on\" aria-current=\"page\"{% endif %}>x</li>",
	               "{\"c\": true}", "<li class=\"on\" aria-current=\"page\">x</li>");
	assert_renders("<input type=\"checkbox\"{% if c %} checked{% endif %}>", "{\"c\": false}",
	               "<input type=\"checkbox\">");
	assert_renders("<a class=\"x{% if c %} y{% endif %}\" href=\"/\">", "{\"c\": 1}",
	               "<a class=\"x y\" href=\"/\">");
	/* the script's own end tag returns to text */
	assert_renders("<script src=\"/a.js\"></script><p>{{ x }}</p>", "{\"x\": \"<\"}",
	               "<script src=\"/a.js\"></script><p>&lt;</p>");
}

static void compile_errors_name_template_line_and_column(void **state)
{
	struct co_err e;

	(void)state;
	e = compile_error("line one\n  {{ a + }}\n");
	assert_int_equal(e.row, 2);
	assert_int_equal(e.col, 10);
	assert_non_null(strstr(e.msg, "main:2:10:"));
	e = compile_error("{% if a %}\n{% for x in y %}\n{% endif %}");
	assert_int_equal(e.row, 3);
	e = compile_error("ok\n{% frobnicate %}");
	assert_int_equal(e.row, 2);
	assert_int_equal(e.col, 1);
	assert_non_null(strstr(e.msg, "unexpected tag 'frobnicate'"));
	e = compile_error("{{ a ");
	assert_non_null(strstr(e.msg, "never closed"));
	e = compile_error("{% if a %}x");
	assert_non_null(strstr(e.msg, "endif"));
	e = compile_error("{{ a | nosuchfilter }}");
	assert_non_null(strstr(e.msg, "unknown filter"));
	e = compile_error("{{ a | raw | url }}");
	assert_int_equal(e.code, CO_EINPUT);
	e = compile_error("{{ _(name) }}");
	assert_non_null(strstr(e.msg, "string literal"));
	e = compile_error("{{ _(\"Hello {who}\") }}");
	assert_non_null(strstr(e.msg, "{who}"));
	e = compile_error("{% include \"nowhere\" %}");
	assert_non_null(strstr(e.msg, "nowhere"));
	e = compile_error("x{% extends \"main\" %}");
	assert_non_null(strstr(e.msg, "first"));
	e = compile_error("{% block a %}{% endblock %}{% block a %}{% endblock %}");
	assert_non_null(strstr(e.msg, "twice"));
	e = compile_error("{% trans %}Hi {{ name }}{% endtrans %}");
	assert_non_null(strstr(e.msg, "inside trans"));
	e = compile_error("{{ foo(1) }}");
	assert_non_null(strstr(e.msg, "unknown function"));
	e = compile_error("{% for loop in x %}{% endfor %}");
	assert_int_equal(e.code, CO_EINPUT);
}

static void includes_with_arguments(void **state)
{
	const char *pairs[] = {
	        "main",
	        "<ul>{% for o in orgs %}{% include \"item\" with label=o.name n=loop.index %}"
	        "{% endfor %}</ul>",
	        "item",
	        "<li>{{ n }}. {{ label }} ({{ site }})</li>",
	        NULL,
	};
	char *got = render_lang(pairs,
	                        "{\"orgs\": [{\"name\": \"A\"}, {\"name\": \"<B>\"}], "
	                        "\"site\": \"S\"}",
	                        "en");

	(void)state;
	assert_string_equal(got, "<ul><li>1. A (S)</li><li>2. &lt;B&gt; (S)</li></ul>");
	free(got);
}

static void inheritance_and_blocks(void **state)
{
	const char *pairs[] = {
	        "base",
	        "<title>{% block title %}Default{% endblock %}</title>"
	        "<main>{% block content %}none{% endblock %}</main>"
	        "<footer>{% block footer %}F{% endblock %}</footer>",
	        "mid",
	        "{% extends \"base\" %}{% block content %}[mid {% block inner %}i{% endblock %}]"
	        "{% endblock %}{% block footer %}MF{% endblock %}",
	        "main",
	        "{% extends \"mid\" %}\n{# only blocks #}\n{% block title %}{{ t }}{% endblock %}\n"
	        "{% block inner %}<b>{{ x }}</b>{% endblock %}\n",
	        NULL,
	};
	char *got = render_lang(pairs, "{\"t\": \"T&\", \"x\": \"<\"}", "en");
	struct tpl_set *s;
	struct co_err e;
	const char *bad[] = {"base", "{% block a %}{% endblock %}", "main",
	                     "{% extends \"base\" %}{% block b %}{% endblock %}", NULL};
	const char *loop_src[] = {"a", "{% extends \"b\" %}", "b", "{% extends \"a\" %}", NULL};
	int i;

	(void)state;
	assert_string_equal(got, "<title>T&amp;</title><main>[mid <b>&lt;</b>]</main>"
	                         "<footer>MF</footer>");
	free(got);
	/* a block the parent does not have is a typo */
	assert_int_equal(tpl_set_new(&s), 0);
	for (i = 0; bad[i]; i += 2)
		assert_int_equal(tpl_set_add(s, bad[i], bad[i + 1], strlen(bad[i + 1]), 1, &e), 0);
	assert_int_equal(tpl_set_link(s, &e), CO_EINPUT);
	assert_non_null(strstr(e.msg, "block 'b'"));
	tpl_set_free(s);
	/* extends in a cycle */
	assert_int_equal(tpl_set_new(&s), 0);
	for (i = 0; loop_src[i]; i += 2)
		assert_int_equal(tpl_set_add(s, loop_src[i], loop_src[i + 1],
		                             strlen(loop_src[i + 1]), 1, &e),
		                 0);
	assert_int_equal(tpl_set_link(s, &e), CO_EINPUT);
	tpl_set_free(s);
	/* text outside blocks in a child */
	e = compile_error("{% extends \"x\" %}stray{% block a %}{% endblock %}");
	assert_non_null(strstr(e.msg, "only blocks"));
}

static void whitespace_control(void **state)
{
	(void)state;
	assert_renders("<ul>\n  {% for x in l %}\n  <li>{{ x }}</li>\n  {% endfor %}\n</ul>\n",
	               "{\"l\": [1, 2]}", "<ul>\n  <li>1</li>\n  <li>2</li>\n</ul>\n");
	assert_renders("a  {{- x -}}  b", "{\"x\": 1}", "a1b");
	assert_renders("a {% if true %}b{% endif %} c", NULL, "a b c");
	assert_renders("x\n{# comment #}\ny", NULL, "x\ny");
}

static void filters(void **state)
{
	(void)state;
	assert_renders("{{ a | default('—') }}|{{ b | default('x') }}|{{ c | default(1) }}",
	               "{\"b\": \"\", \"c\": 0}", "—|x|0");
	assert_renders("{{ l | length }} {{ s | length }} {{ o | length }}",
	               "{\"l\": [1, 2, 3], \"s\": \"Môr\", \"o\": {\"a\": 1}}", "3 3 1");
	assert_renders("{{ l | join }}|{{ l | join(' / ') }}", "{\"l\": [\"a\", 2, \"<\"]}",
	               "a, 2, &lt;|a / 2 / &lt;");
	assert_renders("{{ a | number }} {{ b | number }} {{ c | number(2) }} {{ d | number(1) }} "
	               "{{ e | number }}",
	               "{\"a\": 1234567, \"b\": -1000, \"c\": 1234.5678, \"d\": -0.04, \"e\": 999}",
	               "1,234,567 -1,000 1,234.57 0.0 999");
	assert_renders("{{ s | upper }} {{ s | lower }}", "{\"s\": \"Abc\"}", "ABC abc");
	/* dates in Europe/London: GMT in winter, BST in summer */
	assert_renders("{{ t | date }} {{ t | time }} {{ t | isodate }}", "{\"t\": 1735689600}",
	               "1 January 2025 00:00 2025-01-01");
	assert_renders("{{ t | datetime }}", "{\"t\": 1751378400}", "1 July 2025 at 15:00");
	/* the change to BST: 2025-03-30 01:00 UTC */
	assert_renders("{{ a | time }} {{ b | time }}", "{\"a\": 1743296340, \"b\": 1743296400}",
	               "00:59 02:00");
	/* and back: 2025-10-26 01:00 UTC (02:00 BST becomes 01:00 GMT) */
	assert_renders("{{ a | time }} {{ b | time }}", "{\"a\": 1761440340, \"b\": 1761440400}",
	               "01:59 01:00");
	assert_renders("{{ s | date }}", "{\"s\": \"not a time\"}", "not a time");
}

static void translations(void **state)
{
	const char *pairs[] = {
	        "main",
	        "<a href=\"/\">{{ _(\"Home\") }}</a>|{{ _(\"Page {page} of {pages}\", page=p, "
	        "pages=n) }}|{{ ngettext(\"{n} team\", \"{n} teams\", k) }}|{{ pgettext(\"month\", "
	        "\"May\") }}|{% trans name=who %}Signed in as {name}{% endtrans %}|"
	        "{% trans count=k %}{count} result{% plural %}{count} results{% endtrans %}|"
	        "<a aria-label=\"{{ _(\"Home\") }}\">",
	        NULL,
	};
	struct i18n_catalog *cat;
	char *got;

	(void)state;
	got = render_lang(pairs, "{\"p\": 2, \"n\": 5, \"k\": 3, \"who\": \"<Ann>\"}", "en");
	assert_string_equal(got, "<a href=\"/\">Home</a>|Page 2 of 5|3 teams|May|"
	                         "Signed in as &lt;Ann&gt;|3 results|<a aria-label=\"Home\">");
	free(got);
	/* Welsh, from the embedded catalogues */
	cat = (struct i18n_catalog *)i18n_catalog("cy");
	assert_non_null(cat);
	got = render_lang(pairs, "{\"p\": 2, \"n\": 5, \"k\": 3, \"who\": \"<Ann>\"}", "cy");
	assert_non_null(strstr(got, ">Hafan</a>"));
	assert_non_null(strstr(got, "|Mai|"));
	free(got);
}

static void output_limit_and_depth(void **state)
{
	const char *pairs[] = {"main", "{% for x in l %}{{ s }}{% endfor %}", NULL};
	const char *rec[] = {"main", "x{% if n %}{% include \"main\" %}{% endif %}", NULL};
	struct tpl_set *s = make_set(pairs);
	struct co_buf b;
	struct co_err e;
	json_t *d = json_pack("{s:[i,i,i,i], s:s}", "l", 1, 2, 3, 4, "s", "0123456789");

	(void)state;
	co_buf_init(&b, 25);
	assert_int_equal(tpl_render(s, "main", d, "en", &b, &e), CO_ELIMIT);
	co_buf_free(&b);
	co_buf_init(&b, 40);
	assert_int_equal(tpl_render(s, "main", d, "en", &b, &e), 0);
	assert_int_equal(b.len, 40);
	co_buf_free(&b);
	co_buf_init(&b, 40);
	assert_int_equal(tpl_render(s, "nope", d, "en", &b, &e), CO_ENOTFOUND);
	co_buf_free(&b);
	tpl_set_free(s);
	json_decref(d);
	/* an include that recurses forever stops at TPL_MAX_DEPTH */
	s = make_set(rec);
	d = json_pack("{s:i}", "n", 1);
	co_buf_init(&b, 1 << 20);
	assert_int_equal(tpl_render(s, "main", d, "en", &b, &e), CO_ELIMIT);
	co_buf_free(&b);
	tpl_set_free(s);
	json_decref(d);
}

static void names_from_paths(void **state)
{
	char n[64];
	int html;

	(void)state;
	assert_int_equal(tpl_name_from_path("src/web/templates/layout.html", n, sizeof(n), &html),
	                 0);
	assert_string_equal(n, "web/layout");
	assert_int_equal(html, 1);
	assert_int_equal(
	        tpl_name_from_path("src/mod/accounts/templates/org_list.html", n, sizeof(n), &html),
	        0);
	assert_string_equal(n, "accounts/org_list");
	assert_int_equal(
	        tpl_name_from_path("src/mod/improve/templates/chart/run.html", n, sizeof(n), &html),
	        0);
	assert_string_equal(n, "improve/chart/run");
	assert_int_equal(
	        tpl_name_from_path("src/mod/accounts/templates/invite.txt", n, sizeof(n), &html),
	        0);
	assert_string_equal(n, "accounts/invite.txt");
	assert_int_equal(html, 0);
	assert_int_equal(tpl_name_from_path("src/web/po/cy.po", n, sizeof(n), &html), CO_EINPUT);
	assert_int_equal(tpl_name_from_path("static/app.css", n, sizeof(n), &html), CO_EINPUT);
}

/* ---- the embedded templates ---- */

static json_t *layout_data(const char *lang, int signed_in)
{
	return json_pack("{s:s, s:s, s:o, s:s, s:s, s:{s:s, s:s}, s:{s:s, s:s}}", "lang", lang,
	                 "title", "Organisations", "user",
	                 signed_in ? json_pack("{s:s}", "name", "Rhian <Admin>") : json_null(),
	                 "csrf", "tok\"en", "nav", "organisations", "flash", "kind", "success",
	                 "message", "Saved <ok>", "errors", "email", "Enter an email address",
	                 "name", "Enter a name");
}

static char *render_embedded(const char *name, json_t *data, const char *lang)
{
	struct co_buf b;
	struct co_err e;

	co_buf_init(&b, CO_MAX_PAGE);
	if (tpl_render(NULL, name, data, lang, &b, &e))
		fail_msg("%s", e.msg);
	return co_buf_take(&b, NULL);
}

static void embedded_templates_compile(void **state)
{
	struct co_err e;

	(void)state;
	if (tpl_init(&e))
		fail_msg("%s", e.msg);
	assert_true(tpl_exists(NULL, "web/layout"));
	assert_true(tpl_exists(NULL, "web/error_summary"));
	assert_true(tpl_exists(NULL, "web/field"));
	assert_true(tpl_exists(NULL, "web/flash"));
	assert_true(tpl_exists(NULL, "web/pagination"));
	assert_true(tpl_exists(NULL, "web/403"));
	assert_true(tpl_exists(NULL, "web/404"));
	assert_true(tpl_exists(NULL, "web/500"));
	assert_false(tpl_exists(NULL, "web/nothing"));
}

static void layout_renders_landmarks_and_languages(void **state)
{
	json_t *d = layout_data("en", 1);
	char *en, *cy;

	(void)state;
	en = render_embedded("web/404", d, "en");
	assert_non_null(strstr(en, "<html lang=\"en\""));
	assert_non_null(strstr(en, "href=\"#main-content\""));
	assert_non_null(strstr(en, "Skip to main content"));
	assert_non_null(strstr(en, "<main id=\"main-content\""));
	assert_non_null(strstr(en, "Rhian &lt;Admin&gt;"));
	assert_non_null(strstr(en, "Sign out"));
	assert_null(strstr(en, ">Sign in<"));
	assert_non_null(strstr(en, "value=\"tok&quot;en\""));
	assert_non_null(strstr(en, "aria-current=\"page\""));
	assert_non_null(strstr(en, "href=\"?lang=cy\""));
	assert_non_null(strstr(en, "Saved &lt;ok&gt;"));
	assert_null(strstr(en, "style="));
	assert_null(strstr(en, "<script"));
	json_object_set_new(d, "lang", json_string("cy"));
	json_object_set_new(d, "user", json_null());
	cy = render_embedded("web/404", d, "cy");
	assert_non_null(strstr(cy, "<html lang=\"cy\""));
	assert_non_null(strstr(cy, "Neidio i&#39;r prif gynnwys"));
	assert_non_null(strstr(cy, "Sefydliadau"));
	assert_non_null(strstr(cy, "Mewngofnodi"));
	assert_non_null(strstr(cy, "href=\"?lang=en\""));
	free(en);
	free(cy);
	json_decref(d);
}

static void form_partials_link_errors_to_fields(void **state)
{
	const char *pairs[] = {NULL};
	json_t *d = layout_data("en", 0);
	char *out;

	(void)state;
	(void)pairs;
	out = render_embedded("web/error_summary", d, "en");
	assert_non_null(strstr(out, "There is a problem"));
	assert_non_null(strstr(out, "href=\"#email\""));
	assert_non_null(strstr(out, "Enter an email address"));
	assert_non_null(strstr(out, "href=\"#name\""));
	free(out);
	json_object_set_new(d, "name", json_string("email"));
	json_object_set_new(d, "label", json_string("Email address"));
	json_object_set_new(d, "type", json_string("email"));
	json_object_set_new(d, "value", json_string("x\"y"));
	out = render_embedded("web/field", d, "en");
	assert_non_null(strstr(out, "<label"));
	assert_non_null(strstr(out, "for=\"email\""));
	assert_non_null(strstr(out, "id=\"email\""));
	assert_non_null(strstr(out, "aria-describedby=\"email-error\""));
	assert_non_null(strstr(out, "id=\"email-error\""));
	assert_non_null(strstr(out, "value=\"x&quot;y\""));
	free(out);
	/* radios: a fieldset, the first radio carries the field's id */
	json_object_set_new(d, "name", json_string("language"));
	json_object_set_new(d, "label", json_string("Language"));
	json_object_set_new(d, "type", json_string("radios"));
	json_object_set_new(d, "value", json_string("cy"));
	json_object_set_new(d, "options",
	                    json_pack("[{s:s,s:s},{s:s,s:s}]", "value", "en", "label", "English",
	                              "value", "cy", "label", "Cymraeg"));
	json_object_set_new(json_object_get(d, "errors"), "language", json_string("Choose one"));
	out = render_embedded("web/field", d, "en");
	assert_non_null(strstr(out, "<legend class=\"legend\">Language</legend>"));
	assert_non_null(strstr(out, "id=\"language\" name=\"language\" value=\"en\">"));
	assert_non_null(strstr(out, "id=\"language-2\" name=\"language\" value=\"cy\" checked>"));
	assert_non_null(strstr(out, "aria-describedby=\"language-error\""));
	free(out);
	json_decref(d);
}

/* The catalogue check: every message any embedded template uses is in the
 * English and the Welsh catalogues, with a non-empty Welsh translation. */
struct check {
	const struct i18n_catalog *en, *cy;
	int bad, total;
	int quiet;
};

static int check_msg(const struct tpl_msg *m, void *arg)
{
	struct check *c = arg;

	c->total++;
	if (i18n_catalog_has(c->en, m->ctx, m->msgid) < 0) {
		if (!c->quiet)
			print_error("%s:%d: \"%s\"%s%s is missing from en.po\n", m->tpl, m->line,
			            m->msgid, m->ctx ? " in context " : "", m->ctx ? m->ctx : "");
		c->bad++;
	}
	switch (i18n_catalog_has(c->cy, m->ctx, m->msgid)) {
	case -1:
		if (!c->quiet)
			print_error("%s:%d: \"%s\" is missing from cy.po\n", m->tpl, m->line,
			            m->msgid);
		c->bad++;
		break;
	case 0:
		if (!c->quiet)
			print_error("%s:%d: \"%s\" has an empty Welsh translation\n", m->tpl,
			            m->line, m->msgid);
		c->bad++;
		break;
	default: break;
	}
	return 0;
}

static void every_template_message_is_translated(void **state)
{
	struct check c = {0};
	static const char *const months[] = {"January",   "February", "March",    "April",
	                                     "May",       "June",     "July",     "August",
	                                     "September", "October",  "November", "December"};
	size_t i;

	(void)state;
	c.en = i18n_catalog("en");
	c.cy = i18n_catalog("cy");
	assert_non_null(c.en);
	assert_non_null(c.cy);
	assert_int_equal(tpl_each_msg(NULL, check_msg, &c), 0);
	/* the engine's own messages (date filters) */
	for (i = 0; i < 12; i++) {
		struct tpl_msg m = {"tpl (date filter)", 0, "month", months[i], NULL};

		check_msg(&m, &c);
	}
	{
		struct tpl_msg m = {"tpl (datetime filter)", 0, NULL, "{date} at {time}", NULL};

		check_msg(&m, &c);
	}
	assert_true(c.total > 20);
	assert_int_equal(c.bad, 0);
}

/* The check itself notices a missing message. */
static void catalogue_check_catches_a_missing_message(void **state)
{
	const char *pairs[] = {"main", "{{ _(\"A message nobody translated\") }}", NULL};
	struct tpl_set *s = make_set(pairs);
	struct check c = {0};

	(void)state;
	c.en = i18n_catalog("en");
	c.cy = i18n_catalog("cy");
	c.quiet = 1;
	assert_int_equal(tpl_each_msg(s, check_msg, &c), 0);
	assert_int_equal(c.total, 1);
	assert_int_equal(c.bad, 2);
	tpl_set_free(s);
}

/* Rendering one set from many threads at once gives the same page. */
struct thr {
	const struct tpl_set *s;
	json_t *d;
	const char *want;
	int bad;
};

static void *thr_main(void *arg)
{
	struct thr *t = arg;
	int i;

	for (i = 0; i < 200; i++) {
		struct co_buf b;
		struct co_err e;

		co_buf_init(&b, 1 << 20);
		if (tpl_render(t->s, "main", t->d, i % 2 ? "cy" : "en", &b, &e) ||
		    strcmp(b.data, t->want) != 0)
			t->bad++;
		co_buf_free(&b);
	}
	return NULL;
}

static void concurrent_rendering(void **state)
{
	const char *pairs[] = {"main", "{% for o in l %}<i>{{ o.n }}</i>{% endfor %}", NULL};
	struct tpl_set *s = make_set(pairs);
	json_t *d = json_loads("{\"l\": [{\"n\": \"a\"}, {\"n\": \"<\"}]}", 0, NULL);
	struct thr t[4];
	pthread_t th[4];
	int i;

	(void)state;
	for (i = 0; i < 4; i++) {
		t[i].s = s;
		t[i].d = d;
		t[i].want = "<i>a</i><i>&lt;</i>";
		t[i].bad = 0;
		assert_int_equal(pthread_create(&th[i], NULL, thr_main, &t[i]), 0);
	}
	for (i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		assert_int_equal(t[i].bad, 0);
	}
	json_decref(d);
	tpl_set_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(variables_paths_and_literals),
	        cmocka_unit_test(operators_and_truthiness),
	        cmocka_unit_test(loops),
	        cmocka_unit_test(set_and_scopes),
	        cmocka_unit_test(escaping_in_text_and_attributes),
	        cmocka_unit_test(url_attributes_block_dangerous_schemes),
	        cmocka_unit_test(unsafe_places_are_compile_errors),
	        cmocka_unit_test(compile_errors_name_template_line_and_column),
	        cmocka_unit_test(includes_with_arguments),
	        cmocka_unit_test(inheritance_and_blocks),
	        cmocka_unit_test(whitespace_control),
	        cmocka_unit_test(filters),
	        cmocka_unit_test(translations),
	        cmocka_unit_test(output_limit_and_depth),
	        cmocka_unit_test(names_from_paths),
	        cmocka_unit_test(embedded_templates_compile),
	        cmocka_unit_test(layout_renders_landmarks_and_languages),
	        cmocka_unit_test(form_partials_link_errors_to_fields),
	        cmocka_unit_test(every_template_message_is_translated),
	        cmocka_unit_test(catalogue_check_catches_a_missing_message),
	        cmocka_unit_test(concurrent_rendering),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);

	tpl_shutdown();
	i18n_shutdown();
	return rc;
}
