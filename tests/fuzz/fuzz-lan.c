/*
 * Fuzzes weft_lan_open(), the decoder of LAN announcements that anyone on
 * the LAN can send (docs/proto/lan.md), and the filter behind it. The
 * first input byte chooses the mode: even, the rest is a datagram as it
 * arrives; odd, the rest is a plaintext that the harness seals under the
 * network's LAN key first, so that the parser behind the MAC is reached
 * too. Properties: a datagram opens only at its one length, with as
 * many ports as it says and none of them 0, and never under another key;
 * an error leaves the output zeroed; the filter accepts a fresh
 * announcement once and calls the same one again a replay.
 */
#include <string.h>

#include <sodium.h>

#include "weft/err.h"
#include "weft/lan.h"

#include "fuzz.h"

#define NOW	1800000000000ull

static void
keys(uint8_t lankey[32], uint8_t other[32])
{
	uint8_t	netkey[32];

	for (int i = 0; i < 32; i++)
		netkey[i] = (uint8_t)i;
	weft_lan_key(lankey, netkey);
	netkey[0] ^= 0xff;
	weft_lan_key(other, netkey);
}

static void
check(const uint8_t *p, size_t n, const uint8_t lankey[32],
    const uint8_t other[32])
{
	static struct weft_lan_filter f;
	struct weft_lan_announce a;
	uint8_t	self[32];
	bool	first, dial;
	int	err;

	err = weft_lan_open(p, n, lankey, &a);
	if (err) {
		FUZZ_CHECK(err == WEFT_EPROTO || err == WEFT_EVERSION ||
		    err == WEFT_EDECRYPT || err == WEFT_EBADSIG);
		FUZZ_CHECK(sodium_is_zero((const uint8_t *)&a, sizeof(a)));
		return;
	}
	FUZZ_CHECK(a.nports >= 1 && a.nports <= WEFT_LAN_PORTS_MAX);
	FUZZ_CHECK(n == WEFT_LAN_DATAGRAM_BYTES);
	for (unsigned i = 0; i < a.nports; i++)
		FUZZ_CHECK(a.ports[i] != 0);
	FUZZ_CHECK(weft_lan_open(p, n, other, &a) == WEFT_EDECRYPT);
	FUZZ_CHECK(weft_lan_open(p, n, lankey, &a) == 0);

	memset(&f, 0, sizeof(f));
	memset(self, 0xee, sizeof(self));
	err = weft_lan_filter_check(&f, self, &a, a.ts_ms, &first, &dial);
	if (memcmp(a.node, self, 32) == 0) {
		FUZZ_CHECK(err == WEFT_EUSAGE);
		return;
	}
	if (err == WEFT_EDENIED)
		return;		/* a ts too close to the end of time */
	FUZZ_CHECK(err == 0 && first && dial);
	err = weft_lan_filter_check(&f, self, &a, a.ts_ms, &first, &dial);
	FUZZ_CHECK(err == WEFT_EEXISTS && !first && !dial);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t	lankey[32], other[32];
	/* header and MAC, then up to a datagram of plaintext */
	uint8_t	d[29 + 16 + WEFT_LAN_DATAGRAM_BYTES];
	struct fuzz_in in = { data, size };
	const uint8_t *p;
	size_t	n;

	FUZZ_CHECK(sodium_init() >= 0);
	keys(lankey, other);
	if ((fuzz_byte(&in) & 1) == 0) {
		check(in.p, in.n, lankey, other);
		return 0;
	}
	p = fuzz_take(&in, WEFT_LAN_DATAGRAM_BYTES, &n);
	memcpy(d, "weft\x01", 5);
	memset(d + 5, 0x24, crypto_secretbox_NONCEBYTES);
	crypto_secretbox_easy(d + 5 + crypto_secretbox_NONCEBYTES, p, n,
	    d + 5, lankey);
	check(d, 5 + crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES +
	    n, lankey, other);
	return 0;
}

void
fuzz_seeds(fuzz_emit_cb *emit, void *arg)
{
	struct weft_lan_announce a;
	uint8_t	lankey[32], other[32], pk[32], sk[64], seed[32];
	uint8_t	nonce[24], out[1 + WEFT_LAN_DATAGRAM_BYTES];
	uint8_t	plain[WEFT_LAN_DATAGRAM_BYTES];
	uint16_t ports[WEFT_LAN_PORTS_MAX] = { 7400, 7401, 1, 65535 };
	char	name[32];
	int	len;

	FUZZ_CHECK(sodium_init() >= 0);
	keys(lankey, other);
	memset(seed, 0x01, sizeof(seed));
	crypto_sign_seed_keypair(pk, sk, seed);
	memset(nonce, 0x24, sizeof(nonce));
	for (unsigned k = 1; k <= WEFT_LAN_PORTS_MAX; k++) {
		FUZZ_CHECK(weft_lan_announce_fill(&a, pk, NOW, ports, k) == 0);
		memset(a.rand, 0xa0 + (int)k, sizeof(a.rand));
		out[0] = 0;
		len = weft_lan_seal(&a, sk, lankey, nonce, out + 1,
		    sizeof(out) - 1);
		FUZZ_CHECK(len > 0);
		snprintf(name, sizeof(name), "datagram-%u", k);
		emit(name, out, (size_t)len + 1, arg);
		/* The same, opened: the plaintext for the odd mode. */
		FUZZ_CHECK(crypto_secretbox_open_easy(plain, out + 1 + 29,
		    (size_t)len - 29, out + 1 + 5, lankey) == 0);
		out[0] = 1;
		memcpy(out + 1, plain, (size_t)len - 29 - 16);
		snprintf(name, sizeof(name), "plain-%u", k);
		emit(name, out, (size_t)len - 29 - 16 + 1, arg);
	}
	emit("empty", (const uint8_t *)"", 0, arg);
	emit("magic", (const uint8_t *)"\0weft\x01", 6, arg);
	emit("version2", (const uint8_t *)"\0weft\x02", 6, arg);
}
