/*
 * Fuzzes weft_config_parse(), the config file parser (util/config.c),
 * through its in-memory entry point, and weft_config_hostport() on the
 * same bytes. A failure must name a line of the text and a message; a
 * success must leave a NUL-terminated listen address that hostport
 * accepts; parsing must not depend on what cfg held before.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "weft/err.h"

#include "config.h"
#include "fuzz.h"

static int
lines(const uint8_t *p, size_t n)
{
	int	k = 1;

	for (size_t i = 0; i < n; i++)
		if (p[i] == '\n')
			k++;
	return k;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct weft_config		 cfg, cfg2;
	struct weft_config_error	 e = { -1, NULL };
	char				 host[WEFT_LISTEN_MAX];
	uint16_t			 port;
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

		/* The same text over other values gives the same result. */
		memset(&cfg2, 0xa5, sizeof(cfg2));
		cfg2.listen[0] = '\0';
		cfg2.has_network_key = false;
		memcpy(cfg2.network_key, cfg.network_key,
		    sizeof(cfg.network_key));
		FUZZ_CHECK(weft_config_parse(&cfg2, (const char *)data, size,
		    &e) == 0);
		FUZZ_CHECK(cfg2.has_network_key == cfg.has_network_key);
		FUZZ_CHECK(strcmp(cfg2.listen, cfg.listen) == 0);
		FUZZ_CHECK(memcmp(cfg2.network_key, cfg.network_key,
		    sizeof(cfg.network_key)) == 0);
	}

	memset(host, 0, sizeof(host));
	err = weft_config_hostport((const char *)data, size, host,
	    sizeof(host), &port);
	FUZZ_CHECK(err == 0 || err == WEFT_EUSAGE);
	if (err == 0)
		FUZZ_CHECK(memchr(host, '\0', sizeof(host)) != NULL);
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

	emit("full", (const uint8_t *)full, sizeof(full) - 1, arg);
	emit("v6", (const uint8_t *)v6, sizeof(v6) - 1, arg);
	emit("bad", (const uint8_t *)bad, sizeof(bad) - 1, arg);
	emit("hostport", (const uint8_t *)hostport, sizeof(hostport) - 1,
	    arg);
}
