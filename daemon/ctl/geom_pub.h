/*
 * Geometry at publish (geom_pub.c): the `geom` record of a revision just
 * stored, with its mesh facts and thumbnail.
 */
#ifndef WEFT_CTL_GEOM_PUB_H
#define WEFT_CTL_GEOM_PUB_H

#include <stdbool.h>
#include <stdint.h>

struct weft_buf;
struct weft_ctl_env;
struct weft_record;

/* Whether path names a mesh file (.stl, .obj, .3mf, any case). */
bool	weft__geom_is_mesh(const char *path);

/*
 * Computes the facts of rev's (id, of design, stored) mesh files, stores
 * the thumbnail's chunks and signs and stores the geom record (ts):
 * its envelope into env (initialised by the caller) and its id into
 * gid. WEFT_ENOTFOUND when rev has no mesh file. Blocking: run it on the
 * thread pool. A file that cannot be read is a note in the record, not
 * an error.
 */
int	weft__geom_publish(const struct weft_ctl_env *e,
	    const struct weft_record *rev, const uint8_t id[32],
	    const uint8_t design[32], uint64_t ts, struct weft_buf *env,
	    uint8_t gid[32]);

#endif
