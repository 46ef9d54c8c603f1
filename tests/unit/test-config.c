/*
 * util/config.c and util/invite.c: every key of the config file, the
 * address syntax (host names allowed), limits on repeated keys, the line
 * editor behind `weft config`, the key table's defaults against weftd's
 * constants, and the invite vectors of docs/proto/keys.md.
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

#include "config.h"
#include "invite.h"
#include "net.h"

#define HEX_A	"abababababababababababababababab" \
		"abababababababababababababababab"
#define HEX_B	"0123456789abcdef0123456789abcdef" \
		"0123456789abcdef0123456789abcdef"

static struct weft_config	cfg;

static int
parse(const char *text, struct weft_config_error *e)
{
	weft_config_init(&cfg);
	return weft_config_parse(&cfg, text, strlen(text), e);
}

#define BAD(text, lineno, message) do {					\
	struct weft_config_error be;					\
	assert_int_equal(parse((text), &be), WEFT_EUSAGE);		\
	assert_int_equal(be.line, (lineno));				\
	assert_string_equal(be.msg, (message));				\
} while (0)

static void
test_keys(void **state)
{
	struct weft_config_error	e;

	(void)state;
	assert_int_equal(parse(
	    "# a full file\n"
	    "network-key = " HEX_B "\n"
	    "listen = 0.0.0.0:7420\n"
	    "address = node.example.org:7420\n"
	    "address = [2001:db8::1]:7420\n"
	    "peer = " HEX_A "@example.org:7420\n"
	    "peer = " HEX_A "@1.2.3.4:7420\n"
	    "peer = " HEX_A "@[::1]:7420\n"
	    "seed = " HEX_B "@seed-1.example:9\n"
	    "lan-discovery = off\n"
	    "handshake-timeout-ms = 1500\n"
	    "ping-interval-ms = 2000\n"
	    "idle-timeout-ms = 30000\n"
	    "backoff-min-ms = 100\n"
	    "backoff-max-ms = 400\n"
	    "max-inbound = 0\n"
	    "max-outbound = 65536\n"
	    "out-target = 3\n"
	    "send-queue-max = 4M\n"
	    "map-size = 1g\n"
	    "follow = " HEX_A "\n"
	    "mirror = all\n"
	    "mirror = " HEX_B "\n", &e), 0);
	assert_true(cfg.has_network_key);
	assert_int_equal(cfg.network_key[0], 0x01);
	assert_string_equal(cfg.listen, "0.0.0.0:7420");
	assert_int_equal(cfg.naddress, 2);
	assert_string_equal(cfg.address[1], "[2001:db8::1]:7420");
	assert_int_equal(cfg.npeers, 3);
	assert_string_equal(cfg.peers[0], HEX_A "@example.org:7420");
	assert_string_equal(cfg.peers[2], HEX_A "@[::1]:7420");
	assert_int_equal(cfg.nseeds, 1);
	assert_int_equal(cfg.num[WEFT_CFG_LAN_DISCOVERY], 0);
	assert_int_equal(cfg.num[WEFT_CFG_HANDSHAKE_TIMEOUT_MS], 1500);
	assert_int_equal(cfg.num[WEFT_CFG_MAX_INBOUND], 0);
	assert_int_equal(cfg.num[WEFT_CFG_MAX_OUTBOUND], 65536);
	assert_int_equal(cfg.num[WEFT_CFG_SEND_QUEUE_MAX], 4u << 20);
	assert_int_equal(cfg.num[WEFT_CFG_MAP_SIZE], 1u << 30);
	assert_int_equal(cfg.nfollow, 1);
	assert_int_equal(cfg.follow[0][0], 0xab);
	assert_true(cfg.mirror_all);
	assert_int_equal(cfg.nmirror, 1);
	assert_true(cfg.set[WEFT_CFG_OUT_TARGET]);
	assert_int_equal(weft_config_count(&cfg,
	    &weft_config_keys[WEFT_CFG_MIRROR]), 2);

	/* The old spelling and the blanks inih strips. */
	assert_int_equal(parse("\xef\xbb\xbfnetwork_key\t=\t" HEX_B
	    " \r\n  ; comment\n", &e), 0);
	assert_true(cfg.has_network_key);

	/* Every kind of bad line, with its number. */
	BAD("\n\nport = 1\n", 3, "unknown key");
	BAD("listen 1.2.3.4:1\n", 1, "expected 'key = value'");
	BAD("listen: 1.2.3.4:1\n", 1, "expected 'key = value'");
	BAD("#\n[weft]\nlisten = 1.2.3.4:1\n", 2,
	    "sections ([...]) are not used");
	BAD("\n = 1\n", 2, "missing key before '='");
	BAD("lan-discovery =\n", 1, "missing value after '='");
	BAD("lan-discovery = yes\n", 1, "lan-discovery must be on or off");
	BAD("lan-discovery = on ; comment\n", 1,
	    "lan-discovery must be on or off");
	BAD("max-inbound = 65537\n", 1,
	    "max-inbound must be a number from 0 to 65536");
	BAD("max-inbound = -1\n", 1,
	    "max-inbound must be a number from 0 to 65536");
	BAD("idle-timeout-ms = 0\n", 1,
	    "idle-timeout-ms: expected a number of milliseconds, "
	    "1 to 86400000");
	BAD("idle-timeout-ms = 99999999999999999999999\n", 1,
	    "idle-timeout-ms: expected a number of milliseconds, "
	    "1 to 86400000");
	BAD("send-queue-max = 2G\n", 1,
	    "send-queue-max must be bytes from 64K to 1G (suffix K, M, G)");
	BAD("map-size = 1T\n", 1,
	    "map-size must be bytes from 1M to 1024G (suffix K, M, G)");
	BAD("listen = 1.2.3.4:1\nlisten = 1.2.3.4:2\n", 2,
	    "key is set twice (it takes one value)");
	BAD("network_key = " HEX_A "\nnetwork-key = " HEX_A "\n", 2,
	    "key is set twice (it takes one value)");
	BAD("listen = example.org:1\n", 1,
	    "listen must be IP:PORT or [IPv6]:PORT");
	BAD("peer = " HEX_A "\n", 1, weft_config_keys[WEFT_CFG_PEER].bad);
	BAD("seed = " HEX_A "@example.org\n", 1,
	    weft_config_keys[WEFT_CFG_SEED].bad);
	BAD("follow = abc\n", 1,
	    "follow must be an author id (64 hex characters)");
	BAD("mirror = everything\n", 1,
	    "mirror must be a library id (64 hex characters) or all");
	BAD("address = 1.2.3.4:0\n", 1,
	    weft_config_keys[WEFT_CFG_ADDRESS].bad);
	BAD("address = a:1\naddress = b:1\naddress = c:1\naddress = d:1\n"
	    "address = e:1\n", 5, "too many address lines (at most 4)");
}

static void
test_addr_syntax(void **state)
{
	static const char *const good[] = {
		"example.org:7420", "localhost:1", "a-b.c:65535",
		"1.2.3.4:7420", "[::1]:7420", "[fe80::1]:9", "x.y.:1",
		"123abc.example:1", "7-eleven:1",
	};
	static const char *const bad[] = {
		"example.org", "example.org:0", "example.org:65536",
		":1", "-a.b:1", "a-.b:1", "a..b:1", ".a:1", "a_b:1",
		"::1:7420", "1.2.3:7420", "1.2.3.256:1", "[1.2.3.4]:1",
		"a b:1", "example.org:+1", "[::1:1", "\xc3\xa9.org:1",
	};
	char	long_label[80], long_name[300];

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_int_equal(weft_config_addr_check(good[i],
		    strlen(good[i])), 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (weft_config_addr_check(bad[i], strlen(bad[i])) !=
		    WEFT_EUSAGE)
			fail_msg("accepted '%s'", bad[i]);
	}
	memset(long_label, 'a', 64);
	memcpy(long_label + 64, ":1", 3);
	assert_int_equal(weft_config_addr_check(long_label,
	    strlen(long_label)), WEFT_EUSAGE);
	long_label[1] = '.';
	assert_int_equal(weft_config_addr_check(long_label,
	    strlen(long_label)), 0);
	memset(long_name, 'a', 254);
	for (size_t i = 50; i < 254; i += 50)
		long_name[i] = '.';
	memcpy(long_name + 254, ":1", 3);
	assert_int_equal(weft_config_addr_check(long_name,
	    strlen(long_name)), WEFT_EUSAGE);
	assert_int_equal(weft_config_addr_check(long_name + 1,
	    strlen(long_name + 1)), 0);
	assert_int_equal(weft_config_peer_check(HEX_A "@[::1]:1",
	    strlen(HEX_A "@[::1]:1")), 0);
	assert_int_equal(weft_config_peer_check("zz" HEX_A "@[::1]:1",
	    strlen("zz" HEX_A "@[::1]:1")), WEFT_EUSAGE);
	assert_int_equal(weft_config_peer_check(HEX_A "x.org:1",
	    strlen(HEX_A "x.org:1")), WEFT_EUSAGE);
}

static void
test_repeat_caps(void **state)
{
	struct weft_config_error	 e;
	struct weft_buf			 b;

	(void)state;
	weft_buf_init(&b, WEFT_CONFIG_MAX);
	for (int i = 0; i <= WEFT_CONFIG_PEERS_MAX; i++)
		assert_int_equal(weft_buf_printf(&b, "peer = " HEX_A
		    "@h%d.example:1\n", i), 0);
	weft_config_init(&cfg);
	assert_int_equal(weft_config_parse(&cfg, (const char *)b.data,
	    b.len, &e), WEFT_EUSAGE);
	assert_int_equal(e.line, WEFT_CONFIG_PEERS_MAX + 1);
	assert_string_equal(e.msg, "too many lines of this key (at most 64)");
	assert_int_equal(cfg.npeers, WEFT_CONFIG_PEERS_MAX);
	weft_buf_release(&b);
}

static void
test_defaults(void **state)
{
	struct weft_net_limits	l;

	(void)state;
	weft_net_limits_default(&l);
	weft_config_init(&cfg);
	assert_int_equal(cfg.num[WEFT_CFG_HANDSHAKE_TIMEOUT_MS],
	    l.session.handshake_ms);
	assert_int_equal(cfg.num[WEFT_CFG_PING_INTERVAL_MS],
	    l.session.ping_ms);
	assert_int_equal(cfg.num[WEFT_CFG_IDLE_TIMEOUT_MS],
	    l.session.idle_ms);
	assert_int_equal(cfg.num[WEFT_CFG_BACKOFF_MIN_MS], l.backoff_min_ms);
	assert_int_equal(cfg.num[WEFT_CFG_BACKOFF_MAX_MS], l.backoff_max_ms);
	assert_int_equal(cfg.num[WEFT_CFG_MAX_INBOUND], l.in_max);
	assert_int_equal(cfg.num[WEFT_CFG_MAX_INBOUND_GROUP], l.in_group_max);
	assert_int_equal(cfg.num[WEFT_CFG_MAX_HANDSHAKES], l.hs_max);
	assert_int_equal(cfg.num[WEFT_CFG_MAX_HANDSHAKES_GROUP],
	    l.hs_group_max);
	assert_int_equal(cfg.num[WEFT_CFG_MAX_OUTBOUND], l.out_max);
	assert_int_equal(cfg.num[WEFT_CFG_OUT_TARGET], l.out_target);
	assert_int_equal(cfg.num[WEFT_CFG_SEND_QUEUE_MAX], l.sendq_max);
	assert_int_equal(cfg.num[WEFT_CFG_MAP_SIZE], (uint64_t)16 << 30);
	assert_int_equal(cfg.num[WEFT_CFG_LAN_DISCOVERY], 1);
	for (size_t i = 0; i < WEFT_CFG_NKEYS; i++) {
		assert_non_null(weft_config_keys[i].name);
		assert_non_null(weft_config_keys[i].bad);
		assert_ptr_equal(weft_config_key_find(
		    weft_config_keys[i].name), &weft_config_keys[i]);
		assert_false(cfg.set[i]);
	}
	assert_ptr_equal(weft_config_key_find("network_key"),
	    &weft_config_keys[WEFT_CFG_NETWORK_KEY]);
	assert_null(weft_config_key_find("lan_discovery"));
}

static const char *
edit(const char *old, int op, int key, const char *value, bool *changed)
{
	static struct weft_buf	b;

	weft_buf_release(&b);
	weft_buf_init(&b, WEFT_CONFIG_MAX);
	assert_int_equal(weft_config_edit(old, old != NULL ? strlen(old) : 0,
	    op, &weft_config_keys[key], value, &b, changed), 0);
	assert_int_equal(weft_buf_add(&b, "", 1), 0);
	return (const char *)b.data;
}

static void
test_edit(void **state)
{
#define OLD	"# top\n\n  listen = 1.2.3.4:1  \n; mid\npeer = " HEX_A \
		"@a.example:1\n# end"
	static const char	 old[] = OLD;
	bool			 ch;

	(void)state;
	assert_string_equal(edit(old, WEFT_CONFIG_EDIT_SET, WEFT_CFG_LISTEN,
	    "[::1]:2", &ch), "# top\n\nlisten = [::1]:2\n; mid\npeer = "
	    HEX_A "@a.example:1\n# end\n");
	assert_true(ch);
	assert_string_equal(edit(old, WEFT_CONFIG_EDIT_SET,
	    WEFT_CFG_MAX_INBOUND, "3", &ch), "# top\n\n  listen = "
	    "1.2.3.4:1  \n; mid\npeer = " HEX_A "@a.example:1\n# end\n"
	    "max-inbound = 3\n");
	/* add goes after the key's last line; a present value is kept. */
	assert_string_equal(edit(old, WEFT_CONFIG_EDIT_ADD, WEFT_CFG_PEER,
	    HEX_A "@b.example:1", &ch), "# top\n\n  listen = 1.2.3.4:1  \n"
	    "; mid\npeer = " HEX_A "@a.example:1\npeer = " HEX_A
	    "@b.example:1\n# end\n");
	edit(OLD "\n", WEFT_CONFIG_EDIT_ADD, WEFT_CFG_PEER,
	    HEX_A "@a.example:1", &ch);
	assert_false(ch);
	assert_string_equal(edit(old, WEFT_CONFIG_EDIT_UNSET,
	    WEFT_CFG_LISTEN, NULL, &ch), "# top\n\n; mid\npeer = " HEX_A
	    "@a.example:1\n# end\n");
	assert_true(ch);
	edit(OLD "\n", WEFT_CONFIG_EDIT_UNSET, WEFT_CFG_PEER,
	    HEX_A "@z.example:1", &ch);
	assert_false(ch);
	/* Both spellings of the network key are one key. */
	assert_string_equal(edit("network_key = x\nnetwork-key = y\n",
	    WEFT_CONFIG_EDIT_SET, WEFT_CFG_NETWORK_KEY, HEX_B, &ch),
	    "network-key = " HEX_B "\n");
	assert_string_equal(edit(NULL, WEFT_CONFIG_EDIT_SET,
	    WEFT_CFG_LAN_DISCOVERY, "off", &ch),
	    "# weft node configuration: see weft-config(5)\n"
	    "lan-discovery = off\n");
	assert_true(ch);
	edit("", WEFT_CONFIG_EDIT_UNSET, WEFT_CFG_PEER, NULL, &ch);
	assert_false(ch);
#undef OLD
}

/* docs/proto/keys.md, "Invites": the vectors. */
static const char vec2[] = "weft-invite1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBk"
    "aGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0-PwIVc2VlZC5leGFtcGxl"
    "Lm9yZzo3NDIwElsyMDAxOmRiODo6MV06NzQyMDY517A";
static const char vec0[] = "weft-invite1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBk"
    "aGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0-PwArvNZU";

static void
test_invite(void **state)
{
	struct weft_invite	 inv, back;
	const char		*msg;
	char			 text[WEFT_INVITE_MAX + 1], bad[sizeof(vec2)];

	(void)state;
	memset(&inv, 0, sizeof(inv));
	for (int i = 0; i < 32; i++) {
		inv.network_key[i] = (uint8_t)i;
		inv.node[i] = (uint8_t)(32 + i);
	}
	assert_int_equal(weft_invite_encode(&inv, text, sizeof(text)), 0);
	assert_string_equal(text, vec0);
	snprintf(inv.addr[0], sizeof(inv.addr[0]), "seed.example.org:7420");
	snprintf(inv.addr[1], sizeof(inv.addr[1]), "[2001:db8::1]:7420");
	inv.naddr = 2;
	assert_int_equal(weft_invite_encode(&inv, text, sizeof(text)), 0);
	assert_string_equal(text, vec2);
	assert_int_equal(weft_invite_encode(&inv, text, 100), WEFT_ETOOBIG);

	assert_int_equal(weft_invite_decode(&back, vec2, strlen(vec2), &msg),
	    0);
	assert_memory_equal(&back, &inv, sizeof(inv));
	snprintf(text, sizeof(text), "  %s\n", vec2);
	assert_int_equal(weft_invite_decode(&back, text, strlen(text), &msg),
	    0);

	/* Every single changed character is caught. */
	for (size_t i = 0; i < sizeof(vec2) - 1; i++) {
		memcpy(bad, vec2, sizeof(vec2));
		bad[i] = bad[i] == 'A' ? 'B' : 'A';
		assert_int_not_equal(weft_invite_decode(&back, bad,
		    strlen(bad), &msg), 0);
		assert_non_null(msg);
	}
	/* Cut short, or a line break pasted in. */
	assert_int_equal(weft_invite_decode(&back, vec2, strlen(vec2) - 1,
	    &msg), WEFT_EUSAGE);
	assert_non_null(strstr(msg, "damaged"));
	snprintf(text, sizeof(text), "%.40s\n%s", vec2, vec2 + 40);
	assert_int_equal(weft_invite_decode(&back, text, strlen(text), &msg),
	    WEFT_EUSAGE);
	assert_non_null(strstr(msg, "one line"));
	assert_int_equal(weft_invite_decode(&back, "weft-invite2:AAAA", 17,
	    &msg), WEFT_EVERSION);
	assert_int_equal(weft_invite_decode(&back, HEX_A, 64, &msg),
	    WEFT_EUSAGE);
	assert_non_null(strstr(msg, "not a weft invite"));

	/* A bad address is refused when encoding. */
	snprintf(inv.addr[1], sizeof(inv.addr[1]), "no port");
	assert_int_equal(weft_invite_encode(&inv, text, sizeof(text)),
	    WEFT_EUSAGE);
}

/* label-action: a label and an action; never a removal label. */
static void
test_label_action(void **state)
{
	size_t	n;

	(void)state;
	assert_int_equal(weft_config_label_action("nsfw:block", &n), 2);
	assert_int_equal(n, 4);
	assert_int_equal(weft_config_label_action("org.example/x:hide", &n),
	    1);
	assert_int_equal(weft_config_label_action("weft.not/spam:none", &n),
	    -1);
	assert_int_equal(weft_config_label_action("spam:maybe", &n), -1);
	/* Names no label it could withdraw: an ordinary namespaced one. */
	assert_int_equal(weft_config_label_action("weft.not/x:hide", &n), 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_addr_syntax),
		cmocka_unit_test(test_repeat_caps),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_edit),
		cmocka_unit_test(test_invite),
		cmocka_unit_test(test_label_action),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
