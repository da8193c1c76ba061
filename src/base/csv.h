/*
 * csv.h - RFC 4180 CSV: a streaming reader and a writer.
 *
 * Reading. co_csv_open_mem() reads a buffer the caller keeps alive until
 * co_csv_free(); co_csv_open_file() reads a FILE* in 64 KB chunks (the
 * caller opens and closes the file). co_csv_next() returns one record at a
 * time: its fields as NUL-terminated strings with their lengths, whether
 * each was quoted, the record's 1-based row number (the header, if any, is
 * row 1) and the 1-based line where it starts (a quoted field may span
 * lines). Field pointers stay valid until the next call.
 *
 * What is accepted: fields separated by commas; records ended by CRLF, LF
 * or a lone CR; a field quoted with " when it holds a comma, quote, CR or LF,
 * an inner quote doubled (""); a UTF-8 byte-order mark at the start is
 * skipped; an empty line is skipped (so a single-column missing value must be
 * written ""); the last record may lack its line end. What is refused, with
 * the row and column (1-based field number) in the struct co_err: a quote
 * inside an unquoted field, text after a closing quote, a quoted field left
 * open at the end of the input, a NUL byte; and with CO_ELIMIT a record
 * longer than CO_MAX_LINE bytes or with more than CO_MAX_CSV_FIELDS fields.
 * Bytes are passed through: the reader does not validate UTF-8.
 *
 * Writing. co_csv_field() appends one field to a bounded co_buf, quoting it
 * only when it holds a comma, a quote, CR or LF (or starts or ends with a
 * space, which some readers would trim); co_csv_double() appends a number in
 * the shortest decimal text that reads back to the same double ("" for NAN);
 * co_csv_end() ends the record with CRLF. The caller writes the commas
 * between fields with co_csv_sep().
 *
 * Ownership: the reader belongs to the caller, released by co_csv_free().
 * Not thread-safe per reader; separate readers are independent.
 */
#ifndef CO_CSV_H
#define CO_CSV_H

#include <stddef.h>
#include <stdio.h>

#include "base/buf.h"
#include "base/err.h"

struct co_csv;

struct co_csv_record {
	size_t nfields;
	char **field;                /* NUL-terminated */
	const size_t *len;           /* bytes, without the NUL */
	const unsigned char *quoted; /* 1 when the field was quoted */
	long row;                    /* 1-based record number */
	long line;                   /* 1-based line of the record's start */
};

int co_csv_open_mem(struct co_csv **out, const char *data, size_t len, struct co_err *err);
int co_csv_open_file(struct co_csv **out, FILE *f, struct co_err *err);

/* 1 with *rec filled, 0 at the end of the input, or a negative enum co_code
 * (CO_EINPUT, CO_ELIMIT, CO_EIO, CO_ENOMEM) with err filled. After an error
 * the reader only returns that error again. */
int co_csv_next(struct co_csv *c, struct co_csv_record *rec, struct co_err *err);

void co_csv_free(struct co_csv *c);

/* Writing: each returns 0, CO_ENOMEM or CO_ELIMIT (the buffer's maximum). */
int co_csv_field(struct co_buf *b, const char *s, size_t len);
int co_csv_fieldz(struct co_buf *b, const char *s); /* NUL-terminated; NULL = "" */
int co_csv_double(struct co_buf *b, double v);
int co_csv_sep(struct co_buf *b);
int co_csv_end(struct co_buf *b);

/* The shortest decimal text that reads back (strtod) to v: "12", "0.1",
 * "1e-05", "-3.5e+20"; "NaN", "Inf", "-Inf" for those. Writes at most 32
 * bytes including the NUL into out and returns the length. Thread-safe. */
size_t co_dtoa(double v, char out[32]);

#endif
