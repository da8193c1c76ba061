/* libFuzzer target: the SPC engine on random series. The bytes choose the
 * chart, profile, rule set and options, then give the points. No crash, no
 * undefined behaviour, and where the formulas define a limit it is finite:
 * on a chart with limits, a point whose centre line is finite and whose
 * sigma is defined has finite limits. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "spc/spc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t take(const uint8_t **p, size_t *n)
{
	uint8_t v = 0;

	if (*n) {
		v = **p;
		(*p)++;
		(*n)--;
	}
	return v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const facets[] = {"a", "b", "c"};
	struct spc_options o;
	struct spc_data d;
	struct spc_result *r = NULL;
	struct co_err err;
	double x[256], y[256], n[256];
	const char *f[256], *notes[256];
	long parts[2], excl[2];
	size_t np, i;
	uint8_t c, flags;

	if (size < 4)
		return 0;
	c = take(&data, &size) % SPC_CHART_COUNT;
	spc_options_init(&o, (enum spc_chart)c);
	spc_options_profile(&o, (enum spc_profile)(take(&data, &size) % 4));
	o.rules = (enum spc_ruleset)(take(&data, &size) % 8);
	flags = take(&data, &size);
	o.direction = (enum spc_direction)(flags % 3);
	o.screen_mr = (flags >> 2) & 1;
	o.y_neg = (flags >> 3) & 1;
	o.method = (enum spc_method)((flags >> 4) % 3);
	if (flags & 0x40) {
		parts[0] = take(&data, &size) % 40;
		o.parts = parts;
		o.nparts = 1;
	}
	if (flags & 0x80) {
		excl[0] = take(&data, &size) % 40;
		o.exclude = excl;
		o.nexclude = 1;
		o.freeze = take(&data, &size) % 30;
	}
	np = size / 3;
	if (np > 256)
		np = 256;
	if (np == 0)
		return 0;
	for (i = 0; i < np; i++) {
		uint8_t a = take(&data, &size), b = take(&data, &size), e = take(&data, &size);

		x[i] = (double)(i / (1 + (a & 1)));      /* some repeated x */
		y[i] = a == 255 ? NAN : (double)b / 8.0; /* counts, rates, times */
		n[i] = e == 0 ? NAN : (double)e + (double)b / 8.0;
		f[i] = facets[(a >> 1) % 3];
		notes[i] = (a & 6) == 6 ? "note|x" : NULL;
	}
	memset(&d, 0, sizeof(d));
	d.n = np;
	d.x = x;
	d.y = y;
	d.denom = (flags & 1) ? n : NULL;
	d.facet = (flags & 2) ? f : NULL;
	d.notes = notes;
	if (spc_run(&d, &o, &r, &err) == 0) {
		struct co_buf b;

		for (i = 0; i < spc_result_npoints(r); i++) {
			struct spc_point p;

			spc_point_get(r, i, &p);
			if (isinf(p.cl) || isinf(p.lcl) || isinf(p.ucl) || isinf(p.y))
				abort(); /* non-finite values come out as missing, never as inf */
		}
		co_buf_init(&b, 1 << 22);
		if (spc_result_nseries(r))
			spc_svg_write(r, 0, "fuzz", &b);
		co_buf_free(&b);
		spc_result_free(r);
	}
	return 0;
}
