/* libFuzzer target: the workforce engine's readers (model, manpower and WISN
 * files), and a projection and a few Monte Carlo draws of any model they
 * accept, the WISN figures of any team and the plan of any small manpower
 * problem. */
#include <stdint.h>
#include <stdlib.h>

#include "base/buf.h"
#include "wf/wf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wf_model *m = NULL;
	struct co_err e;
	size_t rows;
	double *v;
	int s;

	struct wf_manpower *mp = NULL;
	struct wf_wisn *w = NULL;

	if (wf_wisn_read_json((const char *)data, size, &w, &e) == 0) {
		struct co_buf b;
		co_buf_init(&b, 1 << 20);
		(void)wf_wisn_write_json(&b, w);
		co_buf_free(&b);
		wf_wisn_free(w);
	}
	if (wf_manpower_read_json((const char *)data, size, &mp, &e) == 0) {
		struct co_buf b;
		co_buf_init(&b, 1 << 22);
		if (size < 4096) /* keep each run short */
			(void)wf_manpower_solve(mp, WF_MP_COST, &b, NULL, &e);
		co_buf_free(&b);
		wf_manpower_free(mp);
	}
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
