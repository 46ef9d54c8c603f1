/*
 * Fuzzes weft_addrs_decode(), the decoder of the "addrs" message in
 * which peers tell each other of other nodes' addresses. A message that
 * decodes reports at most WEFT_ADDRS_MAX entries, each with an address
 * weft_addr_check() accepts as it is; encoding them again gives a
 * message that decodes to the same entries.
 */
#include <errno.h>
#include <string.h>

#include "weft/buf.h"
#include "weft/err.h"

#include "addrbook.h"
#include "fuzz.h"

struct got {
	size_t	n;
	uint8_t	node[WEFT_ADDRS_MAX][32];
	char	addr[WEFT_ADDRS_MAX][WEFT_ADDR_STR_MAX];
};

static void
collect(void *arg, const uint8_t node[32], const char *addr)
{
	struct got	*g = arg;
	char		 canon[WEFT_ADDR_STR_MAX];
	size_t		 len = strlen(addr);

	FUZZ_CHECK(g->n < WEFT_ADDRS_MAX);
	FUZZ_CHECK(len < WEFT_ADDR_STR_MAX);
	FUZZ_CHECK(weft_addr_check(addr, len, canon) == 0);
	memcpy(g->node[g->n], node, 32);
	memcpy(g->addr[g->n], addr, len + 1);
	g->n++;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct got	g, g2;
	struct weft_addr_ref	v[WEFT_ADDRS_MAX];
	struct weft_buf		b;
	int			err;

	g.n = 0;
	err = weft_addrs_decode(data, size, collect, &g);
	if (err) {
		FUZZ_CHECK(err == WEFT_EPROTO || err == -ENOMEM);
		return 0;
	}
	if (g.n == 0)
		return 0;	/* every address was skipped */
	for (size_t i = 0; i < g.n; i++) {
		v[i].node = g.node[i];
		v[i].addr = g.addr[i];
	}
	weft_buf_init(&b, WEFT_ADDRS_MSG_MAX);
	FUZZ_CHECK(weft_addrs_encode(&b, v, g.n) == 0);
	g2.n = 0;
	FUZZ_CHECK(weft_addrs_decode(b.data, b.len, collect, &g2) == 0);
	FUZZ_CHECK(g2.n == g.n);
	for (size_t i = 0; i < g.n; i++) {
		FUZZ_CHECK(memcmp(g2.node[i], g.node[i], 32) == 0);
		FUZZ_CHECK(strcmp(g2.addr[i], g.addr[i]) == 0);
	}
	weft_buf_release(&b);
	return 0;
}

void
fuzz_seeds(fuzz_emit_cb *emit, void *arg)
{
	static const char *const addrs[] = {
		"127.0.0.1:7740", "[::1]:7741", "10.1.2.3:65535",
	};
	struct weft_addr_ref	v[3];
	uint8_t			node[3][32];
	struct weft_buf		b;

	for (int i = 0; i < 3; i++) {
		memset(node[i], 0x11 * (i + 1), 32);
		v[i].node = node[i];
		v[i].addr = addrs[i];
	}
	weft_buf_init(&b, WEFT_ADDRS_MSG_MAX);
	if (weft_addrs_encode(&b, v, 1) != 0)
		abort();
	emit("one", b.data, b.len, arg);
	weft_buf_reset(&b);
	if (weft_addrs_encode(&b, v, 3) != 0)
		abort();
	emit("three", b.data, b.len, arg);
	weft_buf_release(&b);
}
