/*
 * cmd_spc.c - `collective spc`: run and control charts from a CSV file.
 *
 * Reads the CSV (RFC 4180, "-" for standard input), picks the columns,
 * converts x (dates, numbers or categories, detected), y and n, runs the
 * engine and writes one row per point as CSV or JSON to standard output, and
 * with --svg the chart. Bad input (a non-number, an unknown column, an empty
 * file, a value the chart cannot take) is reported with its row and column,
 * exit status 2 and nothing on standard output. The whole output is built
 * in memory first for that reason.
 */
#include <errno.h>
#include <pthread.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/csv.h"
#include "base/limits.h"
#include "cli/cli.h"
#include "cli/spc_cli.h"
#include "spc/spc.h"

static const char usage_text[] =
        "usage: collective spc --chart TYPE [options] FILE.csv\n"
        "\n"
        "Computes a run or control chart from a CSV file (\"-\" reads standard\n"
        "input) and writes one row per point (subgroup) to standard output.\n"
        "\n"
        "Charts: run, i (XmR), mr, xbar, s, r, p, pp (P'), np, u, up (U'), c, g, t, ip (I').\n"
        "\n"
        "Columns:\n"
        "  --x COL --y COL --n COL   x (date, number or category), value, denominator\n"
        "                            (default x, y, n; no x column: rows are numbered)\n"
        "  --facet COL --facet2 COL  one chart per facet value (and second facet)\n"
        "  --notes COL               annotations    --part-col COL  part labels\n"
        "  --phase COL               qcc: \"new\" marks phase II rows\n"
        "  --x-type T                date, number, category or index (default: detected)\n"
        "\n"
        "Rules and profiles:\n"
        "  --rules SET       anhoej, ihi, mdc, western, nelson, qcc or none\n"
        "  --profile NAME    collective (default), qicharts2, ptd, qcc: the peer's arithmetic\n"
        "  --method M        anhoej, bestbox, cutbox (Anhoej runs analysis)\n"
        "  --direction D     increase, decrease or neutral (improvement direction)\n"
        "  --shift N --trend N   shift and trend lengths (MDC 7/7, IHI 6/5)\n"
        "\n"
        "Baselines and phases:\n"
        "  --parts 12,24     new parts after these positions\n"
        "  --freeze N        the first N subgroups are the baseline\n"
        "  --fix-after N     CL and limits from the first N points of each part\n"
        "  --exclude 3,10    positions left out of CL and limits\n"
        "  --rebase DATES    dates that start a new part, comma-separated;\n"
        "                    FACET=DATES for one facet (repeatable)\n"
        "  --cl V            a fixed centre line       --target V  a target (FACET=V per facet)\n"
        "\n"
        "Arithmetic:\n"
        "  --multiply K      multiply y, CL and limits (100 for %%, 1000 per 1,000)\n"
        "  --agg F           mean, median, sum or sd for several rows per x (default mean)\n"
        "  --sigma S         2.66 or d2 (3/1.128) for individuals charts\n"
        "  --no-screen       keep moving ranges above 3.267 x mean (default: screened)\n"
        "  --no-y-neg        clamp negative lower limits at 0 when all y >= 0\n"
        "  --nsigmas K --confidence P --std-dev M --run-length N   qcc options\n"
        "  --warning-threshold N   parts shorter than N points are flagged (13)\n"
        "\n"
        "Output:\n"
        "  --format csv|json (default csv)   --svg FILE  also draw the chart\n"
        "  --svg-facet LABEL  which facet to draw     --title TEXT  the chart's title\n";

struct args {
	const char *file, *chart, *rules, *profile, *format, *svg, *svg_facet, *title;
	const char *xcol, *ycol, *ncol, *fcol, *f2col, *notescol, *partcol, *phasecol, *xtype;
	const char *parts, *exclude, *method, *direction, *agg, *sigma, *std_dev;
	const char *rebase[64], *target[64];
	int nrebase, ntarget;
	int xcol_given, ycol_given, ncol_given;
	struct spc_options o;
};

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "collective spc: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n(collective spc --help lists the options)\n");
	return CLI_USAGE;
}

/* A decimal number without strtod() when the text is plain: [+-]digits
 * [.digits] with at most 19 significant digits, an integer value below 2^53
 * and at most 22 decimals. The value is then one division of two exact
 * doubles, hence the correctly rounded double that strtod() gives too
 * (Clinger, "How to read floating point numbers accurately", 1990).
 * Returns 0 when the text is not of that form. */
static int plain_decimal(const char *s, double *out)
{
	static const double p10[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
	                               1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
	                               1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
	const char *p = s;
	uint64_t m = 0;
	int sig = 0, frac = 0, any = 0, neg = 0;
	double v;

	if (*p == '-' || *p == '+')
		neg = *p++ == '-';
	for (; *p >= '0' && *p <= '9'; p++, any = 1) {
		if (m || *p != '0')
			sig++;
		m = m * 10 + (uint64_t)(*p - '0');
		if (sig > 19)
			return 0;
	}
	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9'; p++, any = 1) {
			if (m || *p != '0')
				sig++;
			m = m * 10 + (uint64_t)(*p - '0');
			if (sig > 19 || ++frac > 22)
				return 0;
		}
	if (*p || !any || m > ((uint64_t)1 << 53))
		return 0;
	v = (double)m / p10[frac];
	*out = neg ? -v : v;
	return 1;
}

static int parse_double(const char *s, double *out)
{
	char *end;

	if (plain_decimal(s, out))
		return 1;
	errno = 0;
	*out = strtod(s, &end);
	return *s && !*end && errno != ERANGE && isfinite(*out);
}

static int parse_long(const char *s, long *out)
{
	char *end;

	errno = 0;
	*out = strtol(s, &end, 10);
	return *s && !*end && errno != ERANGE;
}

/* "3,10,12" into a list of positions */
static int parse_list(const char *s, long **out, size_t *n)
{
	size_t cap = 1, i;
	const char *p;
	long *v;

	for (p = s; *p; p++)
		cap += *p == ',';
	if (cap > CO_SPC_MAX_LIST)
		return 0;
	v = calloc(cap, sizeof(long));
	if (!v)
		return 0;
	*n = 0;
	for (p = s, i = 0; i < cap; i++) {
		char buf[32];
		const char *q = strchr(p, ',');
		size_t len = q ? (size_t)(q - p) : strlen(p);

		if (len == 0 || len >= sizeof(buf) ||
		    (memcpy(buf, p, len), buf[len] = '\0', !parse_long(buf, &v[*n]))) {
			free(v);
			return 0;
		}
		(*n)++;
		p = q ? q + 1 : p + len;
	}
	*out = v;
	return 1;
}

static const char *opt_value(int argc, char **argv, int *i)
{
	if (*i + 1 >= argc)
		return NULL;
	return argv[++*i];
}

static int parse_args(int argc, char **argv, struct args *a)
{
	int i;

	memset(a, 0, sizeof(*a));
	a->o.cl = NAN;
	a->o.y_neg = -1;
	a->o.screen_mr = -1;
	a->format = "csv";
	a->xcol = "x";
	a->ycol = "y";
	a->ncol = "n";
	for (i = 1; i < argc; i++) {
		const char *s = argv[i], *v = NULL;

#define VAL(name, dst)                                                                             \
	if (strcmp(s, (name)) == 0) {                                                              \
		if (!(v = opt_value(argc, argv, &i)))                                              \
			return usage_error("%s needs a value", (name));                            \
		(dst) = v;                                                                         \
		continue;                                                                          \
	}
		VAL("--chart", a->chart)
		VAL("--rules", a->rules)
		VAL("--profile", a->profile)
		VAL("--format", a->format)
		VAL("--svg", a->svg)
		VAL("--svg-facet", a->svg_facet)
		VAL("--title", a->title)
		VAL("--facet", a->fcol)
		VAL("--facet2", a->f2col)
		VAL("--notes", a->notescol)
		VAL("--part-col", a->partcol)
		VAL("--phase", a->phasecol)
		VAL("--x-type", a->xtype)
		VAL("--parts", a->parts)
		VAL("--exclude", a->exclude)
		VAL("--method", a->method)
		VAL("--direction", a->direction)
		VAL("--agg", a->agg)
		VAL("--sigma", a->sigma)
		VAL("--std-dev", a->std_dev)
#undef VAL
		if (strcmp(s, "--x") == 0 || strcmp(s, "--y") == 0 || strcmp(s, "--n") == 0) {
			if (!(v = opt_value(argc, argv, &i)))
				return usage_error("%s needs a column name", s);
			if (s[2] == 'x') {
				a->xcol = v;
				a->xcol_given = 1;
			} else if (s[2] == 'y') {
				a->ycol = v;
				a->ycol_given = 1;
			} else {
				a->ncol = v;
				a->ncol_given = 1;
			}
			continue;
		}
		if (strcmp(s, "--rebase") == 0 || strcmp(s, "--target") == 0) {
			if (!(v = opt_value(argc, argv, &i)))
				return usage_error("%s needs a value", s);
			if (s[2] == 'r') {
				if (a->nrebase >= 64)
					return usage_error("too many --rebase options");
				a->rebase[a->nrebase++] = v;
			} else {
				if (a->ntarget >= 64)
					return usage_error("too many --target options");
				a->target[a->ntarget++] = v;
			}
			continue;
		}
		if (strcmp(s, "--no-screen") == 0) {
			a->o.screen_mr = 0;
			continue;
		}
		if (strcmp(s, "--screen") == 0) {
			a->o.screen_mr = 1;
			continue;
		}
		if (strcmp(s, "--no-y-neg") == 0) {
			a->o.y_neg = 0;
			continue;
		}
		if (strcmp(s, "--y-neg") == 0) {
			a->o.y_neg = 1;
			continue;
		}
		if (s[0] == '-' && s[1] == '-') {
			double d;
			long l;

			if (!(v = opt_value(argc, argv, &i)))
				return usage_error("unknown option or missing value: %s", s);
			if (strcmp(s, "--multiply") == 0 && parse_double(v, &d) && d > 0)
				a->o.multiply = d;
			else if (strcmp(s, "--cl") == 0 && parse_double(v, &d))
				a->o.cl = d;
			else if (strcmp(s, "--freeze") == 0 && parse_long(v, &l) && l >= 0)
				a->o.freeze = l;
			else if (strcmp(s, "--fix-after") == 0 && parse_long(v, &l) && l >= 0)
				a->o.fix_after = l;
			else if (strcmp(s, "--shift") == 0 && parse_long(v, &l) && l >= 2 &&
			         l < 100)
				a->o.shift_len = (int)l;
			else if (strcmp(s, "--trend") == 0 && parse_long(v, &l) && l >= 3 &&
			         l < 100)
				a->o.trend_len = (int)l;
			else if (strcmp(s, "--nsigmas") == 0 && parse_double(v, &d) && d > 0)
				a->o.nsigmas = d;
			else if (strcmp(s, "--confidence") == 0 && parse_double(v, &d) && d > 0 &&
			         d < 1)
				a->o.conf_level = d;
			else if (strcmp(s, "--run-length") == 0 && parse_long(v, &l) && l >= 0 &&
			         l < 1000)
				a->o.run_length = (int)l;
			else if (strcmp(s, "--warning-threshold") == 0 && parse_long(v, &l) &&
			         l >= 0 && l < 1000000)
				a->o.warning_threshold = (int)l;
			else
				return usage_error("unknown option or bad value: %s %s", s, v);
			continue;
		}
		if (a->file)
			return usage_error("more than one input file: %s", s);
		a->file = s;
	}
	if (!a->chart)
		return usage_error("--chart is required");
	if (!a->file)
		return usage_error("no input file (give FILE.csv or - for standard input)");
	if (strcmp(a->format, "csv") != 0 && strcmp(a->format, "json") != 0)
		return usage_error("--format must be csv or json");
	return 0;
}

static int enum_arg(const char *v, const char *const *names, int n, int *out)
{
	int i;

	for (i = 0; i < n; i++)
		if (strcmp(v, names[i]) == 0) {
			*out = i;
			return 1;
		}
	return 0;
}

/* Options from the arguments, on top of the engine's defaults. */
static int build_options(struct args *a, struct spc_options *o)
{
	struct spc_options given = a->o;
	int chart = spc_chart_parse(a->chart), k;

	if (chart < 0)
		return usage_error("unknown chart: %s", a->chart);
	spc_options_init(o, (enum spc_chart)chart);
	if (a->profile) {
		int p = spc_profile_parse(a->profile);

		if (p < 0)
			return usage_error("unknown profile: %s", a->profile);
		if (a->rules) {
			int r = spc_rules_parse(a->rules);

			if (r < 0)
				return usage_error("unknown rule set: %s", a->rules);
			o->rules = (enum spc_ruleset)r;
		}
		spc_options_profile(o, (enum spc_profile)p);
		if (p == SPC_PROFILE_PTD && !a->direction)
			o->direction = SPC_DIR_INCREASE;
	} else if (a->rules) {
		int r = spc_rules_parse(a->rules);

		if (r < 0)
			return usage_error("unknown rule set: %s", a->rules);
		o->rules = (enum spc_ruleset)r;
	}
	/* what the command line gave (zero or -1: not given) */
	if (given.multiply)
		o->multiply = given.multiply;
	if (!isnan(given.cl))
		o->cl = given.cl;
	if (given.y_neg >= 0)
		o->y_neg = given.y_neg;
	if (given.screen_mr >= 0)
		o->screen_mr = given.screen_mr;
	o->freeze = given.freeze;
	o->fix_after = given.fix_after;
	if (given.shift_len)
		o->shift_len = given.shift_len;
	if (given.trend_len)
		o->trend_len = given.trend_len;
	if (given.nsigmas)
		o->nsigmas = given.nsigmas;
	if (given.conf_level)
		o->conf_level = given.conf_level;
	if (given.run_length)
		o->run_length = given.run_length;
	if (given.warning_threshold)
		o->warning_threshold = given.warning_threshold;
	if (a->method) {
		static const char *const m[] = {"anhoej", "bestbox", "cutbox"};

		if (!enum_arg(a->method, m, 3, &k))
			return usage_error("--method must be anhoej, bestbox or cutbox");
		o->method = (enum spc_method)k;
	}
	if (a->direction) {
		static const char *const d[] = {"increase", "decrease", "neutral"};

		if (!enum_arg(a->direction, d, 3, &k))
			return usage_error("--direction must be increase, decrease or neutral");
		o->direction = (enum spc_direction)k;
	}
	if (a->agg) {
		static const char *const g[] = {"mean", "median", "sum", "sd", "unique"};

		if (!enum_arg(a->agg, g, 5, &k))
			return usage_error("--agg must be mean, median, sum or sd");
		o->agg = (enum spc_agg)k;
	}
	if (a->sigma) {
		if (strcmp(a->sigma, "2.66") == 0)
			o->sigma = SPC_SIGMA_266;
		else if (strcmp(a->sigma, "d2") == 0 || strcmp(a->sigma, "3/1.128") == 0)
			o->sigma = SPC_SIGMA_D2;
		else
			return usage_error("--sigma must be 2.66 or d2");
	}
	if (a->std_dev) {
		static const char *const s[] = {"",         "UWAVE-R", "UWAVE-SD", "MVLUE-R",
		                                "MVLUE-SD", "RMSDF",   "MR",       "SD"};

		if (!enum_arg(a->std_dev, s, 8, &k) || k == 0)
			return usage_error("unknown --std-dev method: %s", a->std_dev);
		o->sd_method = (enum spc_sd_method)k;
	}
	return 0;
}

/* ---- reading the input ---- */

struct input {
	struct spc_table t;
	double *x, *y, *n;
	const char **f1, **f2, **notes, **part;
	unsigned char *is_new;
	char **xlabel; /* category labels, 1-based */
	size_t nlabels;
	enum spc_xkind xkind;
	int ycol, ncol, xcol;
	long *parts, *excl;
	struct spc_facet_values rebase[64], target[64];
	double *vals; /* storage for rebase dates and targets */
};

static void input_free(struct input *in)
{
	spc_table_free(&in->t);
	free(in->parts);
	free(in->excl);
	free(in->vals);
}

static int bad_cell(const struct input *in, size_t row, int col, const char *what)
{
	fprintf(stderr, "collective spc: row %ld, column %d (%s): %s: '%s'\n", in->t.csv_row[row],
	        col + 1, in->t.names[col], what, in->t.cells[col][row]);
	return CLI_USAGE;
}

static int find_col(const struct input *in, const char *name, int required)
{
	int c = spc_table_col(&in->t, name);

	if (c < 0 && required)
		fprintf(stderr,
		        "collective spc: row 1: no column named '%s' (the header has:", name);
	if (c < 0 && required) {
		size_t i;

		for (i = 0; i < in->t.ncols; i++)
			fprintf(stderr, " %s", in->t.names[i]);
		fprintf(stderr, ")\n");
	}
	return c;
}

static int numeric_col(struct input *in, int col, double **out)
{
	size_t i;
	double *v = spc_table_alloc(&in->t, (in->t.nrows + 1) * sizeof(double));

	if (!v)
		return CLI_FAIL;
	for (i = 0; i < in->t.nrows; i++) {
		const char *s = in->t.cells[col][i];

		if (!*s || strcmp(s, "NA") == 0) {
			v[i] = NAN;
		} else if (!parse_double(s, &v[i])) {
			return bad_cell(in, i, col, "not a number");
		}
	}
	*out = v;
	return 0;
}

static const char **string_col(struct input *in, int col)
{
	return (const char **)in->t.cells[col];
}

/* Dates repeat from series to series: those parsed, by their text, in a
 * table indexed by the date's month and day count (any eleven years map to
 * distinct slots). A text is parsed (and checked) the first time only. */
#define DATE_SLOTS 4096

struct date_cache {
	char text[DATE_SLOTS][11];
	double days[DATE_SLOTS];
};

static int cached_date(struct date_cache *c, const char *s, double *days)
{
	const unsigned char *u = (const unsigned char *)s;
	unsigned h;

	if (strlen(s) != 10)
		return spc_parse_date(s, days);
	h = ((((unsigned)u[2] * 10 + u[3]) * 12 + (unsigned)u[5] * 10 + u[6]) * 31 +
	     (unsigned)u[8] * 10 + u[9]) &
	    (DATE_SLOTS - 1);
	if (memcmp(c->text[h], s, 11) == 0) {
		*days = c->days[h];
		return 1;
	}
	if (!spc_parse_date(s, days))
		return 0;
	memcpy(c->text[h], s, 11);
	c->days[h] = *days;
	return 1;
}

static int read_x_values(struct input *in, const char *xtype, struct date_cache *dc);

static int read_x(struct input *in, const char *xtype)
{
	size_t i, n = in->t.nrows;
	int col = in->xcol, rc;
	struct date_cache *dc;

	in->x = spc_table_alloc(&in->t, (n + 1) * sizeof(double));
	if (!in->x)
		return CLI_FAIL;
	if (col < 0 || (xtype && strcmp(xtype, "index") == 0)) {
		for (i = 0; i < n; i++)
			in->x[i] = (double)(i + 1);
		in->xkind = SPC_X_INDEX;
		return 0;
	}
	if (!(dc = calloc(1, sizeof(*dc))))
		return CLI_FAIL;
	rc = read_x_values(in, xtype, dc);
	free(dc);
	return rc;
}

static int read_x_values(struct input *in, const char *xtype, struct date_cache *dc)
{
	size_t i, n = in->t.nrows, parsed;
	int col = in->xcol, all_dates = 1, all_nums = 1;

	/* dates are parsed once, here, while they are all dates */
	for (i = 0; i < n && all_dates; i++) {
		const char *s = in->t.cells[col][i];

		in->x[i] = NAN;
		if (*s && !cached_date(dc, s, &in->x[i]))
			all_dates = 0;
	}
	parsed = all_dates ? n : 0;
	for (i = 0; i < n && !all_dates && all_nums; i++) {
		const char *s = in->t.cells[col][i];
		double d;

		if (*s && !parse_double(s, &d))
			all_nums = 0;
	}
	if (xtype) {
		if (strcmp(xtype, "date") == 0)
			all_dates = 1;
		else if (strcmp(xtype, "number") == 0)
			all_dates = 0, all_nums = 1;
		else if (strcmp(xtype, "category") == 0)
			all_dates = all_nums = 0;
		else
			return usage_error("--x-type must be date, number, category or index");
	}
	in->xkind = all_dates ? SPC_X_DATE : all_nums ? SPC_X_NUMBER : SPC_X_CATEGORY;
	if (in->xkind == SPC_X_DATE && parsed == n)
		return 0; /* every one parsed above */
	if (in->xkind == SPC_X_CATEGORY) {
		in->xlabel = spc_table_alloc(&in->t, (n + 2) * sizeof(char *));
		if (!in->xlabel)
			return CLI_FAIL;
	}
	for (i = 0; i < n; i++) {
		const char *s = in->t.cells[col][i];

		if (!*s) {
			in->x[i] = NAN;
		} else if (in->xkind == SPC_X_DATE) {
			if (!cached_date(dc, s, &in->x[i]))
				return bad_cell(in, i, col, "not a date (YYYY-MM-DD)");
		} else if (in->xkind == SPC_X_NUMBER) {
			if (!parse_double(s, &in->x[i]))
				return bad_cell(in, i, col, "not a number");
		} else {
			size_t k;

			/* categories keep the order in which they first appear */
			for (k = in->nlabels; k >= 1; k--)
				if (strcmp(in->xlabel[k], s) == 0)
					break;
			if (k == 0)
				in->xlabel[k = ++in->nlabels] = (char *)s;
			in->x[i] = (double)k;
		}
	}
	return 0;
}

/* "2024-01-01,2024-06-01" or "FACET=2024-01-01,..." (dates) and "95" or
 * "FACET=95" (targets) */
static int facet_values(struct input *in, const char *arg, int dates, struct spc_facet_values *fv,
                        double **store, size_t *used)
{
	const char *eq = strrchr(arg, '=');
	const char *list = eq ? eq + 1 : arg;
	const char *p = list;
	size_t start = *used;

	fv->label = NULL;
	if (eq) {
		char *lab = co_arena_strndup(&in->t.mem, arg, (size_t)(eq - arg));

		if (!lab)
			return CLI_FAIL;
		fv->label = lab;
	}
	while (*p) {
		const char *q = strchr(p, ',');
		size_t len = q ? (size_t)(q - p) : strlen(p);
		char buf[64];
		double v;

		if (len == 0 || len >= sizeof(buf))
			return usage_error("bad value in %s", arg);
		memcpy(buf, p, len);
		buf[len] = '\0';
		if (dates ? !spc_parse_date(buf, &v) : !parse_double(buf, &v))
			return usage_error("%s is not a %s", buf,
			                   dates ? "date (YYYY-MM-DD)" : "number");
		if (*used % 256 == 0) {
			double *ns = realloc(*store, (*used + 256) * sizeof(double));

			if (!ns)
				return CLI_FAIL;
			*store = ns;
		}
		(*store)[(*used)++] = v;
		p = q ? q + 1 : p + len;
	}
	fv->v = (const double *)(uintptr_t)start; /* fixed up when all are read */
	fv->n = *used - start;
	return 0;
}

static int read_input(struct args *a, struct input *in, struct spc_options *o)
{
	FILE *f;
	struct co_err err;
	int rc, c;
	size_t used = 0, i;

	memset(in, 0, sizeof(*in));
	co_err_clear(&err);
	if (strcmp(a->file, "-") == 0) {
		f = stdin;
	} else if (!(f = fopen(a->file, "rb"))) {
		fprintf(stderr, "collective spc: cannot open %s: %s\n", a->file, strerror(errno));
		return CLI_USAGE;
	}
	rc = spc_table_read(&in->t, f, &err);
	if (f != stdin)
		fclose(f);
	if (rc) {
		char m[700];

		co_err_format(&err, m, sizeof(m));
		fprintf(stderr, "collective spc: %s\n", m);
		return rc == CO_ENOMEM || rc == CO_EIO ? CLI_FAIL : CLI_USAGE;
	}
	if (in->t.nrows == 0) {
		fprintf(stderr, "collective spc: row 2: the file has a header but no data rows\n");
		return CLI_USAGE;
	}
	if ((in->ycol = find_col(in, a->ycol, 1)) < 0)
		return CLI_USAGE;
	in->xcol = find_col(in, a->xcol, a->xcol_given);
	if (a->xcol_given && in->xcol < 0)
		return CLI_USAGE;
	in->ncol = find_col(in, a->ncol, a->ncol_given);
	if (a->ncol_given && in->ncol < 0)
		return CLI_USAGE;
	if ((rc = read_x(in, a->xtype)) || (rc = numeric_col(in, in->ycol, &in->y)))
		return rc;
	if (in->ncol >= 0 && (rc = numeric_col(in, in->ncol, &in->n)))
		return rc;
#define STRCOL(name, dst)                                                                          \
	if ((name) != NULL) {                                                                      \
		if ((c = find_col(in, (name), 1)) < 0)                                             \
			return CLI_USAGE;                                                          \
		if (((dst) = string_col(in, c)) == NULL)                                           \
			return CLI_FAIL;                                                           \
	}
	STRCOL(a->fcol, in->f1)
	STRCOL(a->f2col, in->f2)
	STRCOL(a->notescol, in->notes)
	STRCOL(a->partcol, in->part)
#undef STRCOL
	if (a->phasecol) {
		if ((c = find_col(in, a->phasecol, 1)) < 0)
			return CLI_USAGE;
		in->is_new = spc_table_alloc(&in->t, in->t.nrows + 1);
		if (!in->is_new)
			return CLI_FAIL;
		for (i = 0; i < in->t.nrows; i++)
			in->is_new[i] = strcmp(in->t.cells[c][i], "new") == 0;
	}
	o->xkind = in->xkind;
	if (a->parts) {
		if (!parse_list(a->parts, &in->parts, &o->nparts))
			return usage_error("--parts takes positions like 12,24");
		o->parts = in->parts;
	}
	if (a->exclude) {
		if (!parse_list(a->exclude, &in->excl, &o->nexclude))
			return usage_error("--exclude takes positions like 3,10");
		o->exclude = in->excl;
	}
	for (i = 0; i < (size_t)a->nrebase; i++)
		if ((rc = facet_values(in, a->rebase[i], 1, &in->rebase[i], &in->vals, &used)))
			return rc;
	for (i = 0; i < (size_t)a->ntarget; i++) {
		const char *t = a->target[i];
		double v;

		if (!strchr(t, '=') && parse_double(t, &v)) {
			o->target = v;
			continue;
		}
		if ((rc = facet_values(in, t, 0, &in->target[o->ntargets], &in->vals, &used)))
			return rc;
		o->ntargets++;
	}
	for (i = 0; i < (size_t)a->nrebase; i++)
		in->rebase[i].v = in->vals + (uintptr_t)in->rebase[i].v;
	for (i = 0; i < o->ntargets; i++)
		in->target[i].v = in->vals + (uintptr_t)in->target[i].v;
	if (a->nrebase) {
		o->rebase = in->rebase;
		o->nrebase = (size_t)a->nrebase;
	}
	if (o->ntargets)
		o->targets = in->target;
	return 0;
}

/* ---- writing ---- */

static void x_text(const struct input *in, double x, char *buf)
{
	if (in->xkind == SPC_X_DATE) {
		spc_format_date(x, buf);
	} else if (in->xkind == SPC_X_CATEGORY && x >= 1 && x <= (double)in->nlabels) {
		snprintf(buf, 64, "%s", in->xlabel[(size_t)x]);
	} else {
		co_dtoa(x, buf);
	}
}

static int signals_text(const struct spc_result *r, uint32_t s, char *out, size_t size)
{
	size_t len = 0;
	int bit;

	out[0] = '\0';
	for (bit = 0; bit < SPC_SIG_COUNT; bit++) {
		char one[64];

		if (!(s & (1u << bit)))
			continue;
		spc_signal_describe(r, 1u << bit, one, sizeof(one));
		len += (size_t)snprintf(out + len, size - len, "%s%s", len ? ";" : "", one);
		if (len >= size)
			return -1;
	}
	return 0;
}

/* The last number written in one column and its text: centre lines and
 * limits repeat from row to row. */
struct num_cache {
	double v;
	size_t len;
	char text[32];
};

/* Where formatted output goes: standard output as it is made, or (for the
 * second half of a big result, formatted by another thread) memory mapped
 * and populated in big chunks, written out after the first half. */
struct chunk {
	struct chunk *next;
	size_t len, cap;
	char data[];
};

struct sink {
	FILE *f;
	struct chunk *head, *tail;
	int failed;
};

#define CHUNK_BYTES ((size_t)16 << 20)

static int sink_keep(struct sink *k, const char *p, size_t n)
{
	while (n) {
		struct chunk *c = k->tail;
		size_t take;

		if (!c || c->len == c->cap) {
			int flags = MAP_PRIVATE | MAP_ANONYMOUS;
			void *m;

#ifdef MAP_POPULATE
			flags |= MAP_POPULATE;
#endif
			m = mmap(NULL, CHUNK_BYTES, PROT_READ | PROT_WRITE, flags, -1, 0);
			if (m == MAP_FAILED)
				return CO_ENOMEM;
			c = m;
			c->next = NULL;
			c->len = 0;
			c->cap = CHUNK_BYTES - sizeof(*c);
			if (k->tail)
				k->tail->next = c;
			else
				k->head = c;
			k->tail = c;
		}
		take = c->cap - c->len < n ? c->cap - c->len : n;
		memcpy(c->data + c->len, p, take);
		c->len += take;
		p += take;
		n -= take;
	}
	return 0;
}

/* Sends what the buffer holds on once it is big enough (or always). */
static int flush(struct co_buf *b, struct sink *k, int always)
{
	if (!always && b->len < (1u << 20))
		return 0;
	if (b->len) {
		if (k->f) {
			if (fwrite(b->data, 1, b->len, k->f) != b->len)
				return CO_EIO;
		} else if (sink_keep(k, b->data, b->len)) {
			return CO_ENOMEM;
		}
	}
	co_buf_reset(b);
	return 0;
}

static int sink_release(struct sink *k, FILE *f)
{
	struct chunk *c = k->head;
	int rc = 0;

	while (c) {
		struct chunk *next = c->next;

		if (f && !rc && fwrite(c->data, 1, c->len, f) != c->len)
			rc = CO_EIO;
		munmap(c, CHUNK_BYTES);
		c = next;
	}
	k->head = k->tail = NULL;
	return rc;
}

/* A row is put together in a local buffer and handed to the output buffer
 * a few kilobytes at a time: one call per field into a growing buffer costs
 * more than formatting the field. Before each row the buffer has room for
 * the fixed parts (RB_ROOM); labels, notes and rule names are checked. */
#define RB_ROOM 1024

struct rowbuf {
	struct co_buf *b;
	char *p;
	int rc;
	char buf[16384];
};

static void rb_flush(struct rowbuf *o)
{
	if (o->p > o->buf && !o->rc)
		o->rc = co_buf_add(o->b, o->buf, (size_t)(o->p - o->buf));
	o->p = o->buf;
}

static void rb_put(struct rowbuf *o, const char *s, size_t n)
{
	if (n > (size_t)(o->buf + sizeof(o->buf) - o->p)) {
		rb_flush(o);
		if (n > sizeof(o->buf)) {
			if (!o->rc)
				o->rc = co_buf_add(o->b, s, n);
			return;
		}
	}
	memcpy(o->p, s, n);
	o->p += n;
}

/* A CSV field as co_csv_field() writes it: quoted when it has a comma, a
 * quote or a line end, or starts or ends with a space. Into out (room for
 * 2 len + 3 bytes); returns the length. */
static size_t csv_text(const char *s, size_t len, char *out)
{
	size_t i, k = 0;
	int quote = len > 0 && (s[0] == ' ' || s[len - 1] == ' ');

	for (i = 0; i < len && !quote; i++)
		quote = s[i] == ',' || s[i] == '"' || s[i] == '\r' || s[i] == '\n';
	if (!quote) {
		if (len)
			memcpy(out, s, len);
		return len;
	}
	out[k++] = '"';
	for (i = 0; i < len; i++) {
		if (s[i] == '"')
			out[k++] = '"';
		out[k++] = s[i];
	}
	out[k++] = '"';
	return k;
}

static void rb_field(struct rowbuf *o, const char *s)
{
	size_t len = s ? strlen(s) : 0;
	char small[256];

	if (2 * len + 3 <= sizeof(small)) {
		size_t k = csv_text(s, len, small);

		rb_put(o, small, k);
	} else {
		char *t = malloc(2 * len + 3);

		if (!t) {
			o->rc = CO_ENOMEM;
			return;
		}
		rb_put(o, t, csv_text(s, len, t));
		free(t);
	}
}

/* At most 32 bytes from a source with 32 readable bytes, into the room the
 * row has (RB_ROOM): one fixed-size copy instead of a call. */
static void rb_put32(struct rowbuf *o, const char *s, size_t n)
{
	memcpy(o->p, s, 32);
	o->p += n;
}

static void rb_num(struct rowbuf *o, double v)
{
	if (!isnan(v))
		o->p += co_dtoa(v, o->p);
}

static void rb_cached(struct rowbuf *o, double v, struct num_cache *c)
{
	if (isnan(v))
		return;
	if (v != c->v || c->len == 0) {
		c->len = co_dtoa(v, c->text);
		c->v = v;
	}
	rb_put32(o, c->text, c->len);
}

/* Texts that repeat from row to row, as CSV fields: a series' labels, an x,
 * a signal word's rule names; each kept in a table indexed by its key. */
#define X_SLOTS 512

struct row_cache {
	size_t series; /* the series whose labels are below, +1 */
	struct co_buf labels;
	char lab32[32]; /* the labels when they fit */
	double x[X_SLOTS];
	unsigned char xlen[X_SLOTS]; /* 0: empty */
	char xtext[X_SLOTS][131];
	uint32_t sig[16];
	size_t siglen[16]; /* +1; 0: empty */
	char sigtext[16][2051];
	struct num_cache num[5];
};

static void put_x(struct rowbuf *o, const struct input *in, struct row_cache *c, double x)
{
	uint64_t bits;
	unsigned h;

	memcpy(&bits, &x, sizeof(bits));
	h = (unsigned)((bits * 0x9E3779B97F4A7C15ULL) >> 55) & (X_SLOTS - 1);
	if (!c->xlen[h] || c->x[h] != x) {
		char t[64];

		x_text(in, x, t);
		c->xlen[h] = (unsigned char)(csv_text(t, strlen(t), c->xtext[h]) + 1);
		c->x[h] = x;
	}
	if (c->xlen[h] - 1u <= 32) {
		rb_put32(o, c->xtext[h], c->xlen[h] - 1u);
	} else {
		memcpy(o->p, c->xtext[h], c->xlen[h] - 1u);
		o->p += c->xlen[h] - 1u;
	}
}

static void put_signals(struct rowbuf *o, const struct spc_result *r, struct row_cache *c,
                        uint32_t s)
{
	unsigned h = (s ^ (s >> 4) ^ (s >> 8) ^ (s >> 12) ^ (s >> 16)) & 15;

	if (!c->siglen[h] || c->sig[h] != s) {
		char t[1024];

		signals_text(r, s, t, sizeof(t));
		c->siglen[h] = csv_text(t, strlen(t), c->sigtext[h]) + 1;
		c->sig[h] = s;
	}
	rb_put(o, c->sigtext[h], c->siglen[h] - 1);
}

static int csv_rows(const struct spc_result *r, const struct input *in, struct co_buf *b,
                    struct sink *k, size_t from, size_t to)
{
	static const char *const flags[8] = {",0,0,0,", ",1,0,0,", ",0,1,0,", ",1,1,0,",
	                                     ",0,0,1,", ",1,0,1,", ",0,1,1,", ",1,1,1,"};
	struct rowbuf *o = malloc(sizeof(*o));
	struct row_cache *c = calloc(1, sizeof(*c));
	size_t i;
	int rc = 0, two = in->f2 != NULL;

	if (!o || !c) {
		free(o);
		free(c);
		return CO_ENOMEM;
	}
	o->b = b;
	o->p = o->buf;
	o->rc = 0;
	co_buf_init(&c->labels, CO_MAX_LINE);
	for (i = from; i < to && !rc; i++) {
		struct spc_point p;
		int part;

		spc_point_get(r, i, &p);
		if (c->series != p.series + 1) { /* the series' labels, as CSV fields */
			const struct spc_series *se = spc_result_series(r, p.series);

			co_buf_reset(&c->labels);
			rc = co_csv_fieldz(&c->labels, se->label) || co_csv_sep(&c->labels);
			if (two)
				rc = rc || co_csv_fieldz(&c->labels, se->label2) ||
				     co_csv_sep(&c->labels);
			c->series = p.series + 1;
			if (c->labels.len <= 32)
				memcpy(c->lab32, c->labels.data, c->labels.len);
		}
		if (o->buf + sizeof(o->buf) - o->p < RB_ROOM)
			rb_flush(o);
		if (c->labels.len <= 32)
			rb_put32(o, c->lab32, c->labels.len);
		else
			rb_put(o, c->labels.data, c->labels.len);
		if (o->buf + sizeof(o->buf) - o->p < RB_ROOM)
			rb_flush(o);
		put_x(o, in, c, p.x);
		*o->p++ = ',';
		rb_num(o, p.y);
		*o->p++ = ',';
		rb_num(o, p.n);
		*o->p++ = ',';
		rb_cached(o, p.cl, &c->num[0]);
		*o->p++ = ',';
		rb_cached(o, p.lcl, &c->num[1]);
		*o->p++ = ',';
		rb_cached(o, p.ucl, &c->num[2]);
		*o->p++ = ',';
		rb_cached(o, p.lcl2, &c->num[3]);
		*o->p++ = ',';
		rb_cached(o, p.ucl2, &c->num[4]);
		*o->p++ = ',';
		rb_num(o, p.target);
		*o->p++ = ',';
		part = spc_result_part(r, p.part)->number;
		if (part >= 1 && part <= 9)
			*o->p++ = (char)('0' + part);
		else
			o->p += snprintf(o->p, 24, "%d", part);
		memcpy(o->p,
		       flags[(p.baseline != 0) | (p.include != 0) << 1 |
		             (p.sigma_signal != 0) << 2],
		       7);
		o->p += 7;
		put_signals(o, r, c, p.signals);
		rb_put(o, ",", 1);
		rb_field(o, p.cause == SPC_CAUSE_COMMON ? "" : spc_cause_name(p.cause));
		rb_put(o, ",", 1);
		rb_field(o, spc_class_name(p.cls));
		rb_put(o, ",", 1);
		if (p.notes)
			rb_field(o, p.notes);
		rb_put(o, "\r\n", 2);
		if (o->buf + sizeof(o->buf) - o->p < RB_ROOM) {
			rb_flush(o);
			rc = o->rc || flush(b, k, 0);
		}
	}
	rb_flush(o);
	rc = rc || o->rc;
	co_buf_free(&c->labels);
	free(o);
	free(c);
	return rc || flush(b, k, 1) ? CO_EIO : 0;
}

struct half {
	const struct spc_result *r;
	const struct input *in;
	size_t from, to;
	struct sink k;
	int rc;
};

static void *csv_half(void *arg)
{
	struct half *h = arg;
	struct co_buf b;

	co_buf_init(&b, 4u << 20);
	h->rc = csv_rows(h->r, h->in, &b, &h->k, h->from, h->to);
	co_buf_free(&b);
	return NULL;
}

/* The rows as CSV. A big result is formatted by two threads, the second
 * half into memory while the first goes out. */
static int write_csv(const struct spc_result *r, const struct input *in, struct co_buf *b, FILE *f)
{
	size_t np = spc_result_npoints(r);
	struct sink out = {f, NULL, NULL, 0};
	struct half h;
	pthread_t t;
	int threaded = 0, rc;

	rc = co_buf_adds(b, "facet,");
	if (!rc && in->f2)
		rc = co_buf_adds(b, "facet2,");
	if (!rc)
		rc = co_buf_adds(b, "x,y,n,cl,lcl,ucl,lcl_2sigma,ucl_2sigma,target,part,baseline,"
		                    "include,sigma_signal,signals,cause,class,notes\r\n");
	if (rc)
		return CO_EIO;
	memset(&h, 0, sizeof(h));
	if (np >= 50000 && sysconf(_SC_NPROCESSORS_ONLN) > 1) {
		h.r = r;
		h.in = in;
		h.from = np / 2;
		h.to = np;
		threaded = pthread_create(&t, NULL, csv_half, &h) == 0;
	}
	rc = csv_rows(r, in, b, &out, 0, threaded ? np / 2 : np);
	if (threaded) {
		pthread_join(t, NULL);
		if (!rc)
			rc = h.rc;
		if (sink_release(&h.k, rc ? NULL : f) && !rc)
			rc = CO_EIO;
	}
	return rc;
}

static int json_str(struct co_buf *b, const char *s)
{
	int rc = co_buf_addc(b, '"');

	for (; s && *s && !rc; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\')
			rc = co_buf_addc(b, '\\') || co_buf_addc(b, (char)ch);
		else if (ch < 0x20)
			rc = co_buf_printf(b, "\\u%04x", ch);
		else
			rc = co_buf_addc(b, (char)ch);
	}
	return rc || co_buf_addc(b, '"');
}

static int json_num(struct co_buf *b, double v)
{
	char t[32];

	if (isnan(v) || isinf(v))
		return co_buf_adds(b, "null");
	return co_buf_add(b, t, co_dtoa(v, t));
}

static int write_json(const struct spc_result *r, const struct input *in, struct co_buf *b,
                      FILE *stream)
{
	struct sink sk = {stream, NULL, NULL, 0}, *f = &sk;
	const struct spc_options *o = spc_result_options(r);
	size_t s, i;
	int rc;

	rc = co_buf_printf(b, "{\"chart\":\"%s\",\"profile\":\"%s\",\"rules\":\"%s\",\"series\":[",
	                   spc_chart_name(o->chart), spc_profile_name(o->profile),
	                   spc_rules_name(o->rules));
	for (s = 0; s < spc_result_nseries(r) && !rc; s++) {
		const struct spc_series *se = spc_result_series(r, s);

		rc = co_buf_adds(b, s ? ",{\"facet\":" : "{\"facet\":") || json_str(b, se->label) ||
		     co_buf_adds(b, ",\"facet2\":") || json_str(b, se->label2) ||
		     co_buf_adds(b, ",\"target\":") || json_num(b, se->target) ||
		     co_buf_adds(b, ",\"variation\":") ||
		     json_str(b, spc_icon_name(se->variation)) ||
		     co_buf_adds(b, ",\"assurance\":") ||
		     (se->assurance == SPC_ASSURE_NONE
		              ? co_buf_adds(b, "null")
		              : json_str(b, spc_assurance_name(se->assurance))) ||
		     co_buf_adds(b, ",\"parts\":[");
		for (i = se->first_part; i < se->first_part + se->nparts && !rc; i++) {
			const struct spc_part *p = spc_result_part(r, i);

			rc = co_buf_printf(
			        b,
			        "%s{\"part\":%d,\"points\":%zu,\"n_obs\":%ld,\"n_useful\":%ld,"
			        "\"longest_run\":%ld,\"longest_run_max\":%ld,"
			        "\"crossings\":%ld,\"crossings_min\":%ld,"
			        "\"runs_signal\":%s,\"short\":%s}",
			        i > se->first_part ? "," : "", p->number, p->count, p->n_obs,
			        p->n_useful, p->longest_run, p->longest_run_max, p->crossings,
			        p->crossings_min, p->runs_signal ? "true" : "false",
			        p->short_group ? "true" : "false");
		}
		rc = rc || co_buf_adds(b, "],\"points\":[");
		for (i = se->first; i < se->first + se->count && !rc; i++) {
			struct spc_point p;
			char xb[64], sig[1024];

			spc_point_get(r, i, &p);
			x_text(in, p.x, xb);
			signals_text(r, p.signals, sig, sizeof(sig));
			rc = co_buf_adds(b, i > se->first ? ",{\"x\":" : "{\"x\":") ||
			     (in->xkind == SPC_X_DATE || in->xkind == SPC_X_CATEGORY
			              ? json_str(b, xb)
			              : json_num(b, p.x)) ||
			     co_buf_adds(b, ",\"y\":") || json_num(b, p.y) ||
			     co_buf_adds(b, ",\"n\":") || json_num(b, p.n) ||
			     co_buf_adds(b, ",\"cl\":") || json_num(b, p.cl) ||
			     co_buf_adds(b, ",\"lcl\":") || json_num(b, p.lcl) ||
			     co_buf_adds(b, ",\"ucl\":") || json_num(b, p.ucl) ||
			     co_buf_adds(b, ",\"lcl_2sigma\":") || json_num(b, p.lcl2) ||
			     co_buf_adds(b, ",\"ucl_2sigma\":") || json_num(b, p.ucl2) ||
			     co_buf_printf(b,
			                   ",\"part\":%d,\"baseline\":%s,\"include\":%s,"
			                   "\"sigma_signal\":%s,\"signals\":",
			                   spc_result_part(r, p.part)->number,
			                   p.baseline ? "true" : "false",
			                   p.include ? "true" : "false",
			                   p.sigma_signal ? "true" : "false") ||
			     json_str(b, sig) || co_buf_adds(b, ",\"cause\":") ||
			     json_str(b, spc_cause_name(p.cause)) ||
			     co_buf_adds(b, ",\"class\":") || json_str(b, spc_class_name(p.cls)) ||
			     co_buf_adds(b, ",\"notes\":") ||
			     (p.notes ? json_str(b, p.notes) : co_buf_adds(b, "null")) ||
			     co_buf_addc(b, '}') || flush(b, f, 0);
		}
		rc = rc || co_buf_adds(b, "]}");
	}
	rc = rc || co_buf_adds(b, "]}\n");
	return rc || flush(b, f, 1) ? CO_EIO : 0;
}

static int write_file(const char *path, const char *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	if (!f) {
		fprintf(stderr, "collective spc: cannot write %s: %s\n", path, strerror(errno));
		return CLI_FAIL;
	}
	if (fwrite(data, 1, len, f) != len || fclose(f) != 0) {
		fprintf(stderr, "collective spc: writing %s failed\n", path);
		return CLI_FAIL;
	}
	return 0;
}

int cli_spc(int argc, char **argv)
{
	struct args a;
	struct input in;
	struct spc_options o;
	struct spc_data d;
	struct spc_result *res = NULL;
	struct co_buf out, svg;
	struct co_err err;
	int rc;

	if (argc >= 2 && strcmp(argv[1], "--reference") == 0)
		return spc_reference_run(argc >= 3 ? argv[2] : "../shared/spc-reference",
		                         argc >= 4 ? argv[3] : NULL, 0);
	if (cli_wants_help(argc, argv)) {
		fputs(usage_text, stdout);
		return CLI_OK;
	}
	if ((rc = parse_args(argc, argv, &a)))
		return rc;
	if ((rc = build_options(&a, &o)))
		return rc;
	if ((rc = read_input(&a, &in, &o))) {
		input_free(&in);
		return rc;
	}
	memset(&d, 0, sizeof(d));
	d.n = in.t.nrows;
	d.x = in.x;
	d.y = in.y;
	d.denom = in.n;
	d.facet = in.f1;
	d.facet2 = in.f2;
	d.notes = in.notes;
	d.part = in.part;
	d.is_new = in.is_new;
	co_err_clear(&err);
	if ((rc = spc_run(&d, &o, &res, &err))) {
		if (err.row > 0 && (size_t)err.row <= in.t.nrows) {
			int col = err.field[0] == 'n'   ? in.ncol
			          : err.field[0] == 'x' ? in.xcol
			                                : in.ycol;

			fprintf(stderr, "collective spc: row %ld, column %d (%s): %s\n",
			        in.t.csv_row[err.row - 1], col + 1,
			        col >= 0 ? in.t.names[col] : err.field, err.msg);
		} else {
			fprintf(stderr, "collective spc: %s\n", err.msg);
		}
		input_free(&in);
		return rc == CO_ENOMEM ? CLI_FAIL : CLI_USAGE;
	}
	/* the chart first: once standard output has begun, nothing may fail
	 * for a reason the user could fix */
	co_buf_init(&out, 4u << 20);
	co_buf_init(&svg, CO_SPC_MAX_SVG);
	rc = 0;
	if (a.svg) {
		size_t s = 0, k;

		if (a.svg_facet) {
			for (k = 0; k < spc_result_nseries(res); k++)
				if (strcmp(spc_result_series(res, k)->label, a.svg_facet) == 0)
					break;
			if (k == spc_result_nseries(res)) {
				fprintf(stderr, "collective spc: no facet '%s' to draw\n",
				        a.svg_facet);
				rc = -1;
			}
			s = k;
		}
		if (!rc && spc_svg_write(res, s, a.title, &svg)) {
			fprintf(stderr, "collective spc: the chart is too large to draw\n");
			rc = -2;
		}
		if (!rc && write_file(a.svg, svg.data, svg.len))
			rc = -2;
	}
	if (!rc) {
		rc = strcmp(a.format, "json") == 0 ? write_json(res, &in, &out, stdout)
		                                   : write_csv(res, &in, &out, stdout);
		if (rc)
			fprintf(stderr, "collective spc: writing the output failed\n");
	}
	co_buf_free(&out);
	co_buf_free(&svg);
	spc_result_free(res);
	input_free(&in);
	if (fflush(stdout) != 0 && rc == 0)
		rc = CLI_FAIL;
	return rc == 0 ? CLI_OK : rc == -1 ? CLI_USAGE : CLI_FAIL;
}
