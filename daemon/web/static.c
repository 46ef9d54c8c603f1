/*
 * The files every weftd serves from its own binary (web/static/, embedded
 * at build time by CMake: web_assets.c). The 3D view's larger files
 * (three.js) are served from the assets directory when it is installed.
 */
#include <string.h>

#include "weft/buf.h"
#include "weft/err.h"

#include "web_assets.h"
#include "web_impl.h"

int
weft__web_static(const char *name, struct weft_web_resp *resp)
{
	const struct weft_web_asset	*a;

	for (a = weft_web_assets; a->name != NULL; a++) {
		if (strcmp(a->name, name) != 0)
			continue;
		resp->ctype = a->ctype;
		resp->nocache = false;
		return weft_buf_add(&resp->body, a->data, a->len);
	}
	return WEFT_ENOTFOUND;
}
