/*
 * Invites: one line of text that hands a newcomer a private network's key
 * and the addresses of the node that invites them, so that `weft init
 * --join INVITE` sets up a node that finds the network. Printed by `weft
 * init --new-network` and `weft invite`. docs/proto/keys.md specifies the
 * bytes:
 *
 *   "weft-invite1:" base64url-without-padding(
 *       network key (32) | node id (32) | count (1, 0..4) |
 *       count x [ length (1, 1..259) | "HOST:PORT" (ASCII) ] |
 *       check (4): the first 4 bytes of BLAKE2b-256 of what precedes it )
 *
 * The check catches a mangled paste; nothing here is secret from the
 * people it is handed to (the network key is shared by every member).
 */
#ifndef WEFT_INVITE_H
#define WEFT_INVITE_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"

#define WEFT_INVITE_PREFIX	"weft-invite1:"
#define WEFT_INVITE_ADDRS_MAX	WEFT_CONFIG_ADDRS_MAX
/* Text, NUL excluded: the prefix and base64 of the largest payload. */
#define WEFT_INVITE_MAX		2048

struct weft_invite {
	uint8_t	network_key[32];
	uint8_t	node[32];
	char	addr[WEFT_INVITE_ADDRS_MAX][WEFT_CONFIG_HOSTPORT_MAX];
	size_t	naddr;
};

/*
 * Writes inv as NUL-terminated text into out. Every addr must pass
 * weft_config_addr_check(). Returns 0, WEFT_EUSAGE (a bad address or
 * count) or WEFT_ETOOBIG (outsz too small).
 */
int	weft_invite_encode(const struct weft_invite *inv, char *out,
	    size_t outsz);

/*
 * Decodes s[0..n) (blanks around it are ignored) into inv. Accepts only
 * what weft_invite_encode() writes, byte for byte. Returns 0, or
 * WEFT_EUSAGE with *msg saying what is wrong (static, for the user),
 * or WEFT_EVERSION for a later invite version.
 */
int	weft_invite_decode(struct weft_invite *inv, const char *s, size_t n,
	    const char **msg);

#endif
