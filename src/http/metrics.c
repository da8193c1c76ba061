/*
 * metrics.c - request counters and latency histograms, in Prometheus text
 * exposition format 0.0.4.
 *
 * One block per distinct route name (routes sharing a name, such as the GET
 * and POST of one form, share a block) plus one, "none", for requests that
 * matched no route. Each block counts requests by status in a small table of
 * (status, count) slots claimed with compare-and-swap, and latencies in
 * fixed buckets. Everything is relaxed atomics: readers may see a request
 * counted in one series and not yet in another, which Prometheus tolerates.
 */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "http/http.h"
#include "http/http_int.h"

#define NSLOTS 24

/* Upper bounds of the latency buckets, in microseconds. */
static const uint64_t bounds_us[] = {
        100,   250,    500,    1000,   2500,    5000,    10000,   25000,
        50000, 100000, 250000, 500000, 1000000, 2500000, 5000000, 10000000,
};
#define NBOUNDS (sizeof(bounds_us) / sizeof(bounds_us[0]))

struct block {
	const char *name;
	atomic_int status[NSLOTS]; /* 0: free slot */
	atomic_ulong count[NSLOTS];
	atomic_ulong other;               /* statuses past the last slot */
	atomic_ulong bucket[NBOUNDS + 1]; /* last: above every bound */
	atomic_ulong sum_us;
	atomic_ulong n;
};

struct http__metrics {
	struct block *blocks; /* nblocks; the last is "none" */
	size_t nblocks;
	size_t *of_route; /* route index -> block */
	size_t nroutes;
	atomic_long inflight;
};

int http__metrics_new(const struct http_route *routes, size_t n, struct http__metrics **out)
{
	struct http__metrics *m = calloc(1, sizeof(*m));
	size_t i, k;

	if (!m)
		return CO_ENOMEM;
	m->blocks = calloc(n + 1, sizeof(*m->blocks));
	m->of_route = calloc(n ? n : 1, sizeof(*m->of_route));
	if (!m->blocks || !m->of_route) {
		http__metrics_free(m);
		return CO_ENOMEM;
	}
	m->nroutes = n;
	for (i = 0; i < n; i++) {
		const char *name = routes[i].name ? routes[i].name : routes[i].pattern;

		for (k = 0; k < m->nblocks; k++)
			if (strcmp(m->blocks[k].name, name) == 0)
				break;
		if (k == m->nblocks)
			m->blocks[m->nblocks++].name = name;
		m->of_route[i] = k;
	}
	m->blocks[m->nblocks++].name = "none";
	*out = m;
	return 0;
}

void http__metrics_free(struct http__metrics *m)
{
	if (!m)
		return;
	free(m->blocks);
	free(m->of_route);
	free(m);
}

void http__metrics_inflight(struct http__metrics *m, int delta)
{
	if (m)
		atomic_fetch_add_explicit(&m->inflight, delta, memory_order_relaxed);
}

void http__metrics_count(struct http__metrics *m, long route_index, int status, uint64_t us)
{
	struct block *b;
	size_t i;

	if (!m)
		return;
	b = route_index >= 0 && (size_t)route_index < m->nroutes
	            ? &m->blocks[m->of_route[route_index]]
	            : &m->blocks[m->nblocks - 1];
	for (i = 0; i < NSLOTS; i++) {
		int s = atomic_load_explicit(&b->status[i], memory_order_relaxed);

		if (s == 0) {
			int expected = 0;

			if (!atomic_compare_exchange_strong(&b->status[i], &expected, status) &&
			    expected != status)
				continue;
			s = status;
		}
		if (s == status) {
			atomic_fetch_add_explicit(&b->count[i], 1, memory_order_relaxed);
			break;
		}
	}
	if (i == NSLOTS)
		atomic_fetch_add_explicit(&b->other, 1, memory_order_relaxed);
	for (i = 0; i < NBOUNDS && us > bounds_us[i]; i++)
		;
	atomic_fetch_add_explicit(&b->bucket[i], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&b->sum_us, us, memory_order_relaxed);
	atomic_fetch_add_explicit(&b->n, 1, memory_order_relaxed);
}

/* A label value with \, " and newline escaped. */
static int add_label(struct co_buf *out, const char *s)
{
	int rc = 0;

	for (; *s && !rc; s++) {
		if (*s == '\\' || *s == '"')
			rc = co_buf_addc(out, '\\') || co_buf_addc(out, *s);
		else if (*s == '\n')
			rc = co_buf_adds(out, "\\n");
		else
			rc = co_buf_addc(out, *s);
	}
	return rc ? CO_ELIMIT : 0;
}

int http__metrics_write(struct http__metrics *m, struct co_buf *out)
{
	size_t i, k;
	int rc = 0;

	rc |= co_buf_adds(out, "# HELP http_requests_total HTTP requests answered, by route and "
	                       "status.\n# TYPE http_requests_total counter\n");
	for (i = 0; i < m->nblocks && !rc; i++) {
		struct block *b = &m->blocks[i];
		unsigned long other = atomic_load_explicit(&b->other, memory_order_relaxed);

		for (k = 0; k < NSLOTS && !rc; k++) {
			int s = atomic_load_explicit(&b->status[k], memory_order_relaxed);

			if (!s)
				break;
			rc |= co_buf_adds(out, "http_requests_total{route=\"");
			rc |= add_label(out, b->name);
			rc |= co_buf_printf(
			        out, "\",status=\"%d\"} %lu\n", s,
			        atomic_load_explicit(&b->count[k], memory_order_relaxed));
		}
		if (other) {
			rc |= co_buf_adds(out, "http_requests_total{route=\"");
			rc |= add_label(out, b->name);
			rc |= co_buf_printf(out, "\",status=\"other\"} %lu\n", other);
		}
	}
	rc |= co_buf_adds(out, "# HELP http_request_duration_seconds Time from the request's "
	                       "headers to its completion, by route.\n"
	                       "# TYPE http_request_duration_seconds histogram\n");
	for (i = 0; i < m->nblocks && !rc; i++) {
		struct block *b = &m->blocks[i];
		unsigned long cum = 0, n = atomic_load_explicit(&b->n, memory_order_relaxed);

		if (!n)
			continue;
		for (k = 0; k <= NBOUNDS && !rc; k++) {
			cum += atomic_load_explicit(&b->bucket[k], memory_order_relaxed);
			rc |= co_buf_adds(out, "http_request_duration_seconds_bucket{route=\"");
			rc |= add_label(out, b->name);
			if (k < NBOUNDS)
				rc |= co_buf_printf(out, "\",le=\"%g\"} %lu\n",
				                    (double)bounds_us[k] / 1e6, cum);
			else
				rc |= co_buf_printf(out, "\",le=\"+Inf\"} %lu\n", cum);
		}
		rc |= co_buf_adds(out, "http_request_duration_seconds_sum{route=\"");
		rc |= add_label(out, b->name);
		rc |= co_buf_printf(out, "\"} %.6f\n",
		                    (double)atomic_load_explicit(&b->sum_us, memory_order_relaxed) /
		                            1e6);
		rc |= co_buf_adds(out, "http_request_duration_seconds_count{route=\"");
		rc |= add_label(out, b->name);
		/* The same count the +Inf bucket shows, so the two agree. */
		rc |= co_buf_printf(out, "\"} %lu\n", cum);
	}
	rc |= co_buf_printf(out,
	                    "# HELP http_requests_in_flight Requests being handled now.\n"
	                    "# TYPE http_requests_in_flight gauge\nhttp_requests_in_flight %ld\n",
	                    atomic_load_explicit(&m->inflight, memory_order_relaxed));
	return rc ? CO_ELIMIT : 0;
}

int http_metrics_handler(struct http_request *req, struct http_response *res)
{
	struct http__metrics *m = http__server_metrics(req->server);
	int rc;

	if (!m)
		return CO_ENOTFOUND;
	rc = http__metrics_write(m, &res->body);
	if (rc)
		return rc;
	http__server_gauges(req->server, &res->body);
	res->status = 200;
	res->content_type = "text/plain; version=0.0.4; charset=utf-8";
	return 0;
}
