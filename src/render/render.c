/*
 * render.c - loads the document libraries on first use (see render.h).
 */
/* The table is filled here: the call macros of render.h stay off. */
#define RENDER_NO_CALL_MACROS
#include "render/render.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The shared objects, by the soname Debian 12 installs; each function is
 * looked up in them in this order. */
static const char *const libraries[] = {
        "libcairo.so.2",       "libpango-1.0.so.0", "libpangocairo-1.0.so.0", "librsvg-2.so.2",
        "libgobject-2.0.so.0", "libglib-2.0.so.0",  "libqrencode.so.4",       "libxlsxwriter.so.4",
};

#define N_LIBRARIES (sizeof(libraries) / sizeof(libraries[0]))

static struct render_fns table;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static int loaded;
static char failure[256];

static void load(void)
{
	void *handles[N_LIBRARIES];
	size_t i;

	for (i = 0; i < N_LIBRARIES; i++) {
		handles[i] = dlopen(libraries[i], RTLD_NOW | RTLD_LOCAL);
		if (!handles[i]) {
			const char *why = dlerror();

			snprintf(failure, sizeof(failure), "cannot load %s: %s", libraries[i],
			         why ? why : "unknown error");
			return;
		}
	}
#define RENDER__LOOKUP(f)                                                                          \
	{                                                                                          \
		void *sym = NULL;                                                                  \
		for (i = 0; i < N_LIBRARIES && !sym; i++)                                          \
			sym = dlsym(handles[i], #f);                                               \
		if (!sym) {                                                                        \
			snprintf(failure, sizeof(failure), "the document libraries lack %s", #f);  \
			return;                                                                    \
		}                                                                                  \
		memcpy(&table.f, &sym, sizeof(sym));                                               \
	}
	RENDER_FUNCTIONS(RENDER__LOOKUP)
#undef RENDER__LOOKUP
	loaded = 1;
}

int render_ready(struct co_err *e)
{
	pthread_once(&once, load);
	if (!loaded)
		return co_errf(e, CO_EINTERNAL, "%s", failure);
	return 0;
}

const struct render_fns *render__fns(void)
{
	if (!loaded) {
		fprintf(stderr,
		        "collective: a document library was called before render_ready()\n");
		abort();
	}
	return &table;
}
