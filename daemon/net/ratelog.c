/* Rate-limited logging of what strangers cause (ratelog.h). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "ratelog.h"

static const char *const what[WEFT_RATELOG_NKINDS] = {
	[WEFT_RATELOG_REFUSED] = "refused %s more connections",
	[WEFT_RATELOG_EVICTED] = "evicted %s more connections",
	[WEFT_RATELOG_HSFAIL] = "%s more handshakes failed",
	[WEFT_RATELOG_HSTIMEOUT] = "%s more handshakes timed out",
};

void
weft_ratelog_init(struct weft_ratelog *r)
{
	memset(r, 0, sizeof(*r));
}

/* The host part of "HOST:PORT" or "[IPv6]:PORT". */
static void
host_of(const char *addr, char out[WEFT_RATELOG_HOST])
{
	const char	*end;
	size_t		 len;

	if (addr[0] == '[' && (end = strchr(addr, ']')) != NULL) {
		addr++;
		len = (size_t)(end - addr);
	} else if ((end = strrchr(addr, ':')) != NULL) {
		len = (size_t)(end - addr);
	} else {
		len = strlen(addr);
	}
	if (len >= WEFT_RATELOG_HOST)
		len = WEFT_RATELOG_HOST - 1;
	memcpy(out, addr, len);
	out[len] = '\0';
}

const char *
weft_ratelog_num(uint64_t n, char out[32])
{
	char	digits[24];
	size_t	len, o = 0;

	len = (size_t)snprintf(digits, sizeof(digits), "%" PRIu64, n);
	for (size_t i = 0; i < len; i++) {
		if (i > 0 && (len - i) % 3 == 0)
			out[o++] = ',';
		out[o++] = digits[i];
	}
	out[o] = '\0';
	return out;
}

bool
weft_ratelog_note(struct weft_ratelog *r, enum weft_ratelog_kind kind,
    const char *addr, uint64_t now)
{
	struct weft_ratelog_kind_st *k;
	char	host[WEFT_RATELOG_HOST];

	if ((unsigned)kind >= WEFT_RATELOG_NKINDS)
		return false;
	k = &r->k[kind];
	k->total++;
	host_of(addr != NULL ? addr : "", host);
	if (k->start_ms == 0) {
		/* Loop time can be 0 at the very start: 1 is close enough. */
		k->start_ms = now > 0 ? now : 1;
		k->count = 0;
		k->others = false;
		memcpy(k->host, host, sizeof(host));
		return true;
	}
	k->count++;
	if (strcmp(host, k->host) != 0)
		k->others = true;
	return false;
}

void
weft_ratelog_flush(struct weft_ratelog *r, uint64_t now, bool force)
{
	struct weft_ratelog_kind_st *k;
	char	num[32], msg[128];

	for (int i = 0; i < WEFT_RATELOG_NKINDS; i++) {
		k = &r->k[i];
		if (k->start_ms == 0 ||
		    (!force && now < k->start_ms + WEFT_RATELOG_MS))
			continue;
		if (k->count > 0) {
			snprintf(msg, sizeof(msg), what[i],
			    weft_ratelog_num(k->count, num));
			log_info("%s from %s%s in the last %" PRIu64 " s",
			    msg, k->host, k->others ? " and other addresses" :
			    "", (now - k->start_ms + 500) / 1000);
		}
		k->start_ms = 0;
		k->count = 0;
	}
}
