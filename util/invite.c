/*
 * Invites (invite.h): a versioned prefix, then the payload in base64url
 * without padding (libsodium's codec), with a 4-byte BLAKE2b check.
 * Decoding re-encodes and compares, so only one text decodes to an
 * invite.
 */
#include <string.h>

#include <sodium.h>

#include "weft/err.h"
#include "invite.h"

/* Payload: keys, count, addresses (1 + up to 259 each), check. */
#define PAYLOAD_MAX	(64 + 1 + WEFT_INVITE_ADDRS_MAX * \
			 WEFT_CONFIG_HOSTPORT_MAX + 4)
#define CHECK_BYTES	4

#define MSG_DAMAGED	"the invite is damaged (its check does not match): " \
			"copy it again, in one piece"

static void
check_of(const uint8_t *p, size_t n, uint8_t out[CHECK_BYTES])
{
	uint8_t	h[32];

	crypto_generichash(h, sizeof(h), p, n, NULL, 0);
	memcpy(out, h, CHECK_BYTES);
}

static size_t
payload_encode(const struct weft_invite *inv, uint8_t *p)
{
	size_t	n = 0, len;

	memcpy(p, inv->network_key, 32);
	memcpy(p + 32, inv->node, 32);
	n = 64;
	p[n++] = (uint8_t)inv->naddr;
	for (size_t i = 0; i < inv->naddr; i++) {
		len = strlen(inv->addr[i]);
		p[n++] = (uint8_t)len;
		memcpy(p + n, inv->addr[i], len);
		n += len;
	}
	check_of(p, n, p + n);
	return n + CHECK_BYTES;
}

int
weft_invite_encode(const struct weft_invite *inv, char *out, size_t outsz)
{
	uint8_t	p[PAYLOAD_MAX];
	size_t	n, plen = sizeof(WEFT_INVITE_PREFIX) - 1;

	if (inv->naddr > WEFT_INVITE_ADDRS_MAX)
		return WEFT_EUSAGE;
	for (size_t i = 0; i < inv->naddr; i++) {
		n = strnlen(inv->addr[i], sizeof(inv->addr[i]));
		if (n == sizeof(inv->addr[i]) ||
		    weft_config_addr_check(inv->addr[i], n) != 0)
			return WEFT_EUSAGE;
	}
	n = payload_encode(inv, p);
	if (outsz < plen + sodium_base64_ENCODED_LEN(n,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING))
		return WEFT_ETOOBIG;
	memcpy(out, WEFT_INVITE_PREFIX, plen);
	sodium_bin2base64(out + plen, outsz - plen, p, n,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	return 0;
}

static int
is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

int
weft_invite_decode(struct weft_invite *inv, const char *s, size_t n,
    const char **msg)
{
	static const char	 prefix[] = WEFT_INVITE_PREFIX;
	const size_t		 plen = sizeof(prefix) - 1;
	const size_t		 vlen = sizeof("weft-invite") - 1;
	uint8_t			 p[PAYLOAD_MAX], check[CHECK_BYTES];
	char			 again[WEFT_INVITE_MAX + 1];
	size_t			 len, off, alen;

	memset(inv, 0, sizeof(*inv));
	while (n > 0 && is_blank(s[0])) {
		s++;
		n--;
	}
	while (n > 0 && is_blank(s[n - 1]))
		n--;
	*msg = "not a weft invite (one starts with '" WEFT_INVITE_PREFIX
	    "')";
	if (n < vlen || memcmp(s, prefix, vlen) != 0)
		return WEFT_EUSAGE;
	if (n < plen || memcmp(s, prefix, plen) != 0) {
		*msg = "this invite is of a later version: update weft";
		return WEFT_EVERSION;
	}
	for (size_t i = 0; i < n; i++) {
		if (is_blank(s[i])) {
			*msg = "the invite contains spaces or line breaks: "
			    "paste it as one line";
			return WEFT_EUSAGE;
		}
	}
	*msg = MSG_DAMAGED;
	if (n > WEFT_INVITE_MAX)
		return WEFT_EUSAGE;
	if (sodium_base642bin(p, sizeof(p), s + plen, n - plen, NULL, &len,
	    NULL, sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0)
		return WEFT_EUSAGE;
	if (len < 64 + 1 + CHECK_BYTES)
		return WEFT_EUSAGE;
	check_of(p, len - CHECK_BYTES, check);
	if (sodium_memcmp(check, p + len - CHECK_BYTES, CHECK_BYTES) != 0)
		return WEFT_EUSAGE;

	/* The check matches: what is wrong now was written wrong. */
	*msg = "malformed invite (it was made by a faulty program)";
	len -= CHECK_BYTES;
	memcpy(inv->network_key, p, 32);
	memcpy(inv->node, p + 32, 32);
	inv->naddr = p[64];
	if (inv->naddr > WEFT_INVITE_ADDRS_MAX)
		return WEFT_EUSAGE;
	off = 65;
	for (size_t i = 0; i < inv->naddr; i++) {
		if (off >= len)
			return WEFT_EUSAGE;
		alen = p[off++];
		if (alen == 0 || alen >= WEFT_CONFIG_HOSTPORT_MAX ||
		    alen > len - off)
			return WEFT_EUSAGE;
		memcpy(inv->addr[i], p + off, alen);
		inv->addr[i][alen] = '\0';
		off += alen;
		if (weft_config_addr_check(inv->addr[i], alen) != 0) {
			*msg = "the invite names a malformed address";
			return WEFT_EUSAGE;
		}
	}
	if (off != len)
		return WEFT_EUSAGE;
	/* One text per invite: no other base64 spelling is accepted. */
	if (weft_invite_encode(inv, again, sizeof(again)) != 0 ||
	    strlen(again) != n || memcmp(again, s, n) != 0) {
		*msg = MSG_DAMAGED;
		return WEFT_EUSAGE;
	}
	*msg = NULL;
	return 0;
}
