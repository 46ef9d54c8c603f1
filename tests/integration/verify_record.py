#!/usr/bin/python3
"""Independent checker for weft record envelopes.

Written from docs/proto/records.md alone, with python3-nacl and
python3-msgpack (run it with /usr/bin/python3, which sees Debian's
packages). For each FILE holding one envelope exactly as `weft show --raw`
writes it, it checks the envelope bytes, the canonical body and every
field, verifies the Ed25519 signature, and prints "<id> <type>". With
--mesh DIR, the facts of a geom record's STL files found in DIR (under
their paths) are recomputed with tests/geom/geomref.py and compared
(triangles, box, area and volume within one unit of rounding, the exact
key equal). Exit
status 0 when every file verified, 1 otherwise (one message per bad file
on stderr), 2 for usage errors.
"""
import hashlib
import json
import os
import sys

import msgpack
import nacl.exceptions
import nacl.signing

RECORD_MAX = 262144
DOMAIN = b"weft/record/v1"
SPDX_DIR = "/usr/share/nodejs/spdx-license-ids"

TITLE_MAX = 200
DESC_MAX = 8192
MESSAGE_MAX = 4096
LICENSE_MAX = 64
TAG_MAX = 64
TAGS_MAX = 32
PATH_MAX = 1024
FILES_MAX = 1024
PREV_MAX = 64
NAME_MAX = 200
MAINTAINERS_MAX = 64
FILE_SIZE_MAX = 1 << 40
PNAME_MAX = 64
BIO_MAX = 1024
LINKS_MAX = 8
LINK_MAX = 512
AVATAR_MAX = 1 << 20
COMMENT_MAX = 8192
PHOTOS_MAX = 8
MAKE_PHOTO_MAX = 2000000
NOTE_MAX = 4096
FIELD_MAX = 128
SETTINGS_MAX = 1024
LABEL_MAX = 64
REASON_MAX = 1024  # a label's or a retract's reason
KNOWN_LABELS = ("spam", "nsfw", "illegal", "copyright", "stolen-design")
TARGETS_MAX = 64

SPACES = {0x20, 0xA0, 0x1680, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000} | set(
    range(0x2000, 0x200B)
)


class Bad(Exception):
    pass


def load_licenses():
    """The SPDX list if this machine has it, else None (membership unchecked)."""
    try:
        with open(os.path.join(SPDX_DIR, "index.json")) as f:
            ids = set(json.load(f))
    except (OSError, ValueError):
        return None
    ids.add("NOASSERTION")
    ids.add("LicenseRef-All-Rights-Reserved")
    return ids


LICENSES = load_licenses()


def open_envelope(env):
    if len(env) > RECORD_MAX:
        raise Bad("envelope larger than %d bytes" % RECORD_MAX)
    if len(env) < 1 or env[0] != 0x92:
        raise Bad("envelope is not a fixarray of 2")
    if len(env) < 2:
        raise Bad("truncated envelope")
    tag, off = env[1], 2
    widths = {0xC4: 1, 0xC5: 2, 0xC6: 4}
    if tag not in widths:
        raise Bad("body is not a bin")
    w = widths[tag]
    if len(env) < off + w:
        raise Bad("truncated envelope")
    blen = int.from_bytes(env[off:off + w], "big")
    off += w
    shortest = 0xC4 if blen < 256 else 0xC5 if blen < 65536 else 0xC6
    if tag != shortest:
        raise Bad("body bin header is not the shortest form")
    if blen == 0:
        raise Bad("empty body")
    body = env[off:off + blen]
    off += blen
    if len(body) != blen:
        raise Bad("truncated envelope")
    if env[off:off + 2] != b"\xc4\x40":
        raise Bad("signature is not a bin8 of 64 bytes")
    off += 2
    sig = env[off:off + 64]
    off += 64
    if len(sig) != 64:
        raise Bad("truncated envelope")
    if off != len(env):
        raise Bad("trailing bytes after the envelope")
    return body, sig


def text_ok(s, cls):
    """cls: 'body', 'line' or 'word' (docs/proto/records.md, Text)."""
    for ch in s:
        c = ord(ch)
        if 0xD800 <= c <= 0xDFFF:
            return False
        if cls == "body":
            if c < 0x20 and c not in (0x09, 0x0A):
                return False
            continue
        if c < 0x20 or 0x7F <= c <= 0x9F:
            return False
        if cls == "word" and c in SPACES:
            return False
    return True


def need(cond, what):
    if not cond:
        raise Bad(what)


def want_str(v, name, lo, hi, cls):
    need(isinstance(v, str), "%s is not a str" % name)
    n = len(v.encode("utf-8"))
    need(lo <= n <= hi, "%s length %d not in %d..%d" % (name, n, lo, hi))
    need(text_ok(v, cls), "%s has forbidden characters" % name)
    return v


def want_id(v, name):
    need(isinstance(v, bytes) and len(v) == 32, "%s is not a bin of 32" % name)
    return v


def want_uint(v, name):
    need(isinstance(v, int) and not isinstance(v, bool) and v >= 0,
         "%s is not a uint" % name)
    return v


def strictly_ascending(items):
    return all(a < b for a, b in zip(items, items[1:]))


def want_ids(v, name, lo, hi):
    need(isinstance(v, list), "%s is not an array" % name)
    need(lo <= len(v) <= hi, "%s has %d entries, not %d..%d"
         % (name, len(v), lo, hi))
    for x in v:
        want_id(x, name + " entry")
    need(strictly_ascending(v), "%s not sorted or has duplicates" % name)
    return v


def path_ok(p):
    b = p.encode("utf-8")
    if not 1 <= len(b) <= PATH_MAX or not text_ok(p, "line") or "\\" in p:
        return False
    return all(part not in ("", ".", "..") for part in p.split("/"))


def check_file(v):
    need(isinstance(v, Map), "file entry is not a map")
    need([k for k, _ in v] == ["path", "size", "hash", "index"],
         "file entry keys are not path, size, hash, index")
    f = dict(v)
    need(isinstance(f["path"], str), "file path is not a str")
    need(path_ok(f["path"]), "bad file path %r" % f["path"])
    need(want_uint(f["size"], "file size") <= FILE_SIZE_MAX,
         "file size too large")
    want_id(f["hash"], "file hash")
    want_id(f["index"], "file index")
    return f["path"].encode("utf-8")


def check_rev(f):
    want_ids(f["prev"], "prev", 0, PREV_MAX)
    want_ids(f["remix_of"], "remix_of", 0, PREV_MAX)
    need(("design" in f) == (len(f["prev"]) > 0),
         "design must be present exactly when prev is non-empty")
    if "design" in f:
        want_id(f["design"], "design")
    want_str(f["title"], "title", 1, TITLE_MAX, "line")
    want_str(f["description"], "description", 0, DESC_MAX, "body")
    lic = want_str(f["license"], "license", 1, LICENSE_MAX, "word")
    if LICENSES is not None:
        need(lic in LICENSES, "license %r is not a canonical SPDX id" % lic)
    tags = f["tags"]
    need(isinstance(tags, list) and len(tags) <= TAGS_MAX, "bad tags")
    for t in tags:
        want_str(t, "tag", 1, TAG_MAX, "word")
    need(strictly_ascending([t.encode("utf-8") for t in tags]),
         "tags not sorted or have duplicates")
    want_str(f["message"], "message", 0, MESSAGE_MAX, "body")
    files = f["files"]
    need(isinstance(files, list) and len(files) <= FILES_MAX, "bad files")
    paths = [check_file(x) for x in files]
    need(strictly_ascending(paths), "files not sorted by path or repeated")


def check_lib(f):
    want_str(f["name"], "name", 1, NAME_MAX, "line")
    want_str(f["description"], "description", 0, DESC_MAX, "body")
    m = want_ids(f["maintainers"], "maintainers", 1, MAINTAINERS_MAX)
    need(f["author"] in m, "author is not a maintainer")


def check_entry(f):
    want_id(f["lib"], "lib")
    want_id(f["design"], "design")
    need(f["action"] in ("add", "remove"), "action is not add or remove")


def check_maint(f):
    want_id(f["lib"], "lib")
    want_ids(f["prev"], "prev", 0, PREV_MAX)
    need(f["action"] in ("add", "remove"), "action is not add or remove")
    want_id(f["key"], "key")


def check_profile(f):
    want_str(f["name"], "name", 1, PNAME_MAX, "line")
    want_str(f["bio"], "bio", 0, BIO_MAX, "body")
    links = f["links"]
    need(isinstance(links, list) and len(links) <= LINKS_MAX, "bad links")
    for u in links:
        want_str(u, "link", 1, LINK_MAX, "word")
        need((u.startswith("https://") and len(u) > 8) or
             (u.startswith("http://") and len(u) > 7),
             "link %r is not http(s)" % u)
    av = f["avatar"]
    need(isinstance(av, list) and len(av) <= 1, "avatar is not 0..1 files")
    for x in av:
        check_file(x)
        need(dict(x)["size"] <= AVATAR_MAX, "avatar too large")


def check_comment(f):
    want_id(f["design"], "design")
    want_ids(f["rev"], "rev", 0, 1)
    want_ids(f["parent"], "parent", 0, 1)
    want_ids(f["replaces"], "replaces", 0, 1)
    want_str(f["text"], "text", 1, COMMENT_MAX, "body")


def check_reaction(f):
    want_id(f["design"], "design")
    need(f["value"] in ("like", ""), "reaction value is not like or empty")


def check_make(f):
    want_id(f["design"], "design")
    want_id(f["rev"], "rev")
    photos = f["photos"]
    need(isinstance(photos, list) and 1 <= len(photos) <= PHOTOS_MAX,
         "a make has 1..%d photos" % PHOTOS_MAX)
    paths = [check_file(x) for x in photos]
    need(all(dict(x)["size"] <= MAKE_PHOTO_MAX for x in photos),
         "a photo is too large")
    need(strictly_ascending(paths), "photos not sorted by path or repeated")
    want_str(f["note"], "note", 0, NOTE_MAX, "body")
    want_str(f["printer"], "printer", 0, FIELD_MAX, "line")
    want_str(f["material"], "material", 0, FIELD_MAX, "line")
    want_str(f["settings"], "settings", 0, SETTINGS_MAX, "body")


def check_grant(f):
    want_id(f["design"], "design")
    to = f["to"]
    need(isinstance(to, bytes) and len(to) in (0, 32),
         "to is not bin of 0 (anyone) or 32 bytes")
    lic = f["license"]
    need(isinstance(lic, str), "license is not a str")
    if lic != "":
        want_str(lic, "license", 1, LICENSE_MAX, "word")
        if LICENSES is not None:
            need(lic in LICENSES,
                 "license %r is not a canonical SPDX id" % lic)


GFILES_MAX = 128
GNOTE_MAX = 256
GUNIT_MAX = 16
THUMB_MAX = 256 * 1024
GRATIO_MAX = 1000000
GFACT_KEYS = ["path", "hash", "format", "note", "unit", "triangles", "box",
              "extents", "area", "volume", "open", "parts", "key", "d2",
              "ratio", "version"]


def want_uints(v, name, lens):
    need(isinstance(v, list) and len(v) in lens,
         "%s is not an array of %s uints" % (name, lens))
    for x in v:
        want_uint(x, name + " entry")
    return v


def check_gfact(v):
    need(isinstance(v, Map), "geom file is not a map")
    need([k for k, _ in v] == GFACT_KEYS,
         "geom file keys are not %s" % GFACT_KEYS)
    g = dict(v)
    need(isinstance(g["path"], str) and path_ok(g["path"]),
         "bad geom file path %r" % (g["path"],))
    want_id(g["hash"], "geom file hash")
    need(g["format"] in ("stl", "obj", "3mf"), "format is not stl, obj, 3mf")
    want_str(g["note"], "note", 0, GNOTE_MAX, "line")
    if g["unit"] != "":
        want_str(g["unit"], "unit", 1, GUNIT_MAX, "word")
    want_uint(g["triangles"], "triangles")
    want_uints(g["box"], "box", (3,))
    want_uints(g["extents"], "extents", (3,))
    want_uint(g["area"], "area")
    want_uints(g["volume"], "volume", (0, 1))
    want_str(g["open"], "open", 0, GNOTE_MAX, "line")
    want_uint(g["parts"], "parts")
    for k, n in (("key", 64), ("d2", 128)):
        need(isinstance(g[k], bytes) and len(g[k]) in (0, n),
             "%s is not bin 0 or %d" % (k, n))
    want_uints(g["ratio"], "ratio", (0, 2))
    need(all(x <= GRATIO_MAX for x in g["ratio"]), "ratio above 10^6")
    need(g["version"] == 1, "geom version is not 1")
    closed = len(g["volume"]) == 1
    if g["note"] != "":
        need(not closed and g["open"] == "" and g["triangles"] == 0 and
             g["area"] == 0 and g["parts"] == 0 and g["key"] == b"" and
             g["d2"] == b"" and g["ratio"] == [],
             "a file with a note has facts")
    else:
        need(closed == (g["open"] == ""),
             "volume present exactly when open is empty")
    return g


def check_geom(f):
    want_id(f["design"], "design")
    want_id(f["rev"], "rev")
    files = f["files"]
    need(isinstance(files, list) and len(files) <= GFILES_MAX,
         "geom files is not an array of 0..%d" % GFILES_MAX)
    gs = [check_gfact(x) for x in files]
    need(strictly_ascending([g["path"].encode("utf-8") for g in gs]),
         "geom files not sorted by path or repeated")
    th = f["thumbnail"]
    need(isinstance(th, list) and len(th) <= 1, "thumbnail is not 0..1 maps")
    for x in th:
        check_file(x)
        need(dict(x)["size"] <= THUMB_MAX, "thumbnail too large")


def label_ok(v):
    """A well-known label or NS/NAME (docs/proto/records.md, label)."""
    if not isinstance(v, str):
        return False
    b = v.encode("utf-8")
    if not 1 <= len(b) <= LABEL_MAX:
        return False
    if v in KNOWN_LABELS:
        return True
    ns, sep, name = v.partition("/")
    lower = "abcdefghijklmnopqrstuvwxyz0123456789"
    return (sep == "/" and ns != "" and name != "" and "." in ns and
            all(c in lower + ".-" for c in ns) and
            all(c in lower + "._-" for c in name))


LABEL_NOT = "weft.not/"


def label_base(v):
    """The label a valid label value v stands for, and whether v is a
    removal (docs/proto/records.md, label): "weft.not/X" withdraws X for
    a well-known X and NS/NAME for X = NS_NAME (the first "_" splits);
    a "weft.not/" value naming no valid label, or a removal, is an
    ordinary namespaced label."""
    if not v.startswith(LABEL_NOT) or len(v) == len(LABEL_NOT):
        return v, False
    x = v[len(LABEL_NOT):]
    ns, sep, name = x.partition("_")
    base = ns + "/" + name if sep else x
    if not label_ok(base) or base.startswith(LABEL_NOT):
        return v, False
    return base, True


def check_label(f):
    need(f["on"] in ("author", "design", "file"),
         "label on is not author, design or file")
    want_id(f["target"], "target")
    need(label_ok(f["label"]), "label is not a known or NS/NAME label")
    want_str(f["reason"], "reason", 0, REASON_MAX, "body")


def check_retract(f):
    sc = f["scope"]
    need(isinstance(sc, bytes) and len(sc) in (0, 32),
         "scope is not bin of 0 (none) or 32 bytes")
    want_ids(f["targets"], "targets", 1, TARGETS_MAX)
    want_str(f["reason"], "reason", 0, REASON_MAX, "body")


# A receipt lives at most 30 days (docs/proto/records.md).
RECEIPT_TTL_MAX = 30 * 24 * 3600 * 1000


def check_receipt(f):
    want_id(f["design"], "design")
    want_id(f["rev"], "rev")
    want_uint(f["expires"], "expires")
    need(f["expires"] > f["ts"], "receipt expires before it is made")
    need(f["expires"] - f["ts"] <= RECEIPT_TTL_MAX,
         "receipt lives longer than 30 days")


KEYS = {
    "rev": ["type", "author", "ts", "design", "prev", "remix_of", "title",
            "description", "license", "tags", "message", "files"],
    "lib": ["type", "author", "ts", "name", "description", "maintainers"],
    "entry": ["type", "author", "ts", "lib", "design", "action"],
    "profile": ["type", "author", "ts", "name", "bio", "links", "avatar"],
    "comment": ["type", "author", "ts", "design", "rev", "parent",
                "replaces", "text"],
    "reaction": ["type", "author", "ts", "design", "value"],
    "make": ["type", "author", "ts", "design", "rev", "photos", "note",
             "printer", "material", "settings"],
    "grant": ["type", "author", "ts", "design", "to", "license"],
    "geom": ["type", "author", "ts", "design", "rev", "files", "thumbnail"],
    "label": ["type", "author", "ts", "on", "target", "label", "reason"],
    "retract": ["type", "author", "ts", "scope", "targets", "reason"],
    "receipt": ["type", "author", "ts", "design", "rev", "expires"],
    "maint": ["type", "author", "ts", "lib", "prev", "action", "key"],
}


class Map(list):
    """A decoded map: a list of [key, value] pairs, in order."""


def decode_body_typed(body):
    try:
        return msgpack.unpackb(
            body, raw=False, use_list=True, strict_map_key=True,
            object_pairs_hook=lambda p: Map(list(kv) for kv in p))
    except Exception as e:
        raise Bad("body is not one msgpack object: %s" % e)


def reencode(o, out):
    """The canonical encoding of a decoded value (docs: shortest forms)."""
    if isinstance(o, Map):
        n = len(o)
        if n < 16:
            out.append(0x80 | n)
        elif n < 65536:
            out += b"\xde" + n.to_bytes(2, "big")
        else:
            out += b"\xdf" + n.to_bytes(4, "big")
        for k, v in o:
            reencode(k, out)
            reencode(v, out)
    elif isinstance(o, list):
        n = len(o)
        if n < 16:
            out.append(0x90 | n)
        elif n < 65536:
            out += b"\xdc" + n.to_bytes(2, "big")
        else:
            out += b"\xdd" + n.to_bytes(4, "big")
        for v in o:
            reencode(v, out)
    else:
        # Scalars: msgpack-python packs ints, str and bytes shortest.
        out += msgpack.packb(o, use_bin_type=True)


def check_body(body):
    obj = decode_body_typed(body)
    need(isinstance(obj, Map), "body is not a map")
    keys = [k for k, _ in obj]
    need(keys and keys[0] == "type", "first key is not type")
    typ = obj[0][1]
    need(typ in KEYS, "unknown record type %r" % (typ,))
    expect = list(KEYS[typ])
    if typ == "rev" and "design" not in keys:
        expect.remove("design")
    need(keys == expect, "keys %s, expected %s in this order" % (keys, expect))
    f = dict(obj)
    want_id(f["author"], "author")
    want_uint(f["ts"], "ts")
    for o in walk(obj):
        # Only uint, str, bin, array and map may appear in a body.
        ok = isinstance(o, (str, bytes, list)) or (
            type(o) is int and o >= 0)
        need(ok, "value of a type bodies never hold: %r" % (o,))
    {"rev": check_rev, "lib": check_lib, "entry": check_entry,
     "profile": check_profile, "comment": check_comment,
     "reaction": check_reaction, "make": check_make,
     "grant": check_grant, "geom": check_geom,
     "label": check_label, "retract": check_retract,
     "receipt": check_receipt, "maint": check_maint}[typ](f)
    out = bytearray()
    reencode(obj, out)
    need(bytes(out) == body, "body is not in canonical (shortest) encoding")
    return typ, f["author"], f


def mesh_facts(path):
    """Facts of an STL file recomputed with geomref (docs/proto/geom.md),
    rounded as records.md says: triangles, box (um), area (0.01 mm^2),
    volume (0.001 mm^3, closed meshes) and the exact key."""
    sys.path.insert(0, os.path.join(os.path.dirname(
        os.path.abspath(__file__)), "..", "geom"))
    import geomref
    with open(path, "rb") as fh:
        v, t = geomref.weld(geomref.read_stl(fh.read()))
    box = [max(p[k] for p in v) - min(p[k] for p in v) for k in range(3)]
    area = sum(geomref.area(*(v[i] for i in tri)) for tri in t)
    vol = sum(geomref.dot(v[a], geomref.cross(v[b], v[c]))
              for a, b, c in t) / 6
    k = geomref.keys(v, t)
    return {"triangles": len(t), "box": [round(x * 1000) for x in box],
            "area": round(area * 100), "volume": round(vol * 1000),
            "key": bytes.fromhex(k[0] + k[1]) if k else b""}


def check_mesh(f, d):
    """The facts of every STL of geom record f found in directory d."""
    n = 0
    for g in f["files"]:
        g = dict(g)
        path = os.path.join(d, g["path"])
        if g["format"] != "stl" or g["note"] or not os.path.exists(path):
            continue
        m = mesh_facts(path)
        need(g["triangles"] == m["triangles"], "%s: triangles %d, not %d"
             % (g["path"], g["triangles"], m["triangles"]))
        for k in range(3):
            need(abs(g["box"][k] - m["box"][k]) <= 1, "%s: box %s, not %s"
                 % (g["path"], g["box"], m["box"]))
        need(abs(g["area"] - m["area"]) <= 1, "%s: area %d, not %d"
             % (g["path"], g["area"], m["area"]))
        if g["volume"]:
            need(abs(g["volume"][0] - m["volume"]) <= 1,
                 "%s: volume %d, not %d" % (g["path"], g["volume"][0],
                                            m["volume"]))
        need(g["key"] == m["key"], "%s: the exact key differs" % g["path"])
        n += 1
    return n


def walk(o):
    yield o
    if isinstance(o, Map):
        for k, v in o:
            yield from walk(v)
    elif isinstance(o, list):
        for v in o:
            yield from walk(v)


def verify(env, mesh=None):
    body, sig = open_envelope(env)
    typ, author, f = check_body(body)
    try:
        nacl.signing.VerifyKey(author).verify(DOMAIN + body, sig)
    except nacl.exceptions.BadSignatureError:
        raise Bad("signature verification failed")
    except (nacl.exceptions.CryptoError, ValueError) as e:
        raise Bad("signature verification failed: %s" % e)
    if mesh is not None and typ == "geom":
        check_mesh(f, mesh)
    return hashlib.blake2b(body, digest_size=32).hexdigest(), typ


def main(argv):
    mesh = None
    if len(argv) > 2 and argv[1] == "--mesh":
        mesh = argv[2]
        argv = argv[:1] + argv[3:]
    if len(argv) < 2 or argv[1] in ("-h", "--help"):
        sys.stderr.write("usage: verify_record.py [--mesh DIR] FILE...\n")
        return 2
    status = 0
    for path in argv[1:]:
        try:
            with open(path, "rb") as f:
                env = f.read(RECORD_MAX + 1)
            rid, typ = verify(env, mesh)
        except OSError as e:
            sys.stderr.write("verify_record: cannot read '%s': %s\n"
                             % (path, e.strerror))
            status = 1
            continue
        except Bad as e:
            sys.stderr.write("verify_record: '%s': %s\n" % (path, e))
            status = 1
            continue
        print("%s %s" % (rid, typ))
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv))
