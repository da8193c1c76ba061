/*
 * imp_render.h - Improve's printable outputs: a chart's SVG (from the SPC
 * engine) rendered as PNG or PDF with librsvg onto cairo surfaces, and the
 * learning-session pack, a PDF with a page per team (its charts, the PDSA
 * cycles since the last session, the team's and the coach's latest scores)
 * laid out with cairo and pango.
 *
 * Output goes into a caller-owned bounded buffer (co_buf). Thread-safe:
 * cairo, pango and librsvg objects are made and freed within each call.
 */
#ifndef IMP_RENDER_H
#define IMP_RENDER_H

#include <stddef.h>

#include "base/buf.h"
#include "base/err.h"

enum imp_render_format { IMP_RENDER_PNG = 1, IMP_RENDER_PDF = 2 };

/* Renders SVG text at its own size (PNG at `scale` times, 2 for print). */
int imp_render_svg(const char *svg, size_t len, enum imp_render_format fmt, double scale,
                   struct co_buf *out, struct co_err *e);

/* One page of the pack. */
struct imp_pack_chart {
	const char *title;
	const char *svg;   /* may be NULL: "no chart yet" */
	const char *words; /* the variation in words */
};

struct imp_pack_page {
	const char *team, *organisation;
	const char *month, *team_score, *coach_score; /* "" when none */
	int gap;
	const struct imp_pack_chart *charts;
	int ncharts;
	const char *const *cycles; /* one line per PDSA cycle */
	int ncycles;
};

/* A PDF of A4 pages: a cover with title and subtitle, then one page per
 * team. Labels come translated from the caller (labels[0] "Team's score",
 * [1] "Coach's score", [2] "PDSA cycles since the last session", [3] "No
 * PDSA cycles in this period", [4] "Gap of 1.0 or more"). */
int imp_render_pack(const char *title, const char *subtitle, const char *const labels[5],
                    const struct imp_pack_page *pages, int npages, struct co_buf *out,
                    struct co_err *e);

#endif
