/*
 * ex_out.c - Markdown, attendee lists, badges and the conference pack.
 *
 * PDFs are drawn with cairo (its PDF surface, streamed into the caller's
 * buffer) and pango (text layout, so Welsh letters like ŵ and ŷ and long
 * names wrap properly). The QR code is libqrencode's module matrix drawn
 * as filled squares with the four-module quiet zone of ISO/IEC 18004.
 */
#include "mod/exchange/ex_out.h"

#include <cmark.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/csv.h"
#include "base/limits.h"
#include "render/render.h"

/* --- Markdown --- */

int ex_markdown_html(const char *md, struct co_buf *out, struct co_err *e)
{
	char *html;
	int rc;

	if (!md)
		md = "";
	/* CMARK_OPT_SAFE: raw HTML becomes a comment, javascript:, vbscript:,
	 * file: and data: (but images) links are dropped. */
	html = cmark_markdown_to_html(md, strlen(md), CMARK_OPT_SAFE | CMARK_OPT_SMART);
	if (!html)
		return co_errf(e, CO_ENOMEM, "out of memory");
	rc = co_buf_adds(out, html);
	free(html);
	if (rc < 0)
		return co_errf(e, rc, "the description is too long");
	return 0;
}

/* --- columns --- */

static const char *const col_keys[EX_N_COLS] = {
        "name",       "email",   "organisation", "state",  "position",  "requested_at",
        "checked_in", "dietary", "access",       "nights", "workshops",
};
static const char *const col_titles[EX_N_COLS] = {
        "Name",      "Email",      "Organisation",  "State",        "Waiting list position",
        "Signed up", "Checked in", "Dietary needs", "Access needs", "Nights",
        "Workshops",
};

const char *ex_col_key(enum ex_col c)
{
	return c < EX_N_COLS ? col_keys[c] : NULL;
}

const char *ex_col_title(enum ex_col c)
{
	return c < EX_N_COLS ? col_titles[c] : NULL;
}

int ex_col_is_needs(enum ex_col c)
{
	return c == EX_COL_DIETARY || c == EX_COL_ACCESS;
}

int ex_cols_parse(const char *list, enum ex_col *cols, int *n, struct co_err *e)
{
	enum ex_col got[EX_N_COLS];
	int count = 0, seen[EX_N_COLS] = {0};
	const char *p = list ? list : "";

	while (*p) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		int i, found = -1;

		while (len && *p == ' ')
			p++, len--;
		while (len && p[len - 1] == ' ')
			len--;
		for (i = 0; i < EX_N_COLS; i++)
			if (strlen(col_keys[i]) == len && strncmp(p, col_keys[i], len) == 0)
				found = i;
		if (found < 0)
			return co_errf_at(e, CO_EINPUT, 0, 0, "columns", "unknown column '%.*s'",
			                  (int)(len > 40 ? 40 : len), p);
		if (seen[found])
			return co_errf_at(e, CO_EINPUT, 0, 0, "columns", "column '%s' is twice",
			                  col_keys[found]);
		seen[found] = 1;
		got[count++] = (enum ex_col)found;
		if (!end)
			break;
		p = end + 1;
	}
	if (count == 0)
		return co_errf_at(e, CO_EINPUT, 0, 0, "columns", "pick at least one column");
	memcpy(cols, got, sizeof(got[0]) * (size_t)count);
	*n = count;
	return 0;
}

static const char *val(const struct ex_attendee *a, enum ex_col c)
{
	return a->v[c] ? a->v[c] : "";
}

/* --- XLSX --- */

static int read_file(const char *path, struct co_buf *out, struct co_err *e)
{
	FILE *f = fopen(path, "rb");
	char chunk[65536];
	size_t got;
	int rc = 0;

	if (!f)
		return co_errf(e, CO_EIO, "cannot read the workbook back");
	while (rc == 0 && (got = fread(chunk, 1, sizeof(chunk), f)) > 0)
		rc = co_buf_add(out, chunk, got);
	if (rc == 0 && ferror(f))
		rc = CO_EIO;
	fclose(f);
	return rc < 0 ? co_errf(e, rc, "cannot read the workbook back") : 0;
}

int ex_attendees_xlsx(struct co_buf *out, const struct ex_attendee *rows, size_t n,
                      const enum ex_col *cols, int ncols, const char *const *titles,
                      struct co_err *e)
{
	char path[] = "/tmp/collective-xlsx-XXXXXX";
	lxw_workbook *wb;
	lxw_worksheet *ws;
	lxw_format *bold;
	lxw_error err;
	size_t r;
	int fd, c, rc;

	if (n > 1000000)
		return co_errf(e, CO_ELIMIT, "too many rows for one list");
	if ((rc = render_ready(e)) < 0)
		return rc;
	fd = mkstemp(path);
	if (fd < 0)
		return co_errf(e, CO_EIO, "cannot make a temporary file");
	close(fd);
	wb = workbook_new(path);
	if (!wb) {
		unlink(path);
		return co_errf(e, CO_ENOMEM, "cannot start a workbook");
	}
	ws = workbook_add_worksheet(wb, "Attendees");
	bold = workbook_add_format(wb);
	format_set_bold(bold);
	for (c = 0; c < ncols; c++) {
		worksheet_write_string(ws, 0, (lxw_col_t)c,
		                       titles && titles[c] ? titles[c] : ex_col_title(cols[c]),
		                       bold);
		worksheet_set_column(ws, (lxw_col_t)c, (lxw_col_t)c, 24, NULL);
	}
	worksheet_freeze_panes(ws, 1, 0);
	for (r = 0; r < n; r++)
		for (c = 0; c < ncols; c++)
			worksheet_write_string(ws, (lxw_row_t)(r + 1), (lxw_col_t)c,
			                       val(&rows[r], cols[c]), NULL);
	if (n > 0)
		worksheet_autofilter(ws, 0, 0, (lxw_row_t)n, (lxw_col_t)(ncols - 1));
	err = workbook_close(wb);
	if (err != LXW_NO_ERROR) {
		unlink(path);
		return co_errf(e, CO_EIO, "cannot write the workbook: %s", lxw_strerror(err));
	}
	rc = read_file(path, out, e);
	unlink(path);
	return rc;
}

/* --- CSV --- */

/* A value a spreadsheet would take for a formula gets an apostrophe in
 * front (the usual defence against CSV injection); the rest goes to the
 * shared RFC 4180 writer. */
static int csv_value(struct co_buf *out, const char *v)
{
	struct co_buf tmp;
	int rc;

	if (!v)
		v = "";
	if (v[0] != '=' && v[0] != '+' && v[0] != '-' && v[0] != '@' && v[0] != '\t' &&
	    v[0] != '\r')
		return co_csv_fieldz(out, v);
	co_buf_init(&tmp, CO_MAX_LINE);
	rc = co_buf_addc(&tmp, '\'');
	if (rc == 0)
		rc = co_buf_adds(&tmp, v);
	if (rc == 0)
		rc = co_csv_field(out, tmp.data, tmp.len);
	co_buf_free(&tmp);
	return rc;
}

int ex_attendees_csv(struct co_buf *out, const struct ex_attendee *rows, size_t n,
                     const enum ex_col *cols, int ncols, const char *const *titles,
                     struct co_err *e)
{
	size_t r, start = out->len;
	int c, rc = 0;

	for (c = 0; rc == 0 && c < ncols; c++) {
		if (c)
			rc = co_csv_sep(out);
		if (rc == 0)
			rc = csv_value(out,
			               titles && titles[c] ? titles[c] : ex_col_title(cols[c]));
	}
	if (rc == 0)
		rc = co_csv_end(out);
	for (r = 0; rc == 0 && r < n; r++) {
		for (c = 0; rc == 0 && c < ncols; c++) {
			if (c)
				rc = co_csv_sep(out);
			if (rc == 0)
				rc = csv_value(out, val(&rows[r], cols[c]));
		}
		if (rc == 0)
			rc = co_csv_end(out);
	}
	if (rc < 0) {
		out->len = start;
		if (out->data)
			out->data[start] = '\0';
		return co_errf(e, rc, "the list is too large");
	}
	return 0;
}

/* --- check-in codes --- */

#define CHECKIN_MAC 10

static void mac(const unsigned char key[32], int64_t id, unsigned char m[CHECKIN_MAC])
{
	char msg[32];
	int len = snprintf(msg, sizeof(msg), "checkin:%lld", (long long)id);

	crypto_generichash(m, CHECKIN_MAC, (const unsigned char *)msg, (size_t)len, key, 32);
}

void ex_checkin_code(const unsigned char key[32], int64_t registration_id, char *out)
{
	unsigned char m[CHECKIN_MAC];
	char hex[CHECKIN_MAC * 2 + 1];

	mac(key, registration_id, m);
	sodium_bin2hex(hex, sizeof(hex), m, sizeof(m));
	snprintf(out, EX_CHECKIN_MAX, "%lld-%s", (long long)registration_id, hex);
}

int ex_checkin_verify(const unsigned char key[32], const char *code, int64_t *registration_id)
{
	unsigned char want[CHECKIN_MAC], got[CHECKIN_MAC];
	const char *dash;
	char *end;
	long long id;
	size_t got_len = 0;

	if (!code || !(dash = strchr(code, '-')) || dash == code)
		return CO_EINPUT;
	id = strtoll(code, &end, 10);
	if (end != dash || id <= 0 || strlen(dash + 1) != (size_t)CHECKIN_MAC * 2)
		return CO_EINPUT;
	if (sodium_hex2bin(got, sizeof(got), dash + 1, (size_t)CHECKIN_MAC * 2, NULL, &got_len,
	                   NULL) != 0 ||
	    got_len != CHECKIN_MAC)
		return CO_EINPUT;
	mac(key, id, want);
	if (sodium_memcmp(want, got, CHECKIN_MAC) != 0)
		return CO_EINPUT;
	*registration_id = id;
	return 0;
}

/* --- PDF --- */

#define PT_PER_MM (72.0 / 25.4)
#define A4_W      (210 * PT_PER_MM)
#define A4_H      (297 * PT_PER_MM)

static cairo_status_t to_buf(void *closure, const unsigned char *data, unsigned int len)
{
	return co_buf_add(closure, data, len) == 0 ? CAIRO_STATUS_SUCCESS
	                                           : CAIRO_STATUS_WRITE_ERROR;
}

/* Draws text in a box of width w at (x, y); returns its height. */
static double text(cairo_t *cr, double x, double y, double w, const char *s, const char *font,
                   int centre, int max_lines)
{
	PangoLayout *l = pango_cairo_create_layout(cr);
	PangoFontDescription *fd = pango_font_description_from_string(font);
	int pw, ph;

	pango_layout_set_font_description(l, fd);
	pango_layout_set_width(l, (int)(w * PANGO_SCALE));
	pango_layout_set_wrap(l, PANGO_WRAP_WORD_CHAR);
	if (max_lines > 0) {
		pango_layout_set_height(l, -max_lines);
		pango_layout_set_ellipsize(l, PANGO_ELLIPSIZE_END);
	}
	if (centre)
		pango_layout_set_alignment(l, PANGO_ALIGN_CENTER);
	pango_layout_set_text(l, s ? s : "", -1);
	cairo_move_to(cr, x, y);
	pango_cairo_show_layout(cr, l);
	pango_layout_get_size(l, &pw, &ph);
	pango_font_description_free(fd);
	g_object_unref(l);
	return (double)ph / PANGO_SCALE;
}

static double text_height(cairo_t *cr, double w, const char *s, const char *font)
{
	PangoLayout *l = pango_cairo_create_layout(cr);
	PangoFontDescription *fd = pango_font_description_from_string(font);
	int pw, ph;

	pango_layout_set_font_description(l, fd);
	pango_layout_set_width(l, (int)(w * PANGO_SCALE));
	pango_layout_set_wrap(l, PANGO_WRAP_WORD_CHAR);
	pango_layout_set_text(l, s ? s : "", -1);
	pango_layout_get_size(l, &pw, &ph);
	pango_font_description_free(fd);
	g_object_unref(l);
	return (double)ph / PANGO_SCALE;
}

/* A QR code of text, size points square, at (x, y). 0 or CO_EINPUT. */
static int qr(cairo_t *cr, double x, double y, double size, const char *s)
{
	QRcode *q = QRcode_encodeString8bit(s ? s : "", 0, QR_ECLEVEL_M);
	double m;
	int i, j;

	if (!q)
		return CO_EINPUT;
	m = size / (q->width + 8); /* four modules of quiet zone each side */
	cairo_set_source_rgb(cr, 1, 1, 1);
	cairo_rectangle(cr, x, y, size, size);
	cairo_fill(cr);
	cairo_set_source_rgb(cr, 0, 0, 0);
	for (i = 0; i < q->width; i++)
		for (j = 0; j < q->width; j++)
			if (q->data[i * q->width + j] & 1)
				cairo_rectangle(cr, x + (j + 4) * m, y + (i + 4) * m, m, m);
	cairo_fill(cr);
	QRcode_free(q);
	return 0;
}

static int finish_pdf(cairo_surface_t *s, cairo_t *cr, struct co_buf *out, size_t start,
                      struct co_err *e)
{
	cairo_status_t st;

	cairo_destroy(cr);
	cairo_surface_finish(s);
	st = cairo_surface_status(s);
	cairo_surface_destroy(s);
	if (st != CAIRO_STATUS_SUCCESS) {
		out->len = start;
		if (out->data)
			out->data[start] = '\0';
		return co_errf(e, st == CAIRO_STATUS_WRITE_ERROR ? CO_ELIMIT : CO_EINTERNAL,
		               "cannot make the PDF: %s", cairo_status_to_string(st));
	}
	return 0;
}

int ex_badges_pdf(struct co_buf *out, const struct ex_badge *badges, size_t n, struct co_err *e)
{
	const double bw = 90 * PT_PER_MM, bh = 60 * PT_PER_MM;
	const double mx = (A4_W - 2 * bw) / 2, my = (A4_H - 4 * bh) / 2;
	cairo_surface_t *s;
	cairo_t *cr;
	size_t i, start = out->len;

	if (n == 0)
		return co_errf(e, CO_EINPUT, "there is nobody to print a badge for");
	if (render_ready(e) < 0)
		return CO_EINTERNAL;
	s = cairo_pdf_surface_create_for_stream(to_buf, out, A4_W, A4_H);
	cr = cairo_create(s);
	for (i = 0; i < n; i++) {
		const struct ex_badge *b = &badges[i];
		int slot = (int)(i % 8), row = slot / 2; /* two across, four down */
		double x = mx + (slot % 2) * bw, y = my + row * bh, pad = 5 * PT_PER_MM;
		double qs = 30 * PT_PER_MM, tw = bw - 3 * pad - qs, h;

		if (i > 0 && slot == 0)
			cairo_show_page(cr);
		/* Cut marks: a thin grey frame. */
		cairo_set_source_rgb(cr, 0.75, 0.75, 0.75);
		cairo_set_line_width(cr, 0.5);
		cairo_rectangle(cr, x, y, bw, bh);
		cairo_stroke(cr);
		cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
		text(cr, x + pad, y + pad, bw - 2 * pad, b->event, "Sans 8", 0, 1);
		h = text(cr, x + pad, y + pad + 14, bw - 2 * pad, b->name, "Sans Bold 16", 0, 2);
		text(cr, x + pad, y + pad + 18 + h, tw, b->org, "Sans 10", 0, 3);
		if (b->detail)
			text(cr, x + pad, y + bh - pad - 10, tw, b->detail, "Sans 7", 0, 1);
		if (b->qr_text && *b->qr_text &&
		    qr(cr, x + bw - pad - qs, y + bh - pad - qs, qs, b->qr_text) < 0) {
			finish_pdf(s, cr, out, start, NULL);
			out->len = start;
			if (out->data)
				out->data[start] = '\0';
			return co_errf(e, CO_EINPUT, "badge %zu: the check-in code is too long",
			               i + 1);
		}
	}
	return finish_pdf(s, cr, out, start, e);
}

struct page {
	cairo_t *cr;
	double y, top, bottom, left, width;
};

/* Moves to a new page when h points do not fit. */
static void need(struct page *p, double h)
{
	if (p->y + h > p->bottom && p->y > p->top) {
		cairo_show_page(p->cr);
		p->y = p->top;
	}
}

static void block(struct page *p, const char *s, const char *font, double gap_after)
{
	double h;

	if (!s || !*s)
		return;
	h = text_height(p->cr, p->width, s, font);
	need(p, h);
	text(p->cr, p->left, p->y, p->width, s, font, 0, 0);
	p->y += h + gap_after;
}

int ex_pack_pdf(struct co_buf *out, const char *title, const char *subtitle,
                const struct ex_pack_item *items, size_t n, const char *const labels[5],
                struct co_err *e)
{
	static const char *const english[5] = {"What was learned", "Ideas to spread", "Actions",
	                                       "From the host", "From an attendee"};
	const char *const *lab = labels ? labels : english;
	char *done;
	cairo_surface_t *s;
	size_t i, j, start = out->len;
	struct page p;

	if (render_ready(e) < 0)
		return CO_EINTERNAL;
	done = calloc(n ? n : 1, 1);
	if (!done)
		return co_errf(e, CO_ENOMEM, "out of memory");
	s = cairo_pdf_surface_create_for_stream(to_buf, out, A4_W, A4_H);
	p.cr = cairo_create(s);
	p.top = 20 * PT_PER_MM;
	p.bottom = A4_H - 20 * PT_PER_MM;
	p.left = 20 * PT_PER_MM;
	p.width = A4_W - 40 * PT_PER_MM;
	p.y = p.top;
	cairo_set_source_rgb(p.cr, 0.1, 0.1, 0.1);
	block(&p, title, "Sans Bold 22", 6);
	block(&p, subtitle, "Sans 11", 18);
	/* Themes in order of first appearance; items keep their order. */
	for (i = 0; i < n; i++) {
		const char *theme = items[i].theme ? items[i].theme : "";

		if (done[i])
			continue;
		need(&p, 80);
		block(&p, *theme ? theme : "-", "Sans Bold 16", 8);
		for (j = i; j < n; j++) {
			const struct ex_pack_item *it = &items[j];
			char head[1024];

			if (done[j] || strcmp(it->theme ? it->theme : "", theme) != 0)
				continue;
			done[j] = 1;
			snprintf(head, sizeof(head), "%s%s%s (%s)",
			         it->exchange ? it->exchange : "",
			         it->host && *it->host ? " - " : "", it->host ? it->host : "",
			         it->by_host ? lab[3] : lab[4]);
			need(&p, 60);
			block(&p, head, "Sans Bold 11", 3);
			if (it->learned && *it->learned) {
				block(&p, lab[0], "Sans Italic 9", 1);
				block(&p, it->learned, "Sans 10", 4);
			}
			if (it->ideas && *it->ideas) {
				block(&p, lab[1], "Sans Italic 9", 1);
				block(&p, it->ideas, "Sans 10", 4);
			}
			if (it->actions && *it->actions) {
				block(&p, lab[2], "Sans Italic 9", 1);
				block(&p, it->actions, "Sans 10", 4);
			}
			p.y += 8;
		}
		p.y += 10;
	}
	free(done);
	return finish_pdf(s, p.cr, out, start, e);
}
