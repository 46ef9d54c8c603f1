/*
 * Fuzzes weft_config_parse(), the config file parser (util/config.c, on
 * libinih), weft_config_edit() on the same text, and the address checkers
 * (weft_config_hostport(), weft_config_addr_check()) on the same bytes.
 * A failure must name a line of the text and a message. A success must
 * give values that, written out again by weft_config_format() as
 * "key = value" lines, parse to the same values; and setting a key with
 * the editor must give a text that parses with that value, every other
 * key unchanged.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "weft/buf.h"
#include "weft/err.h"

#include "config.h"
#include "fuzz.h"

static struct weft_config	cfg, cfg2;

static int
lines(const uint8_t *p, size_t n)
{
	int	k = 1;

	for (size_t i = 0; i < n; i++)
		if (p[i] == '\n')
			k++;
	return k;
}

/* Every value of every key as "key = value" lines. */
static void
write_out(const struct weft_config *c, struct weft_buf *b)
{
	const struct weft_config_key	*k;
	char				 v[WEFT_CONFIG_PEER_MAX];
	size_t				 n;

	for (size_t i = 0; i < WEFT_CFG_NKEYS; i++) {
		k = &weft_config_keys[i];
		if (!c->set[i])
			continue;
		n = weft_config_count(c, k);
		for (size_t j = 0; j < n; j++) {
			FUZZ_CHECK(weft_config_format(c, k, j, v,
			    sizeof(v)) == 0);
			FUZZ_CHECK(weft_buf_printf(b, "%s = %s\n", k->name,
			    v) == 0);
		}
	}
}

static bool
same(const struct weft_config *a, const struct weft_config *b)
{
	struct weft_buf	x, y;
	bool		eq;

	weft_buf_init(&x, 4 * WEFT_CONFIG_MAX);
	weft_buf_init(&y, 4 * WEFT_CONFIG_MAX);
	write_out(a, &x);
	write_out(b, &y);
	eq = x.len == y.len && (x.len == 0 ||
	    memcmp(x.data, y.data, x.len) == 0);
	weft_buf_release(&x);
	weft_buf_release(&y);
	return eq;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct weft_config_key	*listen;
	struct weft_config_error	 e = { -1, NULL };
	struct weft_buf			 b;
	char				 host[WEFT_LISTEN_MAX];
	uint16_t			 port;
	bool				 changed;
	int				 err;

	weft_config_init(&cfg);
	err = weft_config_parse(&cfg, (const char *)data, size, &e);
	if (err) {
		FUZZ_CHECK(err == WEFT_EUSAGE || err == WEFT_ETOOBIG);
		FUZZ_CHECK(e.msg != NULL && e.msg[0] != '\0');
		FUZZ_CHECK(e.line >= 0 && e.line <= lines(data, size));
		FUZZ_CHECK(err != WEFT_ETOOBIG || e.line == 0);
	} else {
		FUZZ_CHECK(memchr(cfg.listen, '\0', sizeof(cfg.listen)) !=
		    NULL);
		if (cfg.listen[0] != '\0')
			FUZZ_CHECK(weft_config_hostport(cfg.listen,
			    strlen(cfg.listen), host, sizeof(host),
			    &port) == 0);

		/* Written out and parsed again: the same values. */
		weft_buf_init(&b, 4 * WEFT_CONFIG_MAX);
		write_out(&cfg, &b);
		weft_config_init(&cfg2);
		FUZZ_CHECK(weft_config_parse(&cfg2, (const char *)b.data,
		    b.len, &e) == 0);
		FUZZ_CHECK(same(&cfg, &cfg2));
		weft_buf_release(&b);

		/* The editor sets listen and keeps everything else. */
		listen = &weft_config_keys[WEFT_CFG_LISTEN];
		weft_buf_init(&b, 2 * WEFT_CONFIG_MAX);
		FUZZ_CHECK(weft_config_edit((const char *)data, size,
		    WEFT_CONFIG_EDIT_SET, listen, "[::1]:9", &b,
		    &changed) == 0);
		weft_config_init(&cfg2);
		if (b.len <= WEFT_CONFIG_MAX) {
			FUZZ_CHECK(weft_config_parse(&cfg2,
			    (const char *)b.data, b.len, &e) == 0);
			FUZZ_CHECK(strcmp(cfg2.listen, "[::1]:9") == 0);
			memcpy(cfg2.listen, cfg.listen, sizeof(cfg.listen));
			cfg2.set[WEFT_CFG_LISTEN] = cfg.set[WEFT_CFG_LISTEN];
			FUZZ_CHECK(same(&cfg, &cfg2));
		}
		weft_buf_release(&b);
	}

	memset(host, 0, sizeof(host));
	err = weft_config_hostport((const char *)data, size, host,
	    sizeof(host), &port);
	FUZZ_CHECK(err == 0 || err == WEFT_EUSAGE);
	if (err == 0)
		FUZZ_CHECK(memchr(host, '\0', sizeof(host)) != NULL);
	err = weft_config_addr_check((const char *)data, size);
	FUZZ_CHECK(err == 0 || err == WEFT_EUSAGE);
	if (err == 0)
		FUZZ_CHECK(memchr(data, '\0', size) == NULL);
	return 0;
}

void
fuzz_seeds(fuzz_emit_cb *emit, void *arg)
{
	static const char full[] =
	    "# weft config\n"
	    "\n"
	    "network_key = " WEFT_NETWORK_KEY_DEFAULT "\n"
	    "listen = 127.0.0.1:7420\n";
	static const char v6[] = "listen = [::1]:0\n# end";
	static const char bad[] = "network_key = zz\nlisten=\n";
	static const char hostport[] = "[fe80::1]:65535";
	static const char every[] =
	    "; every key\n"
	    "network-key = " WEFT_NETWORK_KEY_DEFAULT "\n"
	    "listen = 0.0.0.0:7420\n"
	    "address = node.example.org:7420\n"
	    "peer = " WEFT_NETWORK_KEY_DEFAULT "@example.org:7420\n"
	    "seed = " WEFT_NETWORK_KEY_DEFAULT "@[2001:db8::1]:7420\n"
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
	    "map-size = 1G\n"
	    "follow = " WEFT_NETWORK_KEY_DEFAULT "\n"
	    "mirror = all\n";
	static const char section[] = "[weft]\nlisten: 1.2.3.4:5\n";
	static const char name[] = "seed.example.org:7420";

	emit("full", (const uint8_t *)full, sizeof(full) - 1, arg);
	emit("v6", (const uint8_t *)v6, sizeof(v6) - 1, arg);
	emit("bad", (const uint8_t *)bad, sizeof(bad) - 1, arg);
	emit("hostport", (const uint8_t *)hostport, sizeof(hostport) - 1,
	    arg);
	emit("every", (const uint8_t *)every, sizeof(every) - 1, arg);
	emit("section", (const uint8_t *)section, sizeof(section) - 1, arg);
	emit("name", (const uint8_t *)name, sizeof(name) - 1, arg);
}
