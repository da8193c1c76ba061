/*
 * ex_time.c - UK local time from the calendar, without the tz database.
 *
 * Civil dates: Howard Hinnant, "chrono-Compatible Low-Level Date
 * Algorithms" (days_from_civil / civil_from_days), exact for the proleptic
 * Gregorian calendar over the whole int64 range we use.
 *
 * The UK rule (EU Directive 2000/84/EC, in force in the UK since 1996 and
 * kept after 2020): BST from 01:00 UTC on the last Sunday of March to 01:00
 * UTC on the last Sunday of October. Both months have 31 days, so the last
 * Sunday is day 31 minus its weekday.
 *
 * Local to UTC: a local time L may be L-0 (GMT) or L-3600 (BST); each
 * candidate is valid when the offset in force at it is the one assumed.
 * Two valid: ambiguous, take the earlier instant (the BST one). None valid:
 * the gap, take L-0, the offset before the gap (RFC 5545 3.3.5).
 */
#include "mod/exchange/ex_time.h"

#include <stdio.h>
#include <string.h>

int64_t ex_days_from_civil(int64_t y, int m, int d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (unsigned)((153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1);
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

void ex_civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
	int64_t era;
	unsigned doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int64_t)yoe + era * 400 + (*m <= 2);
}

int ex_weekday(int64_t days)
{
	return (int)(days >= -4 ? (days + 4) % 7 : (days + 5) % 7 + 6);
}

int ex_days_in_month(int64_t y, int m)
{
	static const int dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	if (m < 1 || m > 12)
		return 0;
	return dim[m - 1] + (m == 2 && leap);
}

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	if ((a % b != 0) && ((a < 0) != (b < 0)))
		q--;
	return q;
}

static int64_t last_sunday(int64_t y, int m)
{
	int64_t last = ex_days_from_civil(y, m, 31);

	return last - ex_weekday(last);
}

int64_t ex_bst_start(int64_t y)
{
	return last_sunday(y, 3) * 86400 + 3600;
}

int64_t ex_bst_end(int64_t y)
{
	return last_sunday(y, 10) * 86400 + 3600;
}

int ex_london_offset(int64_t utc)
{
	int64_t y;
	int m, d;

	ex_civil_from_days(floor_div(utc, 86400), &y, &m, &d);
	return utc >= ex_bst_start(y) && utc < ex_bst_end(y) ? 3600 : 0;
}

void ex_london_from_utc(int64_t utc, struct ex_local *out)
{
	int off = ex_london_offset(utc);
	int64_t local = utc + off, days = floor_div(local, 86400), rem = local - days * 86400, y;

	ex_civil_from_days(days, &y, &out->month, &out->day);
	out->year = (int)y;
	out->hour = (int)(rem / 3600);
	out->min = (int)(rem / 60 % 60);
	out->sec = (int)(rem % 60);
	out->wday = ex_weekday(days);
	out->offset = off;
	/* The second of two equal local times: GMT, and an hour earlier it was
	 * BST showing the same clock reading. */
	out->fold = off == 0 && ex_london_offset(utc - 3600) == 3600;
}

int ex_london_to_utc(int64_t y, int mo, int d, int h, int mi, int s, int64_t *out,
                     enum ex_local_kind *kind, struct co_err *e)
{
	int64_t local, gmt, bst;
	int gmt_ok, bst_ok;

	if (y < 1 || y > 9999)
		return co_errf(e, CO_EINPUT, "%s", "that year is out of range");
	if (mo < 1 || mo > 12)
		return co_errf(e, CO_EINPUT, "%s", "there is no such month");
	if (d < 1 || d > ex_days_in_month(y, mo))
		return co_errf(e, CO_EINPUT, "%s", "that month has no such day");
	if (h < 0 || h > 23 || mi < 0 || mi > 59 || s < 0 || s > 59)
		return co_errf(e, CO_EINPUT, "%s", "that is not a time of day");
	local = ex_days_from_civil(y, mo, d) * 86400 + (int64_t)h * 3600 + (int64_t)mi * 60 + s;
	gmt = local;
	bst = local - 3600;
	gmt_ok = ex_london_offset(gmt) == 0;
	bst_ok = ex_london_offset(bst) == 3600;
	if (gmt_ok && bst_ok) {
		*out = bst;
		if (kind)
			*kind = EX_LOCAL_AMBIGUOUS;
	} else if (bst_ok) {
		*out = bst;
		if (kind)
			*kind = EX_LOCAL_UNIQUE;
	} else if (gmt_ok) {
		*out = gmt;
		if (kind)
			*kind = EX_LOCAL_UNIQUE;
	} else {
		*out = gmt;
		if (kind)
			*kind = EX_LOCAL_GAP;
	}
	return 0;
}

/* Reads exactly n digits at *p, advancing it. -1 when they are not there. */
static int digits(const char **p, int n)
{
	int v = 0, i;

	for (i = 0; i < n; i++) {
		char c = (*p)[i];

		if (c < '0' || c > '9')
			return -1;
		v = v * 10 + (c - '0');
	}
	*p += n;
	return v;
}

static int parse_date(const char **p, int *y, int *m, int *d)
{
	if ((*y = digits(p, 4)) < 0 || **p != '-')
		return -1;
	(*p)++;
	if ((*m = digits(p, 2)) < 0 || **p != '-')
		return -1;
	(*p)++;
	if ((*d = digits(p, 2)) < 0)
		return -1;
	return 0;
}

static int parse_time(const char **p, int *h, int *mi, int *s)
{
	if ((*h = digits(p, 2)) < 0 || **p != ':')
		return -1;
	(*p)++;
	if ((*mi = digits(p, 2)) < 0)
		return -1;
	*s = 0;
	if (**p == ':') {
		(*p)++;
		if ((*s = digits(p, 2)) < 0)
			return -1;
	}
	return 0;
}

int ex_time_parse_local(const char *date, const char *time, const char *field, int64_t *out,
                        struct co_err *e)
{
	const char *p = date ? date : "";
	int y, m, d, h, mi, s, rc;
	enum ex_local_kind kind = EX_LOCAL_UNIQUE;
	int64_t utc = 0;
	struct co_err sub;

	if (parse_date(&p, &y, &m, &d) < 0)
		return co_errf_at(e, CO_EINPUT, 0, 0, field, "a date is needed as YYYY-MM-DD");
	if (time == NULL) {
		if (*p != 'T' && *p != ' ')
			return co_errf_at(e, CO_EINPUT, 0, 0, field,
			                  "a date and time are needed as YYYY-MM-DDTHH:MM");
		p++;
	} else {
		if (*p != '\0')
			return co_errf_at(e, CO_EINPUT, 0, 0, field,
			                  "a date is needed as YYYY-MM-DD");
		p = time;
	}
	if (parse_time(&p, &h, &mi, &s) < 0 || *p != '\0')
		return co_errf_at(e, CO_EINPUT, 0, 0, field, "a time is needed as HH:MM");
	rc = ex_london_to_utc(y, m, d, h, mi, s, &utc, &kind, &sub);
	if (rc < 0)
		return co_errf_at(e, rc, 0, 0, field, "%s", sub.msg);
	if (kind == EX_LOCAL_GAP)
		return co_errf_at(e, CO_EINPUT, 0, 0, field,
		                  "%04d-%02d-%02d %02d:%02d does not exist in UK time: the clocks "
		                  "go forward from 01:00 to 02:00 that night",
		                  y, m, d, h, mi);
	*out = utc;
	return 0;
}

void ex_time_format_local(int64_t utc, char *out, size_t size)
{
	struct ex_local l;

	ex_london_from_utc(utc, &l);
	snprintf(out, size, "%04d-%02d-%02d %02d:%02d", l.year, l.month, l.day, l.hour, l.min);
}

const char *ex_time_zone_name(int64_t utc)
{
	return ex_london_offset(utc) ? "BST" : "GMT";
}

void ex_time_format_ical_utc(int64_t utc, char *out, size_t size)
{
	int64_t days = floor_div(utc, 86400), rem = utc - days * 86400, y;
	int m, d;

	ex_civil_from_days(days, &y, &m, &d);
	snprintf(out, size, "%04d%02d%02dT%02d%02d%02dZ", (int)y, m, d, (int)(rem / 3600),
	         (int)(rem / 60 % 60), (int)(rem % 60));
}

void ex_time_format_ical_local(int64_t utc, char *out, size_t size)
{
	struct ex_local l;

	ex_london_from_utc(utc, &l);
	snprintf(out, size, "%04d%02d%02dT%02d%02d%02d", l.year, l.month, l.day, l.hour, l.min,
	         l.sec);
}
