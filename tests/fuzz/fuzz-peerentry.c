/*
 * Fuzzes weft_addr_decode(), the decoder of one row of the store's
 * "peers" table (docs/proto/store.md). The store is our own, but a
 * corrupt or hostile file must not crash weftd at start: a row either
 * fails with WEFT_EPROTO or decodes to a verified entry with a known
 * source, an address weft_hostport_check() accepts as it is (an IP
 * literal when the source is a peer or the LAN), and re-encodes to the
 * same bytes.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "weft/err.h"

#include "addrbook.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t	node[32] = { 1, 2, 3 };
	struct weft_addr	e;
	uint8_t			out[WEFT_ADDR_REC_MAX];
	char			host[WEFT_HOST_NAME_MAX + 1];
	char			canon[WEFT_HOSTPORT_MAX];
	uint16_t		port;
	bool			name;
	size_t			len;
	int			err;

	err = weft_addr_decode(node, data, size, &e);
	if (err) {
		FUZZ_CHECK(err == WEFT_EPROTO);
		return 0;
	}
	FUZZ_CHECK(e.verified);
	FUZZ_CHECK(memcmp(e.node, node, 32) == 0);
	FUZZ_CHECK(e.source >= WEFT_ADDR_LEARNT && e.source <= WEFT_ADDR_SEED);
	FUZZ_CHECK(weft_hostport_check(e.addr, strlen(e.addr), host, &port,
	    &name, canon) == 0);
	FUZZ_CHECK(strcmp(canon, e.addr) == 0);
	FUZZ_CHECK(!name || (e.source != WEFT_ADDR_LEARNT &&
	    e.source != WEFT_ADDR_LAN));
	len = weft_addr_encode(&e, out);
	FUZZ_CHECK(len == size && memcmp(out, data, size) == 0);
	return 0;
}

void
fuzz_seeds(fuzz_emit_cb *emit, void *arg)
{
	static const struct {
		const char	*name, *addr;
		uint8_t		 source;
	} v[] = {
		{ "learnt", "10.1.2.3:7420", WEFT_ADDR_LEARNT },
		{ "v6", "[::1]:7421", WEFT_ADDR_LAN },
		{ "seed", "seed.example.org:7420", WEFT_ADDR_SEED },
		{ "connect", "localhost:1", WEFT_ADDR_CONNECT },
	};
	struct weft_addr	e;
	uint8_t			out[WEFT_ADDR_REC_MAX];

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		memset(&e, 0, sizeof(e));
		strcpy(e.addr, v[i].addr);
		e.source = v[i].source;
		e.fails = (uint32_t)i;
		e.last_seen = 1700000000000ULL + i;
		emit(v[i].name, out, weft_addr_encode(&e, out), arg);
	}
}
