/* The files of web/static/, compiled in (CMake writes web_assets.c). */
#ifndef WEFT_WEB_ASSETS_H
#define WEFT_WEB_ASSETS_H

#include <stddef.h>

struct weft_web_asset {
	const char		*name;		/* "style.css" */
	const char		*ctype;
	const unsigned char	*data;
	size_t			 len;
};

/* Ends with a NULL name. */
extern const struct weft_web_asset weft_web_assets[];

#endif
