/*
 * imp_render.c - SVG to PNG or PDF (librsvg on cairo), and the
 * learning-session pack (cairo PDF surface, pango text).
 *
 * Sizes: SVG user units are CSS pixels (96 per inch); PDF points are 72 per
 * inch, so a chart drawn into a PDF is scaled by 72/96. A4 is 595 x 842 pt.
 */
#include "mod/improve/imp_render.h"

#include <string.h>

#include "render/render.h"

static cairo_status_t to_buf(void *closure, const unsigned char *data, unsigned int len)
{
	return co_buf_add(closure, data, len) == 0 ? CAIRO_STATUS_SUCCESS
	                                           : CAIRO_STATUS_WRITE_ERROR;
}

static RsvgHandle *load_svg(const char *svg, size_t len, double *w, double *h, struct co_err *e)
{
	GError *gerr = NULL;
	RsvgHandle *h_ = rsvg_handle_new_from_data((const guint8 *)svg, len, &gerr);

	if (!h_) {
		co_errf(e, CO_EINPUT, "the chart could not be read: %s",
		        gerr ? gerr->message : "unknown error");
		if (gerr)
			g_error_free(gerr);
		return NULL;
	}
	if (!rsvg_handle_get_intrinsic_size_in_pixels(h_, w, h) || !(*w > 0) || !(*h > 0)) {
		*w = 640;
		*h = 360;
	}
	return h_;
}

/* Draws the SVG into the rectangle (x, y, w, h) of cr. */
static int draw_svg(cairo_t *cr, RsvgHandle *h, double x, double y, double w, double height,
                    struct co_err *e)
{
	RsvgRectangle vp = {x, y, w, height};
	GError *gerr = NULL;

	if (!rsvg_handle_render_document(h, cr, &vp, &gerr)) {
		co_errf(e, CO_EINTERNAL, "the chart could not be drawn: %s",
		        gerr ? gerr->message : "unknown error");
		if (gerr)
			g_error_free(gerr);
		return CO_EINTERNAL;
	}
	return 0;
}

int imp_render_svg(const char *svg, size_t len, enum imp_render_format fmt, double scale,
                   struct co_buf *out, struct co_err *e)
{
	double w, h;
	RsvgHandle *handle;
	cairo_surface_t *s;
	cairo_t *cr;
	int rc;

	if ((rc = render_ready(e)) < 0)
		return rc;
	if (!(handle = load_svg(svg, len, &w, &h, e)))
		return CO_EINPUT;
	if (!(scale > 0))
		scale = 1;
	if (fmt == IMP_RENDER_PNG)
		s = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, (int)(w * scale + 0.5),
		                               (int)(h * scale + 0.5));
	else
		s = cairo_pdf_surface_create_for_stream(to_buf, out, w * 0.75, h * 0.75);
	cr = cairo_create(s);
	if (fmt == IMP_RENDER_PNG) {
		cairo_set_source_rgb(cr, 1, 1, 1); /* white, not transparent */
		cairo_paint(cr);
		rc = draw_svg(cr, handle, 0, 0, w * scale, h * scale, e);
	} else {
		rc = draw_svg(cr, handle, 0, 0, w * 0.75, h * 0.75, e);
	}
	cairo_destroy(cr);
	if (rc == 0 && fmt == IMP_RENDER_PNG &&
	    cairo_surface_write_to_png_stream(s, to_buf, out) != CAIRO_STATUS_SUCCESS)
		rc = co_errf(e, CO_ELIMIT, "the image is too large");
	cairo_surface_finish(s);
	if (rc == 0 && cairo_surface_status(s) != CAIRO_STATUS_SUCCESS)
		rc = co_errf(e, CO_ELIMIT, "the document is too large");
	cairo_surface_destroy(s);
	g_object_unref(handle);
	return rc;
}

/* Writes text at (x, y) in width w; returns its height. */
static double text(cairo_t *cr, const char *s, const char *font, double x, double y, double w)
{
	PangoLayout *l = pango_cairo_create_layout(cr);
	PangoFontDescription *fd = pango_font_description_from_string(font);
	int pw, ph;

	pango_layout_set_font_description(l, fd);
	pango_layout_set_width(l, (int)(w * PANGO_SCALE));
	pango_layout_set_wrap(l, PANGO_WRAP_WORD_CHAR);
	pango_layout_set_text(l, s ? s : "", -1);
	cairo_move_to(cr, x, y);
	pango_cairo_show_layout(cr, l);
	pango_layout_get_pixel_size(l, &pw, &ph);
	pango_font_description_free(fd);
	g_object_unref(l);
	return ph;
}

int imp_render_pack(const char *title, const char *subtitle, const char *const labels[5],
                    const struct imp_pack_page *pages, int npages, struct co_buf *out,
                    struct co_err *e)
{
	const double W = 595, H = 842, M = 40;
	cairo_surface_t *s;
	cairo_t *cr;
	char line[256];
	int p, k, rc;

	if ((rc = render_ready(e)) < 0)
		return rc;
	s = cairo_pdf_surface_create_for_stream(to_buf, out, W, H);
	cr = cairo_create(s);

	cairo_set_source_rgb(cr, 0.05, 0.05, 0.05);
	text(cr, title, "Sans Bold 22", M, 200, W - 2 * M);
	text(cr, subtitle, "Sans 13", M, 260, W - 2 * M);
	cairo_show_page(cr);
	for (p = 0; p < npages && rc == 0; p++) {
		const struct imp_pack_page *pg = &pages[p];
		double y = M, cw, ch, slot;

		y += text(cr, pg->team, "Sans Bold 16", M, y, W - 2 * M) + 2;
		y += text(cr, pg->organisation, "Sans 10", M, y, W - 2 * M) + 8;
		snprintf(line, sizeof(line), "%s (%s): %s    %s: %s%s%s", labels[0], pg->month,
		         *pg->team_score ? pg->team_score : "-", labels[1],
		         *pg->coach_score ? pg->coach_score : "-", pg->gap ? "    " : "",
		         pg->gap ? labels[4] : "");
		y += text(cr, line, "Sans 11", M, y, W - 2 * M) + 10;
		/* charts share the middle of the page */
		slot = pg->ncharts ? (H * 0.62) / pg->ncharts : 0;
		for (k = 0; k < pg->ncharts && rc == 0; k++) {
			const struct imp_pack_chart *c = &pg->charts[k];
			RsvgHandle *h;

			y += text(cr, c->title, "Sans Bold 10", M, y, W - 2 * M);
			y += text(cr, c->words, "Sans 9", M, y, W - 2 * M) + 2;
			if (!c->svg) {
				y += slot * 0.3;
				continue;
			}
			if (!(h = load_svg(c->svg, strlen(c->svg), &cw, &ch, e))) {
				rc = CO_EINPUT;
				break;
			}
			/* fit the chart into the slot, keeping its shape */
			{
				double bw = W - 2 * M, bh = slot - 30, sc = bw / cw;

				if (ch * sc > bh)
					sc = bh / ch;
				cairo_save(cr);
				rc = draw_svg(cr, h, M, y, cw * sc, ch * sc, e);
				cairo_restore(cr);
				y += ch * sc + 6;
			}
			g_object_unref(h);
		}
		y += text(cr, labels[2], "Sans Bold 11", M, y, W - 2 * M) + 2;
		if (pg->ncycles == 0)
			y += text(cr, labels[3], "Sans 9", M, y, W - 2 * M);
		for (k = 0; k < pg->ncycles && y < H - M; k++)
			y += text(cr, pg->cycles[k], "Sans 9", M, y, W - 2 * M) + 1;
		cairo_show_page(cr);
	}
	cairo_destroy(cr);
	cairo_surface_finish(s);
	if (rc == 0 && cairo_surface_status(s) != CAIRO_STATUS_SUCCESS)
		rc = co_errf(e, CO_ELIMIT, "the pack is too large");
	cairo_surface_destroy(s);
	return rc;
}
