/*
 * Escaping of untrusted text for terminals and logs (include/weft/text.h).
 * One function shared by weft's error lines and weftd's replies and log
 * lines, so a byte that one escapes the others escape too.
 */
#include <stdint.h>
#include <string.h>

#include "weft/text.h"

size_t
weft_utf8_seq(const unsigned char *p, size_t n)
{
	size_t		len;
	uint32_t	cp;

	if (n == 0)
		return 0;
	if (p[0] < 0x80)
		return p[0] == 0 ? 0 : 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		len = 2;
		cp = p[0] & 0x1f;
	} else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		len = 3;
		cp = p[0] & 0x0f;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		len = 4;
		cp = p[0] & 0x07;
	} else
		return 0;
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

size_t
weft_text_char(const unsigned char *p, size_t n)
{
	size_t	len = weft_utf8_seq(p, n);

	if (len == 1 && (p[0] < 0x20 || p[0] == 0x7f))
		return 0;
	/* C1 controls, U+0080..U+009F: 0xc2 0x80..0x9f. */
	if (len == 2 && p[0] == 0xc2 && p[1] <= 0x9f)
		return 0;
	return len;
}

size_t
weft_text_escape(char *out, size_t outsz, const char *s, size_t n)
{
	static const char	 hex[] = "0123456789abcdef";
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 o = 0, i = 0, k;

	if (outsz == 0)
		return 0;
	while (i < n) {
		k = weft_text_char(p + i, n - i);
		if (k == 0) {
			if (o + 4 >= outsz)
				goto full;
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[p[i] >> 4];
			out[o++] = hex[p[i] & 0xf];
			i++;
			continue;
		}
		if (o + k >= outsz)
			goto full;
		memcpy(out + o, p + i, k);
		o += k;
		i += k;
	}
	out[o] = '\0';
	return o;
full:
	/* Mark the cut; "..." replaces whole characters only. */
	while (o > 0 && o + 3 >= outsz) {
		o--;
		while (o > 0 && ((unsigned char)out[o] & 0xc0) == 0x80)
			o--;
	}
	if (o + 3 < outsz) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = '\0';
	return o;
}
