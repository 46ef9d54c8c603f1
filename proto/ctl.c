/*
 * Control-socket framing: a 4-byte big-endian length before each msgpack
 * body. The length is checked before anything is allocated.
 */
#include "weft/ctl.h"
#include "weft/err.h"

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
