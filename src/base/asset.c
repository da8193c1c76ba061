#include "base/asset.h"

#include <string.h>

const struct co_asset *co_asset_find(const char *path)
{
	const struct co_asset *a;

	for (a = co_assets; a->path; a++)
		if (strcmp(a->path, path) == 0)
			return a;
	return NULL;
}
