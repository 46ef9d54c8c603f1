/*
 * The home's "config" file, read by weftd and written by `weft init`:
 *
 *   # comment
 *   network_key = <64 hex characters>
 *   listen = HOST:PORT
 *
 * One `key = value` per line; blank lines and lines starting with '#' are
 * ignored; an unknown key or a bad value is an error reported as
 * "file:line: message" (OpenBSD style) by the caller, from the line number
 * and static message in struct weft_config_error. Command-line flags
 * override the file. docs/proto/keys.md describes the format.
 */
#ifndef WEFT_CONFIG_H
#define WEFT_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WEFT_CONFIG_FILE	"config"
#define WEFT_CONFIG_MAX		(64 * 1024)	/* bytes in a config file */
#define WEFT_CONFIG_LINE_MAX	1024

#define WEFT_NETWORK_KEY_BYTES	32
/*
 * The network key of the public weft network: BLAKE2b-256 of the ASCII
 * string "weft/network/public/v1" (no NUL), in hex. A community that
 * wants a private network picks a random key instead.
 */
#define WEFT_NETWORK_KEY_DEFAULT					\
	"2ba951e5e6697ca19d2ab0522a7c2ee76077f2018010a117cead536d3a0efc89"

/* "[IPv6]:65535" and NUL fit. */
#define WEFT_LISTEN_MAX		64

struct weft_config {
	uint8_t	network_key[WEFT_NETWORK_KEY_BYTES];
	bool	has_network_key;	/* set by the file */
	char	listen[WEFT_LISTEN_MAX];	/* "" unless set */
};

/* Where a config file is wrong. */
struct weft_config_error {
	int		 line;	/* 1-based; 0 when not about one line */
	const char	*msg;	/* static, lowercase, no trailing period */
};

/* Fills cfg with the defaults: the public network key, no listen address. */
void	weft_config_init(struct weft_config *cfg);

/*
 * Parses config text into cfg (which weft_config_init() prepared); keys
 * the text does not mention keep their values. Returns 0, WEFT_EUSAGE with
 * *e describing the first bad line, or WEFT_ETOOBIG (over
 * WEFT_CONFIG_MAX; e->line is 0).
 */
int	weft_config_parse(struct weft_config *cfg, const char *text,
	    size_t len, struct weft_config_error *e);

/*
 * Initialises cfg and parses the file at path into it. Returns what
 * weft_config_parse() returns, or -errno (-ENOENT when there is no file;
 * cfg then holds the defaults).
 */
int	weft_config_load(struct weft_config *cfg, const char *path,
	    struct weft_config_error *e);

/*
 * Sets network_key in dir's config file, keeping its other lines, or
 * creates the file (mode 0600). The new file replaces the old one
 * atomically (temporary file, fsync, rename, directory fsync). Returns 0,
 * WEFT_ETOOBIG (existing file too large) or -errno.
 */
int	weft_config_write_network_key(const char *dir,
	    const uint8_t key[WEFT_NETWORK_KEY_BYTES]);

/*
 * Splits "A.B.C.D:PORT" or "[IPv6]:PORT" (IP literals only, port 0..65535,
 * 0 meaning any free port) into host (without brackets, NUL-terminated)
 * and port. Returns 0 or WEFT_EUSAGE.
 */
int	weft_config_hostport(const char *s, size_t n, char *host,
	    size_t hostsz, uint16_t *port);

#endif
