/*
 * The control protocol between weft (CLI) and weftd over the Unix socket
 * $WEFT_HOME/weftd.sock. docs/PROTOCOL.md "Control socket" is the full
 * specification: each message is a frame
 *
 *   length (4 bytes, big-endian, 1..WEFT_CTL_FRAME_MAX) || msgpack map
 *
 * Requests carry "v" (WEFT_CTL_VERSION) and "op"; replies carry "status"
 * (0 or a negative weft error code) and, on failure, "error" (one line).
 * Messages are built with weft_pack and read with weft_msg.
 */
#ifndef WEFT_CTL_H
#define WEFT_CTL_H

#include <stddef.h>
#include <stdint.h>

#define WEFT_CTL_VERSION	1
#define WEFT_CTL_SOCK		"weftd.sock"
#define WEFT_CTL_FRAME_MAX	(2 * 1024 * 1024)
#define WEFT_CTL_DATA_MAX	(1024 * 1024)	/* "data" bytes per frame */
#define WEFT_CTL_HDR		4

/*
 * Operation names ("op" of a request, docs/proto/control.md), spelled
 * once for weft and weftd: a misspelt name is a compile error, not an
 * "unknown op" at run time. weft_ctl_ops lists them all.
 */
#define WEFT_CTL_OP_STATUS		"status"
#define WEFT_CTL_OP_PUBLISH		"publish"
#define WEFT_CTL_OP_DATA		"data"
#define WEFT_CTL_OP_FORK		"fork"
#define WEFT_CTL_OP_SHOW		"show"
#define WEFT_CTL_OP_LOG			"log"
#define WEFT_CTL_OP_TREE		"tree"
#define WEFT_CTL_OP_LS			"ls"
#define WEFT_CTL_OP_SEARCH		"search"
#define WEFT_CTL_OP_GET			"get"
#define WEFT_CTL_OP_LIBRARY_CREATE	"library_create"
#define WEFT_CTL_OP_LIBRARY_ADD		"library_add"
#define WEFT_CTL_OP_LIBRARY_REMOVE	"library_remove"
#define WEFT_CTL_OP_LIBRARY_LS		"library_ls"
#define WEFT_CTL_OP_VERIFY		"verify"
#define WEFT_CTL_OP_FOLLOW		"follow"
#define WEFT_CTL_OP_UNFOLLOW		"unfollow"
#define WEFT_CTL_OP_MIRROR		"mirror"
#define WEFT_CTL_OP_UNMIRROR		"unmirror"
#define WEFT_CTL_OP_POLICIES		"policies"
#define WEFT_CTL_OP_PEERS		"peers"
#define WEFT_CTL_OP_CONNECT		"connect"
#define WEFT_CTL_OP_PUSH		"push"
#define WEFT_CTL_OP_STOP		"stop"
#define WEFT_CTL_OP_KNOWN		"known"
#define WEFT_CTL_OP_FORGET		"forget"
#define WEFT_CTL_OP_DISCONNECT		"disconnect"
#define WEFT_CTL_OP_PROFILE_SET		"profile_set"
#define WEFT_CTL_OP_PROFILE		"profile"
#define WEFT_CTL_OP_NAMES		"names"
#define WEFT_CTL_OP_COMMENT		"comment"
#define WEFT_CTL_OP_COMMENTS		"comments"
#define WEFT_CTL_OP_REACT		"react"
#define WEFT_CTL_OP_SOCIAL		"social"
#define WEFT_CTL_OP_AVATAR		"avatar"
#define WEFT_CTL_OP_PHOTO		"photo"
#define WEFT_CTL_OP_MAKE		"make"
#define WEFT_CTL_OP_MAKES		"makes"
#define WEFT_CTL_OP_PINS		"pins"
#define WEFT_CTL_OP_LIBRARIES		"libraries"
#define WEFT_CTL_OP_GRANT		"grant"
#define WEFT_CTL_OP_GRANTS		"grants"
#define WEFT_CTL_OP_CREDITS		"credits"
#define WEFT_CTL_OP_GC			"gc"
#define WEFT_CTL_OP_RM			"rm"
#define WEFT_CTL_OP_UNWANT		"unwant"
#define WEFT_CTL_OP_DU			"du"
#define WEFT_CTL_OP_GEOM		"geom"
#define WEFT_CTL_OP_SIMILAR		"similar"
#define WEFT_CTL_OP_BLOCK		"block"
#define WEFT_CTL_OP_UNBLOCK		"unblock"
#define WEFT_CTL_OP_BLOCKS		"blocks"
#define WEFT_CTL_OP_MODERATOR_ADD	"moderator_add"
#define WEFT_CTL_OP_MODERATOR_RM	"moderator_rm"
#define WEFT_CTL_OP_MODERATORS		"moderators"
#define WEFT_CTL_OP_LABEL		"label"
#define WEFT_CTL_OP_REPORTS		"reports"
#define WEFT_CTL_OP_RETRACT		"retract"
#define WEFT_CTL_OP_SEEDS		"seeds"
#define WEFT_CTL_OP_LIBRARY_MAINTAINERS	"library_maintainers"
#define WEFT_CTL_OP_LIBRARY_MAINT	"library_maint"

/* Every operation name above, NULL-terminated. */
extern const char *const weft_ctl_ops[];

/* Request keys (arguments) that more than one operation takes. */
#define WEFT_CTL_ARG_ID		"id"
#define WEFT_CTL_ARG_DESIGN	"design"
#define WEFT_CTL_ARG_REV	"rev"
#define WEFT_CTL_ARG_LIB	"lib"
#define WEFT_CTL_ARG_AUTHOR	"author"
#define WEFT_CTL_ARG_NODE	"node"
#define WEFT_CTL_ARG_TITLE	"title"
#define WEFT_CTL_ARG_DESC	"description"

/* Writes the 4-byte header for a body of len bytes. */
void	weft_ctl_hdr_put(uint8_t hdr[WEFT_CTL_HDR], uint32_t len);
/*
 * Reads a header. Returns 0 and the body length, or WEFT_ETOOBIG when the
 * length is 0 or over WEFT_CTL_FRAME_MAX.
 */
int	weft_ctl_hdr_get(const uint8_t hdr[WEFT_CTL_HDR], uint32_t *len);

#endif
