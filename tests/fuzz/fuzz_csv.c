/* libFuzzer target: the CSV reader on arbitrary bytes, from memory and from
 * a FILE*, must agree, never crash, and keep every field within limits. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/csv.h"
#include "base/limits.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct co_csv *m = NULL, *f = NULL;
	struct co_csv_record a, b;
	struct co_err e1, e2;
	FILE *fp = fmemopen((void *)data, size ? size : 1, "rb");
	int r1, r2;

	if (!fp)
		return 0;
	if (size == 0) {
		fclose(fp);
		return 0;
	}
	if (co_csv_open_mem(&m, (const char *)data, size, &e1) || co_csv_open_file(&f, fp, &e2))
		abort();
	do {
		size_t k;

		r1 = co_csv_next(m, &a, &e1);
		r2 = co_csv_next(f, &b, &e2);
		if (r1 != r2)
			abort();
		if (r1 != 1)
			break;
		if (a.nfields != b.nfields || a.nfields > CO_MAX_CSV_FIELDS || a.row != b.row)
			abort();
		for (k = 0; k < a.nfields; k++) {
			struct co_buf w;

			if (a.len[k] != b.len[k] || memcmp(a.field[k], b.field[k], a.len[k]) ||
			    strlen(a.field[k]) != a.len[k])
				abort();
			/* the writer's text reads back to the same field */
			co_buf_init(&w, CO_MAX_LINE * 2 + 8);
			if (co_csv_field(&w, a.field[k], a.len[k]) == 0 && a.len[k]) {
				struct co_csv *rt = NULL;
				struct co_csv_record c;
				struct co_err e3;

				co_csv_end(&w);
				co_csv_open_mem(&rt, w.data, w.len, &e3);
				if (co_csv_next(rt, &c, &e3) != 1 || c.nfields != 1 ||
				    c.len[0] != a.len[k] ||
				    memcmp(c.field[0], a.field[k], a.len[k]))
					abort();
				co_csv_free(rt);
			}
			co_buf_free(&w);
		}
	} while (1);
	if (r1 < 0 && (e1.code != r1 || e1.row < 1))
		abort();
	co_csv_free(m);
	co_csv_free(f);
	fclose(fp);
	return 0;
}
