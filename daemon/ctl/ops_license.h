/*
 * Control ops for licenses, grants and credits (ops_license.c,
 * credits.c); the op table in ops.c names them.
 */
#ifndef WEFT_OPS_LICENSE_H
#define WEFT_OPS_LICENSE_H

struct weft_ctl_conn;
struct weft_obj;

void	weft__op_grant(struct weft_ctl_conn *c, const struct weft_obj *req);
void	weft__op_grants(struct weft_ctl_conn *c, const struct weft_obj *req);
void	weft__op_credits(struct weft_ctl_conn *c, const struct weft_obj *req);

#endif
