/*
 * Comments and likes by this node's author, made and signed the one way
 * the control ops "comment" and "react" (ops_social.c) and the web UI's
 * actions (daemon/web/actions.c) share. Each leaves a signed envelope
 * in out (weft_buf_release'd by the caller, even on failure) for the
 * caller to store and hand to sync. Safe off the loop: it reads the
 * store and the clock and signs.
 */
#ifndef WEFT_CTL_SOCIAL_MAKE_H
#define WEFT_CTL_SOCIAL_MAKE_H

#include <stdbool.h>
#include <stdint.h>

struct weft_buf;
struct weft_ctl_env;

/*
 * A comment on id (a design, or one of its revisions, which the comment
 * then names), with text; parent (a reply) and replaces (an edit) are
 * NULL or comment ids the caller has checked. WEFT_ENOTFOUND: id is
 * not a design's; WEFT_EUSAGE: no text; another error of
 * weft_record_check(): the text is not a comment's.
 */
int	weft__comment_make(const struct weft_ctl_env *env,
	    const uint8_t id[32], const char *text, const uint8_t *parent,
	    const uint8_t *replaces, struct weft_buf *out);

/*
 * A like of design (like), or its taking back; *unchanged, and nothing
 * signed (out empty), when the author's latest reaction already says so.
 */
int	weft__like_make(const struct weft_ctl_env *env,
	    const uint8_t design[32], bool like, struct weft_buf *out,
	    bool *unchanged);

#endif
