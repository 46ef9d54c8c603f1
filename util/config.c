/*
 * The config file: a hand-written line parser (no INI library: two keys
 * do not earn a dependency) that stops at the first bad line and says
 * which, and an atomic rewrite of the network key for `weft init`.
 */
#include <arpa/inet.h>
#include <net/if.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "weft/buf.h"
#include "weft/err.h"
#include "config.h"

#define NETWORK_KEY	"network_key"
/* Characters of an interface name in an IPv6 zone. */
#define ZONE_CHARS	"abcdefghijklmnopqrstuvwxyz" \
			"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-"

void
weft_config_init(struct weft_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	/* A constant of the right length: this cannot fail. */
	(void)weft_hex_decode(cfg->network_key, sizeof(cfg->network_key),
	    WEFT_NETWORK_KEY_DEFAULT, sizeof(WEFT_NETWORK_KEY_DEFAULT) - 1);
}

static int
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* Trims p[0..*n) of blanks at both ends; returns the new start. */
static const char *
trim(const char *p, size_t *n)
{
	while (*n > 0 && is_space(p[0])) {
		p++;
		(*n)--;
	}
	while (*n > 0 && is_space(p[*n - 1]))
		(*n)--;
	return p;
}

static bool
word_is(const char *p, size_t n, const char *w)
{
	return strlen(w) == n && memcmp(p, w, n) == 0;
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

/* One non-blank, non-comment line: "key = value". */
static const char *
parse_line(struct weft_config *cfg, const char *p, size_t n, bool *seen_nk,
    bool *seen_listen)
{
	const char	*eq, *key, *val;
	size_t		 klen, vlen;
	char		 host[WEFT_LISTEN_MAX];
	uint16_t	 port;

	eq = memchr(p, '=', n);
	if (eq == NULL)
		return "expected 'key = value'";
	klen = (size_t)(eq - p);
	key = trim(p, &klen);
	vlen = n - (size_t)(eq - p) - 1;
	val = trim(eq + 1, &vlen);
	if (klen == 0)
		return "missing key before '='";
	if (vlen == 0)
		return "missing value after '='";

	if (word_is(key, klen, NETWORK_KEY)) {
		if (*seen_nk)
			return "network_key is set twice";
		if (weft_hex_decode(cfg->network_key,
		    sizeof(cfg->network_key), val, vlen) != 0)
			return "network_key must be 64 hex characters";
		cfg->has_network_key = true;
		*seen_nk = true;
	} else if (word_is(key, klen, "listen")) {
		if (*seen_listen)
			return "listen is set twice";
		if (weft_config_hostport(val, vlen, host, sizeof(host),
		    &port) != 0)
			return "listen must be IP:PORT or [IPv6]:PORT";
		memcpy(cfg->listen, val, vlen);
		cfg->listen[vlen] = '\0';
		*seen_listen = true;
	} else {
		return "unknown key";
	}
	return NULL;
}

int
weft_config_parse(struct weft_config *cfg, const char *text, size_t len,
    struct weft_config_error *e)
{
	const char	*p = text, *end = text + len, *nl, *line, *msg;
	size_t		 n;
	bool		 seen_nk = false, seen_listen = false;
	int		 lineno = 0;

	e->line = 0;
	e->msg = NULL;
	if (len > WEFT_CONFIG_MAX) {
		e->msg = "file is too large";
		return WEFT_ETOOBIG;
	}
	while (p < end) {
		lineno++;
		nl = memchr(p, '\n', (size_t)(end - p));
		n = nl != NULL ? (size_t)(nl - p) : (size_t)(end - p);
		line = p;
		p += n + (nl != NULL);

		msg = NULL;
		if (n > WEFT_CONFIG_LINE_MAX)
			msg = "line is too long";
		else if (memchr(line, '\0', n) != NULL)
			msg = "NUL byte in line";
		if (msg == NULL) {
			line = trim(line, &n);
			if (n == 0 || line[0] == '#')
				continue;
			msg = parse_line(cfg, line, n, &seen_nk, &seen_listen);
		}
		if (msg != NULL) {
			e->line = lineno;
			e->msg = msg;
			return WEFT_EUSAGE;
		}
	}
	return 0;
}

/*
 * Reads at most WEFT_CONFIG_MAX bytes of path into a malloc'd buffer
 * (NUL-terminated for convenience). Returns 0, WEFT_ETOOBIG or -errno.
 */
static int
read_file(const char *path, char **out, size_t *outlen)
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
	err = read_file(path, &text, &len);
	if (err == WEFT_ETOOBIG)
		e->msg = "file is too large";
	if (err)
		return err;
	err = weft_config_parse(cfg, text, len, e);
	free(text);
	return err;
}

static int
write_all(int fd, const void *p, size_t n)
{
	const uint8_t	*q = p;
	ssize_t		 w;

	while (n > 0) {
		w = write(fd, q, n);
		if (w == -1) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		q += w;
		n -= (size_t)w;
	}
	return 0;
}

/* old[0..len) with every network_key line replaced by line, or appended. */
static int
rewrite(struct weft_buf *out, const char *old, size_t len, const char *line)
{
	const char	*p = old, *end, *nl, *t, *eq, *k;
	size_t		 n, tn, kn;
	bool		 done = false;
	int		 err = 0;

	/* No arithmetic on a NULL old, not even + 0. */
	end = old != NULL ? old + len : NULL;
	if (old == NULL)
		err = weft_buf_printf(out, "# weft node configuration "
		    "(docs/proto/keys.md)\n");
	while (err == 0 && p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		n = nl != NULL ? (size_t)(nl - p) : (size_t)(end - p);
		tn = n;
		t = trim(p, &tn);
		eq = tn > 0 && t[0] != '#' ? memchr(t, '=', tn) : NULL;
		kn = eq != NULL ? (size_t)(eq - t) : 0;
		k = trim(t, &kn);
		if (eq != NULL && word_is(k, kn, NETWORK_KEY)) {
			if (!done)
				err = weft_buf_printf(out, "%s\n", line);
			done = true;
		} else {
			err = weft_buf_add(out, p, n);
			if (err == 0)
				err = weft_buf_add(out, "\n", 1);
		}
		p += n + (nl != NULL);
	}
	if (err == 0 && !done)
		err = weft_buf_printf(out, "%s\n", line);
	return err;
}

int
weft_config_write_network_key(const char *dir,
    const uint8_t key[WEFT_NETWORK_KEY_BYTES])
{
	char		 path[PATH_MAX], tmp[PATH_MAX];
	char		 line[sizeof(NETWORK_KEY) + 3 + 2 * WEFT_NETWORK_KEY_BYTES];
	char		 hex[2 * WEFT_NETWORK_KEY_BYTES + 1];
	char		*old = NULL;
	struct weft_buf	 b;
	size_t		 oldlen = 0;
	int		 fd = -1, dfd, n, err;

	weft_buf_init(&b, 2 * WEFT_CONFIG_MAX);
	n = snprintf(path, sizeof(path), "%s/" WEFT_CONFIG_FILE, dir);
	if (n < 0 || (size_t)n >= sizeof(path)) {
		err = -ENAMETOOLONG;
		goto out;
	}
	n = snprintf(tmp, sizeof(tmp), "%s/" WEFT_CONFIG_FILE ".tmp", dir);
	if (n < 0 || (size_t)n >= sizeof(tmp)) {
		err = -ENAMETOOLONG;
		goto out;
	}
	err = read_file(path, &old, &oldlen);
	if (err == -ENOENT)
		err = 0;
	if (err)
		goto out;
	weft_hex_encode(hex, key, WEFT_NETWORK_KEY_BYTES);
	snprintf(line, sizeof(line), NETWORK_KEY " = %s", hex);
	err = rewrite(&b, old, oldlen, line);
	if (err)
		goto out;

	/* A temporary file left by a crash is ours to replace. */
	if (unlink(tmp) == -1 && errno != ENOENT) {
		err = -errno;
		goto out;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
	    0600);
	if (fd == -1) {
		err = -errno;
		goto out;
	}
	err = write_all(fd, b.data, b.len);
	if (err == 0 && fsync(fd) == -1)
		err = -errno;
	if (close(fd) == -1 && err == 0)
		err = -errno;
	if (err == 0 && rename(tmp, path) == -1)
		err = -errno;
	if (err) {
		unlink(tmp);
		goto out;
	}
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd == -1) {
		err = -errno;
		goto out;
	}
	if (fsync(dfd) == -1)
		err = -errno;
	close(dfd);
out:
	free(old);
	weft_buf_release(&b);
	return err;
}
