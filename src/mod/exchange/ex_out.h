/*
 * ex_out.h - what the Exchange module hands out: exchange descriptions as
 * HTML (Markdown through cmark in safe mode), attendee lists as XLSX and
 * CSV with the columns the organiser picks, name badges as PDF with a QR
 * check-in code, and the conference pack (insights grouped by theme) as
 * PDF.
 *
 * Check-in codes: "<registration id>-<20 hex digits>", the digits a keyed
 * BLAKE2b hash (libsodium) of the id under the server's secret key, so a
 * code cannot be guessed from another one and the check-in page needs no
 * stored token.
 *
 * All output goes to caller-owned buffers; strings in the input structs
 * are borrowed for the call. Thread-safe (cairo, pango and libxlsxwriter
 * objects are created per call; no shared state).
 */
#ifndef EX_OUT_H
#define EX_OUT_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/err.h"

/* Markdown to HTML, raw HTML and unsafe links (javascript:, data: except
 * images) removed. */
int ex_markdown_html(const char *md, struct co_buf *out, struct co_err *e);

/* Attendee list columns, in the order they may be picked. */
enum ex_col {
	EX_COL_NAME,
	EX_COL_EMAIL,
	EX_COL_ORG,
	EX_COL_STATE,
	EX_COL_POSITION,
	EX_COL_REQUESTED,
	EX_COL_CHECKED_IN,
	EX_COL_DIETARY,
	EX_COL_ACCESS,
	EX_COL_NIGHTS,
	EX_COL_WORKSHOPS,
	EX_N_COLS
};

/* One attendee: each column's value as text (NULL as ""). */
struct ex_attendee {
	const char *v[EX_N_COLS];
};

const char *ex_col_key(enum ex_col c);   /* "name", "email", "organisation", ... */
const char *ex_col_title(enum ex_col c); /* "Name", "Email", ... (English) */
/* Parses "name,email,organisation": known keys, no repeats, at least one.
 * *n receives how many were written to cols (room for EX_N_COLS). */
int ex_cols_parse(const char *list, enum ex_col *cols, int *n, struct co_err *e);
/* Whether a column holds needs data (seen only by organisers and venue). */
int ex_col_is_needs(enum ex_col c);

/* An .xlsx workbook with one sheet: a header row of titles (translated by
 * the caller, or NULL for ex_col_title) and one row per attendee, every
 * value written as a string (never a formula). */
int ex_attendees_xlsx(struct co_buf *out, const struct ex_attendee *rows, size_t n,
                      const enum ex_col *cols, int ncols, const char *const *titles,
                      struct co_err *e);

/* The same as CSV (RFC 4180), values that a spreadsheet would take for a
 * formula (=, +, -, @, TAB, CR first) prefixed with an apostrophe. */
int ex_attendees_csv(struct co_buf *out, const struct ex_attendee *rows, size_t n,
                     const enum ex_col *cols, int ncols, const char *const *titles,
                     struct co_err *e);

/* Check-in codes. key is 32 bytes. out needs EX_CHECKIN_MAX bytes. */
#define EX_CHECKIN_MAX 48
void ex_checkin_code(const unsigned char key[32], int64_t registration_id, char *out);
/* The registration id in a code, or CO_EINPUT when the code is not one we
 * made (compared in constant time). */
int ex_checkin_verify(const unsigned char key[32], const char *code, int64_t *registration_id);

/* Name badges, eight to an A4 page (two across, four down, 90 x 60 mm). */
struct ex_badge {
	const char *name;
	const char *org;
	const char *event;
	const char *detail;  /* e.g. "3-4 April 2025" */
	const char *qr_text; /* the check-in URL, encoded in the QR code */
};
int ex_badges_pdf(struct co_buf *out, const struct ex_badge *badges, size_t n, struct co_err *e);

/* The conference pack: a title page line, then for each theme (in order of
 * first appearance) its insights, each under the exchange it came from. */
struct ex_pack_item {
	const char *theme;
	const char *exchange;
	const char *host;
	const char *learned;
	const char *ideas;
	const char *actions;
	int by_host; /* 1 for the host's record, 0 for an attendee's */
};
/* labels: "What was learned", "Ideas to spread", "Actions", "From the
 * host", "From an attendee", in the reader's language (NULL: English). */
int ex_pack_pdf(struct co_buf *out, const char *title, const char *subtitle,
                const struct ex_pack_item *items, size_t n, const char *const labels[5],
                struct co_err *e);

#endif
