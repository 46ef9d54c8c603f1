/*
 * Fuzzes weft_hostport_check(), the parser of every HOST:PORT a user
 * gives (--peer, weft connect, the config's peer and seed) and of the
 * addresses in the persisted address book. What it accepts has a port
 * in 1..65535, a host of at most 253 characters made only of what a
 * name or an IP literal may hold, and a canonical form that is accepted
 * again as it is (a fixed point) with the same host, port and kind.
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
	char		host[WEFT_HOST_NAME_MAX + 1], out[WEFT_HOSTPORT_MAX];
	char		host2[WEFT_HOST_NAME_MAX + 1], out2[WEFT_HOSTPORT_MAX];
	uint16_t	port, port2;
	bool		name, name2;
	int		err;

	err = weft_hostport_check((const char *)data, size, host, &port,
	    &name, out);
	if (err) {
		FUZZ_CHECK(err == WEFT_EUSAGE);
		return 0;
	}
	FUZZ_CHECK(size < WEFT_HOSTPORT_MAX);
	FUZZ_CHECK(port >= 1);
	FUZZ_CHECK(strlen(host) >= 1 && strlen(host) <= WEFT_HOST_NAME_MAX);
	for (const char *p = host; *p != '\0'; p++)
		FUZZ_CHECK((*p >= 'a' && *p <= 'z') || (*p >= '0' &&
		    *p <= '9') || *p == '-' || *p == '.' || *p == ':' ||
		    (!name && *p >= 'A' && *p <= 'F'));
	FUZZ_CHECK(strlen(out) < WEFT_HOSTPORT_MAX);
	FUZZ_CHECK(weft_hostport_check(out, strlen(out), host2, &port2,
	    &name2, out2) == 0);
	FUZZ_CHECK(strcmp(out, out2) == 0 && strcmp(host, host2) == 0);
	FUZZ_CHECK(port == port2 && name == name2);
	/* An IP literal passes the addrs message's check too. */
	if (!name) {
		char	ip[WEFT_ADDR_STR_MAX];

		FUZZ_CHECK(weft_addr_check(out, strlen(out), ip) == 0);
		FUZZ_CHECK(strcmp(ip, out) == 0);
	}
	return 0;
}

void
fuzz_seeds(fuzz_emit_cb *emit, void *arg)
{
	static const char *const v[] = {
		"localhost:7420", "Node-1.Example.org:65535", "127.0.0.1:1",
		"[::1]:7420", "[fe80::1]:80", "a.b.c.d.e:9", "x-y.z:12345",
	};

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		char	name[8];

		name[0] = 'v';
		name[1] = (char)('0' + i);
		name[2] = '\0';
		emit(name, (const uint8_t *)v[i], strlen(v[i]), arg);
	}
}
