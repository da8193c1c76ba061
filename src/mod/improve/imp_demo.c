/*
 * imp_demo.c - the synthetic restrictive-practice collaborative.
 *
 * Random numbers: splitmix64 (Steele, Lea and Flood 2014), which is exact
 * integer arithmetic and so identical everywhere. Poisson counts by Knuth's
 * product method on pieces of mean at most 20 (a sum of independent
 * Poisson counts is Poisson with the summed mean), binomial counts as sums
 * of Bernoulli trials: both use only comparisons of uniform numbers and
 * exp() of small arguments, correctly rounded on IEEE machines.
 *
 * What the numbers mean: each ward has a baseline rate of restrictive
 * practice per 1,000 occupied bed days; a group's incidents are Poisson with
 * that rate times a group multiplier (higher for Black and mixed-ethnicity
 * patients, the disparity the equity view is there to show) times the
 * group's bed days. Wards that adopt the shift safety huddle fall by about
 * half over three months; two wards have one very bad month; one ward
 * drifts upwards in its second year.
 */
#include "mod/improve/imp_demo.h"

#include <math.h>
#include <string.h>

#include "mod/improve/imp_data.h"

struct rng {
	uint64_t s;
};

static uint64_t next64(struct rng *r)
{
	uint64_t z = (r->s += 0x9E3779B97F4A7C15ull);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

/* Uniform in [0, 1) with 53 random bits. */
static double unif(struct rng *r)
{
	return (double)(next64(r) >> 11) * (1.0 / 9007199254740992.0);
}

static int below(struct rng *r, int n)
{
	return (int)(next64(r) % (uint64_t)n);
}

static double poisson(struct rng *r, double mean)
{
	double total = 0.0, piece, l, p;
	int k;

	while (mean > 0.0) {
		piece = mean > 20.0 ? 20.0 : mean;
		mean -= piece;
		l = exp(-piece);
		k = 0;
		p = unif(r);
		while (p > l) {
			k++;
			p *= unif(r);
		}
		total += k;
	}
	return total;
}

static double binomial(struct rng *r, int n, double p)
{
	int i, k = 0;

	for (i = 0; i < n; i++)
		k += unif(r) < p;
	return k;
}

/* ---- fixed description ---------------------------------------------- */

static const struct imp_demo_group groups[IMP_DEMO_GROUPS] = {
        {"asian", "Asian, Asian Welsh or Asian British", 0},
        {"black", "Black, Black Welsh, Black British, Caribbean or African", 0},
        {"mixed", "Mixed or multiple ethnic groups", 0},
        {"white", "White", 1},
        {"other", "Other ethnic group", 0},
        {"not_known", "Not known", 0},
};

/* Relative rate of restrictive practice by group (synthetic). */
static const double group_rate[IMP_DEMO_GROUPS] = {1.1, 1.9, 1.4, 1.0, 1.2, 1.0};
/* Share of bed days by group: most wards, and wards in the cities. */
static const double share_rural[IMP_DEMO_GROUPS] = {0.03, 0.015, 0.015, 0.90, 0.01, 0.03};
static const double share_city[IMP_DEMO_GROUPS] = {0.07, 0.06, 0.03, 0.78, 0.02, 0.04};

static const struct imp_demo_measure measures[IMP_DEMO_MEASURES] = {
        {"rp_rate", "Restrictive practice per 1,000 occupied bed days", "outcome",
         "Every use of physical restraint, seclusion, rapid tranquillisation or long-term "
         "segregation recorded in the incident system for the ward in the month, divided by "
         "the ward's occupied bed days.",
         "Restrictive practice incidents recorded in the month",
         "Occupied bed days in the month (midnight census)", "rate", "per 1,000 occupied bed days",
         "down", "u", 1000.0, NAN, 1},
        {"huddle", "Shifts that began with a safety huddle", "process",
         "The share of the ward's shifts (early, late, night) that began with a five-minute "
         "safety huddle covering each patient's level of distress and plan.",
         "Shifts that began with a safety huddle", "Shifts in the month", "proportion", "%", "up",
         "p", 100.0, 90.0, 0},
        {"violence", "Violence towards staff per 1,000 occupied bed days", "balancing",
         "Incidents of physical violence towards staff recorded in the incident system, "
         "divided by occupied bed days: fewer restrictions must not mean less safety for staff.",
         "Incidents of violence towards staff in the month", "Occupied bed days in the month",
         "rate", "per 1,000 occupied bed days", "down", "u", 1000.0, NAN, 0},
};

/* improves_from, spike_month and drifts_up are filled by the generator. */
static const struct {
	const char *org, *code, *name, *service;
	int beds, city;
} wards[IMP_DEMO_TEAMS] = {
        {"Betsi Cadwaladr University Health Board", "BCU-ADM", "Adult admissions ward, north coast",
         "Adult acute inpatient care", 22, 0},
        {"Betsi Cadwaladr University Health Board", "BCU-PICU", "Intensive care ward, north",
         "Psychiatric intensive care", 10, 0},
        {"Hywel Dda University Health Board", "HDD-ADM", "Adult admissions ward, west",
         "Adult acute inpatient care", 20, 0},
        {"Hywel Dda University Health Board", "HDD-OAF", "Older adult ward, west",
         "Older adult functional mental health", 16, 0},
        {"Swansea Bay University Health Board", "SB-ADM1", "Adult admissions ward one, Swansea",
         "Adult acute inpatient care", 24, 1},
        {"Swansea Bay University Health Board", "SB-ADM2", "Adult admissions ward two, Swansea",
         "Adult acute inpatient care", 22, 1},
        {"Cwm Taf Morgannwg University Health Board", "CTM-ADM", "Adult admissions ward, valleys",
         "Adult acute inpatient care", 21, 0},
        {"Cwm Taf Morgannwg University Health Board", "CTM-PICU", "Intensive care ward, valleys",
         "Psychiatric intensive care", 12, 0},
        {"Cardiff and Vale University Health Board", "CV-ADM1",
         "Adult admissions ward one, Cardiff", "Adult acute inpatient care", 24, 1},
        {"Cardiff and Vale University Health Board", "CV-ADM2",
         "Adult admissions ward two, Cardiff", "Adult acute inpatient care", 23, 1},
        {"Aneurin Bevan University Health Board", "AB-ADM", "Adult admissions ward, Gwent",
         "Adult acute inpatient care", 22, 1},
        {"Aneurin Bevan University Health Board", "AB-OAF", "Older adult ward, Gwent",
         "Older adult functional mental health", 18, 0},
};

/* Which wards adopt the huddle (and when), spike, or drift. */
static const int improves_from[IMP_DEMO_TEAMS] = {9, -1, 11, 13, 10, -1, -1, -1, 12, 14, -1, -1};
static const int spike_month[IMP_DEMO_TEAMS] = {-1, -1, -1, -1, -1, -1, 15, -1, -1, -1, 11, -1};
static const int drifts_up[IMP_DEMO_TEAMS] = {0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0};

static const struct imp_demo_node nodes[] = {
        /* 0 */ {-1, "aim", "Reduce restrictive practice on adult mental health wards by 30%",
                 "From each ward's baseline median, by the end of the collaborative, with every "
                 "group of patients sharing in the fall."},
        /* 1 */ {0, "primary", "A calm, therapeutic ward environment", ""},
        /* 2 */ {0, "primary", "Patients and carers share in planning care", ""},
        /* 3 */ {0, "primary", "Staff with the skills and support to prevent escalation", ""},
        /* 4 */ {0, "primary", "Learning from every incident", ""},
        /* 5 */ {1, "secondary", "A predictable daily structure", ""},
        /* 6 */ {1, "secondary", "Rising distress noticed early", ""},
        /* 7 */ {2, "secondary", "Care plans written with the patient", ""},
        /* 8 */ {3, "secondary", "Confident de-escalation on every shift", ""},
        /* 9 */ {4, "secondary", "Reflective review after incidents", ""},
        /* 10 */
        {6, "change_idea", "Safety huddle at the start of every shift",
         "Five minutes, standing, every patient: how are they, what might raise their "
         "distress today, what helps."},
        /* 11 */
        {5, "change_idea", "Weekly timetable of meaningful activity",
         "Agreed with patients at the community meeting and kept on the ward board."},
        /* 12 */
        {5, "change_idea", "Calm room with sensory equipment",
         "A quiet room patients can choose to use before distress builds."},
        /* 13 */
        {7, "change_idea", "Support plan within 72 hours of admission",
         "A positive behaviour support plan written with the patient and, where they "
         "wish, their family."},
        /* 14 */
        {7, "change_idea", "Mutual expectations agreed at community meetings",
         "What patients and staff can expect of each other, in the ward's own words."},
        /* 15 */
        {8, "change_idea", "De-escalation refresher for every shift lead",
         "A short practical session each month, led by the ward's trainers."},
        /* 16 */
        {9, "change_idea", "Debrief after every restrictive intervention",
         "With the patient and with the staff involved, within a day."},
        /* 17 */
        {9, "change_idea", "Monthly look at incident data with the whole team",
         "The ward's own run chart on the staff room wall, discussed at the team meeting."},
};
#define NNODES      ((int)(sizeof(nodes) / sizeof(nodes[0])))
#define FIRST_IDEA  10
#define HUDDLE_IDEA 10

static const struct imp_demo_session sessions[6] = {
        {1, "Learning session 1: launch and baselines", "2025-03-12", "in_person",
         "Conference centre, Cardiff",
         "Why restrictive practice matters; the model for improvement; measuring our baselines; "
         "planning the first tests of change."},
        {2, "Learning session 2: first tests", "2025-06-11", "online", "",
         "Ward teams share their first PDSA cycles; reading run charts together; coaching "
         "sessions in small groups."},
        {3, "Learning session 3: what the data say", "2025-09-10", "in_person",
         "Conference venue, Llandudno",
         "Control charts and special causes; stories from patients and carers; the equity view "
         "of our data."},
        {4, "Learning session 4: spreading what works", "2025-12-10", "online", "",
         "Wards that have adopted the safety huddle explain how; planning to spread to other "
         "shifts and wards."},
        {5, "Learning session 5: holding the gains", "2026-03-11", "in_person",
         "University campus, Swansea",
         "Sustaining improvement; balancing measures; linking with the workforce plan."},
        {6, "Learning session 6: celebration and next steps", "2026-06-10", "hybrid",
         "University campus, Aberystwyth, and online",
         "Results across the collaborative; the change package as it now stands; what each "
         "organisation will carry on."},
};

/* Texts of PDSA cycles, by what the cycle concluded. */
static const char *const plan_text =
        "Try the change on one shift for two weeks, with the shift lead recording each time "
        "it happens and what followed.";
static const char *const prediction_text =
        "Fewer incidents of restraint on the shifts that use it, and staff will find it worth "
        "the time.";
static const char *const do_text =
        "Carried out on most shifts; missed on two weekend nights when the ward was short of "
        "staff.";
static const char *const study_text[4] = {
        "",
        "Incidents fell on the test shifts as predicted and staff asked to keep it.",
        "Some benefit, but the timing clashed with medication rounds; the prediction held "
        "only partly.",
        "No change in incidents and staff found it hard to fit in; the prediction did not "
        "hold.",
};
static const char *const act_names[4] = {NULL, "adopt", "adapt", "abandon"};
static const char *const act_text[4] = {
        "",
        "Make it part of every shift and add it to the ward's induction.",
        "Move it to after handover and test again on all shifts.",
        "Stop, and try another way of reaching the same driver.",
};

static const char *const narratives[5] = {
        "We are still setting up: the team has agreed its aim and is collecting baseline data.",
        "First tests of change under way; the team meets weekly to look at the run chart.",
        "Several changes tested; some early signs of fewer incidents, not yet sustained.",
        "The safety huddle is now routine and incidents have stayed lower for several months.",
        "Improvement sustained; the team is helping another ward start the same changes.",
};

static const char *const coaching_texts[3] = {
        "Discussed how to word predictions so that the study step can test them.",
        "Suggested annotating the chart with the dates of each change tested.",
        "Agreed to share the ward's huddle prompt card with the other teams.",
};

/* ---- generation ----------------------------------------------------- */

static int days_in(int32_t month_start)
{
	return (int)(imp_month_add(month_start, 1) - month_start);
}

int imp_demo_generate(uint64_t seed, struct co_arena *a, struct imp_demo *out, struct co_err *e)
{
	struct imp_demo d;
	struct rng r = {seed};
	int t, m, g, n, k, i;
	double base[IMP_DEMO_TEAMS], viol[IMP_DEMO_TEAMS];

	memset(&d, 0, sizeof(d));
	d.slug = "restrictive-practice";
	d.name = "Reducing restrictive practice on mental health wards";
	d.aim = "Reduce restrictive practice on participating wards by 30% from each ward's "
	        "baseline by August 2026, with no group of patients left behind.";
	d.summary = "Twelve inpatient teams from six health boards test changes together, meet "
	            "at six learning sessions and share one set of measures.";
	d.starts_on = "2025-03-01";
	d.ends_on = "2026-08-31";
	d.rule_set = "mdc";
	d.first_month = imp_days_from_civil(2024, 9, 1);
	d.first_collab_month = 6;
	d.baseline_months = 6;
	d.baseline_reason = "The six months before the collaborative began, agreed by the faculty "
	                    "as every ward's baseline.";
	memcpy(d.groups, groups, sizeof(groups));
	memcpy(d.measures, measures, sizeof(measures));
	memcpy(d.sessions, sessions, sizeof(sessions));
	for (t = 0; t < IMP_DEMO_TEAMS; t++) {
		d.teams[t].org_name = wards[t].org;
		d.teams[t].code = wards[t].code;
		d.teams[t].name = wards[t].name;
		d.teams[t].service = wards[t].service;
		d.teams[t].beds = wards[t].beds;
		d.teams[t].improves_from = improves_from[t];
		d.teams[t].spike_month = spike_month[t];
		d.teams[t].drifts_up = drifts_up[t];
		base[t] = 16.0 + 14.0 * unif(&r);
		if (strstr(wards[t].service, "intensive"))
			base[t] *= 1.8;
		viol[t] = 7.0 + 6.0 * unif(&r);
	}
	d.nodes = (struct imp_demo_node *)nodes;
	d.nnodes = NNODES;

	/* data: three measures, 24 months, with gaps for completeness */
	d.points = co_arena_calloc(a, (size_t)IMP_DEMO_TEAMS * IMP_DEMO_MONTHS * IMP_DEMO_MEASURES,
	                           sizeof(*d.points));
	if (!d.points)
		return co_errf(e, CO_ENOMEM, "out of memory");
	n = 0;
	for (t = 0; t < IMP_DEMO_TEAMS; t++) {
		for (m = 0; m < IMP_DEMO_MONTHS; m++) {
			int32_t month = imp_month_add(d.first_month, m);
			int days = days_in(month);
			double occ = 0.86 + 0.1 * unif(&r);
			double obd = floor(wards[t].beds * days * occ + 0.5), rate, p, left;
			struct imp_demo_point *pt;
			const double *share = wards[t].city ? share_city : share_rural;

			/* CTM-PICU missed two months; AB-OAF began the huddle count late */
			if (t == 7 && (m == 19 || m == 20))
				continue;
			rate = base[t];
			if (improves_from[t] >= 0 && m >= improves_from[t]) {
				k = m - improves_from[t];
				rate *= 1.0 - 0.5 * (k >= 2 ? 1.0 : (k + 1) / 3.0);
			}
			if (drifts_up[t] && m >= 12)
				rate *= 1.0 + 0.035 * (m - 11);
			if (spike_month[t] == m)
				rate *= 2.6;

			pt = &d.points[n++];
			pt->team = t;
			pt->measure = 0;
			pt->month = m;
			pt->den = obd;
			left = obd;
			for (g = 0; g < IMP_DEMO_GROUPS; g++) {
				double gd;

				if (g == 3)
					continue; /* White takes what is left */
				gd = floor(obd * share[g] * (0.7 + 0.6 * unif(&r)) + 0.5);
				pt->gden[g] = gd;
				left -= gd;
			}
			pt->gden[3] = left;
			for (g = 0; g < IMP_DEMO_GROUPS; g++) {
				pt->gnum[g] =
				        poisson(&r, rate * group_rate[g] * pt->gden[g] / 1000.0);
				pt->num += pt->gnum[g];
			}
			if (spike_month[t] == m)
				pt->notes =
				        "Two patients in severe distress were admitted in the same "
				        "week; each needed restraint several times.";
			else if (improves_from[t] == m)
				pt->notes = "Safety huddles began on every shift this month.";

			if (!(t == 11 && m < 6)) {
				pt = &d.points[n++];
				pt->team = t;
				pt->measure = 1;
				pt->month = m;
				pt->den = 3.0 * days;
				p = 0.3 + 0.15 * unif(&r);
				if (improves_from[t] >= 0 && m >= improves_from[t] - 1)
					p = fmin(0.95, 0.55 + 0.08 * (m - improves_from[t] + 1));
				else if (m >= d.first_collab_month)
					p += 0.01 * (m - d.first_collab_month);
				pt->num = binomial(&r, (int)pt->den, p);
			}

			pt = &d.points[n++];
			pt->team = t;
			pt->measure = 2;
			pt->month = m;
			pt->den = obd;
			pt->num = poisson(&r, viol[t] * obd / 1000.0);
		}
	}
	d.npoints = n;

	/* PDSA cycles: the huddle where the ward improved, and two or three
	 * other ideas per ward */
	d.cycles = co_arena_calloc(a, (size_t)IMP_DEMO_TEAMS * 8, sizeof(*d.cycles));
	if (!d.cycles)
		return co_errf(e, CO_ENOMEM, "out of memory");
	n = 0;
	for (t = 0; t < IMP_DEMO_TEAMS; t++) {
		int nideas = 2 + below(&r, 2), used = 0;

		if (improves_from[t] >= 0) {
			/* adapt, then adopt: the month the rate starts to fall */
			struct imp_demo_cycle *c = &d.cycles[n++];

			c->team = t;
			c->idea = HUDDLE_IDEA;
			c->start_month = improves_from[t] - 2;
			c->start_day = 3;
			c->end_month = improves_from[t] - 2;
			c->end_day = 24;
			c->act = act_names[2];
			c->study = study_text[2];
			c->act_notes = act_text[2];
			c = &d.cycles[n++];
			c->team = t;
			c->idea = HUDDLE_IDEA;
			c->start_month = improves_from[t] - 1;
			c->start_day = 2;
			c->end_month = improves_from[t] - 1;
			c->end_day = 27;
			c->act = act_names[1];
			c->study = study_text[1];
			c->act_notes = act_text[1];
			used |= 1 << (HUDDLE_IDEA - FIRST_IDEA);
		}
		for (i = 0; i < nideas; i++) {
			struct imp_demo_cycle *c;
			int idea, outcome;

			do
				idea = FIRST_IDEA + below(&r, NNODES - FIRST_IDEA);
			while (used & (1 << (idea - FIRST_IDEA)));
			used |= 1 << (idea - FIRST_IDEA);
			c = &d.cycles[n++];
			c->team = t;
			c->idea = idea;
			c->start_month = d.first_collab_month + 1 + below(&r, 15);
			c->start_day = 1 + below(&r, 20);
			outcome = below(&r, 10);
			if (c->start_month >= IMP_DEMO_MONTHS - 1 || outcome == 0) {
				c->end_month = -1; /* still running */
				c->act = NULL;
				c->study = "";
				c->act_notes = "";
			} else {
				k = outcome < 5 ? 1 : outcome < 8 ? 2 : 3;
				c->end_month = c->start_month + 1;
				c->end_day = 1 + below(&r, 25);
				c->act = act_names[k];
				c->study = study_text[k];
				c->act_notes = act_text[k];
			}
		}
	}
	for (i = 0; i < n; i++) {
		d.cycles[i].title = nodes[d.cycles[i].idea].title;
		d.cycles[i].plan = plan_text;
		d.cycles[i].prediction = prediction_text;
		d.cycles[i].do_notes = d.cycles[i].act ? do_text : "Under way.";
		if (d.cycles[i].end_month < 0)
			d.cycles[i].end_day = 0;
	}
	d.ncycles = n;

	/* monthly reports through the collaborative, a few missed */
	d.reports =
	        co_arena_calloc(a, (size_t)IMP_DEMO_TEAMS * IMP_DEMO_MONTHS, sizeof(*d.reports));
	if (!d.reports)
		return co_errf(e, CO_ENOMEM, "out of memory");
	n = 0;
	for (t = 0; t < IMP_DEMO_TEAMS; t++) {
		int score = 2 + below(&r, 2); /* 1.0 or 1.5 */

		for (m = d.first_collab_month; m < IMP_DEMO_MONTHS; m++) {
			struct imp_demo_report *rep;
			int step = below(&r, 10), cap, coach, stage;

			cap = improves_from[t] >= 0 && m >= improves_from[t] ? 9 : 7;
			if (step < 3 && score < cap)
				score++;
			if (below(&r, 25) == 0)
				continue; /* report not sent this month */
			rep = &d.reports[n++];
			rep->team = t;
			rep->month = m;
			rep->team_score = score;
			k = below(&r, 20);
			coach = score + (k < 6 ? -1 : k < 16 ? 0 : k < 19 ? 1 : -2);
			if (coach < 1)
				coach = 1;
			if (coach > 10)
				coach = 10;
			/* the coach scores a month or two late at the end */
			rep->coach_score =
			        m == IMP_DEMO_MONTHS - 1 && below(&r, 3) == 0 ? 0 : coach;
			stage = score <= 2   ? 0
			        : score <= 4 ? 1
			        : score <= 6 ? 2
			        : score <= 8 ? 3
			                     : 4;
			rep->narrative = narratives[stage];
			rep->coaching_notes = coaching_texts[below(&r, 3)];
		}
	}
	d.nreports = n;
	*out = d;
	return 0;
}
