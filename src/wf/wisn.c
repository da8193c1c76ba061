/*
 * wisn.c - Workload Indicators of Staffing Need (WHO, "Workload indicators
 * of staffing need: user's manual", 2010), for each staff category:
 *
 *   AWT  = (days a week x weeks - public holidays - annual, sick and other
 *          leave) x hours a day                          available working time
 *   SW_i = AWT x 60 / minutes_i  (or AWT x units an hour) standard workload
 *   A    = sum_i volume_i / SW_i                         staff for the activities
 *   CAP  = sum of category allowances as % of AWT
 *   CAF  = 1 / (1 - CAP / 100)                           category allowance factor
 *   IAF  = sum_j staff_j x hours_j / AWT                 individual allowance factor
 *   required = A x CAF + IAF; WISN difference = existing - required;
 *   WISN ratio = existing / required (below 1: too few staff for the workload).
 */
#include <math.h>
#include <stdio.h>

#include "wf/wf_int.h"

int wf_wisn_categories(const struct wf_wisn *w)
{
	return w->n_cat;
}

const char *wf_wisn_category_code(const struct wf_wisn *w, int c)
{
	return w->cat[c].code;
}

static double awt_of(const struct wf__wisn_cat *C)
{
	return (C->days_week * C->weeks - (C->holidays + C->leave + C->sick + C->other)) *
	       C->hours_day;
}

static double standard_workload(const struct wf__wisn_act *a, double awt)
{
	return a->minutes > 0 ? awt * 60 / a->minutes : awt * a->per_hour;
}

void wf_wisn_compute(const struct wf_wisn *w, int c, struct wf_wisn_result *r)
{
	const struct wf__wisn_cat *C = &w->cat[c];
	double awt = awt_of(C), a = 0, cap = 0, ia = 0;
	int i;

	for (i = 0; i < C->n_act; i++)
		a += C->act[i].volume / standard_workload(&C->act[i], awt);
	for (i = 0; i < C->n_cas; i++)
		cap += C->cas[i].percent >= 0 ? C->cas[i].percent : 100 * C->cas[i].hours / awt;
	for (i = 0; i < C->n_ias; i++)
		ia += C->ias[i].staff * C->ias[i].hours;
	r->awt_hours = awt;
	r->activity_staff = a;
	r->cap_percent = cap;
	r->caf = 1 / (1 - cap / 100);
	r->iaf = ia / awt;
	r->required = a * r->caf + r->iaf;
	r->existing = C->staff;
	r->difference = C->staff - r->required;
	r->ratio = r->required > 0 ? C->staff / r->required : NAN;
}

static int num(struct co_buf *b, const char *key, double x)
{
	if (!isfinite(x))
		return co_buf_printf(b, ",\"%s\":null", key);
	return co_buf_printf(b, ",\"%s\":%.12g", key, x);
}

int wf_wisn_write_json(struct co_buf *b, const struct wf_wisn *w)
{
	int c, i, rc = co_buf_adds(b, "{\"team\":");

	rc = rc ? rc : wf__json_text(b, w->team);
	rc = rc ? rc : co_buf_adds(b, ",\"categories\":[");
	for (c = 0; c < w->n_cat && !rc; c++) {
		const struct wf__wisn_cat *C = &w->cat[c];
		struct wf_wisn_result r;
		wf_wisn_compute(w, c, &r);
		rc = co_buf_adds(b, c ? ",{\"code\":" : "{\"code\":");
		rc = rc ? rc : wf__json_text(b, C->code);
		rc = rc ? rc : co_buf_adds(b, ",\"name\":");
		rc = rc ? rc : wf__json_text(b, C->name);
		rc = rc ? rc : num(b, "available_working_hours", r.awt_hours);
		rc = rc ? rc : co_buf_adds(b, ",\"activities\":[");
		for (i = 0; i < C->n_act && !rc; i++) {
			double sw = standard_workload(&C->act[i], r.awt_hours);
			rc = co_buf_adds(b, i ? ",{\"name\":" : "{\"name\":");
			rc = rc ? rc : wf__json_text(b, C->act[i].name);
			rc = rc ? rc : num(b, "volume", C->act[i].volume);
			rc = rc ? rc : num(b, "standard_workload", sw);
			rc = rc ? rc : num(b, "staff_needed", C->act[i].volume / sw);
			rc = rc ? rc : co_buf_addc(b, '}');
		}
		rc = rc ? rc : co_buf_addc(b, ']');
		rc = rc ? rc : num(b, "activity_staff", r.activity_staff);
		rc = rc ? rc : num(b, "category_allowance_percent", r.cap_percent);
		rc = rc ? rc : num(b, "category_allowance_factor", r.caf);
		rc = rc ? rc : num(b, "individual_allowance_factor", r.iaf);
		rc = rc ? rc : num(b, "required", r.required);
		rc = rc ? rc : num(b, "existing", r.existing);
		rc = rc ? rc : num(b, "wisn_difference", r.difference);
		rc = rc ? rc : num(b, "wisn_ratio", r.ratio);
		rc = rc ? rc : co_buf_addc(b, '}');
	}
	return rc ? rc : co_buf_adds(b, "]}\n");
}

int wf_wisn_write_csv(struct co_buf *b, const struct wf_wisn *w)
{
	int c, rc = co_buf_adds(b, "code,available_working_hours,activity_staff,"
	                           "category_allowance_percent,category_allowance_factor,"
	                           "individual_allowance_factor,required,existing,wisn_difference,"
	                           "wisn_ratio\n");

	for (c = 0; c < w->n_cat && !rc; c++) {
		struct wf_wisn_result r;
		wf_wisn_compute(w, c, &r);
		rc = wf__csv_text(b, w->cat[c].code);
		{
			const double x[] = {
			        r.awt_hours, r.activity_staff, r.cap_percent, r.caf,  r.iaf,
			        r.required,  r.existing,       r.difference,  r.ratio};
			size_t i;
			for (i = 0; i < sizeof(x) / sizeof(x[0]) && !rc; i++)
				rc = co_buf_addc(b, ',') ? CO_ELIMIT : wf__num(b, x[i]);
		}
		rc = rc ? rc : co_buf_addc(b, '\n');
	}
	return rc;
}
