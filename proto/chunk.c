/*
 * FastCDC content-defined chunking (normalised, level 2), BLAKE2b-256 ids
 * and the index (chunk list) encoding. Every constant here is part of the
 * file format (docs/proto/files.md): changing one changes every index id.
 * The chunker is a pure function of the bytes; its state is two words, so
 * callers may feed it arbitrary slices and get the same boundaries as one
 * call over the whole file.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "weft/buf.h"
#include "weft/chunk.h"
#include "weft/err.h"
#include "weft/pack.h"

/*
 * Normalised chunking, level 2: before WEFT_CHUNK_AVG bytes the mask has
 * log2(AVG) + 2 = 18 bits set (cuts are rare), from there on 16 - 2 = 14
 * (cuts are frequent), which pulls chunk sizes towards the average. The
 * bits are spread over bits 12..47 as in the FastCDC reference masks (the
 * 256 KiB and 16 KiB entries of that table), so a cut depends on the last
 * ~48 bytes rather than on the last 18.
 */
#define MASK_S	0x0000d90707537000ULL	/* 18 bits, positions < AVG */
#define MASK_L	0x0000d90313530000ULL	/* 14 bits, positions >= AVG */

/*
 * gear[i] = the first 8 bytes, read little-endian, of
 * BLAKE2b-256("weft/gear/v1" || i) for the byte value i. The unit test
 * re-derives this table with libsodium and compares, and prints it in this
 * form when they differ; that is the only other user of the name.
 */
extern const uint64_t weft__chunk_gear[256];
const uint64_t weft__chunk_gear[256] = {
	0xc0143ca760bc3ae2ULL, 0xd0957d04e7ed5702ULL,
	0x1c70eec11de9fa23ULL, 0x77b8ac0fc6db6bf1ULL,
	0xbc043c635bb8959eULL, 0x7cd4c115d08af413ULL,
	0x129d674c3312310dULL, 0xa786af0d504f597bULL,
	0x0ea69a3e50f0b178ULL, 0x1949eb66394bb3b7ULL,
	0xc815166cbc161d24ULL, 0xdd754d2eb28d628fULL,
	0xd7204eab23dd9ac4ULL, 0xeb80a74190bc57f0ULL,
	0x1a79435befcee7c2ULL, 0x4a7104e873821ff7ULL,
	0x3f477f98d6632885ULL, 0x13038bf9f564cbb9ULL,
	0x7df402f44de8ba36ULL, 0x67faad7977bfcbcdULL,
	0xabd64db9feb894a9ULL, 0xeafad3d84c2f01adULL,
	0x44b1e9bdcf69892eULL, 0xa6c41d417a462aafULL,
	0x1c8c02fd69b00b93ULL, 0xf32d09a2e19b22afULL,
	0xd2aaf0323b2f51c5ULL, 0x7d57d8d1d92bc1bbULL,
	0x3d8cee83d89a0356ULL, 0x6d657abaa5bbacf5ULL,
	0x59eb16fe5e2853d2ULL, 0x38800fe65c27d780ULL,
	0xaf55eef72d467dc2ULL, 0x01d045484cbeb67aULL,
	0xdcebb55a40e8033cULL, 0xc151eb8786a64a0aULL,
	0xa96e5f8b7058b7b5ULL, 0x9c547e4baeff55ddULL,
	0x001410c2f6040081ULL, 0x8384b93352c4bc16ULL,
	0xa1538b91dbd6945cULL, 0x6f9665f367964aa8ULL,
	0x8186c3b1818ae5c5ULL, 0x4138548b50995748ULL,
	0xb069fc698264f2d2ULL, 0xa89a005c8348e766ULL,
	0xa4e58fe896ac454dULL, 0xb6896cf1eee1823dULL,
	0x4b712774428ff15eULL, 0xf85cd7a1a8ab8cadULL,
	0xeac10e3c57d7e1c1ULL, 0x46bb239a0635e431ULL,
	0x9bef5f737d294964ULL, 0xf0f1c54ef56afda1ULL,
	0xbdffa8f463a531c3ULL, 0x61a44f200c1ce55bULL,
	0x6e828ca848392647ULL, 0x18b600f7fe096421ULL,
	0xb91f2dea54fed448ULL, 0xfc7fffc491049f9aULL,
	0x5fbf821866d2ef0eULL, 0x2b228d9791506869ULL,
	0xd7593a6742cf241dULL, 0x973af0265e387d67ULL,
	0xca3c4acf0027e442ULL, 0x8866abae7103321dULL,
	0x6aa63c332ad9c746ULL, 0x9e347b58f17101a6ULL,
	0xca76d4c56fd62ee9ULL, 0x484a424750f67ef9ULL,
	0x95ae5df8ce0b4b3fULL, 0x3b9d71a3e943f3f7ULL,
	0x386f6432ed1b4271ULL, 0x3f032f24d07ad227ULL,
	0x0c9cff4d50ef3fd6ULL, 0xa2a5e2f2625980e6ULL,
	0x84ecdeca6363dc05ULL, 0xe5ba32c38941db2eULL,
	0x5a0605dc3565f8c4ULL, 0x67c926e7b41b5db4ULL,
	0xbe07b9b1ca4dcacbULL, 0xee1669b148664b73ULL,
	0x3b8d1bf58989d5e9ULL, 0xe20fc81451d82902ULL,
	0xa90c05b1259daff3ULL, 0x260fbcbe831215d9ULL,
	0x0a22e1538076a339ULL, 0x971a67fed31d123aULL,
	0xf8a98c6d3cdc3c1aULL, 0x5ecb3e5d2594c0ebULL,
	0x32cb595458ca333dULL, 0x4eff563b7c9a1671ULL,
	0xa017b6a13cb71427ULL, 0x42e672fe9cefe3aeULL,
	0xab63cf550a011debULL, 0x23c97130c9c29041ULL,
	0xc6678fc6da1bc593ULL, 0xb6bdd4e6342d47d0ULL,
	0xc76655b424878703ULL, 0xdcf0afeae333617dULL,
	0xf06614dd9b377fbeULL, 0x4560e9ddaa43c1a0ULL,
	0xc0d55f3dbd72890bULL, 0x408cadb6280b18b1ULL,
	0xa9e4ffd247dfcd49ULL, 0x90aa84ac7d9e00e4ULL,
	0x69f3ea148159167eULL, 0x511f877656998d2eULL,
	0x8b40e20cfe1d4148ULL, 0x869a8576e3af54a4ULL,
	0xe9fbc77d50c207c2ULL, 0x4c01e8d761a5cdf4ULL,
	0x932199be1707f88dULL, 0x93aa295d686ad074ULL,
	0x3c2c1797aa1e3851ULL, 0x58bc12da63e58994ULL,
	0x6367ed849f0526fcULL, 0xf937d90b3d01fcd2ULL,
	0x2cce932212a3505eULL, 0xa2d8cfc486f94affULL,
	0x3604f815d6bd78b1ULL, 0x5b425d3487234020ULL,
	0x97bc9589a5bd2486ULL, 0xc70b0cfdf6ed683aULL,
	0x1dc28e18bcea6cbaULL, 0x954c386b23de6d3bULL,
	0xd91529836af088cfULL, 0x68d572b78ecfbc6eULL,
	0x69b857b31db03a79ULL, 0xf7cde4c07e3b9142ULL,
	0x3c907f4a94f0eb48ULL, 0xac5806a599b4d326ULL,
	0x5c60053291b09fa0ULL, 0xec0ea170b154d90fULL,
	0xb3ba07813c0eabcdULL, 0xa7dc0a225717a50bULL,
	0x93379c22987e28dcULL, 0x06cfc5482985d428ULL,
	0x1800e9f825557e18ULL, 0xa205f613728d64b5ULL,
	0xaccd21ce105e0e97ULL, 0x2961cca555620ea4ULL,
	0xf466517784a4c5b0ULL, 0xe090e501e04a42a7ULL,
	0x41a79b957e028ee7ULL, 0xf2581d9859385a23ULL,
	0x748b29af63c0d2fbULL, 0x38f2dd2e8633426bULL,
	0x0e2e78111099d103ULL, 0x947d7d8dcf44deeeULL,
	0xd77f75c9124f3bb4ULL, 0x0a74655aef731009ULL,
	0xd54320d09e250520ULL, 0x8591ada0e768590eULL,
	0x13882e44c7fb21c9ULL, 0xeed14d62e6e41e34ULL,
	0x83b51f1113c1fce5ULL, 0x35ca67478888a412ULL,
	0x73c10e8a974a6bcfULL, 0xf5dc902b4274d17dULL,
	0x5ffc4ceb9903d2cdULL, 0xc1f19cc560c684ccULL,
	0x6a93b3773a7dc1ceULL, 0x100e57027d003516ULL,
	0x3492bec3c78fb3d5ULL, 0xe8af002b9e005967ULL,
	0x444539cf94e25485ULL, 0x5236ca0dd2c8ef75ULL,
	0xaac7944f4ce2de0cULL, 0xae348a739ce8b7cfULL,
	0x30bdedd2935b7b2bULL, 0x5c072b3ba74f0f4fULL,
	0xe9f6a069290e61d1ULL, 0x3eeeff918b1e6290ULL,
	0x10c29566632dc8bbULL, 0x0312093086ec7a9bULL,
	0x93f6557a41e98a41ULL, 0xdc6fb5160227d461ULL,
	0x4e5f4a056bfaf746ULL, 0xb5e2f3f8d9bfb5c8ULL,
	0xfcdb7a1bc508d3c1ULL, 0x465618ca56bcd14dULL,
	0xd5a9e9c2b67a4d93ULL, 0x2c4ac29d48b2e601ULL,
	0xa392d8f46201c811ULL, 0x342c3de62fbc0d9cULL,
	0xe0b9242fa8630fb8ULL, 0x4fc6cebf5b002128ULL,
	0x7f1d52694dbd6c96ULL, 0x293a7345f7a54867ULL,
	0xa3399a72b110f8f7ULL, 0xbcfb12934803e2d3ULL,
	0x357031d6b0f5e651ULL, 0xf80029f24b175718ULL,
	0xc6e552da19c45d16ULL, 0x38b0dfbccabb65e3ULL,
	0x66f86aac9f925591ULL, 0xfc364d006819ff01ULL,
	0x39a372d7dfe5aefaULL, 0x9b2b31f3b8d88299ULL,
	0xc0c9eb8acf41ae3dULL, 0x1439c331c9501bbaULL,
	0x9797350bf43331e2ULL, 0x7f61c89cccf91877ULL,
	0xea841d998f8a502aULL, 0x58f78d869e54042cULL,
	0x66262c3b49180a63ULL, 0x43518826cee55be1ULL,
	0x6c72a3a88542dd5cULL, 0x889d5040c5f33cb3ULL,
	0x6ff2d919dcb79484ULL, 0xcd2adbe9731f5d3aULL,
	0xd9795097f8372a74ULL, 0xa272699b39347658ULL,
	0xf96688c805238c70ULL, 0x6b3ceaee46f2c008ULL,
	0x2bb5d05560ea3830ULL, 0x3f7cd63310ff4892ULL,
	0xb696faaacb97ea73ULL, 0xe4826ce8d0f5237aULL,
	0x45a36695bf189c6aULL, 0x084b705eb0579eb4ULL,
	0x50e1f6f165662420ULL, 0x676a6657def17479ULL,
	0xbc3a1a7990265cecULL, 0xdb198a95e8264580ULL,
	0x513f62432f3574f0ULL, 0x743651fee4fc631dULL,
	0xc9f42cda4570db1fULL, 0x4fed45843987d31bULL,
	0xc593f7164ee7f7f8ULL, 0x4bcb20c2b57b31eaULL,
	0x0939e2ae10ffa848ULL, 0xf9e34a2f253a03bcULL,
	0x3dc4671ae4e081ccULL, 0xfcfc1e35706ee060ULL,
	0x1cdeaa5b862a09d9ULL, 0xc2117663c302b5edULL,
	0x0edf8f72bea01d95ULL, 0x2032b2476a0f9765ULL,
	0x4efff3d85ed6ed83ULL, 0x7ebbfd30b50e41f4ULL,
	0x2a25740b726e0d1cULL, 0x913be9e1b8f8386fULL,
	0x8c966168c786f9b0ULL, 0x7bc6bfc1c37f03d4ULL,
	0xca125da6a67dfea9ULL, 0x2ae81b8ac827dcc4ULL,
	0xfa9f66da46bd5188ULL, 0xd5a6bd9fe584da8eULL,
	0x00f1902938ce4cbeULL, 0x3f28e813d3a856b7ULL,
	0x24b95b2081af0010ULL, 0xbe5475a69f658defULL,
	0x69e6c2ce18168a6aULL, 0x73409f14a99970adULL,
};

void
weft_chunker_init(struct weft_chunker *c)
{
	c->fp = 0;
	c->len = 0;
}

/*
 * Byte positions are counted from the start of the current chunk. The
 * first WEFT_CHUNK_MIN bytes are skipped without hashing (no cut may fall
 * there, and the 64-bit fingerprint forgets a byte after 64 shifts anyway).
 * From position MIN on, each byte updates fp = (fp << 1) + gear[byte] and
 * the chunk ends after that byte when (fp & mask) == 0, with MASK_S below
 * position AVG and MASK_L from there; a chunk that reaches WEFT_CHUNK_MAX
 * bytes ends there. The two loops are the hot path of publishing.
 */
size_t
weft_chunker_scan(struct weft_chunker *c, const uint8_t *p, size_t n)
{
	uint64_t	fp = c->fp;
	size_t		base = c->len;
	size_t		i, end;

	i = base < WEFT_CHUNK_MIN ? WEFT_CHUNK_MIN - base : 0;
	if (base < WEFT_CHUNK_AVG) {
		end = WEFT_CHUNK_AVG - base;
		if (end > n)
			end = n;
		for (; i < end; i++) {
			fp = (fp << 1) + weft__chunk_gear[p[i]];
			if ((fp & MASK_S) == 0)
				goto cut;
		}
	}
	end = WEFT_CHUNK_MAX - base;
	if (end > n)
		end = n;
	for (; i < end; i++) {
		fp = (fp << 1) + weft__chunk_gear[p[i]];
		if ((fp & MASK_L) == 0)
			goto cut;
	}
	if (n >= WEFT_CHUNK_MAX - base) {
		weft_chunker_init(c);
		return WEFT_CHUNK_MAX - base;
	}
	c->fp = fp;
	c->len = base + n;
	return 0;
cut:
	weft_chunker_init(c);
	return i + 1;
}

void
weft_hash(const uint8_t *p, size_t n, uint8_t out[WEFT_HASH_BYTES])
{
	crypto_generichash(out, WEFT_HASH_BYTES, p, n, NULL, 0);
}

/* Bytes msgpack-c uses for an unsigned integer (smallest encoding). */
static size_t
uint_len(uint64_t v)
{
	if (v < 128)
		return 1;
	if (v <= UINT8_MAX)
		return 2;
	if (v <= UINT16_MAX)
		return 3;
	if (v <= UINT32_MAX)
		return 5;
	return 9;
}

int
weft_index_encode(const struct weft_chunk_ref *refs, size_t n,
    struct weft_buf *out)
{
	struct weft_pack	pk;
	size_t			need;
	int			err;

	if (n > WEFT_INDEX_REFS_MAX)
		return WEFT_ETOOBIG;
	/* Size first, so the buffer grows once and the cap is checked once. */
	need = n < 16 ? 1 : n <= UINT16_MAX ? 3 : 5;
	for (size_t i = 0; i < n; i++) {
		if (refs[i].size == 0 || refs[i].size > WEFT_CHUNK_MAX)
			return WEFT_EUSAGE;
		need += 1 + 2 + WEFT_HASH_BYTES + uint_len(refs[i].size);
	}
	if (need > WEFT_INDEX_MAX)
		return WEFT_ETOOBIG;
	err = weft_buf_reserve(out, need);
	if (err)
		return err;

	weft_pack_init(&pk, out);
	weft_pack_array(&pk, (uint32_t)n);
	for (size_t i = 0; i < n; i++) {
		weft_pack_array(&pk, 2);
		weft_pack_bin(&pk, refs[i].id, WEFT_HASH_BYTES);
		weft_pack_uint(&pk, refs[i].size);
	}
	return weft_pack_error(&pk);
}

int
weft_index_decode(const uint8_t *p, size_t len,
    struct weft_chunk_ref **refs, size_t *n, uint64_t *total)
{
	struct weft_msg		 m;
	struct weft_buf		 re;
	struct weft_chunk_ref	*r = NULL;
	const struct weft_obj	*e;
	uint64_t		 size, sum = 0;
	uint32_t		 count;
	int			 err;

	*refs = NULL;
	*n = 0;
	*total = 0;
	if (len > WEFT_INDEX_MAX)
		return WEFT_ETOOBIG;
	err = weft_msg_decode(&m, p, len);
	if (err)
		return err;
	weft_buf_init(&re, len);

	if (weft_obj_type(m.root) != WEFT_OBJ_ARRAY) {
		err = WEFT_EPROTO;
		goto out;
	}
	count = weft_obj_len(m.root);
	if (count > WEFT_INDEX_REFS_MAX) {
		err = WEFT_ETOOBIG;
		goto out;
	}
	if (count > 0) {
		r = calloc(count, sizeof(*r));
		if (r == NULL) {
			err = -ENOMEM;
			goto out;
		}
	}
	for (uint32_t i = 0; i < count; i++) {
		e = weft_obj_at(m.root, i);
		if (weft_obj_type(e) != WEFT_OBJ_ARRAY ||
		    weft_obj_len(e) != 2 ||
		    weft_obj_binn(weft_obj_at(e, 0), r[i].id,
		    WEFT_HASH_BYTES) != 0 ||
		    weft_obj_uint(weft_obj_at(e, 1), &size) != 0 ||
		    size == 0 || size > WEFT_CHUNK_MAX) {
			err = WEFT_EPROTO;
			goto out;
		}
		r[i].size = (uint32_t)size;
		sum += size;
	}

	/*
	 * msgpack has several encodings of one value (int and length widths);
	 * an index is accepted only in the one form weft_index_encode()
	 * writes, so that equal lists always have equal ids.
	 */
	err = weft_index_encode(r, count, &re);
	if (err || re.len != len || memcmp(re.data, p, len) != 0) {
		err = err == -ENOMEM ? err : WEFT_EPROTO;
		goto out;
	}
	*refs = r;
	*n = count;
	*total = sum;
	r = NULL;
out:
	free(r);
	weft_buf_release(&re);
	weft_msg_release(&m);
	return err;
}
