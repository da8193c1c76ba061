/*
 * svg.c - a fan chart of supply (FTE) against demand, one panel for each
 * profession in each result set: with percentiles, bands from the 5th to
 * the 95th and the 25th to the 75th percentile around the median; without,
 * the two lines. Plain SVG text, no scripts, escaped labels.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "wf/wf_int.h"

#define PW 720 /* panel width */
#define PH 320 /* panel height */
#define ML 70  /* margins */
#define MR 20
#define MT 40
#define MB 40

static int text(struct co_buf *b, const char *s)
{
	int rc = 0;

	for (; *s && !rc; s++)
		switch (*s) {
		case '<': rc = co_buf_adds(b, "&lt;"); break;
		case '>': rc = co_buf_adds(b, "&gt;"); break;
		case '&': rc = co_buf_adds(b, "&amp;"); break;
		case '"': rc = co_buf_adds(b, "&quot;"); break;
		default: rc = co_buf_addc(b, *s);
		}
	return rc;
}

/* value k (percentile index, or 0 without) of column col in row */
static double val(const double *v, size_t row, int col, int is_pct, int k)
{
	return is_pct ? v[(row * WF_NCOL + col) * WF_NPCT + k] : v[row * WF_NCOL + col];
}

static double nice_step(double range)
{
	double raw = range / 5, mag = pow(10, floor(log10(raw))), f = raw / mag;

	return (f < 1.5 ? 1 : f < 3.5 ? 2 : f < 7.5 ? 5 : 10) * mag;
}

struct panel {
	double x0, y0, ymax;
	int T, base_year;
};

static double px(const struct panel *P, int t)
{
	return P->x0 + ML + (double)t * (PW - ML - MR) / (P->T > 0 ? P->T : 1);
}

static double py(const struct panel *P, double y)
{
	return P->y0 + MT + (PH - MT - MB) * (1 - y / P->ymax);
}

/* A band between percentiles lo and hi of col, or a line when lo == hi. */
static int band(struct co_buf *b, const struct panel *P, const double *v, size_t row0, int G,
                int col, int is_pct, int lo, int hi, const char *style)
{
	int t, rc = co_buf_printf(b, "<%s points=\"", lo == hi ? "polyline" : "polygon");

	for (t = 0; t <= P->T && !rc; t++) {
		size_t row = row0 + (size_t)t * (G + 1) + (size_t)G;
		rc = co_buf_printf(b, "%.1f,%.1f ", px(P, t), py(P, val(v, row, col, is_pct, lo)));
	}
	for (t = P->T; t >= 0 && lo != hi && !rc; t--) {
		size_t row = row0 + (size_t)t * (G + 1) + (size_t)G;
		rc = co_buf_printf(b, "%.1f,%.1f ", px(P, t), py(P, val(v, row, col, is_pct, hi)));
	}
	return rc ? rc : co_buf_printf(b, "\" %s/>\n", style);
}

int wf_fan_svg(struct co_buf *b, const struct wf_model *m, int n_sets, const char *const *labels,
               const double *v, int is_pct, int prof)
{
	int p0 = prof >= 0 ? prof : 0, p1 = prof >= 0 ? prof + 1 : m->n_prof;
	int n_panels = n_sets * (p1 - p0), s, p, t, rc, i = 0;
	size_t stride = is_pct ? (size_t)WF_NCOL * WF_NPCT : WF_NCOL;
	int k_lo = 0, k_q1 = is_pct ? 1 : 0, k_md = is_pct ? 2 : 0;
	int k_q3 = is_pct ? 3 : 0, k_hi = is_pct ? 4 : 0;

	rc = co_buf_printf(
	        b,
	        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
	        "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\" "
	        "role=\"img\">\n<title>Workforce supply against demand</title>\n"
	        "<desc>For each profession and scenario: full-time equivalent staff in post "
	        "(blue)%s and demand (orange)%s, by year.</desc>\n"
	        "<rect width=\"100%%\" height=\"100%%\" fill=\"#fff\"/>\n",
	        PW, PH * n_panels, PW, PH * n_panels,
	        is_pct ? ": median line, 25th-75th and 5th-95th percentile bands" : "",
	        is_pct ? ", the same" : "");
	for (s = 0; s < n_sets && !rc; s++)
		for (p = p0; p < p1 && !rc; p++, i++) {
			const double *set = v + (size_t)s * m->n_rows * stride;
			int G = m->prof[p].n_groups;
			size_t row0 = m->row0[p];
			struct panel P = {0, (double)i * PH, 0, m->T, m->base_year};
			double step, y;
			for (t = 0; t <= m->T; t++) {
				size_t row = row0 + (size_t)t * (G + 1) + (size_t)G;
				double a = val(set, row, WF_FTE, is_pct, k_hi);
				double d = val(set, row, WF_DEMAND, is_pct, k_hi);
				if (isfinite(a) && a > P.ymax)
					P.ymax = a;
				if (isfinite(d) && d > P.ymax)
					P.ymax = d;
			}
			if (P.ymax <= 0)
				P.ymax = 1;
			step = nice_step(P.ymax);
			P.ymax = ceil(P.ymax * 1.05 / step) * step;
			rc = co_buf_printf(b,
			                   "<g>\n<text x=\"%d\" y=\"%.0f\" font-weight=\"bold\">",
			                   ML, P.y0 + 22);
			rc = rc ? rc : text(b, labels[s]);
			rc = rc ? rc : co_buf_adds(b, ": ");
			rc = rc ? rc : text(b, m->prof[p].name);
			rc = rc ? rc : co_buf_adds(b, ", FTE in post and demand</text>\n");
			for (y = 0; y <= P.ymax * 1.0000001 && !rc; y += step)
				rc = co_buf_printf(
				        b,
				        "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" "
				        "stroke=\"#ddd\"/><text x=\"%d\" y=\"%.1f\" "
				        "text-anchor=\"end\">%.6g</text>\n",
				        ML, PW - MR, py(&P, y), py(&P, y), ML - 6, py(&P, y) + 4,
				        y);
			for (t = 0; t <= m->T && !rc; t++)
				rc = co_buf_printf(b,
				                   "<text x=\"%.1f\" y=\"%.0f\" "
				                   "text-anchor=\"middle\">%d</text>\n",
				                   px(&P, t), P.y0 + PH - MB + 16,
				                   m->base_year + t);
			if (is_pct && !rc)
				rc = band(b, &P, set, row0, G, WF_DEMAND, 1, k_lo, k_hi,
				          "fill=\"#f5a623\" fill-opacity=\"0.15\"") ||
				     band(b, &P, set, row0, G, WF_DEMAND, 1, k_q1, k_q3,
				          "fill=\"#f5a623\" fill-opacity=\"0.3\"") ||
				     band(b, &P, set, row0, G, WF_FTE, 1, k_lo, k_hi,
				          "fill=\"#1f6fb2\" fill-opacity=\"0.15\"") ||
				     band(b, &P, set, row0, G, WF_FTE, 1, k_q1, k_q3,
				          "fill=\"#1f6fb2\" fill-opacity=\"0.3\"");
			if (!rc)
				rc = band(b, &P, set, row0, G, WF_DEMAND, is_pct, k_md, k_md,
				          "fill=\"none\" stroke=\"#c77700\" stroke-width=\"2\" "
				          "stroke-dasharray=\"6 4\"") ||
				     band(b, &P, set, row0, G, WF_FTE, is_pct, k_md, k_md,
				          "fill=\"none\" stroke=\"#1f6fb2\" stroke-width=\"2\"");
			rc = rc ? CO_ELIMIT : co_buf_adds(b, "</g>\n");
		}
	return rc ? rc : co_buf_adds(b, "</svg>\n");
}
