/*
 * The config file: the key table, the value checkers, the parser (libinih
 * splits the lines; a reader of ours in front of it feeds it one line at
 * a time, counts lines and refuses what inih would accept but we do not:
 * sections, "key: value", NUL bytes, long lines), the line editor behind
 * `weft config` and an atomic rewrite.
 *
 * libinih's options are process globals (Debian builds them as variables
 * rather than macros); parse() sets them before every parse. Nothing in
 * weft parses a config file from two threads.
 */
#include <arpa/inet.h>
#include <net/if.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ini.h>

#include "weft/buf.h"
#include "weft/err.h"
#include "weft/record.h"
#include "config.h"
#include "fileio.h"

/* Characters of an interface name in an IPv6 zone. */
#define ZONE_CHARS	"abcdefghijklmnopqrstuvwxyz" \
			"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-"
#define MS_MAX		(24ull * 3600 * 1000)	/* a day */
#define CONN_MAX	65536

#define BAD_MS		"expected a number of milliseconds, 1 to 86400000"

const struct weft_config_key weft_config_keys[WEFT_CFG_NKEYS] = {
	[WEFT_CFG_NETWORK_KEY] = { "network-key", "network_key",
	    WEFT_CONFIG_NETKEY, 1, 0, 0, NULL, WEFT_NETWORK_KEY_DEFAULT,
	    "network-key must be 64 hex characters",
	    "the network's shared key (default: the public network)" },
	[WEFT_CFG_LISTEN] = { "listen", NULL, WEFT_CONFIG_LISTEN, 1, 0, 0,
	    NULL, NULL, "listen must be IP:PORT or [IPv6]:PORT",
	    "where to accept peers, an IP literal (default: nowhere)" },
	[WEFT_CFG_ADDRESS] = { "address", NULL, WEFT_CONFIG_HOSTPORT,
	    WEFT_CONFIG_ADDRS_MAX, 0, 0, NULL, NULL,
	    "address must be HOST:PORT (a host name or IP, port 1-65535)",
	    "where others reach this node, for invites (repeatable)" },
	[WEFT_CFG_PEER] = { "peer", NULL, WEFT_CONFIG_PEER,
	    WEFT_CONFIG_PEERS_MAX, 0, 0, NULL, NULL,
	    "peer must be NODEID@HOST:PORT (64 hex, '@', a host name or IP, "
	    "':', a port)",
	    "a node to stay connected to (repeatable)" },
	[WEFT_CFG_SEED] = { "seed", NULL, WEFT_CONFIG_PEER,
	    WEFT_CONFIG_PEERS_MAX, 0, 0, NULL, NULL,
	    "seed must be NODEID@HOST:PORT (64 hex, '@', a host name or IP, "
	    "':', a port)",
	    "a node to bootstrap from (repeatable)" },
	[WEFT_CFG_LAN_DISCOVERY] = { "lan-discovery", NULL, WEFT_CONFIG_BOOL,
	    1, 0, 1, "WEFT_LAN_DISCOVERY", "on",
	    "lan-discovery must be on or off",
	    "announce and find nodes on the local network" },
	[WEFT_CFG_HANDSHAKE_TIMEOUT_MS] = { "handshake-timeout-ms", NULL,
	    WEFT_CONFIG_NUMBER, 1, 1, MS_MAX, "WEFT_HANDSHAKE_TIMEOUT_MS",
	    "10000", "handshake-timeout-ms: " BAD_MS,
	    "time for a peer's handshake and HELLO" },
	[WEFT_CFG_PING_INTERVAL_MS] = { "ping-interval-ms", NULL,
	    WEFT_CONFIG_NUMBER, 1, 1, MS_MAX, "WEFT_PING_INTERVAL_MS",
	    "15000", "ping-interval-ms: " BAD_MS,
	    "ping a quiet peer after this long" },
	[WEFT_CFG_IDLE_TIMEOUT_MS] = { "idle-timeout-ms", NULL,
	    WEFT_CONFIG_NUMBER, 1, 1, MS_MAX, "WEFT_IDLE_TIMEOUT_MS",
	    "60000", "idle-timeout-ms: " BAD_MS,
	    "close a silent peer after this long" },
	[WEFT_CFG_BACKOFF_MIN_MS] = { "backoff-min-ms", NULL,
	    WEFT_CONFIG_NUMBER, 1, 1, MS_MAX, "WEFT_BACKOFF_MIN_MS",
	    "1000", "backoff-min-ms: " BAD_MS,
	    "first delay before redialling a peer" },
	[WEFT_CFG_BACKOFF_MAX_MS] = { "backoff-max-ms", NULL,
	    WEFT_CONFIG_NUMBER, 1, 1, MS_MAX, "WEFT_BACKOFF_MAX_MS",
	    "300000", "backoff-max-ms: " BAD_MS,
	    "longest delay before redialling a peer" },
	[WEFT_CFG_MAX_INBOUND] = { "max-inbound", NULL, WEFT_CONFIG_NUMBER,
	    1, 0, CONN_MAX, "WEFT_MAX_INBOUND", "128",
	    "max-inbound must be a number from 0 to 65536",
	    "inbound peer connections at most" },
	[WEFT_CFG_MAX_INBOUND_GROUP] = { "max-inbound-per-group", NULL,
	    WEFT_CONFIG_NUMBER, 1, 0, CONN_MAX, "WEFT_MAX_INBOUND_GROUP", "32",
	    "max-inbound-per-group must be a number from 0 to 65536",
	    "inbound connections from one IPv4 /24 or IPv6 /64 at most" },
	[WEFT_CFG_MAX_HANDSHAKES] = { "max-handshakes", NULL,
	    WEFT_CONFIG_NUMBER, 1, 0, CONN_MAX, "WEFT_MAX_HANDSHAKES", "32",
	    "max-handshakes must be a number from 0 to 65536",
	    "inbound connections still in the handshake at most" },
	[WEFT_CFG_MAX_HANDSHAKES_GROUP] = { "max-handshakes-per-group", NULL,
	    WEFT_CONFIG_NUMBER, 1, 0, CONN_MAX, "WEFT_MAX_HANDSHAKES_GROUP",
	    "8", "max-handshakes-per-group must be a number from 0 to 65536",
	    "of them from one IPv4 /24 or IPv6 /64 at most" },
	[WEFT_CFG_MAX_OUTBOUND] = { "max-outbound", NULL, WEFT_CONFIG_NUMBER,
	    1, 0, CONN_MAX, "WEFT_MAX_OUTBOUND", "32",
	    "max-outbound must be a number from 0 to 65536",
	    "outbound peer connections at most" },
	[WEFT_CFG_OUT_TARGET] = { "out-target", NULL, WEFT_CONFIG_NUMBER,
	    1, 0, CONN_MAX, "WEFT_OUT_TARGET", "8",
	    "out-target must be a number from 0 to 65536",
	    "dial learnt addresses while fewer outbound connections" },
	[WEFT_CFG_SEND_QUEUE_MAX] = { "send-queue-max", NULL,
	    WEFT_CONFIG_BYTES, 1, 64 * 1024, 1ull << 30, "WEFT_SENDQ_MAX",
	    "8388608",
	    "send-queue-max must be bytes from 64K to 1G (suffix K, M, G)",
	    "bytes queued for one peer at most" },
	[WEFT_CFG_MAP_SIZE] = { "map-size", NULL, WEFT_CONFIG_BYTES, 1,
	    1ull << 20, 1ull << 40, "WEFT_MAP_SIZE", "17179869184",
	    "map-size must be bytes from 1M to 1024G (suffix K, M, G)",
	    "the store's initial map size (it grows when full)" },
	[WEFT_CFG_MAX_STORE] = { "max-store", NULL, WEFT_CONFIG_BYTES, 1,
	    1ull << 20, 1ull << 50, "WEFT_MAX_STORE", NULL,
	    "max-store must be bytes from 1M to 1048576G (suffix K, M, G)",
	    "file bytes the store holds at most" },
	[WEFT_CFG_FOLLOW] = { "follow", NULL, WEFT_CONFIG_ID,
	    WEFT_CONFIG_IDS_MAX, 0, 0, NULL, NULL,
	    "follow must be an author id (64 hex characters)",
	    "keep this author's files (repeatable; applied at start)" },
	[WEFT_CFG_MIRROR] = { "mirror", NULL, WEFT_CONFIG_MIRROR,
	    WEFT_CONFIG_IDS_MAX, 0, 0, NULL, NULL,
	    "mirror must be a library id (64 hex characters) or all",
	    "keep a library's or all files (repeatable; applied at start)" },
	[WEFT_CFG_WEB] = { "web", NULL, WEFT_CONFIG_WEB, 1, 0, 0,
	    "WEFT_WEB", WEFT_WEB_LISTEN_DEFAULT,
	    "web must be IP:PORT, [IPv6]:PORT or off",
	    "where the web UI listens, or off (a taken port: the next)" },
	[WEFT_CFG_WEB_PASSWORD] = { "web-password", NULL, WEFT_CONFIG_PWHASH,
	    1, 0, 0, NULL, NULL,
	    "web-password must be a hash from weft web-password "
	    "($argon2id$...)",
	    "lets a browser that logs in act on a non-loopback web UI" },
	[WEFT_CFG_WEB_LINK_MS] = { "web-link-ms", NULL, WEFT_CONFIG_NUMBER,
	    1, 1, MS_MAX, "WEFT_WEB_LINK_MS", "600000",
	    "web-link-ms: " BAD_MS,
	    "how long a slicer's one-time link lives" },
	[WEFT_CFG_LABEL_ACTION] = { "label-action", NULL, WEFT_CONFIG_LABEL,
	    WEFT_CONFIG_LABELS_MAX, 0, 0, NULL, NULL,
	    "label-action must be LABEL:hide, LABEL:block or LABEL:none",
	    "what a moderator's label does here (repeatable)" },
};

static int
is_space(int c)
{
	/* What inih's strip functions (isspace) remove. */
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' ||
	    c == '\v' || c == '\f';
}

/* Trims p[0..*n) of blanks at both ends; returns the new start. */
static const char *
trim(const char *p, size_t *n)
{
	while (*n > 0 && is_space((unsigned char)p[0])) {
		p++;
		(*n)--;
	}
	while (*n > 0 && is_space((unsigned char)p[*n - 1]))
		(*n)--;
	return p;
}

static bool
word_is(const char *p, size_t n, const char *w)
{
	return w != NULL && strlen(w) == n && memcmp(p, w, n) == 0;
}

/* Decimal digits only, no sign, at most 20 of them; *v gets the value. */
static int
parse_u64(const char *s, size_t n, uint64_t *v)
{
	uint64_t	x = 0;

	if (n == 0 || n > 20)
		return WEFT_EUSAGE;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return WEFT_EUSAGE;
		if (x > (UINT64_MAX - (uint64_t)(s[i] - '0')) / 10)
			return WEFT_EUSAGE;
		x = x * 10 + (uint64_t)(s[i] - '0');
	}
	*v = x;
	return 0;
}

/* A decimal number with an optional K, M or G (powers of 1024). */
static int
parse_bytes(const char *s, size_t n, uint64_t *v)
{
	unsigned	shift = 0;

	if (n > 0) {
		switch (s[n - 1]) {
		case 'K': case 'k':
			shift = 10;
			break;
		case 'M': case 'm':
			shift = 20;
			break;
		case 'G': case 'g':
			shift = 30;
			break;
		}
	}
	if (shift != 0)
		n--;
	if (parse_u64(s, n, v) != 0)
		return WEFT_EUSAGE;
	if (*v > (UINT64_MAX >> shift))
		return WEFT_EUSAGE;
	*v <<= shift;
	return 0;
}

void
weft_config_init(struct weft_config *cfg)
{
	const struct weft_config_key	*k;

	memset(cfg, 0, sizeof(*cfg));
	/* A constant of the right length: this cannot fail. */
	(void)weft_hex_decode(cfg->network_key, sizeof(cfg->network_key),
	    WEFT_NETWORK_KEY_DEFAULT, sizeof(WEFT_NETWORK_KEY_DEFAULT) - 1);
	memcpy(cfg->web, WEFT_WEB_LISTEN_DEFAULT,
	    sizeof(WEFT_WEB_LISTEN_DEFAULT));
	for (size_t i = 0; i < WEFT_CFG_NKEYS; i++) {
		k = &weft_config_keys[i];
		if (k->def == NULL)
			continue;	/* none: max-store */
		if (k->kind == WEFT_CONFIG_BOOL)
			cfg->num[i] = strcmp(k->def, "on") == 0;
		else if (k->kind == WEFT_CONFIG_NUMBER ||
		    k->kind == WEFT_CONFIG_BYTES)
			(void)parse_u64(k->def, strlen(k->def), &cfg->num[i]);
	}
}

const struct weft_config_key *
weft_config_key_find(const char *name)
{
	size_t	n = strlen(name);

	for (size_t i = 0; i < WEFT_CFG_NKEYS; i++)
		if (word_is(name, n, weft_config_keys[i].name) ||
		    word_is(name, n, weft_config_keys[i].alias))
			return &weft_config_keys[i];
	return NULL;
}

int
weft_config_hostport(const char *s, size_t n, char *host, size_t hostsz,
    uint16_t *port)
{
	char		 buf[WEFT_LISTEN_MAX];
	const char	*colon, *h;
	char		*zone;
	size_t		 hlen, plen;
	unsigned long	 v = 0;
	uint8_t		 addr[16];
	int		 af;

	if (n == 0 || n >= sizeof(buf))
		return WEFT_EUSAGE;
	colon = NULL;
	for (size_t i = n; i > 0; i--) {
		if (s[i - 1] == ':') {
			colon = s + i - 1;
			break;
		}
	}
	if (colon == NULL)
		return WEFT_EUSAGE;
	h = s;
	hlen = (size_t)(colon - s);
	af = AF_INET;
	if (hlen >= 2 && h[0] == '[' && h[hlen - 1] == ']') {
		h++;
		hlen -= 2;
		af = AF_INET6;
	}
	plen = n - hlen - (af == AF_INET6 ? 2 : 0) - 1;
	if (hlen == 0 || plen == 0 || plen > 5)
		return WEFT_EUSAGE;
	for (size_t i = 0; i < plen; i++) {
		if (colon[1 + i] < '0' || colon[1 + i] > '9')
			return WEFT_EUSAGE;
		v = v * 10 + (unsigned long)(colon[1 + i] - '0');
	}
	if (v > 65535 || hlen >= hostsz)
		return WEFT_EUSAGE;
	memcpy(buf, h, hlen);
	buf[hlen] = '\0';
	/*
	 * An IPv6 link-local address needs its interface ("fe80::1%eth0",
	 * RFC 4007), as LAN discovery hears it; uv_ip6_addr() reads it.
	 */
	zone = af == AF_INET6 ? strchr(buf, '%') : NULL;
	if (zone != NULL) {
		if (zone[1] == '\0' || strlen(zone + 1) >= IF_NAMESIZE ||
		    strspn(zone + 1, ZONE_CHARS) != strlen(zone + 1))
			return WEFT_EUSAGE;
		*zone = '\0';
	}
	/* inet_pton also rejects embedded NULs: buf would be shorter. */
	if (inet_pton(af, buf, addr) != 1)
		return WEFT_EUSAGE;
	if (zone != NULL)
		*zone = '%';
	memcpy(host, buf, hlen + 1);
	*port = (uint16_t)v;
	return 0;
}

/* A DNS name as RFC 1123 allows it in a host name, not an IP. */
static bool
dns_name_ok(const char *h, size_t n)
{
	size_t	label = 0;
	bool	alpha = false;

	if (n == 0 || n > 253)
		return false;
	for (size_t i = 0; i < n; i++) {
		char	c = h[i];

		if (c == '.') {
			if (label == 0 || h[i - 1] == '-')
				return false;
			label = 0;
			continue;
		}
		if (c == '-') {
			if (label == 0)
				return false;
		} else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
			alpha = true;
		} else if (c < '0' || c > '9') {
			return false;
		}
		if (++label > 63)
			return false;
	}
	/* A trailing dot (the root) is fine; a trailing '-' is not. */
	if (h[n - 1] == '-')
		return false;
	/* All digits and dots is an IPv4 address or nothing. */
	return alpha || memchr(h, '-', n) != NULL;
}

int
weft_config_addr_check(const char *s, size_t n)
{
	char		 host[WEFT_LISTEN_MAX];
	const char	*colon = NULL;
	size_t		 hlen;
	uint64_t	 port;
	uint16_t	 p16;

	if (n == 0 || n >= WEFT_CONFIG_HOSTPORT_MAX ||
	    memchr(s, '\0', n) != NULL)
		return WEFT_EUSAGE;
	for (size_t i = n; i > 0; i--) {
		if (s[i - 1] == ':') {
			colon = s + i - 1;
			break;
		}
	}
	if (colon == NULL)
		return WEFT_EUSAGE;
	hlen = (size_t)(colon - s);
	if (parse_u64(colon + 1, n - hlen - 1, &port) != 0 || port == 0 ||
	    port > 65535)
		return WEFT_EUSAGE;
	if (hlen > 0 && (s[0] == '[' || memchr(s, ':', hlen) != NULL))
		return weft_config_hostport(s, n, host, sizeof(host), &p16);
	if (dns_name_ok(s, hlen))
		return 0;
	return weft_config_hostport(s, n, host, sizeof(host), &p16);
}

int
weft_config_peer_check(const char *s, size_t n)
{
	uint8_t	node[32];

	if (n < 66 || s[64] != '@')
		return WEFT_EUSAGE;
	if (weft_hex_decode(node, sizeof(node), s, 64) != 0)
		return WEFT_EUSAGE;
	return weft_config_addr_check(s + 65, n - 65);
}

int
weft_config_label_action(const char *value, size_t *label_len)
{
	static const char *const actions[] = { "none", "hide", "block" };
	const char	*colon = strrchr(value, ':');
	char		 base[WEFT_LABEL_MAX + 1];
	size_t		 n, bn;

	if (colon == NULL)
		return -1;
	n = (size_t)(colon - value);
	/* A removal label never acts (docs/moderation.md). */
	if (weft_label_base(value, n, base, &bn) != 0)
		return -1;
	for (int i = 0; i < 3; i++)
		if (strcmp(colon + 1, actions[i]) == 0) {
			if (label_len != NULL)
				*label_len = n;
			return i;
		}
	return -1;
}

size_t
weft_config_count(const struct weft_config *cfg,
    const struct weft_config_key *k)
{
	switch (k - weft_config_keys) {
	case WEFT_CFG_ADDRESS:
		return cfg->naddress;
	case WEFT_CFG_PEER:
		return cfg->npeers;
	case WEFT_CFG_SEED:
		return cfg->nseeds;
	case WEFT_CFG_FOLLOW:
		return cfg->nfollow;
	case WEFT_CFG_MIRROR:
		return cfg->nmirror + (cfg->mirror_all ? 1 : 0);
	case WEFT_CFG_LABEL_ACTION:
		return cfg->nlabel_action;
	case WEFT_CFG_LISTEN:
		return cfg->listen[0] != '\0';
	case WEFT_CFG_WEB_PASSWORD:
		return cfg->web_password[0] != '\0';
	case WEFT_CFG_MAX_STORE:
		return cfg->set[WEFT_CFG_MAX_STORE];	/* default: none */
	default:
		return 1;
	}
}

int
weft_config_set(struct weft_config *cfg, const struct weft_config_key *k,
    const char *value, const char **msg)
{
	size_t		 id = (size_t)(k - weft_config_keys);
	size_t		 n = strlen(value);
	size_t		*count = NULL;
	char		(*strs)[WEFT_CONFIG_PEER_MAX] = NULL;
	uint8_t		 tmp[32];
	uint64_t	 v;
	char		 host[WEFT_LISTEN_MAX];
	uint16_t	 port;

	*msg = k->bad;
	switch (k->kind) {
	case WEFT_CONFIG_NETKEY:
		if (weft_hex_decode(cfg->network_key,
		    sizeof(cfg->network_key), value, n) != 0)
			return WEFT_EUSAGE;
		cfg->has_network_key = true;
		break;
	case WEFT_CONFIG_LISTEN:
		if (weft_config_hostport(value, n, host, sizeof(host),
		    &port) != 0)
			return WEFT_EUSAGE;
		memcpy(cfg->listen, value, n + 1);
		break;
	case WEFT_CONFIG_WEB:
		if (strcmp(value, "off") != 0 && weft_config_hostport(value,
		    n, host, sizeof(host), &port) != 0)
			return WEFT_EUSAGE;
		memcpy(cfg->web, value, n + 1);
		break;
	case WEFT_CONFIG_PWHASH:
		/* What crypto_pwhash_str() writes: printable, no blanks. */
		if (n < 11 || n >= sizeof(cfg->web_password) ||
		    strncmp(value, "$argon2id$", 10) != 0)
			return WEFT_EUSAGE;
		for (size_t i = 0; i < n; i++)
			if (value[i] <= ' ' || value[i] > '~')
				return WEFT_EUSAGE;
		memcpy(cfg->web_password, value, n + 1);
		break;
	case WEFT_CONFIG_HOSTPORT:
		if (weft_config_addr_check(value, n) != 0)
			return WEFT_EUSAGE;
		if (cfg->naddress == WEFT_CONFIG_ADDRS_MAX) {
			*msg = "too many address lines (at most 4)";
			return WEFT_EUSAGE;
		}
		memcpy(cfg->address[cfg->naddress++], value, n + 1);
		break;
	case WEFT_CONFIG_PEER:
		if (weft_config_peer_check(value, n) != 0)
			return WEFT_EUSAGE;
		if (id == WEFT_CFG_PEER) {
			strs = cfg->peers;
			count = &cfg->npeers;
		} else {
			strs = cfg->seeds;
			count = &cfg->nseeds;
		}
		if (*count == WEFT_CONFIG_PEERS_MAX) {
			*msg = "too many lines of this key (at most 64)";
			return WEFT_EUSAGE;
		}
		memcpy(strs[(*count)++], value, n + 1);
		break;
	case WEFT_CONFIG_BOOL:
		if (strcmp(value, "on") == 0)
			cfg->num[id] = 1;
		else if (strcmp(value, "off") == 0)
			cfg->num[id] = 0;
		else
			return WEFT_EUSAGE;
		break;
	case WEFT_CONFIG_NUMBER:
	case WEFT_CONFIG_BYTES:
		if ((k->kind == WEFT_CONFIG_NUMBER ? parse_u64(value, n, &v) :
		    parse_bytes(value, n, &v)) != 0 || v < k->min ||
		    v > k->max)
			return WEFT_EUSAGE;
		cfg->num[id] = v;
		break;
	case WEFT_CONFIG_ID:
	case WEFT_CONFIG_MIRROR:
		if (k->kind == WEFT_CONFIG_MIRROR &&
		    strcmp(value, "all") == 0) {
			cfg->mirror_all = true;
			break;
		}
		if (weft_hex_decode(tmp, sizeof(tmp), value, n) != 0)
			return WEFT_EUSAGE;
		count = id == WEFT_CFG_FOLLOW ? &cfg->nfollow : &cfg->nmirror;
		if (*count == WEFT_CONFIG_IDS_MAX) {
			*msg = "too many lines of this key (at most 64)";
			return WEFT_EUSAGE;
		}
		memcpy(id == WEFT_CFG_FOLLOW ? cfg->follow[*count] :
		    cfg->mirror[*count], tmp, sizeof(tmp));
		(*count)++;
		break;
	case WEFT_CONFIG_LABEL:
		if (weft_config_label_action(value, NULL) < 0)
			return WEFT_EUSAGE;
		if (cfg->nlabel_action == WEFT_CONFIG_LABELS_MAX) {
			*msg = "too many label-action lines (at most 32)";
			return WEFT_EUSAGE;
		}
		memcpy(cfg->label_action[cfg->nlabel_action++], value, n + 1);
		break;
	default:
		return WEFT_EUSAGE;
	}
	cfg->set[id] = true;
	*msg = NULL;
	return 0;
}

int
weft_config_format(const struct weft_config *cfg,
    const struct weft_config_key *k, size_t i, char *out, size_t outsz)
{
	size_t		 id = (size_t)(k - weft_config_keys);
	const char	*s = NULL;
	char		 hex[65];
	int		 n;

	if (i >= weft_config_count(cfg, k))
		return WEFT_ENOTFOUND;
	switch (id) {
	case WEFT_CFG_NETWORK_KEY:
		weft_hex_encode(hex, cfg->network_key, 32);
		s = hex;
		break;
	case WEFT_CFG_LISTEN:
		s = cfg->listen;
		break;
	case WEFT_CFG_WEB:
		s = cfg->web;
		break;
	case WEFT_CFG_WEB_PASSWORD:
		s = cfg->web_password;
		break;
	case WEFT_CFG_ADDRESS:
		s = cfg->address[i];
		break;
	case WEFT_CFG_PEER:
		s = cfg->peers[i];
		break;
	case WEFT_CFG_SEED:
		s = cfg->seeds[i];
		break;
	case WEFT_CFG_FOLLOW:
		weft_hex_encode(hex, cfg->follow[i], 32);
		s = hex;
		break;
	case WEFT_CFG_LABEL_ACTION:
		s = cfg->label_action[i];
		break;
	case WEFT_CFG_MIRROR:
		if (cfg->mirror_all && i == 0) {
			s = "all";
		} else {
			weft_hex_encode(hex, cfg->mirror[i -
			    (cfg->mirror_all ? 1 : 0)], 32);
			s = hex;
		}
		break;
	default:
		break;
	}
	if (s == NULL && k->kind == WEFT_CONFIG_BOOL)
		s = cfg->num[id] ? "on" : "off";
	if (s != NULL)
		n = snprintf(out, outsz, "%s", s);
	else
		n = snprintf(out, outsz, "%" PRIu64, cfg->num[id]);
	if (n < 0 || (size_t)n >= outsz)
		return WEFT_ETOOBIG;
	return 0;
}

/* Parsing */

struct parse_state {
	const char			*p, *end;
	int				 lineno;
	bool				 failed;
	unsigned			 count[WEFT_CFG_NKEYS];
	struct weft_config		*cfg;
	struct weft_config_error	*e;
};

static void
parse_fail(struct parse_state *st, const char *msg)
{
	if (st->failed)
		return;
	st->failed = true;
	st->e->line = st->lineno;
	st->e->msg = msg;
}

/*
 * inih's reader: hands it the next line, without leading blanks (so no
 * line continues another), after our own checks.
 */
static char *
parse_reader(char *str, int num, void *arg)
{
	struct parse_state	*st = arg;
	const char		*line, *nl, *t, *sep;
	size_t			 n, tn;

	if (st->failed || st->p >= st->end)
		return NULL;
	st->lineno++;
	line = st->p;
	nl = memchr(line, '\n', (size_t)(st->end - line));
	n = nl != NULL ? (size_t)(nl - line) : (size_t)(st->end - line);
	st->p += n + (nl != NULL);
	if (n > WEFT_CONFIG_LINE_MAX || num < 0 || n + 2 > (size_t)num) {
		parse_fail(st, "line is too long");
		return NULL;
	}
	if (memchr(line, '\0', n) != NULL) {
		parse_fail(st, "NUL byte in line");
		return NULL;
	}
	tn = n;
	t = trim(line, &tn);
	if (tn > 0 && t[0] != '#' && t[0] != ';') {
		if (t[0] == '[') {
			parse_fail(st, "sections ([...]) are not used");
			return NULL;
		}
		sep = NULL;
		for (size_t i = 0; i < tn && sep == NULL; i++)
			if (t[i] == '=' || t[i] == ':')
				sep = t + i;
		if (sep == NULL || *sep != '=') {
			parse_fail(st, "expected 'key = value'");
			return NULL;
		}
	}
	memcpy(str, t, tn);
	str[tn] = '\n';
	str[tn + 1] = '\0';
	return str;
}

static int
parse_handler(void *arg, const char *section, const char *name,
    const char *value)
{
	struct parse_state		*st = arg;
	const struct weft_config_key	*k;
	const char			*msg;
	size_t				 id;

	if (st->failed)
		return 0;
	if (section[0] != '\0') {
		parse_fail(st, "sections ([...]) are not used");
		return 0;
	}
	if (name[0] == '\0') {
		parse_fail(st, "missing key before '='");
		return 0;
	}
	k = weft_config_key_find(name);
	if (k == NULL) {
		parse_fail(st, "unknown key");
		return 0;
	}
	if (value[0] == '\0') {
		parse_fail(st, "missing value after '='");
		return 0;
	}
	id = (size_t)(k - weft_config_keys);
	if (k->repeat == 1 && st->count[id] > 0) {
		parse_fail(st, "key is set twice (it takes one value)");
		return 0;
	}
	st->count[id]++;
	if (weft_config_set(st->cfg, k, value, &msg) != 0) {
		parse_fail(st, msg);
		return 0;
	}
	return 1;
}

static void
ini_setup(void)
{
	ini_use_stack = false;
	ini_allow_realloc = false;
	ini_initial_alloc = WEFT_CONFIG_LINE_MAX + 3;
	ini_max_line = WEFT_CONFIG_LINE_MAX + 3;
	ini_allow_multiline = false;
	ini_allow_inline_comments = false;
	ini_allow_no_value = false;
	ini_allow_bom = true;
	ini_stop_on_first_error = true;
}

int
weft_config_parse(struct weft_config *cfg, const char *text, size_t len,
    struct weft_config_error *e)
{
	struct parse_state	st;
	int			rc;

	e->line = 0;
	e->msg = NULL;
	if (len > WEFT_CONFIG_MAX) {
		e->msg = "file is too large";
		return WEFT_ETOOBIG;
	}
	memset(&st, 0, sizeof(st));
	/* No arithmetic on a NULL text, not even + 0. */
	st.p = len > 0 ? text : "";
	st.end = st.p + len;
	st.cfg = cfg;
	st.e = e;
	ini_setup();
	rc = ini_parse_stream(parse_reader, &st, parse_handler, &st);
	if (st.failed)
		return WEFT_EUSAGE;
	if (rc == -2) {
		e->msg = "out of memory";
		return -ENOMEM;
	}
	if (rc != 0) {
		e->line = rc > 0 ? rc : 0;
		e->msg = "cannot parse line";
		return WEFT_EUSAGE;
	}
	return 0;
}

int
weft_config_read(const char *path, char **out, size_t *outlen)
{
	struct weft_buf	b;
	char		chunk[4096];
	ssize_t		r;
	int		fd, err = 0;

	*out = NULL;
	*outlen = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd == -1)
		return -errno;
	weft_buf_init(&b, WEFT_CONFIG_MAX + 1);
	for (;;) {
		r = read(fd, chunk, sizeof(chunk));
		if (r == -1) {
			if (errno == EINTR)
				continue;
			err = -errno;
			break;
		}
		if (r == 0)
			break;
		err = weft_buf_add(&b, chunk, (size_t)r);
		if (err)
			break;
	}
	close(fd);
	if (err == 0)
		err = weft_buf_add(&b, "", 1);
	if (err) {
		weft_buf_release(&b);
		return err;
	}
	*out = (char *)weft_buf_detach(&b, outlen);
	(*outlen)--;
	return 0;
}

int
weft_config_load(struct weft_config *cfg, const char *path,
    struct weft_config_error *e)
{
	char	*text;
	size_t	 len;
	int	 err;

	weft_config_init(cfg);
	e->line = 0;
	e->msg = NULL;
	err = weft_config_read(path, &text, &len);
	if (err == WEFT_ETOOBIG)
		e->msg = "file is too large";
	if (err)
		return err;
	err = weft_config_parse(cfg, text, len, e);
	free(text);
	return err;
}

/* Editing */

/*
 * Splits the line p[0..n) as the parser would: true when it is a
 * "key = value" line of k, with *val and *vn its trimmed value.
 */
static bool
line_of(const char *p, size_t n, const struct weft_config_key *k,
    const char **val, size_t *vn)
{
	const char	*t, *eq, *key;
	size_t		 tn, kn;

	tn = n;
	t = trim(p, &tn);
	if (tn == 0 || t[0] == '#' || t[0] == ';')
		return false;
	eq = memchr(t, '=', tn);
	if (eq == NULL)
		return false;
	kn = (size_t)(eq - t);
	key = trim(t, &kn);
	if (!word_is(key, kn, k->name) && !word_is(key, kn, k->alias))
		return false;
	*vn = tn - (size_t)(eq - t) - 1;
	*val = trim(eq + 1, vn);
	return true;
}

static int
add_line(struct weft_buf *out, const struct weft_config_key *k,
    const char *value)
{
	return weft_buf_printf(out, "%s = %s\n", k->name, value);
}

int
weft_config_edit(const char *old, size_t len, int op,
    const struct weft_config_key *k, const char *value,
    struct weft_buf *out, bool *changed)
{
	const char	*p, *end, *nl, *val;
	size_t		 n, vn, vlen = value != NULL ? strlen(value) : 0;
	size_t		 nlines = 0, last = 0, line;
	bool		 done = false, present = false, mine;
	int		 err = 0;

	*changed = false;
	if (old == NULL) {
		len = 0;
		err = weft_buf_printf(out, "# weft node configuration: see "
		    "weft-config(5)\n");
	}
	/* First pass: the last line of k, and whether value is there. */
	end = old != NULL ? old + len : NULL;
	for (p = old; err == 0 && p < end; p += n + (nl != NULL)) {
		nl = memchr(p, '\n', (size_t)(end - p));
		n = nl != NULL ? (size_t)(nl - p) : (size_t)(end - p);
		nlines++;
		if (line_of(p, n, k, &val, &vn)) {
			last = nlines;
			if (value != NULL && vn == vlen &&
			    memcmp(val, value, vn) == 0)
				present = true;
		}
	}
	if (op == WEFT_CONFIG_EDIT_ADD && present)
		done = true;
	line = 0;
	for (p = old; err == 0 && p < end; p += n + (nl != NULL)) {
		nl = memchr(p, '\n', (size_t)(end - p));
		n = nl != NULL ? (size_t)(nl - p) : (size_t)(end - p);
		line++;
		mine = line_of(p, n, k, &val, &vn);
		if (mine && op == WEFT_CONFIG_EDIT_SET) {
			if (!done)
				err = add_line(out, k, value);
			done = true;
			continue;
		}
		if (mine && op == WEFT_CONFIG_EDIT_UNSET && (value == NULL ||
		    (vn == vlen && memcmp(val, value, vn) == 0)))
			continue;
		err = weft_buf_add(out, p, n);
		if (err == 0)
			err = weft_buf_add(out, "\n", 1);
		if (err == 0 && op == WEFT_CONFIG_EDIT_ADD && !done &&
		    line == last) {
			err = add_line(out, k, value);
			done = true;
		}
	}
	if (err == 0 && !done && op != WEFT_CONFIG_EDIT_UNSET)
		err = add_line(out, k, value);
	if (err == 0)
		*changed = out->len != len || (len > 0 &&
		    memcmp(out->data, old, len) != 0);
	return err;
}

int
weft_config_write(const char *dir, const void *text, size_t len)
{
	char	path[PATH_MAX], tmp[PATH_MAX];
	int	fd, dfd, n, err;

	n = snprintf(path, sizeof(path), "%s/" WEFT_CONFIG_FILE, dir);
	if (n < 0 || (size_t)n >= sizeof(path))
		return -ENAMETOOLONG;
	n = snprintf(tmp, sizeof(tmp), "%s/" WEFT_CONFIG_FILE ".tmp", dir);
	if (n < 0 || (size_t)n >= sizeof(tmp))
		return -ENAMETOOLONG;
	/* A temporary file left by a crash is ours to replace. */
	if (unlink(tmp) == -1 && errno != ENOENT)
		return -errno;
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
	    0600);
	if (fd == -1)
		return -errno;
	err = weft_write_all(fd, text, len);
	if (err == 0 && fsync(fd) == -1)
		err = -errno;
	if (close(fd) == -1 && err == 0)
		err = -errno;
	if (err == 0 && rename(tmp, path) == -1)
		err = -errno;
	if (err) {
		unlink(tmp);
		return err;
	}
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd == -1)
		return -errno;
	if (fsync(dfd) == -1)
		err = -errno;
	close(dfd);
	return err;
}

int
weft_config_write_network_key(const char *dir,
    const uint8_t key[WEFT_NETWORK_KEY_BYTES])
{
	char		 path[PATH_MAX];
	char		 hex[2 * WEFT_NETWORK_KEY_BYTES + 1];
	char		*old = NULL;
	struct weft_buf	 b;
	size_t		 oldlen = 0;
	bool		 changed;
	int		 n, err;

	weft_buf_init(&b, 2 * WEFT_CONFIG_MAX);
	n = snprintf(path, sizeof(path), "%s/" WEFT_CONFIG_FILE, dir);
	if (n < 0 || (size_t)n >= sizeof(path)) {
		err = -ENAMETOOLONG;
		goto out;
	}
	err = weft_config_read(path, &old, &oldlen);
	if (err == -ENOENT)
		err = 0;
	if (err)
		goto out;
	weft_hex_encode(hex, key, WEFT_NETWORK_KEY_BYTES);
	err = weft_config_edit(old, oldlen, WEFT_CONFIG_EDIT_SET,
	    &weft_config_keys[WEFT_CFG_NETWORK_KEY], hex, &b, &changed);
	if (err)
		goto out;
	err = weft_config_write(dir, b.data, b.len);
out:
	free(old);
	weft_buf_release(&b);
	return err;
}
