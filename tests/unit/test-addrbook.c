/*
 * The table of learnt peer addresses (daemon/net/addrbook.c): only IP
 * literals, bounded with the right entries pushed out, verified entries
 * kept, failures forgotten, picks in turn; and the addrs message,
 * round trip and hostile input. Then what makes the book last: host
 * names (RFC 1123, for the user's own sources only), handshakes that
 * verify (seen), eviction among verified entries, remove, best-first
 * order, and the persisted entry (round trip, every corruption).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "weft/buf.h"
#include "weft/err.h"
#include "weft/pack.h"

#include "addrbook.h"

static void
node_of(uint8_t node[32], unsigned i)
{
	memset(node, 0, 32);
	node[0] = 1;
	node[1] = (uint8_t)(i >> 8);
	node[2] = (uint8_t)i;
}

static void
test_check(void **state)
{
	char	out[WEFT_ADDR_STR_MAX];
	static const char *const bad[] = {
		"", "127.0.0.1", "127.0.0.1:", "127.0.0.1:0", "127.0.0.1:65536",
		"127.0.0.1:080", "localhost:7420", "example.com:7420",
		"0.0.0.0:7420", "224.0.0.1:7420", "255.255.255.255:1",
		"[::]:7420", "[ff02::1]:7420", "::1:7420", "[::1]7420",
		"[::1]:", "127.0.0.1:12a", "1.2.3:4", " 1.2.3.4:5",
		"1.2.3.4:5 ", "127.0.0.1:123456",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(weft_addr_check(bad[i], strlen(bad[i]), out),
		    WEFT_EUSAGE);
	assert_int_equal(weft_addr_check("a\0b:1", 5, out), WEFT_EUSAGE);
	assert_int_equal(weft_addr_check("127.0.0.1:7420", 14, out), 0);
	assert_string_equal(out, "127.0.0.1:7420");
	assert_int_equal(weft_addr_check("[0:0::1]:65535", 14, out), 0);
	assert_string_equal(out, "[::1]:65535");
}

static void
test_add_bounded(void **state)
{
	struct weft_addrbook	b;
	struct weft_addr	*e;
	uint8_t			 self[32], node[32];
	char			 addr[WEFT_ADDR_STR_MAX];

	(void)state;
	node_of(self, 9999);
	assert_int_equal(weft_addrbook_init(&b, self, 4), 0);
	assert_int_equal(weft_addrbook_add(&b, self, "127.0.0.1:1", 0),
	    WEFT_EUSAGE);
	node_of(node, 0);
	assert_int_equal(weft_addrbook_add(&b, node, "bad", 0), WEFT_EUSAGE);
	for (unsigned i = 0; i < 4; i++) {
		node_of(node, i);
		snprintf(addr, sizeof(addr), "10.0.0.%u:7420", i + 1);
		assert_int_equal(weft_addrbook_add(&b, node, addr, 10 + i), 0);
	}
	assert_int_equal(b.n, 4);
	/* Verify entry 0, make entry 2 fail once: 2 goes first, then 1. */
	node_of(node, 0);
	e = weft_addrbook_find(&b, node);
	e->dialing = true;
	weft_addrbook_done(&b, node, true, 100);
	assert_true(weft_addrbook_find(&b, node)->verified);
	node_of(node, 2);
	weft_addrbook_find(&b, node)->dialing = true;
	weft_addrbook_done(&b, node, false, 100);
	assert_int_equal(weft_addrbook_find(&b, node)->fails, 1);
	node_of(node, 100);
	assert_int_equal(weft_addrbook_add(&b, node, "10.1.0.1:1", 200), 0);
	assert_int_equal(b.n, 4);
	node_of(node, 2);
	assert_null(weft_addrbook_find(&b, node));
	node_of(node, 101);
	assert_int_equal(weft_addrbook_add(&b, node, "10.1.0.2:1", 201), 0);
	node_of(node, 1);
	assert_null(weft_addrbook_find(&b, node));
	/* A peer cannot move a verified entry. */
	node_of(node, 0);
	assert_int_equal(weft_addrbook_add(&b, node, "10.9.9.9:1", 300), 0);
	assert_string_equal(weft_addrbook_find(&b, node)->addr,
	    "10.0.0.1:7420");
	/* Full of entries that may not go: the newcomer is refused. */
	for (size_t i = 0; i < b.n; i++)
		b.v[i].verified = true;
	node_of(node, 200);
	assert_int_equal(weft_addrbook_add(&b, node, "10.2.0.1:1", 400),
	    WEFT_ETOOBIG);
	assert_int_equal(b.n, 4);
	weft_addrbook_release(&b);
}

static bool
skip_odd(void *arg, const uint8_t *node)
{
	(void)arg;
	return node[2] & 1;
}

static void
test_pick_and_forget(void **state)
{
	struct weft_addrbook	b;
	struct weft_addr	*e;
	uint8_t			 self[32], node[32], first[32];
	char			 addr[WEFT_ADDR_STR_MAX];

	(void)state;
	node_of(self, 9999);
	assert_int_equal(weft_addrbook_init(&b, self, WEFT_ADDRBOOK_MAX), 0);
	for (unsigned i = 0; i < 1500; i++) {
		node_of(node, i);
		snprintf(addr, sizeof(addr), "10.0.%u.%u:7420", i / 200,
		    i % 200 + 1);
		weft_addrbook_add(&b, node, addr, i);
	}
	assert_int_equal(b.n, WEFT_ADDRBOOK_MAX);
	/* Picks skip odd nodes and entries being dialled. */
	e = weft_addrbook_pick(&b, 5000, skip_odd, NULL);
	assert_non_null(e);
	assert_int_equal(e->node[2] & 1, 0);
	memcpy(first, e->node, 32);
	e = weft_addrbook_pick(&b, 5000, skip_odd, NULL);
	assert_non_null(e);
	assert_memory_not_equal(e->node, first, 32);
	/* Not due yet after a failure; forgotten after the second. */
	e->dialing = true;
	memcpy(node, e->node, 32);
	weft_addrbook_done(&b, node, false, 5000);
	e = weft_addrbook_find(&b, node);
	assert_non_null(e);
	assert_true(e->next_ms >= 5000 + WEFT_ADDR_RETRY_MS);
	e->dialing = true;
	weft_addrbook_done(&b, node, false, 6000);
	assert_null(weft_addrbook_find(&b, node));
	assert_int_equal(b.n, WEFT_ADDRBOOK_MAX - 1);
	weft_addrbook_release(&b);
}

struct got {
	unsigned	n;
	char		addr[4][WEFT_ADDR_STR_MAX];
};

static void
got_cb(void *arg, const uint8_t node[32], const char *addr)
{
	struct got	*g = arg;

	(void)node;
	if (g->n < 4)
		snprintf(g->addr[g->n], WEFT_ADDR_STR_MAX, "%s", addr);
	g->n++;
}

static void
test_message(void **state)
{
	struct weft_addr_ref	 v[WEFT_ADDRS_MAX + 1];
	struct weft_buf		 b;
	struct weft_pack	 pk;
	struct got		 g;
	uint8_t			 node[32];

	(void)state;
	node_of(node, 1);
	for (size_t i = 0; i <= WEFT_ADDRS_MAX; i++) {
		v[i].node = node;
		v[i].addr = i == 1 ? "host.example:1" : "127.0.0.1:7420";
	}
	weft_buf_init(&b, WEFT_ADDRS_MSG_MAX);
	assert_int_equal(weft_addrs_encode(&b, v, 0), WEFT_EUSAGE);
	assert_int_equal(weft_addrs_encode(&b, v, WEFT_ADDRS_MAX + 1),
	    WEFT_EUSAGE);
	weft_buf_reset(&b);
	assert_int_equal(weft_addrs_encode(&b, v, WEFT_ADDRS_MAX), 0);
	memset(&g, 0, sizeof(g));
	assert_int_equal(weft_addrs_decode(b.data, b.len, got_cb, &g), 0);
	/* The host name is skipped, never resolved. */
	assert_int_equal(g.n, WEFT_ADDRS_MAX - 1);
	assert_string_equal(g.addr[0], "127.0.0.1:7420");
	/* Every truncation and every flipped byte: an error or entries. */
	for (size_t i = 0; i < b.len; i++) {
		memset(&g, 0, sizeof(g));
		assert_int_not_equal(weft_addrs_decode(b.data, i, got_cb, &g),
		    0);
		b.data[i] ^= 0x5a;
		memset(&g, 0, sizeof(g));
		(void)weft_addrs_decode(b.data, b.len, got_cb, &g);
		assert_true(g.n <= WEFT_ADDRS_MAX);
		b.data[i] ^= 0x5a;
	}
	/* Wrong shapes. */
	weft_buf_reset(&b);
	weft_pack_init(&pk, &b);
	weft_pack_map(&pk, 2);
	weft_pack_str(&pk, "t");
	weft_pack_str(&pk, "addrs");
	weft_pack_str(&pk, "addrs");
	weft_pack_array(&pk, 1);
	weft_pack_map(&pk, 2);
	weft_pack_str(&pk, "node");
	weft_pack_bin(&pk, node, 31);
	weft_pack_str(&pk, "addr");
	weft_pack_str(&pk, "127.0.0.1:1");
	assert_int_equal(weft_addrs_decode(b.data, b.len, got_cb, &g),
	    WEFT_EPROTO);
	weft_buf_reset(&b);
	weft_pack_init(&pk, &b);
	weft_pack_map(&pk, 2);
	weft_pack_str(&pk, "t");
	weft_pack_str(&pk, "addrs");
	weft_pack_str(&pk, "addrs");
	weft_pack_array(&pk, 0);
	assert_int_equal(weft_addrs_decode(b.data, b.len, got_cb, &g),
	    WEFT_EPROTO);
	weft_buf_release(&b);
}

static void
test_hostport(void **state)
{
	char		 host[WEFT_HOST_NAME_MAX + 1], out[WEFT_HOSTPORT_MAX];
	char		 big[300];
	uint16_t	 port;
	bool		 name;
	static const char *const bad[] = {
		"", "host", "host:", ":1", "host:0", "host:65536", "host:012",
		"-host:1", "host-:1", "a..b:1", ".a:1", "a.:1", "a_b:1",
		"a b:1", "1.2.3:1", "1.2.3.4.5:1", "256.1.1.1:1", "10:1",
		"a.10:1", "[::1:1", "[host]:1", "[::1]", "[]:1", "h\xc3\xa9:1",
		"0.0.0.0:1", "[::]:1", "224.0.0.1:1", "host:1 ", " host:1",
		/* Zones: link-local only, an interface name, a port. */
		"[::1%lo]:1", "[2001:db8::1%eth0]:1", "[fe80::1%]:1",
		"[fe80::1%eth 0]:1", "[fe80::1%eth0]", "[fe80::1%eth0]:0",
		"[fe80::1%eth0]:65536", "[fe80::1%abcdefghijklmnop]:1",
		"[fe80::1%eth0]x:1", "[fe80::1%eth]0]:1",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(weft_hostport_check(bad[i], strlen(bad[i]),
		    host, &port, &name, out), WEFT_EUSAGE);
	assert_int_equal(weft_hostport_check("Node-1.Example.ORG:7420", 23,
	    host, &port, &name, out), 0);
	assert_true(name);
	assert_string_equal(host, "node-1.example.org");
	assert_int_equal(port, 7420);
	assert_string_equal(out, "node-1.example.org:7420");
	assert_int_equal(weft_hostport_check("localhost:1", 11, host, &port,
	    &name, out), 0);
	assert_true(name);
	assert_int_equal(weft_hostport_check("[0::1]:65535", 12, host, &port,
	    &name, out), 0);
	assert_false(name);
	assert_string_equal(host, "::1");
	assert_string_equal(out, "[::1]:65535");
	assert_int_equal(port, 65535);
	assert_int_equal(weft_hostport_check("[FE80:0::1%eth0]:7420", 21,
	    host, &port, &name, out), 0);
	assert_false(name);
	assert_string_equal(host, "fe80::1%eth0");
	assert_string_equal(out, "[fe80::1%eth0]:7420");
	assert_int_equal(port, 7420);
	assert_int_equal(weft_hostport_check("10.0.0.1:80", 11, host, &port,
	    &name, NULL), 0);
	assert_false(name);
	assert_string_equal(host, "10.0.0.1");
	/* Labels of 63, names of 253; one more is refused. */
	memset(big, 'a', sizeof(big));
	memcpy(big + 63, ".x:1", 5);
	assert_int_equal(weft_hostport_check(big, strlen(big), host, &port,
	    &name, out), 0);
	memset(big, 'a', sizeof(big));
	memcpy(big + 64, ".x:1", 5);
	assert_int_equal(weft_hostport_check(big, strlen(big), host, &port,
	    &name, out), WEFT_EUSAGE);
	for (int i = 0; i < 253; i++)
		big[i] = i % 2 ? '.' : 'a';
	memcpy(big + 253, ":1", 3);
	assert_int_equal(weft_hostport_check(big, strlen(big), host, &port,
	    &name, out), 0);
	assert_int_equal(strlen(host), 253);
	memcpy(big + 253, "b:1", 4);
	assert_int_equal(weft_hostport_check(big, strlen(big), host, &port,
	    &name, out), WEFT_EUSAGE);
	assert_int_equal(weft_hostport_check("a\0b:1", 5, host, &port, &name,
	    out), WEFT_EUSAGE);
}

static void
test_seen_and_sources(void **state)
{
	struct weft_addrbook	b;
	struct weft_addr	*e;
	uint8_t			self[32], node[32];

	(void)state;
	node_of(self, 9999);
	node_of(node, 1);
	assert_int_equal(weft_addrbook_init(&b, self, 4), 0);
	/* Names only from the user's own sources; never from peers. */
	assert_int_equal(weft_addrbook_add_from(&b, node, "host.example:1",
	    WEFT_ADDR_LEARNT, 0), WEFT_EUSAGE);
	assert_int_equal(weft_addrbook_seen(&b, node, "host.example:1",
	    WEFT_ADDR_LEARNT, 0, 0), WEFT_EUSAGE);
	assert_int_equal(weft_addrbook_seen(&b, node, "host.example:1", 9,
	    0, 0), WEFT_EUSAGE);
	assert_int_equal(weft_addrbook_seen(&b, self, "10.0.0.1:1",
	    WEFT_ADDR_CONNECT, 0, 0), WEFT_EUSAGE);
	/* A learnt candidate, then a handshake there by connect. */
	assert_int_equal(weft_addrbook_add_from(&b, node, "10.0.0.1:1",
	    WEFT_ADDR_LAN, 0), 0);
	e = weft_addrbook_find(&b, node);
	assert_false(e->verified);
	assert_int_equal(e->source, WEFT_ADDR_LAN);
	e->fails = 1;
	assert_int_equal(weft_addrbook_seen(&b, node, "Host.Example:7",
	    WEFT_ADDR_CONNECT, 10, 5000), 0);
	assert_true(e->verified);
	assert_int_equal(e->fails, 0);
	assert_int_equal(e->last_seen, 5000);
	assert_int_equal(e->source, WEFT_ADDR_CONNECT);
	assert_string_equal(e->addr, "host.example:7");
	/* A later learnt handshake keeps the user's source. */
	assert_int_equal(weft_addrbook_seen(&b, node, "10.0.0.2:1",
	    WEFT_ADDR_LEARNT, 20, 6000), 0);
	assert_int_equal(e->source, WEFT_ADDR_CONNECT);
	assert_string_equal(e->addr, "10.0.0.2:1");
	/* Peers' words never move a verified entry. */
	assert_int_equal(weft_addrbook_add(&b, node, "10.0.0.3:1", 30), 0);
	assert_string_equal(e->addr, "10.0.0.2:1");
	/* Verified entries survive failures, with a growing delay. */
	for (int i = 0; i < 20; i++) {
		e->dialing = true;
		assert_true(weft_addrbook_done(&b, node, false, 100));
	}
	e = weft_addrbook_find(&b, node);
	assert_non_null(e);
	assert_int_equal(e->fails, 20);
	assert_int_equal(e->next_ms, 100 + WEFT_ADDR_RETRY_MAX_MS);
	assert_int_equal(weft_addrbook_remove(&b, node), 0);
	assert_null(weft_addrbook_find(&b, node));
	assert_int_equal(weft_addrbook_remove(&b, node), WEFT_ENOTFOUND);
	weft_addrbook_release(&b);
}

static void
test_evict_and_sort(void **state)
{
	struct weft_addrbook	b;
	uint8_t			self[32], node[32];
	char			addr[WEFT_ADDR_STR_MAX];

	(void)state;
	node_of(self, 9999);
	assert_int_equal(weft_addrbook_init(&b, self, 3), 0);
	/* Three verified: 1 failed twice, 2 seen long ago, 3 fresh. */
	for (unsigned i = 1; i <= 3; i++) {
		node_of(node, i);
		snprintf(addr, sizeof(addr), "10.0.0.%u:1", i);
		assert_int_equal(weft_addrbook_seen(&b, node, addr,
		    WEFT_ADDR_LEARNT, 0, i == 2 ? 1 : 1000 + i), 0);
	}
	node_of(node, 1);
	weft_addrbook_find(&b, node)->fails = 2;
	/* A candidate cannot push a verified entry out. */
	node_of(node, 4);
	assert_int_equal(weft_addrbook_add(&b, node, "10.0.0.4:1", 0),
	    WEFT_ETOOBIG);
	/* A verified one pushes out the one that failed most. */
	assert_int_equal(weft_addrbook_seen(&b, node, "10.0.0.4:1",
	    WEFT_ADDR_CONFIG, 0, 2000), 0);
	node_of(node, 1);
	assert_null(weft_addrbook_find(&b, node));
	/* Then the oldest last_seen. */
	node_of(node, 5);
	assert_int_equal(weft_addrbook_seen(&b, node, "10.0.0.5:1",
	    WEFT_ADDR_CONFIG, 0, 3000), 0);
	node_of(node, 2);
	assert_null(weft_addrbook_find(&b, node));
	/* Best first: fewest failures, then the latest seen. */
	node_of(node, 5);
	weft_addrbook_find(&b, node)->fails = 1;
	weft_addrbook_sort(&b);
	assert_int_equal(b.v[0].node[2], 4);
	assert_int_equal(b.v[1].node[2], 3);
	assert_int_equal(b.v[2].node[2], 5);
	assert_int_equal(weft_addrbook_pick(&b, 0, NULL, NULL), NULL);
	assert_int_equal(weft_addrbook_pick(&b, UINT64_MAX, NULL,
	    NULL)->node[2], 4);
	weft_addrbook_release(&b);
}

static void
test_persisted(void **state)
{
	struct weft_addrbook	b;
	struct weft_addr	e, d;
	uint8_t			self[32], node[32], val[WEFT_ADDR_REC_MAX];
	size_t			len;

	(void)state;
	node_of(self, 9999);
	node_of(node, 7);
	memset(&e, 0, sizeof(e));
	memcpy(e.node, node, 32);
	snprintf(e.addr, sizeof(e.addr), "seed.example.org:7420");
	e.source = WEFT_ADDR_SEED;
	e.fails = 3;
	e.last_seen = 0x0102030405060708ULL;
	e.verified = true;
	len = weft_addr_encode(&e, val);
	/* The vector of docs/proto/store.md, "peers". */
	assert_int_equal(len, 15 + 21);
	assert_memory_equal(val, "\x01\x05\x00\x00\x00\x03"
	    "\x01\x02\x03\x04\x05\x06\x07\x08\x15seed.example.org:7420",
	    len);
	assert_int_equal(weft_addr_decode(node, val, len, &d), 0);
	assert_memory_equal(d.node, node, 32);
	assert_string_equal(d.addr, e.addr);
	assert_int_equal(d.source, e.source);
	assert_int_equal(d.fails, 3);
	assert_int_equal(d.last_seen, e.last_seen);
	assert_true(d.verified);
	/* Every truncation, extension and flipped byte decodes or fails. */
	for (size_t i = 0; i < len; i++)
		assert_int_equal(weft_addr_decode(node, val, i, &d),
		    WEFT_EPROTO);
	assert_int_equal(weft_addr_decode(node, val, len + 1, &d),
	    WEFT_EPROTO);
	val[0] = 2;
	assert_int_equal(weft_addr_decode(node, val, len, &d), WEFT_EPROTO);
	val[0] = 1;
	/* A name from a peer or the LAN is never loaded. */
	val[1] = WEFT_ADDR_LEARNT;
	assert_int_equal(weft_addr_decode(node, val, len, &d), WEFT_EPROTO);
	val[1] = WEFT_ADDR_LAN;
	assert_int_equal(weft_addr_decode(node, val, len, &d), WEFT_EPROTO);
	val[1] = 0;
	assert_int_equal(weft_addr_decode(node, val, len, &d), WEFT_EPROTO);
	val[1] = WEFT_ADDR_SEED;
	/* Not canonical (upper case): not written by us. */
	val[15] = 'S';
	assert_int_equal(weft_addr_decode(node, val, len, &d), WEFT_EPROTO);
	val[15] = 's';
	/* Loaded: verified and due at once; our own node is refused. */
	assert_int_equal(weft_addrbook_init(&b, self, 4), 0);
	assert_int_equal(weft_addr_decode(node, val, len, &d), 0);
	assert_int_equal(weft_addrbook_load(&b, &d, 50), 0);
	assert_true(weft_addrbook_find(&b, node)->verified);
	assert_non_null(weft_addrbook_pick(&b, 50, NULL, NULL));
	memcpy(d.node, self, 32);
	assert_int_equal(weft_addrbook_load(&b, &d, 50), WEFT_EUSAGE);
	weft_addrbook_release(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_check),
		cmocka_unit_test(test_add_bounded),
		cmocka_unit_test(test_pick_and_forget),
		cmocka_unit_test(test_message),
		cmocka_unit_test(test_hostport),
		cmocka_unit_test(test_seen_and_sources),
		cmocka_unit_test(test_evict_and_sort),
		cmocka_unit_test(test_persisted),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
