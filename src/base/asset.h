/*
 * asset.h - files built into the binary (templates, translation catalogues,
 * SQL migrations, static files), looked up by their path in the repository,
 * for example "src/mod/accounts/templates/org_list.html" or "po/cy.po".
 *
 * The table is generated at build time by tools/embed; the data is constant
 * and lives as long as the program. Thread-safe.
 */
#ifndef CO_ASSET_H
#define CO_ASSET_H

#include <stddef.h>

struct co_asset {
	const char *path;
	const char *data; /* NUL-terminated for convenience; len excludes it */
	size_t len;
};

extern const struct co_asset co_assets[]; /* ends with a NULL path */
extern const unsigned long co_asset_count;

/* The asset at exactly this path, or NULL. */
const struct co_asset *co_asset_find(const char *path);

#endif
