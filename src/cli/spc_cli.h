/*
 * spc_cli.h - what `collective spc` and its reference-case runner share: a
 * CSV file read into string columns, dates, and the runner's entry point.
 *
 * A struct spc_table owns every string through its arena; spc_table_free()
 * releases them. Not thread-safe (one table per command).
 */
#ifndef SPC_CLI_H
#define SPC_CLI_H

#include <stdio.h>

#include "base/arena.h"
#include "base/err.h"

struct spc_table {
	size_t nrows, ncols;
	char **names;  /* header */
	char ***cells; /* cells[col][row]; a missing field is "" */
	long *csv_row; /* the CSV row (1 = header) of each data row */
	struct co_arena mem;
	struct spc_map *maps; /* big blocks, mapped and populated */
};

/* Zeroed memory that lives as long as the table (big blocks are mapped and
 * populated in one go: on virtual machines a page fault per 4 KB costs more
 * than parsing the page). NULL when out of memory. */
void *spc_table_alloc(struct spc_table *t, size_t size);

/* Reads a CSV with a header row from f. Errors name the row and column. */
int spc_table_read(struct spc_table *t, FILE *f, struct co_err *err);
void spc_table_free(struct spc_table *t);
/* The column's index, or -1. */
int spc_table_col(const struct spc_table *t, const char *name);

/* "YYYY-MM-DD" to days since 1970-01-01 and back. 0 when s is not a date. */
int spc_parse_date(const char *s, double *days);
void spc_format_date(double days, char out[16]);

/* Runs every reference case under dir (each <peer>/<case>.case.json with its
 * input CSV), prints the first difference of each failure and ends with
 * "N passed, N failed". Returns 0 when all passed, 1 otherwise. */
int spc_reference_run(const char *dir, const char *only, int verbose);

#endif
