/*
 * Fuzzes the parsers of peer addresses given by people and config files:
 * weft_net_parse_peer() ("NODEID@HOST:PORT": --peer, `weft connect`,
 * config "peer =" and "seed =") and weft_addr_check() (the address book
 * and "addrs" gossip). The first takes host names too, the second IP
 * literals only; neither resolves anything. Properties: an accepted
 * address is canonical (checking its canonical form gives itself) and
 * fits its buffer; an accepted peer's node id is the 64 hex digits
 * before '@', and its canonical form parses to the same node and
 * address.
 */
#include <string.h>

#include "weft/buf.h"
#include "weft/err.h"

#include "addrbook.h"
#include "fuzz.h"
#include "net.h"

#define IN_MAX	512

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char			 s[IN_MAX + 1], addr[WEFT_NET_ADDR_MAX];
	char			 addr2[WEFT_NET_ADDR_MAX];
	char			 canon[WEFT_ADDR_STR_MAX], again[WEFT_ADDR_STR_MAX];
	char			 hex[65], peer[64 + 1 + WEFT_NET_ADDR_MAX];
	uint8_t			 node[32], node2[32];
	size_t			 n = size < IN_MAX ? size : IN_MAX;
	int			 err;

	memcpy(s, data, n);
	s[n] = '\0';

	/* weft_addr_check takes a length: the bytes as they are. */
	err = weft_addr_check((const char *)data, size, canon);
	FUZZ_CHECK(err == 0 || err == WEFT_EUSAGE);
	if (err == 0) {
		FUZZ_CHECK(strlen(canon) < WEFT_ADDR_STR_MAX);
		FUZZ_CHECK(weft_addr_check(canon, strlen(canon), again) == 0);
		FUZZ_CHECK(strcmp(canon, again) == 0);
	}

	err = weft_net_parse_peer(s, node, addr);
	FUZZ_CHECK(err == 0 || err == WEFT_EUSAGE);
	if (err != 0)
		return 0;
	FUZZ_CHECK(strnlen(addr, WEFT_NET_ADDR_MAX) < WEFT_NET_ADDR_MAX);
	FUZZ_CHECK(weft_hex_decode(node2, 32, s, 64) == 0);
	FUZZ_CHECK(memcmp(node, node2, 32) == 0);
	/* Its canonical form parses to the same node and address. */
	weft_hex_encode(hex, node, 32);
	snprintf(peer, sizeof(peer), "%s@%s", hex, addr);
	FUZZ_CHECK(weft_net_parse_peer(peer, node2, addr2) == 0);
	FUZZ_CHECK(memcmp(node, node2, 32) == 0);
	FUZZ_CHECK(strcmp(addr, addr2) == 0);
	return 0;
}

void
fuzz_seeds(fuzz_emit_cb *emit, void *arg)
{
	static const char *const seeds[] = {
		"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
		    "@127.0.0.1:7420",
		"0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef"
		    "@[::1]:7420",
		"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
		    "@[fe80::1%eth0]:1",
		"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
		    "@10.0.0.1:65535",
		"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
		    "@0.0.0.0:0",
		"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
		    "@example.org:7420",
		"192.168.1.20:7420",
		"[2001:db8::7]:7420",
		"[::ffff:127.0.0.1]:80",
		"224.0.0.1:7420",
	};
	char	name[16];

	for (size_t i = 0; i < sizeof(seeds) / sizeof(seeds[0]); i++) {
		snprintf(name, sizeof(name), "seed-%zu", i);
		emit(name, (const uint8_t *)seeds[i], strlen(seeds[i]), arg);
	}
}
