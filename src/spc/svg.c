/*
 * svg.c - one series of a result drawn as a standalone SVG document.
 *
 * Layout (viewBox 820 x 440): the plot area with a dated (or numbered) x
 * axis and a value axis; per part the centre line (solid), the 3-sigma
 * limits (dashed) and the 2-sigma lines (dotted, light), drawn as steps
 * when they vary from point to point; the target (green, dash-dot); a
 * vertical break between parts; the data line, broken at missing values;
 * the points coloured by class as Making Data Count does (improvement blue,
 * concern orange, neutral purple, common cause grey); numbered note markers
 * with the notes listed under the chart; the variation and assurance icons
 * at the top right. A <title> and a <desc> say in words what the chart
 * shows, for screen readers and for people. No scripts, no external files;
 * about 15 KB for 60 points.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "spc/spc_int.h"

#define W  820.0
#define H  440.0
#define ML 64.0 /* margins */
#define MR 150.0
#define MT 44.0
#define MB 64.0

#define C_IMPROVE "#289de0"
#define C_CONCERN "#fab428"
#define C_NEUTRAL "#490092"
#define C_COMMON  "#7b7d7d"
#define C_LINE    "#a6a6a6"
#define C_LIMIT   "#6c6c6c"
#define C_TARGET  "#008a3a"

struct plot {
	double x0, x1, y0, y1; /* data ranges */
	size_t first, n;
};

static double px(const struct plot *p, size_t i)
{
	double span = p->n > 1 ? (double)(p->n - 1) : 1;

	return ML + (W - ML - MR) * ((double)(i - p->first) / span);
}

static double py(const struct plot *p, double v)
{
	return MT + (H - MT - MB) * (1 - (v - p->y0) / (p->y1 - p->y0));
}

static int esc(struct co_buf *b, const char *s)
{
	int rc = 0;

	for (; s && *s && !rc; s++) {
		switch (*s) {
		case '<': rc = co_buf_adds(b, "&lt;"); break;
		case '>': rc = co_buf_adds(b, "&gt;"); break;
		case '&': rc = co_buf_adds(b, "&amp;"); break;
		case '"': rc = co_buf_adds(b, "&quot;"); break;
		default:
			if ((unsigned char)*s >= 0x20 || *s == '\n' || *s == '\t')
				rc = co_buf_addc(b, *s);
		}
	}
	return rc;
}

static const char *class_colour(enum spc_class c)
{
	switch (c) {
	case SPC_CLASS_IMPROVEMENT: return C_IMPROVE;
	case SPC_CLASS_CONCERN: return C_CONCERN;
	case SPC_CLASS_NEUTRAL_HIGH:
	case SPC_CLASS_NEUTRAL_LOW: return C_NEUTRAL;
	default: return C_COMMON;
	}
}

static const char *const months[12] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

/* days since 1970 to year, month (1-12), day */
static void civil(double days, int *y, int *m, int *d)
{
	long z = (long)days + 719468, era, doe, yoe, doy, mp;

	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp + (mp < 10 ? 3 : -9));
	*y = (int)(yoe + era * 400 + (*m <= 2));
}

static void x_label(const struct spc_result *r, double x, int monthly, char *out, size_t size)
{
	if (r->opt.xkind == SPC_X_DATE) {
		int y, m, d;

		civil(x, &y, &m, &d);
		if (monthly)
			snprintf(out, size, "%s %d", months[m - 1], y);
		else
			snprintf(out, size, "%d %s %d", d, months[m - 1], y);
	} else {
		snprintf(out, size, "%.15g", x);
	}
}

static void fmt_num(double v, char *out, size_t size)
{
	if (isnan(v))
		snprintf(out, size, "-");
	else if (fabs(v) >= 1000 || v == floor(v))
		snprintf(out, size, "%.0f", v);
	else if (fabs(v) >= 10)
		snprintf(out, size, "%.1f", v);
	else
		snprintf(out, size, "%.3g", v);
}

/* A sentence about the series: the latest signal, or common cause, and the
 * assurance against the target. */
static int describe(const struct spc_result *r, const struct spc_series *se, int monthly,
                    struct co_buf *b)
{
	size_t last = se->first + se->count - 1, i, start;
	struct spc_point p;
	char when[48], a[32], c[32];
	int rc;

	spc_point_get(r, last, &p);
	if (p.cls == SPC_CLASS_COMMON || p.cls == SPC_CLASS_NONE) {
		const struct spc_part *pt = &r->parts[p.part];

		x_label(r, r->x[pt->first], monthly, when, sizeof(when));
		fmt_num(p.cl, c, sizeof(c));
		rc = co_buf_printf(b,
		                   "common cause variation: no signal in the latest point; %zu "
		                   "points since %s around a %s of %s",
		                   pt->count, when,
		                   r->opt.chart == SPC_CHART_RUN ? "median" : "mean", c);
		if (!isnan(p.lcl) && !isnan(p.ucl)) {
			fmt_num(p.lcl, a, sizeof(a));
			fmt_num(p.ucl, c, sizeof(c));
			rc = rc || co_buf_printf(b, ", expected between %s and %s", a, c);
		}
	} else {
		const char *kind = p.cls == SPC_CLASS_IMPROVEMENT ? "improvement"
		                   : p.cls == SPC_CLASS_CONCERN   ? "concern"
		                                                  : "neutral";
		uint32_t mask = p.signals;
		size_t n;

		/* the run of points sharing the latest point's signal */
		for (start = last; start > se->first; start--) {
			enum spc_cause why;
			enum spc_class k;

			spc__classify_point(r, start - 1, &why, &k);
			if (!(spc__sig(r, start - 1) & mask & SPC__SIG_MASK) || k != p.cls)
				break;
		}
		n = last - start + 1;
		x_label(r, r->x[start], monthly, when, sizeof(when));
		if (p.cause == SPC_CAUSE_ABOVE_UCL || p.cause == SPC_CAUSE_BELOW_LCL ||
		    (p.signals & (SPC_SIG_ABOVE_UCL | SPC_SIG_BELOW_LCL)))
			rc = co_buf_printf(
			        b, "special cause %s: the latest point is %s the %s limit (%s)",
			        kind, p.side > 0 ? "above" : "below",
			        p.side > 0 ? "upper" : "lower", when);
		else if (p.signals & (SPC_SIG_TREND_UP | SPC_SIG_TREND_DOWN))
			rc = co_buf_printf(
			        b, "special cause %s: %zu points %s in a row since %s", kind, n,
			        (p.signals & SPC_SIG_TREND_UP) ? "rising" : "falling", when);
		else
			rc = co_buf_printf(b, "special cause %s: %zu points %s the %s since %s",
			                   kind, n, p.side > 0 ? "above" : "below",
			                   r->opt.chart == SPC_CHART_RUN ? "median" : "mean", when);
	}
	if (!rc && se->assurance != SPC_ASSURE_NONE) {
		fmt_num(se->target * 1, a, sizeof(a));
		rc = co_buf_printf(b, "; the target of %s %s", a,
		                   se->assurance == SPC_ASSURE_PASS   ? "is consistently met"
		                   : se->assurance == SPC_ASSURE_FAIL ? "is consistently missed"
		                                                      : "may or may not be met");
	}
	(void)i;
	return rc || co_buf_addc(b, '.');
}

static int icon(struct co_buf *b, double cx, double cy, const char *fill, const char *label,
                const char *tip)
{
	return co_buf_printf(
	        b,
	        "<g><title>%s</title><circle cx=\"%.1f\" cy=\"%.1f\" r=\"17\" fill=\"#fff\" "
	        "stroke=\"%s\" stroke-width=\"3\"/><text x=\"%.1f\" y=\"%.1f\" "
	        "text-anchor=\"middle\" font-size=\"15\" font-weight=\"bold\" "
	        "fill=\"%s\">%s</text></g>\n",
	        tip, cx, cy, fill, cx, cy + 5, fill, label);
}

static int line_seg(struct co_buf *b, const struct plot *p, const struct spc_result *r, size_t a,
                    size_t e, int which, const char *style)
{
	size_t i;
	int started = 0, rc = 0;

	for (i = a; i < e && !rc; i++) {
		struct spc_point q;
		double v, x0, x1;

		spc_point_get(r, i, &q);
		v = which == 0   ? q.cl
		    : which == 1 ? q.lcl
		    : which == 2 ? q.ucl
		    : which == 3 ? q.lcl2
		                 : q.ucl2;
		if (isnan(v)) {
			if (started)
				rc = co_buf_adds(b, "\"/>\n");
			started = 0;
			continue;
		}
		x0 = i == a ? px(p, i) : (px(p, i - 1) + px(p, i)) / 2;
		x1 = i + 1 == e ? px(p, i) : (px(p, i) + px(p, i + 1)) / 2;
		if (e - a == 1) {
			x0 -= 6;
			x1 += 6;
		}
		if (!started)
			rc = co_buf_printf(b, "<polyline %s points=\"", style);
		rc = rc || co_buf_printf(b, "%.1f,%.1f %.1f,%.1f ", x0, py(p, v), x1, py(p, v));
		started = 1;
	}
	if (started && !rc)
		rc = co_buf_adds(b, "\"/>\n");
	return rc;
}

int spc_svg_write(const struct spc_result *r, size_t series, const char *title, struct co_buf *b)
{
	const struct spc_series *se;
	struct plot p;
	size_t i, k, nnotes = 0;
	int rc = 0, monthly = 1, ticks;
	char t1[64], t2[64];
	double lo = INFINITY, hi = -INFINITY;

	if (series >= r->nseries)
		return CO_EINPUT;
	se = &r->series[series];
	p.first = se->first;
	p.n = se->count;
	for (i = se->first; i < se->first + se->count; i++) {
		struct spc_point q;
		double v[7];
		int j;

		spc_point_get(r, i, &q);
		v[0] = q.y, v[1] = q.cl, v[2] = q.lcl, v[3] = q.ucl, v[4] = q.target;
		v[5] = q.lcl2, v[6] = q.ucl2;
		for (j = 0; j < 7; j++)
			if (isfinite(v[j])) {
				if (v[j] < lo)
					lo = v[j];
				if (v[j] > hi)
					hi = v[j];
			}
		if (r->opt.xkind == SPC_X_DATE) {
			int y, m, d;

			civil(q.x, &y, &m, &d);
			if (d != 1)
				monthly = 0;
		}
		if (q.notes)
			nnotes++;
	}
	if (!isfinite(lo)) {
		lo = 0;
		hi = 1;
	}
	if (hi == lo) {
		hi += 1;
		lo -= 1;
	}
	p.y0 = lo - (hi - lo) * 0.06;
	p.y1 = hi + (hi - lo) * 0.06;

	/* header, title, description */
	rc = co_buf_printf(
	        b,
	        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %.0f %.0f\" "
	        "width=\"%.0f\" height=\"%.0f\" role=\"img\" aria-labelledby=\"spc-title "
	        "spc-desc\" font-family=\"Arial, Helvetica, sans-serif\">\n<title "
	        "id=\"spc-title\">",
	        W, H + (double)(nnotes ? 16 * (nnotes < 6 ? nnotes : 6) : 0), W,
	        H + (double)(nnotes ? 16 * (nnotes < 6 ? nnotes : 6) : 0));
	if (title && *title) {
		rc = rc || esc(b, title);
	} else {
		rc = rc ||
		     co_buf_printf(b, "%s chart",
		                   r->opt.chart == SPC_CHART_I     ? "XmR"
		                   : r->opt.chart == SPC_CHART_RUN ? "Run"
		                                                   : spc_chart_name(r->opt.chart));
		if (se->label[0])
			rc = rc || co_buf_adds(b, ": ") || esc(b, se->label);
	}
	rc = rc || co_buf_adds(b, "</title>\n<desc id=\"spc-desc\">") ||
	     describe(r, se, monthly, b) || co_buf_adds(b, "</desc>\n");
	rc = rc || co_buf_printf(b, "<rect width=\"100%%\" height=\"100%%\" fill=\"#fff\"/>\n");
	if (title && *title)
		rc = rc ||
		     co_buf_printf(b,
		                   "<text x=\"%.0f\" y=\"24\" font-size=\"16\" "
		                   "font-weight=\"bold\" fill=\"#222\">",
		                   ML) ||
		     esc(b, title) || co_buf_adds(b, "</text>\n");
	/* axes and value gridlines */
	rc = rc ||
	     co_buf_printf(b,
	                   "<g stroke=\"#444\" stroke-width=\"1\"><line x1=\"%.0f\" y1=\"%.0f\" "
	                   "x2=\"%.0f\" y2=\"%.0f\"/><line x1=\"%.0f\" y1=\"%.0f\" x2=\"%.0f\" "
	                   "y2=\"%.0f\"/></g>\n",
	                   ML, MT, ML, H - MB, ML, H - MB, W - MR + 8, H - MB);
	for (k = 0; k <= 4 && !rc; k++) {
		double v = p.y0 + (p.y1 - p.y0) * (double)k / 4;

		fmt_num(v, t1, sizeof(t1));
		rc = co_buf_printf(b,
		                   "<line x1=\"%.0f\" y1=\"%.1f\" x2=\"%.0f\" y2=\"%.1f\" "
		                   "stroke=\"#eee\"/><text x=\"%.0f\" y=\"%.1f\" font-size=\"11\" "
		                   "text-anchor=\"end\" fill=\"#444\">%s</text>\n",
		                   ML + 1, py(&p, v), W - MR + 8, py(&p, v), ML - 6, py(&p, v) + 4,
		                   t1);
	}
	ticks = se->count < 8 ? (int)se->count : 8;
	for (k = 0; k < (size_t)ticks && !rc; k++) {
		size_t idx =
		        se->first + (ticks > 1 ? k * (se->count - 1) / (size_t)(ticks - 1) : 0);

		x_label(r, r->x[idx], monthly, t1, sizeof(t1));
		rc = co_buf_printf(
		             b,
		             "<text x=\"%.1f\" y=\"%.0f\" font-size=\"11\" text-anchor=\"middle\" "
		             "fill=\"#444\">",
		             px(&p, idx), H - MB + 18) ||
		     esc(b, t1) || co_buf_adds(b, "</text>\n");
	}
	/* parts: lines and breaks */
	for (k = se->first_part; k < se->first_part + se->nparts && !rc; k++) {
		const struct spc_part *pt = &r->parts[k];
		size_t a = pt->first, e = pt->first + pt->count;

		if (k > se->first_part)
			rc = co_buf_printf(b,
			                   "<line x1=\"%.1f\" y1=\"%.0f\" x2=\"%.1f\" y2=\"%.0f\" "
			                   "stroke=\"#999\" stroke-dasharray=\"2 3\"/>\n",
			                   (px(&p, a - 1) + px(&p, a)) / 2, MT,
			                   (px(&p, a - 1) + px(&p, a)) / 2, H - MB);
		rc = rc ||
		     line_seg(b, &p, r, a, e, 3,
		              "fill=\"none\" stroke=\"#c8c8c8\" stroke-dasharray=\"1 3\"") ||
		     line_seg(b, &p, r, a, e, 4,
		              "fill=\"none\" stroke=\"#c8c8c8\" stroke-dasharray=\"1 3\"") ||
		     line_seg(b, &p, r, a, e, 1,
		              "fill=\"none\" stroke=\"" C_LIMIT "\" stroke-dasharray=\"6 4\"") ||
		     line_seg(b, &p, r, a, e, 2,
		              "fill=\"none\" stroke=\"" C_LIMIT "\" stroke-dasharray=\"6 4\"") ||
		     line_seg(b, &p, r, a, e, 0,
		              "fill=\"none\" stroke=\"#333\" stroke-width=\"1.5\"");
	}
	if (!rc && isfinite(se->target))
		rc = co_buf_printf(
		        b,
		        "<line x1=\"%.0f\" y1=\"%.1f\" x2=\"%.0f\" y2=\"%.1f\" stroke=\"" C_TARGET
		        "\" stroke-width=\"1.5\" stroke-dasharray=\"8 3 2 3\"/>\n",
		        ML, py(&p, se->target), W - MR + 8, py(&p, se->target));
	/* line labels at the right */
	if (!rc && se->count) {
		struct spc_point q;

		spc_point_get(r, se->first + se->count - 1, &q);
		if (!isnan(q.cl))
			fmt_num(q.cl, t1, sizeof(t1)),
			        rc = co_buf_printf(
			                b,
			                "<text x=\"%.0f\" y=\"%.1f\" font-size=\"11\" "
			                "fill=\"#333\">%s %s</text>\n",
			                W - MR + 12, py(&p, q.cl) + 4,
			                r->opt.chart == SPC_CHART_RUN ? "median" : "mean", t1);
		if (!rc && !isnan(q.ucl))
			fmt_num(q.ucl, t1, sizeof(t1)),
			        rc = co_buf_printf(b,
			                           "<text x=\"%.0f\" y=\"%.1f\" font-size=\"11\" "
			                           "fill=\"#555\">upper %s</text>\n",
			                           W - MR + 12, py(&p, q.ucl) + 4, t1);
		if (!rc && !isnan(q.lcl))
			fmt_num(q.lcl, t1, sizeof(t1)),
			        rc = co_buf_printf(b,
			                           "<text x=\"%.0f\" y=\"%.1f\" font-size=\"11\" "
			                           "fill=\"#555\">lower %s</text>\n",
			                           W - MR + 12, py(&p, q.lcl) + 4, t1);
		if (!rc && isfinite(se->target))
			fmt_num(se->target, t1, sizeof(t1)),
			        rc = co_buf_printf(b,
			                           "<text x=\"%.0f\" y=\"%.1f\" font-size=\"11\" "
			                           "fill=\"" C_TARGET "\">target %s</text>\n",
			                           W - MR + 12, py(&p, se->target) - 4, t1);
	}
	/* the data line, broken at missing values */
	{
		int open = 0;

		for (i = se->first; i < se->first + se->count && !rc; i++) {
			double y = spc__y(r, i) * r->opt.multiply;

			if (isnan(y)) {
				if (open)
					rc = co_buf_adds(b, "\"/>\n");
				open = 0;
				continue;
			}
			if (!open)
				rc = co_buf_adds(b, "<polyline fill=\"none\" stroke=\"" C_LINE
				                    "\" stroke-width=\"1.5\" points=\"");
			rc = rc || co_buf_printf(b, "%.1f,%.1f ", px(&p, i), py(&p, y));
			open = 1;
		}
		if (open && !rc)
			rc = co_buf_adds(b, "\"/>\n");
	}
	/* points */
	for (i = se->first, k = 0; i < se->first + se->count && !rc; i++) {
		struct spc_point q;

		spc_point_get(r, i, &q);
		if (isnan(q.y))
			continue;
		x_label(r, q.x, monthly, t1, sizeof(t1));
		fmt_num(q.y, t2, sizeof(t2));
		rc = co_buf_printf(b,
		                   "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4.5\" fill=\"%s\"><title>",
		                   px(&p, i), py(&p, q.y), class_colour(q.cls)) ||
		     esc(b, t1) || co_buf_printf(b, ": %s", t2) ||
		     (q.cls != SPC_CLASS_COMMON
		              ? co_buf_printf(b, " (%s)", spc_class_name(q.cls) + 14)
		              : 0) ||
		     co_buf_adds(b, "</title></circle>\n");
		if (!rc && q.notes) {
			k++;
			rc = co_buf_printf(
			        b,
			        "<g><line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
			        "stroke=\"#555\"/><text x=\"%.1f\" y=\"%.1f\" font-size=\"10\" "
			        "text-anchor=\"middle\" fill=\"#222\">%zu</text></g>\n",
			        px(&p, i), py(&p, q.y) - 7, px(&p, i),
			        MT - 4 + (double)(k % 2) * 10, px(&p, i),
			        MT - 6 + (double)(k % 2) * 10, k);
		}
	}
	/* the notes, listed */
	for (i = se->first, k = 0; i < se->first + se->count && !rc && k < 6; i++) {
		struct spc_point q;
		char note[90];

		spc_point_get(r, i, &q);
		if (!q.notes)
			continue;
		k++;
		x_label(r, q.x, monthly, t1, sizeof(t1));
		snprintf(note, sizeof(note), "%s", q.notes);
		if (strlen(q.notes) >= sizeof(note))
			memcpy(note + sizeof(note) - 4, "...", 4);
		rc = co_buf_printf(
		             b, "<text x=\"%.0f\" y=\"%.0f\" font-size=\"11\" fill=\"#222\">%zu. ",
		             ML, H - 14 + 16 * (double)k, k) ||
		     esc(b, t1) || co_buf_adds(b, ": ") || esc(b, note) ||
		     co_buf_adds(b, "</text>\n");
	}
	/* legend and icons */
	rc = rc ||
	     co_buf_printf(b,
	                   "<g font-size=\"11\" fill=\"#333\"><circle cx=\"%.0f\" cy=\"%.0f\" "
	                   "r=\"4\" fill=\"" C_IMPROVE
	                   "\"/><text x=\"%.0f\" y=\"%.0f\">improvement</text><circle cx=\"%.0f\" "
	                   "cy=\"%.0f\" r=\"4\" fill=\"" C_CONCERN
	                   "\"/><text x=\"%.0f\" y=\"%.0f\">concern</text><circle cx=\"%.0f\" "
	                   "cy=\"%.0f\" r=\"4\" fill=\"" C_NEUTRAL
	                   "\"/><text x=\"%.0f\" y=\"%.0f\">neutral</text><circle cx=\"%.0f\" "
	                   "cy=\"%.0f\" r=\"4\" fill=\"" C_COMMON
	                   "\"/><text x=\"%.0f\" y=\"%.0f\">common cause</text></g>\n",
	                   ML + 4, H - 30, ML + 12, H - 26, ML + 104, H - 30, ML + 112, H - 26,
	                   ML + 184, H - 30, ML + 192, H - 26, ML + 254, H - 30, ML + 262, H - 26);
	if (!rc) {
		const char *fill = C_COMMON, *lab = "~", *tip = "variation: common cause";

		switch (se->variation) {
		case SPC_ICON_IMPROVEMENT_HIGH:
			fill = C_IMPROVE, lab = "H",
			tip = "variation: special cause improvement, high";
			break;
		case SPC_ICON_IMPROVEMENT_LOW:
			fill = C_IMPROVE, lab = "L",
			tip = "variation: special cause improvement, low";
			break;
		case SPC_ICON_CONCERN_HIGH:
			fill = C_CONCERN, lab = "H", tip = "variation: special cause concern, high";
			break;
		case SPC_ICON_CONCERN_LOW:
			fill = C_CONCERN, lab = "L", tip = "variation: special cause concern, low";
			break;
		case SPC_ICON_NEUTRAL_HIGH:
			fill = C_NEUTRAL, lab = "H",
			tip = "variation: special cause, neutral, high";
			break;
		case SPC_ICON_NEUTRAL_LOW:
			fill = C_NEUTRAL, lab = "L", tip = "variation: special cause, neutral, low";
			break;
		default: break;
		}
		rc = icon(b, W - 86, 24, fill, lab, tip);
		if (!rc && se->assurance != SPC_ASSURE_NONE)
			rc = icon(b, W - 44, 24,
			          se->assurance == SPC_ASSURE_PASS   ? C_IMPROVE
			          : se->assurance == SPC_ASSURE_FAIL ? C_CONCERN
			                                             : C_COMMON,
			          se->assurance == SPC_ASSURE_PASS   ? "P"
			          : se->assurance == SPC_ASSURE_FAIL ? "F"
			                                             : "?",
			          se->assurance == SPC_ASSURE_PASS
			                  ? "assurance: the target is consistently met"
			          : se->assurance == SPC_ASSURE_FAIL
			                  ? "assurance: the target is consistently missed"
			                  : "assurance: the target may or may not be met");
	}
	rc = rc || co_buf_adds(b, "</svg>\n");
	return rc;
}
