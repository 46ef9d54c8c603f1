/*
 * Geometry ops (ops_geom.c): "geom" and "similar", and the fit filters
 * of ls and search.
 */
#ifndef WEFT_OPS_GEOM_H
#define WEFT_OPS_GEOM_H

#include <stdbool.h>

#include "store.h"

struct weft_ctl_conn;
struct weft_ctl_op;
struct weft_obj;

extern const struct weft_ctl_op weft__op_geom, weft__op_similar;

/*
 * Reads "fits" ([x, y, z] um), "max_volume" (0.001 mm^3), "min_size"
 * (um), "triangles_min" and "triangles_max" from req into f; *on when
 * any is given. Replies on failure.
 */
int	weft__geom_filter_arg(struct weft_ctl_conn *c,
	    const struct weft_obj *req, struct weft_store_geom_filter *f,
	    bool *on);

#endif
