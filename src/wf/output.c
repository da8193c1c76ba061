/*
 * output.c - projections as CSV and JSON (numbers with 17 significant
 * digits, so that a reader gets back the same double).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "wf/wf_int.h"

int wf__num(struct co_buf *b, double x)
{
	if (isnan(x))
		return 0;
	if (isinf(x))
		return co_buf_adds(b, x > 0 ? "inf" : "-inf");
	if (x == 0)
		return co_buf_adds(b, signbit(x) ? "-0" : "0");
	return co_buf_printf(b, "%.17g", x);
}

/* Writes s quoted for CSV when it needs quoting. */
int wf__csv_text(struct co_buf *b, const char *s)
{
	const char *c;
	int rc;

	if (!strpbrk(s, ",\"\r\n"))
		return co_buf_adds(b, s);
	if ((rc = co_buf_addc(b, '"')))
		return rc;
	for (c = s; *c; c++)
		if ((rc = co_buf_addc(b, *c)) || (*c == '"' && (rc = co_buf_addc(b, '"'))))
			return rc;
	return co_buf_addc(b, '"');
}

int wf__json_text(struct co_buf *b, const char *s)
{
	const unsigned char *c;
	int rc = co_buf_addc(b, '"');

	for (c = (const unsigned char *)s; *c && !rc; c++) {
		if (*c == '"' || *c == '\\')
			rc = co_buf_printf(b, "\\%c", *c);
		else if (*c < 0x20)
			rc = co_buf_printf(b, "\\u%04x", *c);
		else
			rc = co_buf_addc(b, (char)*c);
	}
	return rc ? rc : co_buf_addc(b, '"');
}

static int json_num(struct co_buf *b, double x)
{
	if (!isfinite(x))
		return co_buf_adds(b, "null");
	return wf__num(b, x);
}

int wf_write_csv_header(struct co_buf *b, int with_percentile)
{
	int c, rc = co_buf_adds(b, with_percentile ? "scenario,profession,group,year,percentile"
	                                           : "scenario,profession,group,year");

	for (c = 0; c < WF_NCOL && !rc; c++)
		rc = co_buf_printf(b, ",%s", wf_col_name(c));
	return rc ? rc : co_buf_addc(b, '\n');
}

static int row_head(struct co_buf *b, const struct wf_model *m, const char *scenario, size_t i)
{
	struct wf_rowkey k;
	int rc;

	wf_row_key(m, i, &k);
	if ((rc = wf__csv_text(b, scenario)) || (rc = co_buf_addc(b, ',')) ||
	    (rc = wf__csv_text(b, wf_model_profession_code(m, k.prof))) ||
	    (rc = co_buf_addc(b, ',')) ||
	    (rc = wf__csv_text(b, wf_model_group_name(m, k.prof, k.group))))
		return rc;
	return co_buf_printf(b, ",%d", k.year);
}

int wf_write_csv(struct co_buf *b, const struct wf_model *m, const char *scenario, const double *v)
{
	size_t i, n = wf_rows(m);
	int c, rc;

	for (i = 0; i < n; i++) {
		if ((rc = row_head(b, m, scenario, i)))
			return rc;
		for (c = 0; c < WF_NCOL; c++)
			if ((rc = co_buf_addc(b, ',')) || (rc = wf__num(b, v[i * WF_NCOL + c])))
				return rc;
		if ((rc = co_buf_addc(b, '\n')))
			return rc;
	}
	return 0;
}

int wf_write_csv_pct(struct co_buf *b, const struct wf_model *m, const char *scenario,
                     const double *pct)
{
	size_t i, n = wf_rows(m);
	int c, k, rc;

	for (i = 0; i < n; i++)
		for (k = 0; k < WF_NPCT; k++) {
			if ((rc = row_head(b, m, scenario, i)) ||
			    (rc = co_buf_printf(b, ",%g", wf_percentiles[k])))
				return rc;
			for (c = 0; c < WF_NCOL; c++)
				if ((rc = co_buf_addc(b, ',')) ||
				    (rc = wf__num(b, pct[(i * WF_NCOL + c) * WF_NPCT + k])))
					return rc;
			if ((rc = co_buf_addc(b, '\n')))
				return rc;
		}
	return 0;
}

int wf_write_json(struct co_buf *b, const struct wf_model *m, int n_sets, const char *const *labels,
                  const double *v, int is_pct)
{
	size_t i, n = wf_rows(m);
	int c, k, s, rc;
	size_t stride = is_pct ? (size_t)WF_NCOL * WF_NPCT : WF_NCOL;

	if ((rc = co_buf_printf(b, "{\"base_year\":%d,\"horizon\":%d,\"columns\":[",
	                        wf_model_base_year(m), wf_model_horizon(m))))
		return rc;
	for (c = 0; c < WF_NCOL; c++)
		if ((rc = co_buf_printf(b, "%s\"%s\"", c ? "," : "", wf_col_name(c))))
			return rc;
	if (is_pct) {
		if ((rc = co_buf_adds(b, "],\"percentiles\":[")))
			return rc;
		for (k = 0; k < WF_NPCT; k++)
			if ((rc = co_buf_printf(b, "%s%g", k ? "," : "", wf_percentiles[k])))
				return rc;
	}
	if ((rc = co_buf_adds(b, "],\"sets\":[")))
		return rc;
	for (s = 0; s < n_sets; s++) {
		if ((rc = co_buf_adds(b, s ? ",{\"scenario\":" : "{\"scenario\":")) ||
		    (rc = wf__json_text(b, labels[s])) || (rc = co_buf_adds(b, ",\"rows\":[")))
			return rc;
		for (i = 0; i < n; i++) {
			struct wf_rowkey key;
			const double *row = v + ((size_t)s * n + i) * stride;
			wf_row_key(m, i, &key);
			if ((rc = co_buf_adds(b,
			                      i ? ",\n{\"profession\":" : "\n{\"profession\":")) ||
			    (rc = wf__json_text(b, wf_model_profession_code(m, key.prof))) ||
			    (rc = co_buf_adds(b, ",\"group\":")) ||
			    (rc = wf__json_text(b, wf_model_group_name(m, key.prof, key.group))) ||
			    (rc = co_buf_printf(b, ",\"year\":%d", key.year)))
				return rc;
			for (c = 0; c < WF_NCOL; c++) {
				if (key.group >= 0 && c >= WF_GRADUATES)
					continue; /* not split by group */
				if ((rc = co_buf_printf(b, ",\"%s\":", wf_col_name(c))))
					return rc;
				if (!is_pct) {
					rc = json_num(b, row[c]);
				} else {
					rc = co_buf_addc(b, '[');
					for (k = 0; k < WF_NPCT && !rc; k++) {
						if (k)
							rc = co_buf_addc(b, ',');
						if (!rc)
							rc = json_num(b, row[c * WF_NPCT + k]);
					}
					if (!rc)
						rc = co_buf_addc(b, ']');
				}
				if (rc)
					return rc;
			}
			if ((rc = co_buf_addc(b, '}')))
				return rc;
		}
		if ((rc = co_buf_adds(b, "]}")))
			return rc;
	}
	return co_buf_adds(b, "]}\n");
}
