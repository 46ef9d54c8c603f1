/*
 * Typed control messages (proto/ctlmsg.c). Known-answer vectors made with
 * python3-msgpack (an independent encoder, see each comment) and printed
 * in docs/proto/control.md, which this test checks; decoding them back;
 * unknown keys ignored; every required key missing or mistyped; the
 * limits on both sides; every byte flipped and every prefix decoded.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "weft/buf.h"
#include "weft/ctl.h"
#include "weft/ctlmsg.h"
#include "weft/err.h"
#include "weft/key.h"
#include "weft/pack.h"

/*
 * msgpack.packb({"status": 0, "disk": {"paused": False, "error": None,
 *   "free": 5000000000, "reserve": 67108864, "failures": 0},
 *  "files": {"received": 4096, "stored": 4000, "served": 123},
 *  "missing": {"records": 1, "files": 2, "designs": 1, "bytes": 70000},
 *  "version": "0.1.0", "author": bytes(range(32)), "node": b"\xaa" * 32,
 *  "home": "/h/weft", "records": 5, "designs": 2, "libs": 1, "chunks": 9,
 *  "chunk_bytes": 300000, "map_size": 1073741824, "map_used": 65536,
 *  "uptime_ms": 61000, "address": None, "addresses": [], "listen": None,
 *  "network_key_id": "0123456789ABCDEF", "peers": 0, "conns_in": 0,
 *  "conns_out": 0, "netkey_mismatch": 0,
 *  "sync": {"peers": 0, "stored": 3, "dups": 1, "rejected": 0, "held": 1,
 *   "queued": 0, "rounds": 2, "msgs_in": 10, "msgs_out": 11,
 *   "bytes_in": 1000, "bytes_out": 1100},
 *  "lan": {"on": False}}, use_bin_type=True)
 */
static const char STATUS_HEX[] =
    "de001aa673746174757300a46469736b85a6706175736564c2a56572726f72c0"
    "a466726565cf000000012a05f200a772657365727665ce04000000a86661696c"
    "7572657300a566696c657383a87265636569766564cd1000a673746f726564cd"
    "0fa0a67365727665647ba76d697373696e6784a77265636f72647301a566696c"
    "657302a764657369676e7301a56279746573ce00011170a776657273696f6ea5"
    "302e312e30a6617574686f72c420000102030405060708090a0b0c0d0e0f1011"
    "12131415161718191a1b1c1d1e1fa46e6f6465c420aaaaaaaaaaaaaaaaaaaaaa"
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa4686f6d65a72f682f7765"
    "6674a77265636f72647305a764657369676e7302a46c69627301a66368756e6b"
    "7309ab6368756e6b5f6279746573ce000493e0a86d61705f73697a65ce400000"
    "00a86d61705f75736564ce00010000a9757074696d655f6d73cdee48a7616464"
    "72657373c0a961646472657373657390a66c697374656ec0ae6e6574776f726b"
    "5f6b65795f6964b030313233343536373839414243444546a5706565727300a8"
    "636f6e6e735f696e00a9636f6e6e735f6f757400af6e65746b65795f6d69736d"
    "6174636800a473796e638ba5706565727300a673746f72656403a46475707301"
    "a872656a656374656400a468656c6401a671756575656400a6726f756e647302"
    "a76d7367735f696e0aa86d7367735f6f75740ba862797465735f696ecd03e8a9"
    "62797465735f6f7574cd044ca36c616e81a26f6ec2";

/*
 * {"status": 0, "id": b"\x11" * 32, "type": "rev",
 *  "record": b"\x92\xc4\x01\x80\xc4\x00", "design": b"\x22" * 32}
 */
static const char SHOW_HEX[] =
    "85a673746174757300a26964c420111111111111111111111111111111111111"
    "1111111111111111111111111111a474797065a3726576a67265636f7264c406"
    "92c40180c400a664657369676ec4202222222222222222222222222222222222"
    "222222222222222222222222222222";

/*
 * {"node": b"\x33" * 32, "address": "127.0.0.1:7420", "direction": "out",
 *  "state": "waiting", "bytes_in": 0, "bytes_out": 0, "since": 0,
 *  "listen": None, "sw": None, "error": "connection refused",
 *  "retry_ms": 1500}
 */
static const char PEER_HEX[] =
    "8ba46e6f6465c420333333333333333333333333333333333333333333333333"
    "3333333333333333a761646472657373ae3132372e302e302e313a37343230a9"
    "646972656374696f6ea36f7574a57374617465a777616974696e67a862797465"
    "735f696e00a962797465735f6f757400a573696e636500a66c697374656ec0a2"
    "7377c0a56572726f72b2636f6e6e656374696f6e2072656675736564a8726574"
    "72795f6d73cd05dc";

/*
 * {"node": b"\x44" * 32, "address": "example.org:7420", "verified": True,
 *  "last_seen": 1800000000000, "fails": 1, "source": "config",
 *  "connected": False}
 */
static const char KNOWN_HEX[] =
    "87a46e6f6465c420444444444444444444444444444444444444444444444444"
    "4444444444444444a761646472657373b06578616d706c652e6f72673a373432"
    "30a87665726966696564c3a96c6173745f7365656ecf000001a3185c5000a566"
    "61696c7301a6736f75726365a6636f6e666967a9636f6e6e6563746564c2";

/*
 * The same entry in another order, with unknown keys a newer daemon might
 * add: {"zz": [1, {"a": None}], "connected": False, ..., "more": b"\0"}
 */
static const char KNOWN_NEWER_HEX[] =
    "89a27a7a920181a161c0a9636f6e6e6563746564c2a6736f75726365a6636f6e"
    "666967a56661696c7301a96c6173745f7365656ecf000001a3185c5000a87665"
    "726966696564c3a761646472657373b06578616d706c652e6f72673a37343230"
    "a46e6f6465c42044444444444444444444444444444444444444444444444444"
    "44444444444444a46d6f7265c40100";

/* {"kind": "follow", "id": b"\x55" * 32} and {"kind": "mirror-all"} */
static const char FOLLOW_HEX[] =
    "82a46b696e64a6666f6c6c6f77a26964c420555555555555555555555555555555"
    "5555555555555555555555555555555555";
static const char MIRROR_ALL_HEX[] = "81a46b696e64aa6d6972726f722d616c6c";

static const uint8_t	record_bytes[] = { 0x92, 0xc4, 0x01, 0x80, 0xc4, 0x00 };

static uint8_t *
unhex(const char *s, size_t *n)
{
	uint8_t	*p;

	*n = strlen(s) / 2;
	p = malloc(*n);
	assert_non_null(p);
	assert_int_equal(weft_hex_decode(p, *n, s, strlen(s)), 0);
	return p;
}

static char *
tohex(const struct weft_buf *b)
{
	char	*h = malloc(2 * b->len + 1);

	assert_non_null(h);
	weft_hex_encode(h, b->data, b->len);
	return h;
}

/* The document with every space and newline taken out. */
static char *
doc_squeezed(void)
{
	FILE	*f = fopen(WEFT_DOCS "/proto/control.md", "r");
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

typedef void encode_fn(struct weft_pack *, const void *);
typedef int decode_fn(const struct weft_obj *, void *);

/*
 * Checks that msg encodes to hex and that hex decodes to out. Returns the
 * decoded bytes, which out borrows from: the caller frees them.
 */
static uint8_t *
check_vector(const char *hex, encode_fn *enc, decode_fn *dec,
    const void *msg, void *out)
{
	struct weft_buf		 b;
	struct weft_pack	 pk;
	struct weft_msg		 m;
	uint8_t			*p;
	char			*h;
	size_t			 n;

	weft_buf_init(&b, WEFT_CTL_FRAME_MAX);
	weft_pack_init(&pk, &b);
	enc(&pk, msg);
	assert_int_equal(weft_pack_error(&pk), 0);
	h = tohex(&b);
	if (getenv("WEFT_CTLMSG_PRINT") != NULL)
		printf("%s\n", h);
	assert_string_equal(h, hex);
	free(h);
	weft_buf_release(&b);

	p = unhex(hex, &n);
	assert_int_equal(weft_msg_decode(&m, p, n), 0);
	assert_int_equal(dec(m.root, out), 0);
	/* out borrows from p: re-encode before releasing. */
	weft_buf_init(&b, WEFT_CTL_FRAME_MAX);
	weft_pack_init(&pk, &b);
	enc(&pk, out);
	assert_int_equal(weft_pack_error(&pk), 0);
	assert_int_equal(b.len, n);
	assert_memory_equal(b.data, p, n);
	weft_buf_release(&b);
	weft_msg_release(&m);
	return p;
}

static void
enc_status(struct weft_pack *pk, const void *m)
{
	weft_ctlmsg_status_encode(pk, m);
}

static int
dec_status(const struct weft_obj *o, void *m)
{
	return weft_ctlmsg_status_decode(o, m);
}

static void
enc_show(struct weft_pack *pk, const void *m)
{
	weft_ctlmsg_show_encode(pk, m);
}

static int
dec_show(const struct weft_obj *o, void *m)
{
	return weft_ctlmsg_show_decode(o, m);
}

static void
enc_peer(struct weft_pack *pk, const void *m)
{
	weft_ctlmsg_peer_encode(pk, m);
}

static int
dec_peer(const struct weft_obj *o, void *m)
{
	return weft_ctlmsg_peer_decode(o, m);
}

static void
enc_known(struct weft_pack *pk, const void *m)
{
	weft_ctlmsg_known_encode(pk, m);
}

static int
dec_known(const struct weft_obj *o, void *m)
{
	return weft_ctlmsg_known_decode(o, m);
}

static void
enc_policy(struct weft_pack *pk, const void *m)
{
	weft_ctlmsg_policy_encode(pk, m);
}

static int
dec_policy(const struct weft_obj *o, void *m)
{
	return weft_ctlmsg_policy_decode(o, m);
}

static void
status_sample(struct weft_ctlmsg_status *st)
{
	memset(st, 0, sizeof(*st));
	st->disk.free = 5000000000ULL;
	st->disk.reserve = 64u << 20;
	st->files.received = 4096;
	st->files.stored = 4000;
	st->files.served = 123;
	st->missing.records = 1;
	st->missing.files = 2;
	st->missing.designs = 1;
	st->missing.bytes = 70000;
	st->version = weft_ctlmsg_cstr("0.1.0");
	for (int i = 0; i < 32; i++)
		st->author[i] = (uint8_t)i;
	memset(st->node, 0xaa, 32);
	st->home = weft_ctlmsg_cstr("/h/weft");
	st->records = 5;
	st->designs = 2;
	st->libs = 1;
	st->chunks = 9;
	st->chunk_bytes = 300000;
	st->map_size = 1u << 30;
	st->map_used = 65536;
	st->uptime_ms = 61000;
	st->network_key_id = weft_ctlmsg_cstr("0123456789ABCDEF");
	st->sync.stored = 3;
	st->sync.dups = 1;
	st->sync.held = 1;
	st->sync.rounds = 2;
	st->sync.msgs_in = 10;
	st->sync.msgs_out = 11;
	st->sync.bytes_in = 1000;
	st->sync.bytes_out = 1100;
}

static void
peer_sample(struct weft_ctlmsg_peer *p)
{
	memset(p, 0, sizeof(*p));
	memset(p->node, 0x33, 32);
	p->address = weft_ctlmsg_cstr("127.0.0.1:7420");
	p->direction = weft_ctlmsg_cstr("out");
	p->state = weft_ctlmsg_cstr("waiting");
	p->error = weft_ctlmsg_cstr("connection refused");
	p->has_retry = true;
	p->retry_ms = 1500;
}

static void
known_sample(struct weft_ctlmsg_known *k)
{
	memset(k, 0, sizeof(*k));
	memset(k->node, 0x44, 32);
	k->address = weft_ctlmsg_cstr("example.org:7420");
	k->verified = true;
	k->last_seen = 1800000000000ULL;
	k->fails = 1;
	k->source = weft_ctlmsg_cstr("config");
}

static bool
str_is(struct weft_ctlmsg_str s, const char *lit)
{
	return weft_ctlmsg_str_eq(s, lit);
}

static void
test_status_vector(void **state)
{
	struct weft_ctlmsg_status	st, out;
	uint8_t				*p;

	(void)state;
	status_sample(&st);
	p = check_vector(STATUS_HEX, enc_status, dec_status, &st, &out);
	assert_true(str_is(out.version, "0.1.0"));
	assert_true(str_is(out.home, "/h/weft"));
	assert_memory_equal(out.author, st.author, 32);
	assert_memory_equal(out.node, st.node, 32);
	assert_int_equal(out.disk.free, 5000000000ULL);
	assert_false(out.disk.paused);
	assert_null(out.disk.error.s);
	assert_null(out.address.s);
	assert_null(out.listen.s);
	assert_int_equal(out.naddresses, 0);
	assert_int_equal(out.missing.bytes, 70000);
	assert_int_equal(out.sync.bytes_out, 1100);
	assert_int_equal(out.uptime_ms, 61000);
	assert_false(out.lan.on);
	free(p);
}

static void
test_show_vector(void **state)
{
	struct weft_ctlmsg_show	 sh, out;
	uint8_t			*p;

	(void)state;
	memset(&sh, 0, sizeof(sh));
	memset(sh.id, 0x11, 32);
	sh.type = weft_ctlmsg_cstr("rev");
	sh.record = record_bytes;
	sh.record_len = sizeof(record_bytes);
	sh.has_design = true;
	memset(sh.design, 0x22, 32);
	p = check_vector(SHOW_HEX, enc_show, dec_show, &sh, &out);
	assert_true(out.has_design);
	assert_int_equal(out.record_len, sizeof(record_bytes));
	assert_memory_equal(out.record, record_bytes, sizeof(record_bytes));
	assert_true(str_is(out.type, "rev"));
	free(p);
}

/*
 * "conflict" is written only when true (so the vector above stands), and
 * read back as written: absent or false is false.
 */
static void
test_show_conflict(void **state)
{
	struct weft_ctlmsg_show	 sh, out;
	struct weft_buf		 b;
	struct weft_pack	 pk;
	struct weft_msg		 m;

	(void)state;
	memset(&sh, 0, sizeof(sh));
	memset(sh.id, 0x11, 32);
	sh.type = weft_ctlmsg_cstr("rev");
	sh.record = record_bytes;
	sh.record_len = sizeof(record_bytes);
	sh.conflict = true;
	weft_buf_init(&b, 4096);
	weft_pack_init(&pk, &b);
	weft_ctlmsg_show_encode(&pk, &sh);
	assert_int_equal(weft_pack_error(&pk), 0);
	assert_int_equal(weft_msg_decode(&m, b.data, b.len), 0);
	assert_non_null(weft_obj_get(m.root, "conflict"));
	assert_int_equal(weft_ctlmsg_show_decode(m.root, &out), 0);
	assert_true(out.conflict);
	assert_false(out.has_design);
	weft_msg_release(&m);
	weft_buf_release(&b);

	sh.conflict = false;
	weft_buf_init(&b, 4096);
	weft_pack_init(&pk, &b);
	weft_ctlmsg_show_encode(&pk, &sh);
	assert_int_equal(weft_msg_decode(&m, b.data, b.len), 0);
	assert_null(weft_obj_get(m.root, "conflict"));
	assert_int_equal(weft_ctlmsg_show_decode(m.root, &out), 0);
	assert_false(out.conflict);
	weft_msg_release(&m);
	weft_buf_release(&b);
}

static void
test_peer_vector(void **state)
{
	struct weft_ctlmsg_peer	 p, out;
	uint8_t			*bytes;

	(void)state;
	peer_sample(&p);
	bytes = check_vector(PEER_HEX, enc_peer, dec_peer, &p, &out);
	assert_true(out.has_retry);
	assert_int_equal(out.retry_ms, 1500);
	assert_null(out.listen.s);
	assert_null(out.sw.s);
	assert_true(str_is(out.error, "connection refused"));
	assert_true(str_is(out.state, "waiting"));
	free(bytes);
}

static void
test_known_vector(void **state)
{
	struct weft_ctlmsg_known	 k, out;
	uint8_t				*p;

	(void)state;
	known_sample(&k);
	p = check_vector(KNOWN_HEX, enc_known, dec_known, &k, &out);
	assert_true(out.verified);
	assert_false(out.connected);
	assert_int_equal(out.last_seen, 1800000000000ULL);
	assert_true(str_is(out.source, "config"));
	free(p);
}

static void
test_policy_vectors(void **state)
{
	struct weft_ctlmsg_policy	p, out;

	(void)state;
	memset(&p, 0, sizeof(p));
	p.kind = WEFT_CTLMSG_FOLLOW;
	memset(p.id, 0x55, 32);
	free(check_vector(FOLLOW_HEX, enc_policy, dec_policy, &p, &out));
	assert_int_equal(out.kind, WEFT_CTLMSG_FOLLOW);
	assert_memory_equal(out.id, p.id, 32);
	memset(&p, 0, sizeof(p));
	p.kind = WEFT_CTLMSG_MIRROR_ALL;
	free(check_vector(MIRROR_ALL_HEX, enc_policy, dec_policy, &p,
	    &out));
	assert_int_equal(out.kind, WEFT_CTLMSG_MIRROR_ALL);
}

/* docs/proto/control.md prints every vector above. */
static void
test_doc_vectors(void **state)
{
	const char *const	vec[] = { STATUS_HEX, SHOW_HEX, PEER_HEX,
	    KNOWN_HEX, FOLLOW_HEX, MIRROR_ALL_HEX };
	char			*doc = doc_squeezed();

	(void)state;
	for (size_t i = 0; i < sizeof(vec) / sizeof(vec[0]); i++)
		if (strstr(doc, vec[i]) == NULL)
			fail_msg("docs/proto/control.md lacks vector %zu", i);
	free(doc);
}

/* Every operation of weft_ctl_ops is specified in control.md. */
static void
test_doc_ops(void **state)
{
	char	*doc = doc_squeezed(), pat[64];
	size_t	 n = 0;

	(void)state;
	for (const char *const *op = weft_ctl_ops; *op != NULL; op++, n++) {
		snprintf(pat, sizeof(pat), "`%s`\xe2\x80\x94", *op);	/* — */
		if (strstr(doc, pat) != NULL)
			continue;
		snprintf(pat, sizeof(pat), "`%s`/", *op);
		if (strstr(doc, pat) != NULL)
			continue;
		snprintf(pat, sizeof(pat), "\"op\":\"%s\"", *op);
		if (strstr(doc, pat) == NULL)
			fail_msg("control.md does not specify op '%s'", *op);
	}
	assert_int_equal(n, 61);
	free(doc);
}

static int
decode_hex(const char *hex, decode_fn *dec, void *out)
{
	struct weft_msg	 m;
	uint8_t		*p;
	size_t		 n;
	int		 err;

	p = unhex(hex, &n);
	assert_int_equal(weft_msg_decode(&m, p, n), 0);
	err = dec(m.root, out);
	weft_msg_release(&m);
	free(p);
	return err;
}

static void
test_unknown_keys(void **state)
{
	struct weft_ctlmsg_known	k;

	(void)state;
	assert_int_equal(decode_hex(KNOWN_NEWER_HEX, dec_known, &k), 0);
	assert_true(k.verified);
	assert_int_equal(k.fails, 1);
	assert_int_equal(k.last_seen, 1800000000000ULL);
}

/*
 * Packs a map of keys[0..n) with good values, except keys[skip] left
 * out, or given the value nil when bad.
 */
struct kv {
	const char	*key;
	char		 type;	/* b bin32, s str, S str or nil, u uint, t bool */
};

static void
pack_kvs(struct weft_pack *pk, const struct kv *kv, size_t n, size_t skip,
    bool bad)
{
	static const uint8_t	id[32] = { 7 };

	weft_pack_map(pk, (uint32_t)(bad ? n : n - 1));
	for (size_t i = 0; i < n; i++) {
		if (i == skip && !bad)
			continue;
		weft_pack_str(pk, kv[i].key);
		if (i == skip) {
			/* nil is fine where a str may be nil: use a uint. */
			if (kv[i].type == 'S')
				weft_pack_uint(pk, 1);
			else if (kv[i].type == 'u')
				weft_pack_int(pk, -1);
			else
				weft_pack_nil(pk);
			continue;
		}
		switch (kv[i].type) {
		case 'b':
			weft_pack_bin(pk, id, 32);
			break;
		case 's':
		case 'S':
			weft_pack_str(pk, "x");
			break;
		case 'u':
			weft_pack_uint(pk, 1);
			break;
		case 't':
			weft_pack_bool(pk, true);
			break;
		}
	}
}

static void
check_each_key(const struct kv *kv, size_t n, decode_fn *dec, void *out)
{
	struct weft_buf		 b;
	struct weft_pack	 pk;
	struct weft_msg		 m;

	for (size_t skip = 0; skip <= n; skip++)
		for (int bad = 0; bad < 2; bad++) {
			weft_buf_init(&b, 4096);
			weft_pack_init(&pk, &b);
			if (skip == n)	/* all good */
				pack_kvs(&pk, kv, n, n, true);
			else
				pack_kvs(&pk, kv, n, skip, bad);
			assert_int_equal(weft_pack_error(&pk), 0);
			assert_int_equal(weft_msg_decode(&m, b.data, b.len),
			    0);
			if (skip == n)
				assert_int_equal(dec(m.root, out), 0);
			else if (dec(m.root, out) != WEFT_EPROTO)
				fail_msg("key '%s' %s was accepted",
				    kv[skip].key, bad ? "mistyped" :
				    "missing");
			weft_msg_release(&m);
			weft_buf_release(&b);
		}
}

static void
test_missing_or_mistyped(void **state)
{
	static const struct kv	peer[] = {
		{ "node", 'b' }, { "address", 's' }, { "direction", 's' },
		{ "state", 's' }, { "bytes_in", 'u' }, { "bytes_out", 'u' },
		{ "since", 'u' }, { "listen", 'S' }, { "sw", 'S' },
		{ "error", 'S' },
	};
	static const struct kv	known[] = {
		{ "node", 'b' }, { "address", 's' }, { "verified", 't' },
		{ "last_seen", 'u' }, { "fails", 'u' }, { "source", 's' },
		{ "connected", 't' },
	};
	static const struct kv	show[] = {
		{ "id", 'b' }, { "type", 's' }, { "record", 'b' },
	};
	struct weft_ctlmsg_peer		p;
	struct weft_ctlmsg_known	k;
	struct weft_ctlmsg_show		sh;

	(void)state;
	check_each_key(peer, sizeof(peer) / sizeof(peer[0]), dec_peer, &p);
	assert_false(p.has_retry);
	check_each_key(known, sizeof(known) / sizeof(known[0]), dec_known,
	    &k);
	check_each_key(show, sizeof(show) / sizeof(show[0]), dec_show, &sh);
	assert_false(sh.has_design);
}

/* Status: each key of the vector, and of its maps, taken out. */
static void
test_status_each_key(void **state)
{
	struct weft_ctlmsg_status	 st;
	struct weft_msg			 m;
	const struct weft_obj		*sub;
	const char			*k;
	uint8_t				*p;
	size_t				 n, kn;
	char				 key[64];
	int				 nmaps = 0;

	(void)state;
	p = unhex(STATUS_HEX, &n);
	assert_int_equal(weft_msg_decode(&m, p, n), 0);
	/*
	 * A key is required if its name occurs in the vector: rename
	 * each occurrence in a copy and expect EPROTO (the status key and
	 * the "on" of lan aside, which the decoder skips or needs).
	 */
	for (uint32_t i = 0; i < weft_obj_len(m.root); i++) {
		uint8_t		*q;
		struct weft_msg	 m2;
		char		*at;

		assert_int_equal(weft_obj_str(weft_obj_key_at(m.root, i), &k,
		    &kn), 0);
		snprintf(key, sizeof(key), "%.*s", (int)kn, k);
		if (strcmp(key, "status") == 0)
			continue;
		sub = weft_obj_val_at(m.root, i);
		if (weft_obj_type(sub) == WEFT_OBJ_MAP)
			nmaps++;
		/* The key's bytes start at its string in p. */
		at = memmem(p, n, k, kn);
		assert_non_null(at);
		q = malloc(n);
		assert_non_null(q);
		memcpy(q, p, n);
		q[(uint8_t *)at - p] ^= 0x20;	/* "disk" -> "Disk" */
		assert_int_equal(weft_msg_decode(&m2, q, n), 0);
		assert_int_equal(weft_ctlmsg_status_decode(m2.root, &st),
		    WEFT_EPROTO);
		weft_msg_release(&m2);
		free(q);
	}
	assert_int_equal(nmaps, 5);
	weft_msg_release(&m);
	free(p);
}

static void
test_lan_on(void **state)
{
	struct weft_ctlmsg_status	 st, out;
	struct weft_buf			 b;
	struct weft_pack		 pk;
	struct weft_msg			 m;

	(void)state;
	status_sample(&st);
	st.lan.on = true;
	st.lan.port = 7400;
	st.lan.sent = 9;
	st.address = weft_ctlmsg_cstr("aa@10.0.0.2:7420");
	st.addresses[0] = st.address;
	st.addresses[1] = weft_ctlmsg_cstr("aa@[fd00::2]:7420");
	st.naddresses = 2;
	st.listen = weft_ctlmsg_cstr("0.0.0.0:7420");
	st.disk.paused = true;
	st.disk.error = weft_ctlmsg_cstr("store full");
	weft_buf_init(&b, WEFT_CTL_FRAME_MAX);
	weft_pack_init(&pk, &b);
	weft_ctlmsg_status_encode(&pk, &st);
	assert_int_equal(weft_pack_error(&pk), 0);
	assert_int_equal(weft_msg_decode(&m, b.data, b.len), 0);
	assert_int_equal(weft_ctlmsg_status_decode(m.root, &out), 0);
	assert_true(out.lan.on);
	assert_int_equal(out.lan.port, 7400);
	assert_int_equal(out.lan.sent, 9);
	assert_int_equal(out.naddresses, 2);
	assert_true(str_is(out.addresses[1], "aa@[fd00::2]:7420"));
	assert_true(str_is(out.listen, "0.0.0.0:7420"));
	assert_true(out.disk.paused);
	assert_true(str_is(out.disk.error, "store full"));
	assert_int_equal(weft_obj_len(weft_obj_get(m.root, "lan")), 9);
	weft_msg_release(&m);
	weft_buf_release(&b);
}

static void
test_limits(void **state)
{
	struct weft_ctlmsg_status	 st;
	struct weft_ctlmsg_known	 k;
	struct weft_ctlmsg_show		 sh;
	struct weft_buf			 b;
	struct weft_pack		 pk;
	struct weft_msg			 m;
	char				*big;
	static uint8_t			 rec[WEFT_CTLMSG_RECORD_MAX + 1];

	(void)state;
	big = malloc(WEFT_CTLMSG_HOME_MAX + 2);
	assert_non_null(big);
	memset(big, 'a', WEFT_CTLMSG_HOME_MAX + 1);
	big[WEFT_CTLMSG_HOME_MAX + 1] = '\0';

	/* The encoder refuses what the decoder would. */
	known_sample(&k);
	k.address.s = big;
	k.address.n = WEFT_CTLMSG_STR_MAX + 1;
	weft_buf_init(&b, WEFT_CTL_FRAME_MAX);
	weft_pack_init(&pk, &b);
	weft_ctlmsg_known_encode(&pk, &k);
	assert_int_equal(weft_pack_error(&pk), WEFT_ETOOBIG);
	weft_buf_release(&b);
	status_sample(&st);
	st.naddresses = WEFT_CTLMSG_ADDRS_MAX + 1;
	weft_buf_init(&b, WEFT_CTL_FRAME_MAX);
	weft_pack_init(&pk, &b);
	weft_ctlmsg_status_encode(&pk, &st);
	assert_int_equal(weft_pack_error(&pk), WEFT_ETOOBIG);
	weft_buf_release(&b);
	status_sample(&st);
	st.home.s = big;
	st.home.n = WEFT_CTLMSG_HOME_MAX;
	weft_buf_init(&b, WEFT_CTL_FRAME_MAX);
	weft_pack_init(&pk, &b);
	weft_ctlmsg_status_encode(&pk, &st);
	assert_int_equal(weft_pack_error(&pk), 0);
	weft_buf_release(&b);

	/* The decoder: a str, an array and a bin one over. */
	weft_buf_init(&b, WEFT_CTL_FRAME_MAX);
	weft_pack_init(&pk, &b);
	weft_pack_map(&pk, 7);
	weft_pack_str(&pk, "node");
	weft_pack_bin(&pk, rec, 32);
	weft_pack_str(&pk, "address");
	weft_pack_strn(&pk, big, WEFT_CTLMSG_STR_MAX + 1);
	weft_pack_str(&pk, "verified");
	weft_pack_bool(&pk, true);
	weft_pack_str(&pk, "last_seen");
	weft_pack_uint(&pk, 0);
	weft_pack_str(&pk, "fails");
	weft_pack_uint(&pk, 0);
	weft_pack_str(&pk, "source");
	weft_pack_str(&pk, "lan");
	weft_pack_str(&pk, "connected");
	weft_pack_bool(&pk, false);
	assert_int_equal(weft_msg_decode(&m, b.data, b.len), 0);
	assert_int_equal(weft_ctlmsg_known_decode(m.root, &k), WEFT_ETOOBIG);
	weft_msg_release(&m);
	weft_buf_release(&b);

	weft_buf_init(&b, WEFT_CTL_FRAME_MAX);
	weft_pack_init(&pk, &b);
	weft_pack_map(&pk, 3);
	weft_pack_str(&pk, "id");
	weft_pack_bin(&pk, rec, 32);
	weft_pack_str(&pk, "type");
	weft_pack_str(&pk, "rev");
	weft_pack_str(&pk, "record");
	weft_pack_bin(&pk, rec, sizeof(rec));
	assert_int_equal(weft_msg_decode(&m, b.data, b.len), 0);
	assert_int_equal(weft_ctlmsg_show_decode(m.root, &sh), WEFT_ETOOBIG);
	weft_msg_release(&m);
	weft_buf_release(&b);

	/* 65 addresses: the vector with its empty array replaced. */
	{
		struct weft_buf	 v;
		uint8_t		*p, *at;
		size_t		 n;
		static const uint8_t key[] = "\xa9" "addresses" "\x90";

		p = unhex(STATUS_HEX, &n);
		at = memmem(p, n, key, sizeof(key) - 1);
		assert_non_null(at);
		weft_buf_init(&v, WEFT_CTL_FRAME_MAX);
		assert_int_equal(weft_buf_add(&v, p, (size_t)(at - p) + 10),
		    0);
		weft_pack_init(&pk, &v);
		weft_pack_array(&pk, WEFT_CTLMSG_ADDRS_MAX + 1);
		for (int i = 0; i <= WEFT_CTLMSG_ADDRS_MAX; i++)
			weft_pack_str(&pk, "a@10.0.0.1:1");
		assert_int_equal(weft_pack_error(&pk), 0);
		at += sizeof(key) - 1;
		assert_int_equal(weft_buf_add(&v, at, n - (size_t)(at - p)),
		    0);
		assert_int_equal(weft_msg_decode(&m, v.data, v.len), 0);
		assert_int_equal(weft_ctlmsg_status_decode(m.root, &st),
		    WEFT_ETOOBIG);
		weft_msg_release(&m);
		weft_buf_release(&v);
		free(p);
	}
	free(big);
}

static void
test_policy_rules(void **state)
{
	struct weft_ctlmsg_policy	 p;
	struct weft_buf			 b;
	struct weft_pack		 pk;
	struct weft_msg			 m;
	static const uint8_t		 id[32];
	static const struct {
		const char	*kind;
		bool		 id;
		int		 want;
	} c[] = {
		{ "follow", true, 0 }, { "mirror", true, 0 },
		{ "mirror-all", false, 0 }, { "follow", false, WEFT_EPROTO },
		{ "mirror", false, WEFT_EPROTO },
		{ "mirror-all", true, WEFT_EPROTO },
		{ "Follow", true, WEFT_EPROTO }, { "", false, WEFT_EPROTO },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		weft_buf_init(&b, 4096);
		weft_pack_init(&pk, &b);
		weft_pack_map(&pk, c[i].id ? 2 : 1);
		weft_pack_str(&pk, "kind");
		weft_pack_str(&pk, c[i].kind);
		if (c[i].id) {
			weft_pack_str(&pk, "id");
			weft_pack_bin(&pk, id, 32);
		}
		assert_int_equal(weft_msg_decode(&m, b.data, b.len), 0);
		assert_int_equal(weft_ctlmsg_policy_decode(m.root, &p),
		    c[i].want);
		weft_msg_release(&m);
		weft_buf_release(&b);
	}
	memset(&p, 0, sizeof(p));
	p.kind = (enum weft_ctlmsg_policy_kind)9;
	weft_buf_init(&b, 4096);
	weft_pack_init(&pk, &b);
	weft_ctlmsg_policy_encode(&pk, &p);
	assert_int_equal(weft_pack_error(&pk), WEFT_EBADFIELD);
	weft_buf_release(&b);
	assert_null(weft_ctlmsg_policy_kind_name(0));
	assert_string_equal(weft_ctlmsg_policy_kind_name(WEFT_CTLMSG_MIRROR),
	    "mirror");
}

/*
 * Every byte of every vector flipped, and every prefix: whatever decodes
 * re-encodes to something that decodes again (the encoder accepts what
 * the decoder accepts).
 */
static void
mangle(const char *hex, encode_fn *enc, decode_fn *dec, void *out)
{
	struct weft_buf		 b;
	struct weft_pack	 pk;
	struct weft_msg		 m, m2;
	uint8_t			*p;
	size_t			 n;

	p = unhex(hex, &n);
	for (size_t i = 0; i < 2 * n; i++) {
		size_t	len = i < n ? n : i - n;

		if (i < n)
			p[i] ^= (uint8_t)(1u << (i % 8));
		if (weft_msg_decode(&m, p, len) == 0) {
			if (dec(m.root, out) == 0) {
				weft_buf_init(&b, WEFT_CTL_FRAME_MAX);
				weft_pack_init(&pk, &b);
				enc(&pk, out);
				assert_int_equal(weft_pack_error(&pk), 0);
				assert_int_equal(weft_msg_decode(&m2, b.data,
				    b.len), 0);
				assert_int_equal(dec(m2.root, out), 0);
				weft_msg_release(&m2);
				weft_buf_release(&b);
			}
			weft_msg_release(&m);
		}
		if (i < n)
			p[i] ^= (uint8_t)(1u << (i % 8));
	}
	free(p);
}

static void
test_mangle(void **state)
{
	struct weft_ctlmsg_status	st;
	struct weft_ctlmsg_show		sh;
	struct weft_ctlmsg_peer		pe;
	struct weft_ctlmsg_known	k;
	struct weft_ctlmsg_policy	po;

	(void)state;
	mangle(STATUS_HEX, enc_status, dec_status, &st);
	mangle(SHOW_HEX, enc_show, dec_show, &sh);
	mangle(PEER_HEX, enc_peer, dec_peer, &pe);
	mangle(KNOWN_HEX, enc_known, dec_known, &k);
	mangle(KNOWN_NEWER_HEX, enc_known, dec_known, &k);
	mangle(FOLLOW_HEX, enc_policy, dec_policy, &po);
	mangle(MIRROR_ALL_HEX, enc_policy, dec_policy, &po);
}

static void
test_not_a_map(void **state)
{
	struct weft_ctlmsg_status	st;
	struct weft_ctlmsg_policy	po;

	(void)state;
	assert_int_equal(weft_ctlmsg_status_decode(NULL, &st), WEFT_EPROTO);
	assert_int_equal(weft_ctlmsg_policy_decode(NULL, &po), WEFT_EPROTO);
	assert_false(weft_ctlmsg_str_eq(weft_ctlmsg_cstr(NULL), ""));
	assert_true(weft_ctlmsg_str_eq(weft_ctlmsg_cstr(""), ""));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_status_vector),
		cmocka_unit_test(test_show_vector),
		cmocka_unit_test(test_show_conflict),
		cmocka_unit_test(test_peer_vector),
		cmocka_unit_test(test_known_vector),
		cmocka_unit_test(test_policy_vectors),
		cmocka_unit_test(test_doc_vectors),
		cmocka_unit_test(test_doc_ops),
		cmocka_unit_test(test_unknown_keys),
		cmocka_unit_test(test_missing_or_mistyped),
		cmocka_unit_test(test_status_each_key),
		cmocka_unit_test(test_lan_on),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_policy_rules),
		cmocka_unit_test(test_mangle),
		cmocka_unit_test(test_not_a_map),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
