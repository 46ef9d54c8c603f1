/*
 * The files every weftd serves from its own binary (web/static/, embedded
 * at build time by CMake: web_assets.c). The 3D view's larger files
 * (three.js) are served from the assets directory when it is installed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

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

int
weft__web_asset(const char *dir, const char *name,
    struct weft_web_resp *resp)
{
	char		 path[4096], buf[65536];
	const char	*dot = strrchr(name, '.');
	ssize_t		 n;
	int		 fd, err = 0;

	/* The router allows [A-Za-z0-9._-] and no leading dot. */
	if (dir == NULL || snprintf(path, sizeof(path), "%s/%s", dir, name) >=
	    (int)sizeof(path))
		return WEFT_ENOTFOUND;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return WEFT_ENOTFOUND;
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		err = weft_buf_add(&resp->body, buf, (size_t)n);
		if (err)
			break;
	}
	if (n < 0)
		err = -errno;
	close(fd);
	if (err)
		return err;
	resp->ctype = dot != NULL && strcmp(dot, ".js") == 0 ?
	    "text/javascript; charset=utf-8" : "application/octet-stream";
	resp->nocache = false;
	return 0;
}
