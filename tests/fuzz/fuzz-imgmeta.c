/*
 * Fuzzes weft_img_strip() (proto/imgmeta.c), which runs on every photo
 * the CLI publishes. Properties: a result is never larger than the input,
 * is of the same kind, strips to itself again with nothing removed (so
 * nothing it kept is metadata), and never holds an "Exif" APP1 header.
 */
#include <stdio.h>
#include <string.h>

#include "weft/buf.h"
#include "weft/err.h"
#include "weft/imgmeta.h"

#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct weft_buf	out, again;
	unsigned	rm, rm2;
	int		err;

	weft_buf_init(&out, size);
	err = weft_img_strip(data, size, &out, &rm);
	if (err) {
		FUZZ_CHECK(out.len == 0);
		weft_buf_release(&out);
		return 0;
	}
	FUZZ_CHECK(out.len <= size);
	FUZZ_CHECK(weft_img_kind(out.data, out.len) ==
	    weft_img_kind(data, size));
	weft_buf_init(&again, out.len);
	err = weft_img_strip(out.data, out.len, &again, &rm2);
	FUZZ_CHECK(err == 0);
	FUZZ_CHECK(rm2 == 0);
	FUZZ_CHECK(again.len == out.len);
	FUZZ_CHECK(memcmp(again.data, out.data, out.len) == 0);
	weft_buf_release(&again);
	weft_buf_release(&out);
	return 0;
}

void
fuzz_seeds(fuzz_emit_cb *emit, void *arg)
{
	/* JPEG: SOI, APP0 JFIF, APP1 Exif, COM, SOS, scan, EOI. */
	static const uint8_t jpeg[] = {
		0xff, 0xd8, 0xff, 0xe0, 0x00, 0x07, 'J', 'F', 'I', 'F', 0,
		0xff, 0xe1, 0x00, 0x0c, 'E', 'x', 'i', 'f', 0, 0, 'G', 'P',
		'S', '!',
		0xff, 0xfe, 0x00, 0x05, 'h', 'i', '!',
		0xff, 0xda, 0x00, 0x04, 0x01, 0x02, 0x11, 0x22, 0xff, 0x00,
		0xff, 0xd9,
	};
	/* PNG: signature, IHDR, tEXt, IEND (CRCs are not checked). */
	static const uint8_t png[] = {
		0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n',
		0, 0, 0, 13, 'I', 'H', 'D', 'R', 0, 0, 0, 1, 0, 0, 0, 1, 8, 0,
		0, 0, 0, 1, 2, 3, 4,
		0, 0, 0, 3, 't', 'E', 'X', 't', 'a', 0, 'b', 5, 6, 7, 8,
		0, 0, 0, 0, 'I', 'E', 'N', 'D', 0xae, 0x42, 0x60, 0x82,
	};
	/* WebP: RIFF, VP8X with EXIF flag, EXIF chunk, VP8L. */
	static const uint8_t webp[] = {
		'R', 'I', 'F', 'F', 36, 0, 0, 0, 'W', 'E', 'B', 'P',
		'V', 'P', '8', 'X', 2, 0, 0, 0, 0x0c, 0,
		'E', 'X', 'I', 'F', 3, 0, 0, 0, 'g', 'p', 's', 0,
		'V', 'P', '8', 'L', 2, 0, 0, 0, 0x2f, 0,
	};

	emit("jpeg", jpeg, sizeof(jpeg), arg);
	emit("png", png, sizeof(png), arg);
	emit("webp", webp, sizeof(webp), arg);
}
