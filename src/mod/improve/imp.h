/*
 * imp.h - the Improve module as the rest of Collective sees it: its web
 * module (pages and JSON API under /improve and /api/v1/improve), for
 * src/web/modules.c. The rules, statistics and storage it is built from
 * have their own headers beside this one (imp_data.h, imp_stats.h,
 * imp_equity.h, imp_views.h, imp_chart.h, imp_store.h, imp_demo.h).
 *
 * Static data; thread-safe.
 */
#ifndef IMP_H
#define IMP_H

#include "web/web.h"

extern const struct web_module imp_module;

#endif
