/*
 * Photo metadata stripping (include/weft/imgmeta.h): container walks that
 * copy what is kept and skip what is not, checking every length against
 * the bytes that are there.
 */
#include <errno.h>
#include <string.h>

#include "weft/buf.h"
#include "weft/err.h"
#include "weft/imgmeta.h"

static const uint8_t png_sig[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a,
    '\n' };

enum weft_img_kind
weft_img_kind(const uint8_t *p, size_t n)
{
	if (n >= 3 && p[0] == 0xff && p[1] == 0xd8 && p[2] == 0xff)
		return WEFT_IMG_JPEG;
	if (n >= 8 && memcmp(p, png_sig, 8) == 0)
		return WEFT_IMG_PNG;
	if (n >= 12 && memcmp(p, "RIFF", 4) == 0 &&
	    memcmp(p + 8, "WEBP", 4) == 0)
		return WEFT_IMG_WEBP;
	return WEFT_IMG_UNKNOWN;
}

const char *
weft_img_mime(enum weft_img_kind k)
{
	switch (k) {
	case WEFT_IMG_JPEG:
		return "image/jpeg";
	case WEFT_IMG_PNG:
		return "image/png";
	case WEFT_IMG_WEBP:
		return "image/webp";
	default:
		return NULL;
	}
}

static uint32_t
be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static uint32_t
le32(const uint8_t *p)
{
	return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[1] << 8 | p[0];
}

static void
le32enc(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

/* Whether a JPEG segment (marker m, payload q of len bytes) is kept. */
static int
jpeg_keep(uint8_t m, const uint8_t *q, size_t len)
{
	if (m == 0xfe)				/* COM */
		return 0;
	if (m < 0xe0 || m > 0xef)		/* not APPn: image data */
		return 1;
	if (m == 0xe0 || m == 0xee)		/* JFIF, Adobe */
		return 1;
	/* APP2 is kept for an ICC colour profile only (not MPF). */
	return m == 0xe2 && len >= 12 && memcmp(q, "ICC_PROFILE", 12) == 0;
}

static int
strip_jpeg(const uint8_t *p, size_t n, struct weft_buf *out, unsigned *rm)
{
	size_t	i = 2, len;
	uint8_t	m;

	if (weft_buf_add(out, p, 2) != 0)
		return -ENOMEM;
	for (;;) {
		if (i + 2 > n || p[i] != 0xff)
			return WEFT_EBADFIELD;
		/* Fill bytes: any number of 0xff before the marker. */
		while (i < n && p[i] == 0xff)
			i++;
		if (i >= n)
			return WEFT_EBADFIELD;
		m = p[i++];
		if (m == 0x00 || m == 0xd8 || m == 0xd9)
			return WEFT_EBADFIELD;	/* EOI before any SOS */
		if ((m >= 0xd0 && m <= 0xd7) || m == 0x01) {
			uint8_t	mk[2] = { 0xff, m };

			if (weft_buf_add(out, mk, 2) != 0)
				return -ENOMEM;
			continue;
		}
		if (i + 2 > n)
			return WEFT_EBADFIELD;
		len = (size_t)p[i] << 8 | p[i + 1];
		if (len < 2 || len > n - i)
			return WEFT_EBADFIELD;
		if (jpeg_keep(m, p + i + 2, len - 2)) {
			uint8_t	mk[2] = { 0xff, m };

			if (weft_buf_add(out, mk, 2) != 0 ||
			    weft_buf_add(out, p + i, len) != 0)
				return -ENOMEM;
		} else if (rm != NULL)
			(*rm)++;
		i += len;
		if (m == 0xda)
			break;		/* SOS: the scan data follows */
	}
	/* Scans and what follows them: kept byte for byte. */
	if (weft_buf_add(out, p + i, n - i) != 0)
		return -ENOMEM;
	return 0;
}

static int
png_drop(const uint8_t *type)
{
	return memcmp(type, "eXIf", 4) == 0 || memcmp(type, "tEXt", 4) == 0 ||
	    memcmp(type, "zTXt", 4) == 0 || memcmp(type, "iTXt", 4) == 0 ||
	    memcmp(type, "tIME", 4) == 0;
}

static int
strip_png(const uint8_t *p, size_t n, struct weft_buf *out, unsigned *rm)
{
	size_t		i = 8;
	uint32_t	len;

	if (weft_buf_add(out, p, 8) != 0)
		return -ENOMEM;
	for (;;) {
		if (n - i < 12)
			return WEFT_EBADFIELD;
		len = be32(p + i);
		if (len > n - i - 12)
			return WEFT_EBADFIELD;
		if (png_drop(p + i + 4)) {
			if (rm != NULL)
				(*rm)++;
		} else if (weft_buf_add(out, p + i, (size_t)len + 12) != 0)
			return -ENOMEM;
		if (memcmp(p + i + 4, "IEND", 4) == 0) {
			i += (size_t)len + 12;
			break;
		}
		i += (size_t)len + 12;
	}
	/* Bytes after IEND are no part of the image (and can hide a file). */
	if (i < n && rm != NULL)
		(*rm)++;
	return 0;
}

static int
strip_webp(const uint8_t *p, size_t n, struct weft_buf *out, unsigned *rm)
{
	size_t		i = 12, start = out->len, sz;
	uint32_t	riff = le32(p + 4);

	if (riff < 4 || riff > n - 8)
		return WEFT_EBADFIELD;
	n = (size_t)riff + 8;	/* what follows the RIFF is not the image */
	if (weft_buf_add(out, p, 12) != 0)
		return -ENOMEM;
	while (i < n) {
		if (n - i < 8)
			return WEFT_EBADFIELD;
		sz = le32(p + i + 4);
		if (sz > n - i - 8)
			return WEFT_EBADFIELD;
		sz += sz & 1;		/* chunks are padded to even sizes */
		if (sz > n - i - 8)
			return WEFT_EBADFIELD;
		if (memcmp(p + i, "EXIF", 4) == 0 ||
		    memcmp(p + i, "XMP ", 4) == 0) {
			if (rm != NULL)
				(*rm)++;
		} else {
			size_t	at = out->len;

			if (weft_buf_add(out, p + i, sz + 8) != 0)
				return -ENOMEM;
			/* VP8X flags: 0x08 EXIF, 0x04 XMP present. */
			if (memcmp(p + i, "VP8X", 4) == 0 && sz >= 1)
				out->data[at + 8] &= (uint8_t)~0x0c;
		}
		i += sz + 8;
	}
	le32enc(out->data + start + 4, (uint32_t)(out->len - start - 8));
	return 0;
}

int
weft_img_strip(const uint8_t *p, size_t n, struct weft_buf *out,
    unsigned *removed)
{
	size_t	start = out->len;
	int	err;

	if (removed != NULL)
		*removed = 0;
	if (n > WEFT_PHOTO_MAX)
		return WEFT_ETOOBIG;
	switch (weft_img_kind(p, n)) {
	case WEFT_IMG_JPEG:
		err = strip_jpeg(p, n, out, removed);
		break;
	case WEFT_IMG_PNG:
		err = strip_png(p, n, out, removed);
		break;
	case WEFT_IMG_WEBP:
		err = strip_webp(p, n, out, removed);
		break;
	default:
		err = WEFT_EBADFIELD;
		break;
	}
	if (err)
		out->len = start;
	return err;
}
