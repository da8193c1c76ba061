/* libFuzzer target: the workforce model reader (src/wf/model_json.c), and a
 * projection and a few Monte Carlo draws of whatever it accepts. */
#include <stdint.h>
#include <stdlib.h>

#include "wf/wf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wf_model *m = NULL;
	struct co_err e;
	size_t rows;
	double *v;
	int s;

	if (wf_model_read_json((const char *)data, size, &m, &e))
		return 0;
	rows = wf_rows(m);
	if (rows <= 20000 && (v = malloc(rows * WF_NCOL * WF_NPCT * 2 * sizeof(double)))) {
		for (s = 0; s < wf_model_scenarios(m); s++)
			(void)wf_project(m, s, v, &e);
		if (wf_model_uncertain(m) > 0) {
			int scen[2] = {0, wf_model_scenarios(m) - 1};
			struct wf_mc_opts o = {3, 1, 2, scen, 1};
			if (wf_mc_sets(&o) <= 2)
				(void)wf_monte_carlo(m, &o, v, &e);
		}
		free(v);
	}
	wf_model_free(m);
	return 0;
}
