/* stubs.c - temporary: parts of the engine still being written. */
#include "wf/wf_int.h"

int wf_fan_svg(struct co_buf *b, const struct wf_model *m, int n_sets, const char *const *labels,
               const double *v, int is_pct, int prof)
{
	(void)b;
	(void)m;
	(void)n_sets;
	(void)labels;
	(void)v;
	(void)is_pct;
	(void)prof;
	return 0;
}
int wf_wisn_read_json(const char *text, size_t len, struct wf_wisn **out, struct co_err *e)
{
	(void)text;
	(void)len;
	(void)out;
	return co_errf(e, CO_EINTERNAL, "not yet");
}
void wf_wisn_free(struct wf_wisn *w)
{
	(void)w;
}
int wf_wisn_write_json(struct co_buf *b, const struct wf_wisn *w)
{
	(void)b;
	(void)w;
	return 0;
}
int wf_wisn_write_csv(struct co_buf *b, const struct wf_wisn *w)
{
	(void)b;
	(void)w;
	return 0;
}
