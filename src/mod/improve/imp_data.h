/*
 * imp_data.h - the rules for a team's measure data in Improve: periods,
 * measure types, and the validation of a period's data-entry form and of a
 * CSV upload.
 *
 * Both validations are all-or-nothing: they return every error they find
 * (by form field, or by CSV row, column and column name) and hand back
 * parsed points only when there is none, so the caller stores everything
 * in one transaction or nothing at all. Strata (for example ethnicity
 * groups) must add up to the unstratified value: numerators to the
 * numerator, denominators to the denominator, counts to the count.
 *
 * The rules know nothing of storage: the caller describes the teams,
 * measures and stratum kinds in a struct imp_catalog it owns.
 *
 * Memory: parsed points and their strata are allocated from the caller's
 * arena and die with it. Error lists are struct imp_errs, owned by the
 * caller and released with imp_errs_free(). Thread-safe: no shared state.
 */
#ifndef IMP_DATA_H
#define IMP_DATA_H

#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/err.h"

enum imp_data_type {
	IMP_DATA_CONTINUOUS = 1, /* any number: minutes, a score */
	IMP_DATA_COUNT = 2,      /* a whole number of events */
	IMP_DATA_PROPORTION = 3, /* people with something / people counted */
	IMP_DATA_RATE = 4,       /* events / exposure (bed days, admissions) */
};

enum imp_freq { IMP_FREQ_MONTHLY = 1, IMP_FREQ_WEEKLY = 2 };

/* Names as stored in the database and used in the API ("continuous",
 * "count", "proportion", "rate"; "monthly", "weekly"). Parsers return
 * CO_EINPUT for an unknown name. */
const char *imp_data_type_name(enum imp_data_type t);
int imp_data_type_parse(const char *s, enum imp_data_type *out);
const char *imp_freq_name(enum imp_freq f);
int imp_freq_parse(const char *s, enum imp_freq *out);
/* The chart a measure of this type gets unless someone chooses another:
 * "p" for proportions, "u" for rates, "c" for counts, "xmr" otherwise. */
const char *imp_suggest_chart(enum imp_data_type t);
/* 1 when a value of this type has a numerator and denominator. */
int imp_data_type_is_ratio(enum imp_data_type t);

/* Periods are named by the day they start, counted in days from
 * 1970-01-01: the first of the month for monthly data, a Monday for weekly.
 * Days are int32_t; conversion follows the proleptic Gregorian calendar
 * (Hinnant's days_from_civil algorithm). */
int32_t imp_days_from_civil(int y, int m, int d);
void imp_civil_from_days(int32_t z, int *y, int *m, int *d);
/* The first day of the month that is `months` after the month of day. */
int32_t imp_month_add(int32_t day, int months);
/* Whole months from a to b (both any day of their month). */
int imp_months_between(int32_t a, int32_t b);
/* "YYYY-MM-DD" into out (11 bytes at least). */
void imp_day_format(int32_t day, char *out, unsigned long size);
/* "YYYY-MM-DD" into a day; CO_EINPUT unless it is a real date. */
int imp_day_parse(const char *s, int32_t *out);
/* A period for a measure of frequency f: monthly as "YYYY-MM" or
 * "YYYY-MM-01"; weekly as the Monday "YYYY-MM-DD". */
int imp_period_parse(const char *s, enum imp_freq f, int32_t *out, struct co_err *e);

/* What the rules need to know about a collaborative and its teams. */
struct imp_group_def {
	int64_t id;
	const char *code; /* in CSV files: "white", "black", ... */
	const char *name;
};

struct imp_kind_def {
	int64_t id;
	const char *code; /* "ethnicity", "sex", "age_band" */
	const char *name;
	const struct imp_group_def *groups;
	int ngroups;
};

struct imp_measure_def {
	int64_t id;
	int64_t team_id;  /* 0: a shared measure every team reports */
	const char *code; /* unique among one team's measures, used in CSV */
	const char *name;
	enum imp_data_type type;
	enum imp_freq freq;
};

struct imp_team_ref {
	int64_t id;
	const char *code; /* unique in the collaborative, used in CSV */
};

struct imp_catalog {
	const struct imp_team_ref *teams;
	int nteams;
	const struct imp_measure_def *measures;
	int nmeasures;
	const struct imp_kind_def *kinds;
	int nkinds;
	int32_t today; /* no period may start after today */
};

/* One stratum's share of a value. For counts only numerator is used. */
struct imp_stratum_value {
	int64_t group_id;
	double numerator;
	double denominator;
};

/* A validated value. For a ratio type, numerator and denominator are set
 * and value is numerator / denominator (not multiplied); for a count or a
 * continuous measure, value holds it. */
struct imp_point {
	int64_t team_id;
	int64_t measure_id;
	enum imp_data_type type; /* the measure's */
	int32_t period;
	double value;
	double numerator;
	double denominator;
	const char *notes; /* NULL when none */
	struct imp_stratum_value *strata;
	int nstrata;
};

/* A list of input errors, at most CO_MAX_INPUT_ERRORS; `more` counts those
 * past the limit. Owned by the caller; imp_errs_free() releases it. */
struct imp_errs {
	struct co_err *v;
	int n;
	int cap;
	long more;
};

void imp_errs_init(struct imp_errs *l);
void imp_errs_free(struct imp_errs *l);
/* Records an error (CO_EINPUT). */
void imp_errs_add(struct imp_errs *l, long row, long col, const char *field, const char *fmt, ...)
        __attribute__((format(printf, 5, 6)));
/* Records e (its message, format and values) at row, col and field. */
void imp_errs_add_err(struct imp_errs *l, long row, long col, const char *field,
                      const struct co_err *e);

/* A submitted form field. */
struct imp_field {
	const char *name;
	const char *value;
};

/* Form field names for the data-entry form of one period, given the
 * measure's id and, for strata, the group's id:
 *   m<ID>_value, m<ID>_num, m<ID>_den, m<ID>_notes
 *   m<ID>_g<GROUP>_value, m<ID>_g<GROUP>_num, m<ID>_g<GROUP>_den
 * A measure whose fields are all blank is not reported for the period.
 * part is "value", "num", "den" or "notes"; group_id 0 for none. */
void imp_field_name(char *out, unsigned long size, int64_t measure_id, int64_t group_id,
                    const char *part);

/* Validates a team's data-entry form for the period starting `period`
 * (the measures of the team with that frequency). On success (0, errs
 * empty) *out holds one point per measure reported, *nout of them. On
 * CO_EINPUT errs lists every problem by field name. Fields that name no
 * measure of the team are errors too. */
int imp_entry_validate(const struct imp_catalog *cat, int64_t team_id, enum imp_freq freq,
                       int32_t period, const struct imp_field *fields, int nfields,
                       struct co_arena *a, struct imp_point **out, int *nout,
                       struct imp_errs *errs);

/* A parsed CSV file: ncols header names and nrows records of ncols cells
 * (row-major); line[i] is the file line number of record i, for errors
 * (the header is line 1 when line is NULL and records follow on 2, 3...). */
struct imp_table {
	const char *const *header;
	int ncols;
	const char *const *cells;
	int nrows;
	const long *line;
};

/* Reads CSV text (RFC 4180, through base/csv.h) into a table: the first
 * record is the header. A record with more or fewer fields than the header
 * is an error in errs (by row); so is a malformed file (with its row and
 * column). Cells and names are copied into the arena. Returns 0, CO_EINPUT
 * (errs filled), CO_ELIMIT or CO_ENOMEM. */
int imp_table_read(const char *data, size_t len, struct co_arena *a, struct imp_table *out,
                   struct imp_errs *errs);

/* Validates a CSV upload of measure data. Columns, by header name in any
 * order: team, measure, period, value, numerator, denominator, stratum,
 * group, notes. A row with stratum and group blank is a team's value for
 * the period; a row with both filled is one group's share of it, and the
 * unstratified row must be in the same file. When only_team is not 0 the
 * team column may be left out and every row is that team's (a team column
 * that names another team is an error). All-or-nothing as above; errors
 * carry the row (file line), column number and column name. */
int imp_csv_validate(const struct imp_catalog *cat, int64_t only_team, const struct imp_table *t,
                     struct co_arena *a, struct imp_point **out, int *nout, struct imp_errs *errs);

#endif
