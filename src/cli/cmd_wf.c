/*
 * cmd_wf.c - `collective wf`: workforce projections, scenarios, Monte Carlo,
 * training commissions, manpower plans and WISN staffing (src/wf/wf.h).
 *
 * Everything is computed and written into memory first; only then is it
 * printed, so that bad input (exit 2) leaves stdout empty.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/limits.h"
#include "cli/cli.h"
#include "wf/wf.h"

#define WF_MAX_SCEN_ARGS 64

static const char usage_main[] =
        "usage: collective wf COMMAND ...\n"
        "\n"
        "Workforce planning: projections, scenarios, uncertainty and training commissions.\n"
        "\n"
        "commands:\n"
        "  project MODEL.json     project the workforce ten years ahead (CSV or JSON)\n"
        "  commission MODEL.json  the training places to commission that best close the gap\n"
        "  manpower FILE.json     an optimal manpower plan (recruitment, retraining, ...)\n"
        "  wisn TEAM.json         WISN staffing need of a team\n"
        "\n"
        "`collective wf COMMAND --help` describes each. The file formats are in\n"
        "docs/workforce.md.\n";

static const char usage_project[] =
        "usage: collective wf project MODEL.json [--scenario NAME ...] [--diff]\n"
        "                              [--draws N --seed S] [--format csv|json]\n"
        "                              [--svg FILE [--profession CODE]]\n"
        "\n"
        "Projects every profession, group and year of the model. Without --scenario\n"
        "the base model is run (scenario \"base\"); each --scenario adds one, side by\n"
        "side (\"base\" names the base model). --diff adds, for each scenario, its\n"
        "difference from base (labelled NAME-base).\n"
        "\n"
        "--draws N runs N Monte Carlo draws of the parameters the model's\n"
        "\"uncertainty\" list names (every scenario with the same random numbers) and\n"
        "writes the 5th, 25th, 50th, 75th and 95th percentiles of every column, with a\n"
        "percentile column. --seed S (default 1) makes a run repeatable.\n"
        "\n"
        "--svg FILE also writes a fan chart of supply (FTE) against demand, for every\n"
        "profession or the one --profession names.\n"
        "\n"
        "CSV columns: scenario,profession,group,year,headcount,fte,leavers,joiners,\n"
        "graduates,entrants,returners,demand,gap. Exit 2 on bad input.\n";

static const char usage_commission[] =
        "usage: collective wf commission MODEL.json [--scenario NAME] [--from YEAR]\n"
        "                                 [--years N] [--draws N --seed S]\n"
        "                                 [--greedy CODE] [--format json|csv]\n"
        "\n"
        "Solves a linear programme for the training places to commission in each\n"
        "year of a window (default: the model's \"commissioning\" section, else the\n"
        "three years after the base year) that minimise the weighted shortfall of FTE\n"
        "against demand in the year each intake is in post, plus the cost of the\n"
        "places, within university and placement capacity, the shared budget, the\n"
        "limit on change from year to year and the places already committed.\n"
        "With --draws N the expected shortfall over N Monte Carlo draws is minimised\n"
        "instead of the shortfall of the central projection. The answer says which\n"
        "limit binds in each year. --greedy CODE adds a simple year-by-year\n"
        "calculation for one profession as a check (it agrees with the LP when no\n"
        "limit binds). Exit 2 on bad input or when the limits conflict.\n";

static const char usage_manpower[] =
        "usage: collective wf manpower FILE.json --minimise redundancy|cost\n"
        "\n"
        "Solves a manpower-planning model (categories of staff, recruitment, wastage\n"
        "of new and established staff, retraining and downgrading between categories,\n"
        "redundancy, overmanning and short-time working) as a linear programme and\n"
        "prints the plan as JSON with its \"objective\". examples/williams-manpower.json\n"
        "is the classic problem. Exit 2 on bad input or an infeasible plan.\n";

static const char usage_wisn[] =
        "usage: collective wf wisn TEAM.json [--format json|csv]\n"
        "\n"
        "Workload Indicators of Staffing Need for a team: for each staff category the\n"
        "available working time, the standard workloads, the category and individual\n"
        "allowance factors, the staff required, and the WISN difference and ratio of\n"
        "existing to required staff. Exit 2 on bad input.\n";

static int bad(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int bad(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "collective wf: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return CLI_USAGE;
}

static int read_file(const char *path, char **out, size_t *len)
{
	FILE *f = fopen(path, "rb");
	struct co_buf b;
	char chunk[65536];
	size_t n;

	if (!f) {
		fprintf(stderr, "collective wf: %s: %s\n", path, strerror(errno));
		return CLI_USAGE;
	}
	co_buf_init(&b, CO_MAX_FILE);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		if (co_buf_add(&b, chunk, n)) {
			fclose(f);
			co_buf_free(&b);
			fprintf(stderr, "collective wf: %s: too large or out of memory\n", path);
			return CLI_USAGE;
		}
	if (ferror(f)) {
		fclose(f);
		co_buf_free(&b);
		fprintf(stderr, "collective wf: %s: read error\n", path);
		return CLI_FAIL;
	}
	fclose(f);
	*out = co_buf_take(&b, len);
	if (!*out) {
		fprintf(stderr, "collective wf: out of memory\n");
		return CLI_FAIL;
	}
	return CLI_OK;
}

static int report(const char *path, const struct co_err *e)
{
	fprintf(stderr, "collective wf: %s: %s\n", path,
	        e->msg[0] ? e->msg : co_code_name(e->code));
	return e->code == CO_EINPUT || e->code == CO_ENOTFOUND || e->code == CO_ELIMIT ? CLI_USAGE
	                                                                               : CLI_FAIL;
}

static int parse_long(const char *s, long lo, long hi, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

static int parse_seed(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (*s == '-')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || *end)
		return -1;
	*out = (uint64_t)v;
	return 0;
}

static int emit(struct co_buf *b)
{
	if (b->len && fwrite(b->data, 1, b->len, stdout) != b->len) {
		fprintf(stderr, "collective wf: writing the output failed\n");
		return CLI_FAIL;
	}
	return fflush(stdout) ? CLI_FAIL : CLI_OK;
}

static int load_model(const char *path, struct wf_model **m)
{
	struct co_err e;
	char *text;
	size_t len;
	int rc = read_file(path, &text, &len);

	if (rc)
		return rc;
	co_err_clear(&e);
	if (wf_model_read_json(text, len, m, &e)) {
		free(text);
		return report(path, &e);
	}
	free(text);
	return CLI_OK;
}

/* ---- wf project ------------------------------------------------------------ */

struct project_args {
	const char *model, *svg, *prof;
	const char *scen[WF_MAX_SCEN_ARGS];
	int n_scen, diff, json;
	long draws;
	uint64_t seed;
};

static int parse_project(int argc, char **argv, struct project_args *a)
{
	int i;

	memset(a, 0, sizeof(*a));
	a->seed = 1;
	for (i = 1; i < argc; i++) {
		const char *o = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (o[0] != '-') {
			if (a->model)
				return bad("unexpected argument '%s'", o);
			a->model = o;
			continue;
		}
		if (strcmp(o, "--diff") == 0) {
			a->diff = 1;
			continue;
		}
		if (!v)
			return bad("%s needs a value (or is unknown)", o);
		if (strcmp(o, "--scenario") == 0) {
			if (a->n_scen >= WF_MAX_SCEN_ARGS)
				return bad("%s", "too many --scenario options");
			a->scen[a->n_scen++] = v;
		} else if (strcmp(o, "--format") == 0) {
			if (strcmp(v, "csv") != 0 && strcmp(v, "json") != 0)
				return bad("unknown format '%s' (csv or json)", v);
			a->json = strcmp(v, "json") == 0;
		} else if (strcmp(o, "--draws") == 0) {
			if (parse_long(v, 1, 10000000, &a->draws))
				return bad("--draws needs a whole number from 1, not '%s'", v);
		} else if (strcmp(o, "--seed") == 0) {
			if (parse_seed(v, &a->seed))
				return bad("--seed needs a whole number, not '%s'", v);
		} else if (strcmp(o, "--svg") == 0) {
			a->svg = v;
		} else if (strcmp(o, "--profession") == 0) {
			a->prof = v;
		} else {
			return bad("unknown option '%s'", o);
		}
		i++;
	}
	if (!a->model)
		return bad("%s", "wf project needs a MODEL.json (see --help)");
	return CLI_OK;
}

static int write_svg(const char *path, struct co_buf *svg)
{
	FILE *f = fopen(path, "wb");

	if (!f || fwrite(svg->data, 1, svg->len, f) != svg->len) {
		fprintf(stderr, "collective wf: %s: %s\n", path, strerror(errno));
		if (f)
			fclose(f);
		return CLI_FAIL;
	}
	if (fclose(f)) {
		fprintf(stderr, "collective wf: %s: %s\n", path, strerror(errno));
		return CLI_FAIL;
	}
	return CLI_OK;
}

static int wf_project_cmd(int argc, char **argv)
{
	struct project_args a;
	struct wf_model *m = NULL;
	struct co_buf out, svg;
	struct co_err e;
	int scen[WF_MAX_SCEN_ARGS], n_sets, i, s, rc, prof = -1;
	const char *labels[2 * WF_MAX_SCEN_ARGS];
	char *names[2 * WF_MAX_SCEN_ARGS] = {0};
	double *v = NULL;
	size_t rows, per;

	if (cli_wants_help(argc, argv)) {
		fputs(usage_project, stdout);
		return CLI_OK;
	}
	if ((rc = parse_project(argc, argv, &a)))
		return rc;
	if ((rc = load_model(a.model, &m)))
		return rc;
	co_buf_init(&out, CO_MAX_OUTPUT);
	co_buf_init(&svg, CO_MAX_OUTPUT);
	co_err_clear(&e);
	if (a.n_scen == 0)
		a.scen[a.n_scen++] = "base";
	for (i = 0; i < a.n_scen; i++) {
		scen[i] = wf_model_find_scenario(m, a.scen[i]);
		if (scen[i] < 0) {
			rc = bad("unknown scenario '%s'", a.scen[i]);
			goto out;
		}
	}
	if (a.prof) {
		for (prof = 0; prof < wf_model_professions(m); prof++)
			if (strcmp(wf_model_profession_code(m, prof), a.prof) == 0)
				break;
		if (prof == wf_model_professions(m)) {
			rc = bad("unknown profession '%s'", a.prof);
			goto out;
		}
	}
	if (a.draws > 0 && wf_model_uncertain(m) == 0) {
		rc = bad("%s", "--draws: the model names no uncertain parameters "
		               "(its \"uncertainty\" list)");
		goto out;
	}
	rows = wf_rows(m);
	per = rows * WF_NCOL * (a.draws > 0 ? WF_NPCT : 1);
	n_sets = a.n_scen;
	for (i = 0; i < a.n_scen; i++)
		if (a.diff && scen[i] != 0)
			n_sets++;
	v = calloc((size_t)n_sets * per, sizeof(double));
	if (!v) {
		fprintf(stderr, "collective wf: out of memory\n");
		rc = CLI_FAIL;
		goto out;
	}
	n_sets = 0;
	for (i = 0; i < a.n_scen; i++)
		labels[n_sets++] = wf_model_scenario_name(m, scen[i]);
	for (i = 0; i < a.n_scen; i++)
		if (a.diff && scen[i] != 0) {
			size_t len = strlen(a.scen[i]) + 6;
			names[n_sets] = malloc(len);
			if (!names[n_sets]) {
				rc = CLI_FAIL;
				goto out;
			}
			snprintf(names[n_sets], len, "%s-base", a.scen[i]);
			labels[n_sets] = names[n_sets];
			n_sets++;
		}
	if (a.draws > 0) {
		struct wf_mc_opts o = {a.draws, a.seed, a.n_scen, scen, a.diff};
		if (wf_monte_carlo(m, &o, v, &e)) {
			rc = report(a.model, &e);
			goto out;
		}
	} else {
		double *base = NULL;
		for (i = 0; i < a.n_scen; i++)
			if (wf_project(m, scen[i], v + (size_t)i * per, &e)) {
				rc = report(a.model, &e);
				goto out;
			}
		s = a.n_scen;
		for (i = 0; i < a.n_scen && a.diff; i++) {
			size_t k;
			if (scen[i] == 0)
				continue;
			if (!base) {
				base = malloc(per * sizeof(double));
				if (!base || wf_project(m, 0, base, &e)) {
					free(base);
					rc = base ? report(a.model, &e) : CLI_FAIL;
					goto out;
				}
			}
			for (k = 0; k < per; k++)
				v[(size_t)s * per + k] = v[(size_t)i * per + k] - base[k];
			s++;
		}
		free(base);
	}
	if (a.json) {
		rc = wf_write_json(&out, m, n_sets, labels, v, a.draws > 0);
	} else {
		rc = wf_write_csv_header(&out, a.draws > 0);
		for (s = 0; s < n_sets && !rc; s++)
			rc = a.draws > 0 ? wf_write_csv_pct(&out, m, labels[s], v + (size_t)s * per)
			                 : wf_write_csv(&out, m, labels[s], v + (size_t)s * per);
	}
	if (!rc && a.svg)
		rc = wf_fan_svg(&svg, m, a.n_scen, labels, v, a.draws > 0, prof);
	if (rc) {
		fprintf(stderr, "collective wf: the output is too large or memory ran out\n");
		rc = CLI_FAIL;
		goto out;
	}
	if (a.svg && (rc = write_svg(a.svg, &svg)))
		goto out;
	rc = emit(&out);
out:
	for (i = 0; i < 2 * WF_MAX_SCEN_ARGS; i++)
		free(names[i]);
	free(v);
	co_buf_free(&out);
	co_buf_free(&svg);
	wf_model_free(m);
	return rc;
}

/* ---- wf commission ---------------------------------------------------------- */

static int wf_commission_cmd(int argc, char **argv)
{
	struct wf_commission_opts o;
	struct wf_commission res;
	struct wf_model *m = NULL;
	struct co_buf out;
	struct co_err e;
	const char *model = NULL, *scen = "base", *greedy = NULL;
	int i, rc, json = 1;
	long lv;

	if (cli_wants_help(argc, argv)) {
		fputs(usage_commission, stdout);
		return CLI_OK;
	}
	memset(&o, 0, sizeof(o));
	o.seed = 1;
	o.greedy_prof = -1;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (a[0] != '-') {
			if (model)
				return bad("unexpected argument '%s'", a);
			model = a;
			continue;
		}
		if (!v)
			return bad("%s needs a value", a);
		if (strcmp(a, "--scenario") == 0) {
			scen = v;
		} else if (strcmp(a, "--from") == 0) {
			if (parse_long(v, 1000, 3000, &lv))
				return bad("--from needs a year, not '%s'", v);
			o.from_year = (int)lv;
		} else if (strcmp(a, "--years") == 0) {
			if (parse_long(v, 1, 100, &lv))
				return bad("--years needs a whole number from 1 to 100, not '%s'",
				           v);
			o.years = (int)lv;
		} else if (strcmp(a, "--draws") == 0) {
			if (parse_long(v, 1, 1000000, &o.draws))
				return bad("--draws needs a whole number from 1, not '%s'", v);
		} else if (strcmp(a, "--seed") == 0) {
			if (parse_seed(v, &o.seed))
				return bad("--seed needs a whole number, not '%s'", v);
		} else if (strcmp(a, "--greedy") == 0) {
			greedy = v;
		} else if (strcmp(a, "--format") == 0) {
			if (strcmp(v, "csv") != 0 && strcmp(v, "json") != 0)
				return bad("unknown format '%s' (json or csv)", v);
			json = strcmp(v, "json") == 0;
		} else {
			return bad("unknown option '%s'", a);
		}
		i++;
	}
	if (!model)
		return bad("%s", "wf commission needs a MODEL.json (see --help)");
	if ((rc = load_model(model, &m)))
		return rc;
	co_buf_init(&out, CO_MAX_OUTPUT);
	co_err_clear(&e);
	if ((o.scenario = wf_model_find_scenario(m, scen)) < 0) {
		rc = bad("unknown scenario '%s'", scen);
		goto out;
	}
	if (greedy) {
		for (i = 0; i < wf_model_professions(m); i++)
			if (strcmp(wf_model_profession_code(m, i), greedy) == 0)
				o.greedy_prof = i;
		if (o.greedy_prof < 0) {
			rc = bad("unknown profession '%s'", greedy);
			goto out;
		}
	}
	if (o.draws > 0 && wf_model_uncertain(m) == 0) {
		rc = bad("%s", "--draws: the model names no uncertain parameters");
		goto out;
	}
	if (wf_commission(m, &o, &res, &e)) {
		rc = report(model, &e);
		goto out;
	}
	rc = json ? wf_commission_write_json(&out, m, &res)
	          : wf_commission_write_csv(&out, m, &res);
	wf_commission_free(&res);
	if (rc) {
		fprintf(stderr, "collective wf: out of memory\n");
		rc = CLI_FAIL;
		goto out;
	}
	rc = emit(&out);
out:
	co_buf_free(&out);
	wf_model_free(m);
	return rc;
}

/* ---- wf manpower ------------------------------------------------------------ */

static int wf_manpower_cmd(int argc, char **argv)
{
	struct wf_manpower *mp = NULL;
	struct co_buf out;
	struct co_err e;
	const char *file = NULL;
	int i, rc, obj = -1;
	char *text;
	size_t len;

	if (cli_wants_help(argc, argv)) {
		fputs(usage_manpower, stdout);
		return CLI_OK;
	}
	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (a[0] != '-') {
			if (file)
				return bad("unexpected argument '%s'", a);
			file = a;
			continue;
		}
		if (strcmp(a, "--minimise") == 0 || strcmp(a, "--minimize") == 0) {
			if (!v)
				return bad("%s needs redundancy or cost", a);
			if (strcmp(v, "redundancy") == 0)
				obj = WF_MP_REDUNDANCY;
			else if (strcmp(v, "cost") == 0)
				obj = WF_MP_COST;
			else
				return bad("--minimise redundancy or cost, not '%s'", v);
			i++;
		} else if (strcmp(a, "--format") == 0) {
			if (!v || strcmp(v, "json") != 0)
				return bad("%s", "wf manpower writes JSON only (--format json)");
			i++;
		} else {
			return bad("unknown option '%s'", a);
		}
	}
	if (!file)
		return bad("%s", "wf manpower needs a FILE.json (see --help)");
	if (obj < 0)
		return bad("%s", "wf manpower needs --minimise redundancy|cost");
	if ((rc = read_file(file, &text, &len)))
		return rc;
	co_err_clear(&e);
	rc = wf_manpower_read_json(text, len, &mp, &e);
	free(text);
	if (rc)
		return report(file, &e);
	co_buf_init(&out, CO_MAX_OUTPUT);
	if (wf_manpower_solve(mp, obj, &out, NULL, &e))
		rc = report(file, &e);
	else
		rc = emit(&out);
	co_buf_free(&out);
	wf_manpower_free(mp);
	return rc;
}

/* ---- wf wisn ------------------------------------------------------------------ */

static int wf_wisn_cmd(int argc, char **argv)
{
	struct wf_wisn *w = NULL;
	struct co_buf out;
	struct co_err e;
	const char *file = NULL;
	int i, rc, json = 1;
	char *text;
	size_t len;

	if (cli_wants_help(argc, argv)) {
		fputs(usage_wisn, stdout);
		return CLI_OK;
	}
	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (a[0] != '-') {
			if (file)
				return bad("unexpected argument '%s'", a);
			file = a;
		} else if (strcmp(a, "--format") == 0) {
			if (!v || (strcmp(v, "csv") != 0 && strcmp(v, "json") != 0))
				return bad("%s", "--format json or csv");
			json = strcmp(v, "json") == 0;
			i++;
		} else {
			return bad("unknown option '%s'", a);
		}
	}
	if (!file)
		return bad("%s", "wf wisn needs a TEAM.json (see --help)");
	if ((rc = read_file(file, &text, &len)))
		return rc;
	co_err_clear(&e);
	rc = wf_wisn_read_json(text, len, &w, &e);
	free(text);
	if (rc)
		return report(file, &e);
	co_buf_init(&out, CO_MAX_OUTPUT);
	rc = json ? wf_wisn_write_json(&out, w) : wf_wisn_write_csv(&out, w);
	rc = rc ? CLI_FAIL : emit(&out);
	co_buf_free(&out);
	wf_wisn_free(w);
	return rc;
}

int cli_wf(int argc, char **argv)
{
	if (argc < 2) {
		fputs(usage_main, stderr);
		return CLI_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		fputs(usage_main, stdout);
		return CLI_OK;
	}
	if (strcmp(argv[1], "project") == 0)
		return wf_project_cmd(argc - 1, argv + 1);
	if (strcmp(argv[1], "commission") == 0)
		return wf_commission_cmd(argc - 1, argv + 1);
	if (strcmp(argv[1], "manpower") == 0)
		return wf_manpower_cmd(argc - 1, argv + 1);
	if (strcmp(argv[1], "wisn") == 0)
		return wf_wisn_cmd(argc - 1, argv + 1);
	fprintf(stderr, "collective wf: unknown command '%s'\n\n", argv[1]);
	fputs(usage_main, stderr);
	return CLI_USAGE;
}
