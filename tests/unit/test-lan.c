/*
 * LAN announcements (docs/proto/lan.md): the known-answer vector printed
 * in the document, round trips, every way a datagram is refused (other
 * network, forged, damaged, wrong length or version), and the filter's
 * replay, clock window, rate and dial caps.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "weft/buf.h"
#include "weft/err.h"
#include "weft/lan.h"

#define NOW	1800000000000ull	/* 2027-01-15, ms */

/*
 * The vector of docs/proto/lan.md, "Test vector": network key bytes
 * 0..31, node key seed 32 bytes of 0x01, ts 1800000000000, rand bytes
 * 0xa0..0xaf, port 7400, secretbox nonce 24 bytes of 0x24.
 */
static const char vec_lankey[] =
    "dfcaf31c33fda79d8a014a94ee15446b5fe7d69ee146e833b510212a1fc6dd26";
static const char vec_datagram[] =
    "7765667401242424242424242424242424242424242424242424242424aa792d"
    "e7f1bfc74f3f66f99f67c763c380d1b4a92419e7efc4f2ba3214a738dd32a135"
    "cfcbd7791703c677e76268db19e2540b07706197abf578766e6e98870f821eef"
    "145c6eae93365fd451535ea28db332611502f79bf2be991957e3e0faa2b101b7"
    "a787757c6be875ad5138eee1146faaf68ae8cc1f672d73b9d054552262302a3f"
    "848bb74a2834461dd3d7c328f335";

static void
vector_inputs(uint8_t netkey[32], uint8_t pk[32], uint8_t sk[64],
    struct weft_lan_announce *a, uint8_t box_nonce[24])
{
	uint8_t	seed[32];
	uint16_t port = 7400;

	for (int i = 0; i < 32; i++)
		netkey[i] = (uint8_t)i;
	memset(seed, 0x01, sizeof(seed));
	crypto_sign_seed_keypair(pk, sk, seed);
	assert_int_equal(weft_lan_announce_fill(a, pk, NOW, &port, 1), 0);
	for (int i = 0; i < 16; i++)
		a->rand[i] = (uint8_t)(0xa0 + i);
	memset(box_nonce, 0x24, 24);
}

static void
hex(char *out, const uint8_t *p, size_t n)
{
	weft_hex_encode(out, p, n);
}

/* The document with every space and newline taken out. */
static char *
doc_squeezed(void)
{
	FILE	*f = fopen(WEFT_DOCS "/proto/lan.md", "r");
	char	*s;
	size_t	 n = 0;
	int	 c;

	assert_non_null(f);
	s = malloc(1 << 20);
	assert_non_null(s);
	while ((c = fgetc(f)) != EOF && n < (1 << 20) - 1)
		if (c != ' ' && c != '\n' && c != '\t')
			s[n++] = (char)c;
	s[n] = '\0';
	fclose(f);
	return s;
}

static void
test_vector(void **state)
{
	struct weft_lan_announce a, b;
	uint8_t	netkey[32], pk[32], sk[64], nonce[24], lankey[32];
	uint8_t	out[WEFT_LAN_DATAGRAM_BYTES];
	char	h[2 * WEFT_LAN_DATAGRAM_BYTES + 1], *doc;
	int	n;

	(void)state;
	vector_inputs(netkey, pk, sk, &a, nonce);
	weft_lan_key(lankey, netkey);
	n = weft_lan_seal(&a, sk, lankey, nonce, out, sizeof(out));
	assert_int_equal(n, WEFT_LAN_DATAGRAM_BYTES);
	hex(h, lankey, 32);
	if (getenv("WEFT_LAN_PRINT_VECTOR") != NULL)
		printf("k_lan %s\n", h);
	assert_string_equal(h, vec_lankey);
	hex(h, out, (size_t)n);
	if (getenv("WEFT_LAN_PRINT_VECTOR") != NULL)
		printf("datagram %s\n", h);
	assert_string_equal(h, vec_datagram);
	/* The document prints the same bytes. */
	doc = doc_squeezed();
	assert_non_null(strstr(doc, vec_lankey));
	assert_non_null(strstr(doc, vec_datagram));
	free(doc);
	assert_int_equal(weft_lan_open(out, (size_t)n, lankey, &b), 0);
	assert_memory_equal(b.node, pk, 32);
	assert_true(b.ts_ms == NOW);
	assert_int_equal(b.nports, 1);
	assert_int_equal(b.ports[0], 7400);
	assert_memory_equal(b.rand, a.rand, 16);
}

static void
test_round_trip_ports(void **state)
{
	struct weft_lan_announce a, b;
	uint8_t	netkey[32], pk[32], sk[64], lankey[32];
	uint8_t	out[WEFT_LAN_DATAGRAM_BYTES];
	uint8_t	out2[WEFT_LAN_DATAGRAM_BYTES];
	uint16_t ports[WEFT_LAN_PORTS_MAX + 1] = { 1, 7400, 65535, 2, 3 };
	int	n, n2;

	(void)state;
	randombytes_buf(netkey, sizeof(netkey));
	weft_lan_key(lankey, netkey);
	crypto_sign_keypair(pk, sk);
	assert_int_equal(weft_lan_announce_fill(&a, pk, NOW, ports, 0),
	    WEFT_EUSAGE);
	assert_int_equal(weft_lan_announce_fill(&a, pk, NOW, ports,
	    WEFT_LAN_PORTS_MAX + 1), WEFT_EUSAGE);
	ports[1] = 0;
	assert_int_equal(weft_lan_announce_fill(&a, pk, NOW, ports, 2),
	    WEFT_EUSAGE);
	ports[1] = 7400;
	for (unsigned k = 1; k <= WEFT_LAN_PORTS_MAX; k++) {
		assert_int_equal(weft_lan_announce_fill(&a, pk, NOW, ports, k),
		    0);
		n = weft_lan_seal(&a, sk, lankey, NULL, out, sizeof(out));
		assert_int_equal(n, WEFT_LAN_DATAGRAM_BYTES);
		assert_int_equal(weft_lan_open(out, (size_t)n, lankey, &b), 0);
		assert_int_equal(b.nports, k);
		assert_memory_equal(b.ports, ports, k * sizeof(ports[0]));
		/* A fresh nonce each time: the same announcement differs. */
		n2 = weft_lan_seal(&a, sk, lankey, NULL, out2, sizeof(out2));
		assert_int_equal(n, n2);
		assert_memory_not_equal(out, out2, (size_t)n);
		assert_int_equal(weft_lan_seal(&a, sk, lankey, NULL, out,
		    (size_t)n - 1), WEFT_ETOOBIG);
	}
}

static void
test_other_network(void **state)
{
	struct weft_lan_announce a, b;
	uint8_t	netkey[32], pk[32], sk[64], nonce[24], lankey[32];
	uint8_t	out[WEFT_LAN_DATAGRAM_BYTES];
	int	n;

	(void)state;
	vector_inputs(netkey, pk, sk, &a, nonce);
	weft_lan_key(lankey, netkey);
	n = weft_lan_seal(&a, sk, lankey, NULL, out, sizeof(out));
	netkey[0] ^= 1;
	weft_lan_key(lankey, netkey);
	assert_int_equal(weft_lan_open(out, (size_t)n, lankey, &b),
	    WEFT_EDECRYPT);
	assert_true(sodium_is_zero(b.node, 32));
	/* The network key itself is not the LAN key. */
	netkey[0] ^= 1;
	assert_int_equal(weft_lan_open(out, (size_t)n, netkey, &b),
	    WEFT_EDECRYPT);
}

/* A member of the network claims another node's id: refused. */
static void
test_forged(void **state)
{
	struct weft_lan_announce a, b;
	uint8_t	netkey[32], pk[32], sk[64], nonce[24], lankey[32];
	uint8_t	pk2[32], sk2[64], out[WEFT_LAN_DATAGRAM_BYTES];
	int	n;

	(void)state;
	vector_inputs(netkey, pk, sk, &a, nonce);
	weft_lan_key(lankey, netkey);
	crypto_sign_keypair(pk2, sk2);
	/* seal refuses a key that is not the announced node's ... */
	assert_int_equal(weft_lan_seal(&a, sk2, lankey, NULL, out,
	    sizeof(out)), WEFT_EUSAGE);
	/* ... so sign with sk2's seed while claiming pk. */
	memcpy(sk2 + 32, pk, 32);
	n = weft_lan_seal(&a, sk2, lankey, NULL, out, sizeof(out));
	assert_true(n > 0);
	assert_int_equal(weft_lan_open(out, (size_t)n, lankey, &b),
	    WEFT_EBADSIG);
	assert_true(sodium_is_zero(b.node, 32));
}

/* Every single-byte change and every other length is refused. */
static void
test_damaged(void **state)
{
	struct weft_lan_announce a, b;
	uint8_t	netkey[32], pk[32], sk[64], nonce[24], lankey[32];
	uint8_t	out[WEFT_LAN_DATAGRAM_BYTES + 8], bad[sizeof(out)];
	int	n, err;

	(void)state;
	vector_inputs(netkey, pk, sk, &a, nonce);
	weft_lan_key(lankey, netkey);
	n = weft_lan_seal(&a, sk, lankey, NULL, out, sizeof(out));
	for (int i = 0; i < n; i++) {
		memcpy(bad, out, (size_t)n);
		bad[i] ^= 0x01;
		err = weft_lan_open(bad, (size_t)n, lankey, &b);
		if (i < 4)
			assert_int_equal(err, WEFT_EPROTO);
		else if (i == 4)
			assert_int_equal(err, WEFT_EVERSION);
		else
			assert_int_equal(err, WEFT_EDECRYPT);
	}
	for (size_t len = 0; len < sizeof(out); len++) {
		if (len == (size_t)n)
			continue;
		memset(out + n, 0, sizeof(out) - (size_t)n);
		err = weft_lan_open(out, len, lankey, &b);
		assert_true(err == WEFT_EPROTO || err == WEFT_EDECRYPT);
	}
}

/*
 * Seals a hand-made body (65 bytes) with a valid signature, as a member of
 * the network could, and opens it.
 */
static int
open_body(const uint8_t body[65], const uint8_t sk[64],
    const uint8_t lankey[32])
{
	struct weft_lan_announce a;
	uint8_t	msg[11 + 65], plain[65 + 64], d[WEFT_LAN_DATAGRAM_BYTES];

	memcpy(msg, "weft/lan/v1", 11);
	memcpy(msg + 11, body, 65);
	memcpy(plain, body, 65);
	crypto_sign_detached(plain + 65, NULL, msg, sizeof(msg), sk);
	memcpy(d, "weft\x01", 5);
	randombytes_buf(d + 5, 24);
	crypto_secretbox_easy(d + 29, plain, sizeof(plain), d + 5, lankey);
	return weft_lan_open(d, sizeof(d), lankey, &a);
}

/* The port count and slots (docs/proto/lan.md, rule 3). */
static void
test_body_rules(void **state)
{
	uint8_t	netkey[32], pk[32], sk[64], lankey[32], body[65];

	(void)state;
	randombytes_buf(netkey, sizeof(netkey));
	weft_lan_key(lankey, netkey);
	crypto_sign_keypair(pk, sk);
	memset(body, 0, sizeof(body));
	memcpy(body, pk, 32);
	body[56] = 1;
	body[57] = 0x1c;		/* port 7400 */
	body[58] = 0xe8;
	assert_int_equal(open_body(body, sk, lankey), 0);
	body[56] = 0;
	assert_int_equal(open_body(body, sk, lankey), WEFT_EPROTO);
	body[56] = 5;
	assert_int_equal(open_body(body, sk, lankey), WEFT_EPROTO);
	body[56] = 2;			/* slot 2 is 0 */
	assert_int_equal(open_body(body, sk, lankey), WEFT_EPROTO);
	body[56] = 1;
	body[64] = 1;			/* slot 4 is not 0 */
	assert_int_equal(open_body(body, sk, lankey), WEFT_EPROTO);
	body[56] = 4;
	body[60] = body[62] = 1;
	assert_int_equal(open_body(body, sk, lankey), 0);
	/* Signed by another key than the body's node. */
	body[0] ^= 1;
	assert_int_equal(open_body(body, sk, lankey), WEFT_EBADSIG);
}

static void
announce(struct weft_lan_announce *a, const uint8_t node[32], uint64_t ts)
{
	uint16_t port = 7400;

	assert_int_equal(weft_lan_announce_fill(a, node, ts, &port, 1), 0);
}

static void
test_filter_replay_window(void **state)
{
	struct weft_lan_filter	*f;
	struct weft_lan_announce a, a2;
	uint8_t	self[32], node[32];
	bool	first, dial;

	(void)state;
	f = calloc(1, sizeof(*f));
	assert_non_null(f);
	memset(self, 1, 32);
	memset(node, 2, 32);
	announce(&a, self, NOW);
	assert_int_equal(weft_lan_filter_check(f, self, &a, NOW, &first,
	    &dial), WEFT_EUSAGE);
	announce(&a, node, NOW - WEFT_LAN_WINDOW_MS - 1);
	assert_int_equal(weft_lan_filter_check(f, self, &a, NOW, &first,
	    &dial), WEFT_EDENIED);
	announce(&a, node, NOW + WEFT_LAN_WINDOW_MS + 1);
	assert_int_equal(weft_lan_filter_check(f, self, &a, NOW, &first,
	    &dial), WEFT_EDENIED);
	announce(&a, node, UINT64_MAX);
	assert_int_equal(weft_lan_filter_check(f, self, &a, NOW, &first,
	    &dial), WEFT_EDENIED);
	assert_int_equal(f->nnodes, 0);

	announce(&a, node, NOW - 1000);
	assert_int_equal(weft_lan_filter_check(f, self, &a, NOW, &first,
	    &dial), 0);
	assert_true(first);
	assert_true(dial);
	assert_int_equal(f->nnodes, 1);
	/* The same announcement again (or over IPv6 too): a replay. */
	assert_int_equal(weft_lan_filter_check(f, self, &a, NOW + 1, &first,
	    &dial), WEFT_EEXISTS);
	assert_false(first);
	assert_false(dial);
	/* An older one from the node, with a new nonce: a replay too. */
	announce(&a2, node, NOW - 2000);
	assert_int_equal(weft_lan_filter_check(f, self, &a2, NOW + 2, &first,
	    &dial), WEFT_EEXISTS);
	/* A newer one: accepted, not first, no dial within the cap. */
	announce(&a2, node, NOW);
	assert_int_equal(weft_lan_filter_check(f, self, &a2, NOW + 3, &first,
	    &dial), 0);
	assert_false(first);
	assert_false(dial);
	announce(&a2, node, NOW + WEFT_LAN_REDIAL_MS);
	assert_int_equal(weft_lan_filter_check(f, self, &a2,
	    NOW + WEFT_LAN_REDIAL_MS, &first, &dial), 0);
	assert_false(first);
	assert_true(dial);
	assert_true(f->found == 1);
	free(f);
}

static void
test_filter_rate_and_lru(void **state)
{
	struct weft_lan_filter	*f;
	struct weft_lan_announce a;
	uint8_t	self[32], node[32];
	uint64_t now = NOW;
	bool	first, dial;
	int	ok = 0, busy = 0;

	(void)state;
	f = calloc(1, sizeof(*f));
	assert_non_null(f);
	memset(self, 0xff, 32);
	memset(node, 0, 32);
	/* A burst at one instant: WEFT_LAN_BURST pass, then the cap. */
	for (int i = 0; i < 3 * WEFT_LAN_BURST; i++) {
		node[0] = (uint8_t)i;
		announce(&a, node, now);
		if (weft_lan_filter_check(f, self, &a, now, &first, &dial) == 0)
			ok++;
		else
			busy++;
	}
	assert_int_equal(ok, WEFT_LAN_BURST);
	assert_int_equal(busy, 2 * WEFT_LAN_BURST);
	/* At the cap's pace every one passes, and the table stays bounded. */
	for (int i = 0; i < 3 * WEFT_LAN_NODES_MAX; i++) {
		now += WEFT_LAN_RATE_MS;
		node[0] = (uint8_t)i;
		node[1] = (uint8_t)(i >> 8);
		node[2] = 1;
		announce(&a, node, now);
		assert_int_equal(weft_lan_filter_check(f, self, &a, now,
		    &first, &dial), 0);
		assert_true(first);
		assert_true(f->nnodes <= WEFT_LAN_NODES_MAX);
	}
	assert_int_equal(f->nnodes, WEFT_LAN_NODES_MAX);
	/* The least recently heard went: the first of the paced ones. */
	node[0] = 0;
	node[1] = 0;
	announce(&a, node, now + WEFT_LAN_RATE_MS);
	assert_int_equal(weft_lan_filter_check(f, self, &a,
	    now + WEFT_LAN_RATE_MS, &first, &dial), 0);
	assert_true(first);
	free(f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vector),
		cmocka_unit_test(test_round_trip_ports),
		cmocka_unit_test(test_other_network),
		cmocka_unit_test(test_forged),
		cmocka_unit_test(test_damaged),
		cmocka_unit_test(test_body_rules),
		cmocka_unit_test(test_filter_replay_window),
		cmocka_unit_test(test_filter_rate_and_lru),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
