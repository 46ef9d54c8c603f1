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

/* Writes the 4-byte header for a body of len bytes. */
void	weft_ctl_hdr_put(uint8_t hdr[WEFT_CTL_HDR], uint32_t len);
/*
 * Reads a header. Returns 0 and the body length, or WEFT_ETOOBIG when the
 * length is 0 or over WEFT_CTL_FRAME_MAX.
 */
int	weft_ctl_hdr_get(const uint8_t hdr[WEFT_CTL_HDR], uint32_t *len);

#endif
