/*
 * The table of learnt peer addresses (daemon/addrbook.c): only IP
 * literals, bounded with the right entries pushed out, verified entries
 * kept, failures forgotten, picks in turn; and the addrs message,
 * round trip and hostile input.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_check),
		cmocka_unit_test(test_add_bounded),
		cmocka_unit_test(test_pick_and_forget),
		cmocka_unit_test(test_message),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
