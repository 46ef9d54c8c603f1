/*
 * Fuzzes weft_invite_decode() (util/invite.c), which reads what a user
 * pastes into `weft init --join`. It must fail with a message, or succeed
 * with an invite that encodes back to exactly the input (blanks around it
 * aside) and whose addresses pass the config's address check.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "weft/err.h"

#include "config.h"
#include "fuzz.h"
#include "invite.h"

static int
blank(uint8_t c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct weft_invite	 inv;
	const char		*msg = NULL;
	char			 text[WEFT_INVITE_MAX + 1];
	size_t			 a = 0, b = size;
	int			 err;

	err = weft_invite_decode(&inv, (const char *)data, size, &msg);
	if (err) {
		FUZZ_CHECK(err == WEFT_EUSAGE || err == WEFT_EVERSION);
		FUZZ_CHECK(msg != NULL && msg[0] != '\0');
		return 0;
	}
	FUZZ_CHECK(msg == NULL);
	FUZZ_CHECK(inv.naddr <= WEFT_INVITE_ADDRS_MAX);
	for (size_t i = 0; i < inv.naddr; i++)
		FUZZ_CHECK(weft_config_addr_check(inv.addr[i],
		    strlen(inv.addr[i])) == 0);
	FUZZ_CHECK(weft_invite_encode(&inv, text, sizeof(text)) == 0);
	while (a < b && blank(data[a]))
		a++;
	while (b > a && blank(data[b - 1]))
		b--;
	FUZZ_CHECK(strlen(text) == b - a);
	FUZZ_CHECK(memcmp(text, data + a, b - a) == 0);
	return 0;
}

void
fuzz_seeds(fuzz_emit_cb *emit, void *arg)
{
	static const char *const addrs[] = {
		"seed.example.org:7420", "[2001:db8::1]:7420", "1.2.3.4:1",
		"a:65535",
	};
	struct weft_invite	inv;
	char			text[WEFT_INVITE_MAX + 1];
	char			name[16];

	memset(&inv, 0, sizeof(inv));
	for (int i = 0; i < 32; i++) {
		inv.network_key[i] = (uint8_t)i;
		inv.node[i] = (uint8_t)(32 + i);
	}
	for (size_t n = 0; n <= WEFT_INVITE_ADDRS_MAX; n++) {
		inv.naddr = n;
		if (n > 0)
			snprintf(inv.addr[n - 1], sizeof(inv.addr[0]), "%s",
			    addrs[n - 1]);
		if (weft_invite_encode(&inv, text, sizeof(text)) != 0)
			continue;
		snprintf(name, sizeof(name), "addrs%zu", n);
		emit(name, (const uint8_t *)text, strlen(text), arg);
	}
}
