/*
 * Control-socket framing: a 4-byte big-endian length before each msgpack
 * body. The length is checked before anything is allocated. And the list
 * of operation names.
 */
#include "weft/ctl.h"
#include "weft/err.h"

const char *const weft_ctl_ops[] = {
	WEFT_CTL_OP_STATUS, WEFT_CTL_OP_PUBLISH, WEFT_CTL_OP_DATA,
	WEFT_CTL_OP_FORK, WEFT_CTL_OP_SHOW, WEFT_CTL_OP_LOG, WEFT_CTL_OP_TREE,
	WEFT_CTL_OP_LS, WEFT_CTL_OP_SEARCH, WEFT_CTL_OP_GET,
	WEFT_CTL_OP_LIBRARY_CREATE, WEFT_CTL_OP_LIBRARY_ADD,
	WEFT_CTL_OP_LIBRARY_REMOVE, WEFT_CTL_OP_LIBRARY_LS, WEFT_CTL_OP_VERIFY,
	WEFT_CTL_OP_FOLLOW, WEFT_CTL_OP_UNFOLLOW, WEFT_CTL_OP_MIRROR,
	WEFT_CTL_OP_UNMIRROR, WEFT_CTL_OP_POLICIES, WEFT_CTL_OP_PEERS,
	WEFT_CTL_OP_CONNECT, WEFT_CTL_OP_PUSH, WEFT_CTL_OP_STOP,
	WEFT_CTL_OP_KNOWN, WEFT_CTL_OP_FORGET, WEFT_CTL_OP_DISCONNECT,
	WEFT_CTL_OP_PROFILE_SET, WEFT_CTL_OP_PROFILE, WEFT_CTL_OP_NAMES,
	WEFT_CTL_OP_COMMENT, WEFT_CTL_OP_COMMENTS, WEFT_CTL_OP_REACT,
	WEFT_CTL_OP_SOCIAL, WEFT_CTL_OP_AVATAR, WEFT_CTL_OP_PHOTO,
	WEFT_CTL_OP_MAKE, WEFT_CTL_OP_MAKES, WEFT_CTL_OP_PINS,
	WEFT_CTL_OP_LIBRARIES,
	WEFT_CTL_OP_GRANT, WEFT_CTL_OP_GRANTS, WEFT_CTL_OP_CREDITS,
	WEFT_CTL_OP_SEEDS,
	NULL,
};

void
weft_ctl_hdr_put(uint8_t hdr[WEFT_CTL_HDR], uint32_t len)
{
	hdr[0] = (uint8_t)(len >> 24);
	hdr[1] = (uint8_t)(len >> 16);
	hdr[2] = (uint8_t)(len >> 8);
	hdr[3] = (uint8_t)len;
}

int
weft_ctl_hdr_get(const uint8_t hdr[WEFT_CTL_HDR], uint32_t *len)
{
	uint32_t	n;

	n = (uint32_t)hdr[0] << 24 | (uint32_t)hdr[1] << 16 |
	    (uint32_t)hdr[2] << 8 | hdr[3];
	if (n == 0 || n > WEFT_CTL_FRAME_MAX)
		return WEFT_ETOOBIG;
	*len = n;
	return 0;
}
