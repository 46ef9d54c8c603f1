#!/usr/bin/python3
"""Power-loss replay for weftd's store (issue 16, must-have 10; issue
11 part 6: chunk packs).

The crash-state method of ALICE and CrashMonkey, on a log that the
LD_PRELOAD shim tests/powerloss/wlog.c recorded while a weftd published
or ingested records (format: see wlog.c). The log covers every store
file: LMDB's data.mdb and the pack files of chunk bytes. After a power
cut, everything written to a file before that file's last completed
sync is on the disk, and of the writes after it any subset may be, at
the granularity of 4 KiB pages (the kernel writes back dirty pages in
no promised order). So for each sync window (the events between two
syncs of any file) the states are: every file's synced bytes plus a
prefix (in order) or a random subset of the pages written to any file
since that file's last sync. Each state is rebuilt as the store's files
in a fresh home (keys and config copied from the node's; no lock file;
a file exists once the recording opened it, which assumes its directory
entry was synced, as weftd does when it creates a pack), and checked:

  - weftd starts on it and answers `weft status`;
  - `weft verify` passes (exit 0: every record's signature, every
    chunk's hash);
  - every record acknowledged before the window's end is there: the
    ids the test logged after `weft publish` printed them ('A'), and
    at least the record count it logged after `weft status` ('N');
  - the files of every acknowledged design are whole: `weft get` of it
    writes them from this store alone (no peer).

A record is acknowledged once its commit returned, that is after its
meta page's synchronous write, so markers before the window's closing
sync name records that no state of the window may lose. The number of
states is capped (--states, sampled evenly over all candidates with a
fixed seed, the final state always included) so that CI stays fast; a
run by hand can ask for thousands (WEFT_POWERLOSS_STATES in
t-powerloss.sh).

With --direct, the log must show the packs written the way O_DIRECT
makes weftd write them (issue 17.3): every write to a pack past its
header covers whole 4 KiB blocks. The count of such writes is printed
(t-powerloss wants some for a publish): so the shim is known to see
the direct writes, and the states replay them.

Usage: replay.py --log LOG --home HOME --weft WEFT --weftd WEFTD
                 [--states N] [--seed S] [--subsets K] [--work DIR]
                 [--direct]
Exit 0 when every state passed; 1 with the failing states listed.
"""

import argparse
import copy
import json
import os
import random
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time

PAGE = 4096


def parse(path):
    """The log as a list of events: ('W', file, off, bytes), ('S', file),
    ('T', file, size), ('F', file, name), ('A', id), ('N', count)."""
    b = open(path, 'rb').read()
    ev = []
    i = 0
    while i < len(b):
        t = b[i:i + 1]
        if t == b'W':
            f, off, n = struct.unpack_from('<BQI', b, i + 1)
            ev.append(('W', f, off, b[i + 14:i + 14 + n]))
            i += 14 + n
        elif t == b'S':
            ev.append(('S', b[i + 1]))
            i += 2
        elif t == b'T':
            f, size = struct.unpack_from('<BQ', b, i + 1)
            ev.append(('T', f, size))
            i += 10
        elif t == b'A':
            ev.append(('A', b[i + 1:i + 65].decode()))
            i += 66
        elif t == b'F':
            f, n = struct.unpack_from('<BH', b, i + 1)
            ev.append(('F', f, b[i + 4:i + 4 + n].decode()))
            i += 4 + n
        elif t == b'N':
            ev.append(('N', int(b[i + 1:i + 21])))
            i += 22
        else:
            raise SystemExit('%s: bad entry %r at %d' % (path, t, i))
    return ev


def pages(e):
    """A write split into the 4 KiB-aligned pieces a cut may keep."""
    _, f, off, data = e
    out = []
    p = 0
    while p < len(data):
        end = min(len(data), ((off + p) // PAGE + 1) * PAGE - off)
        out.append(('W', f, off + p, data[p:end]))
        p = end
    return out


def apply(img, e):
    if e[0] == 'W':
        _, _, off, data = e
        if len(img) < off + len(data):
            img.extend(b'\0' * (off + len(data) - len(img)))
        img[off:off + len(data)] = data
    elif e[0] == 'T':
        size = e[2]
        if len(img) > size:
            del img[size:]
        else:
            img.extend(b'\0' * (size - len(img)))


class Disk:
    """The store's files as a power cut would find them: per file its
    synced bytes, and the writes (pages) and truncations since its last
    sync, in the order they happened across files."""

    def __init__(self):
        self.names = {}
        self.synced = {}
        self.pending = []       # (file, event), oldest first

    def step(self, e):
        if e[0] == 'F':
            self.names[e[1]] = e[2]
            self.synced.setdefault(e[1], bytearray())
        elif e[0] == 'W':
            self.pending.extend((e[1], p) for p in pages(e))
        elif e[0] == 'T':
            self.pending.append((e[1], e))
        elif e[0] == 'S':
            img = self.synced.setdefault(e[1], bytearray())
            keep = []
            for f, p in self.pending:
                if f == e[1]:
                    apply(img, p)
                else:
                    keep.append((f, p))
            self.pending = keep

    def state(self, keep):
        """{name: bytes}: the synced files plus the pending entries
        whose indexes are in keep."""
        imgs = {f: bytearray(b) for f, b in self.synced.items()}
        for j in keep:
            f, p = self.pending[j]
            apply(imgs.setdefault(f, bytearray()), p)
        return {self.names.get(f, 'data.mdb'): bytes(b)
                for f, b in imgs.items()}


def windows(ev):
    """Splits the log at every sync into windows: [events up to and
    without the closing sync, acked ids, acked count], the acked values
    being every marker logged before the window's closing sync. A marker
    follows the sync that made its record durable, so a marker logged
    inside window k names a record durable by the sync that opened it:
    no state of window k may lack it."""
    out = []
    cur = []
    ids = []
    count = 0
    for e in ev:
        if e[0] == 'A':
            ids.append(e[1])
        elif e[0] == 'N':
            count = max(count, e[1])
        elif e[0] == 'S':
            out.append([cur, list(ids), count, e])
            cur = []
        else:
            cur.append(e)
    out.append([cur, list(ids), count, None])
    return out


def candidates(wins, subsets, rng):
    """(window index, description, pending indexes kept) for every state:
    per window, at its end (before its closing sync), each prefix of the
    entries pending then, and random subsets."""
    out = []
    d = Disk()
    for k, (es, _, _, close) in enumerate(wins):
        for e in es:
            d.step(e)
        n = len(d.pending)
        for j in range(n + 1):
            out.append((k, 'prefix %d/%d' % (j, n), range(j)))
        if n > 1:
            for r in range(subsets):
                keep = sorted(rng.sample(range(n), rng.randrange(1, n)))
                out.append((k, 'subset %d of %d pending pages' %
                            (len(keep), n), keep))
        if close is not None:
            d.step(close)
    return out


def run(cmd, timeout=30, env=None):
    return subprocess.run(cmd, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, timeout=timeout,
                          env=env)


def check_state(args, files, acked_ids, acked_n, work):
    """Starts weftd on the image; returns None or what failed."""
    home = os.path.join(work, 'h')
    if os.path.exists(home):
        shutil.rmtree(home)
    os.makedirs(os.path.join(home, 'store'), mode=0o700)
    os.chmod(home, 0o700)
    for name in ('author.key', 'node.key', 'config'):
        src = os.path.join(args.home, name)
        if os.path.exists(src):
            shutil.copy2(src, os.path.join(home, name))
    for name, data in files.items():
        with open(os.path.join(home, 'store', name), 'wb') as f:
            f.write(data)
    env = dict(os.environ)
    env.pop('LD_PRELOAD', None)
    env['WEFT_OUT_TARGET'] = '0'
    log = open(os.path.join(work, 'weftd.log'), 'wb')
    d = subprocess.Popen([args.weftd, '--home', home, '--listen',
                          '127.0.0.1:0'], stdout=log, stderr=log, env=env)
    try:
        up = False
        for _ in range(200):
            if d.poll() is not None:
                return 'weftd exited %d on start: %s' % (
                    d.returncode, open(log.name, 'rb').read()[-300:])
            if run([args.weft, '--home', home, 'status'],
                   env=env).returncode == 0:
                up = True
                break
            time.sleep(0.05)
        if not up:
            return 'weftd did not answer status'
        r = run([args.weft, '--home', home, '-q', 'verify'], timeout=120,
                env=env)
        if r.returncode != 0:
            return 'verify exited %d: %s' % (r.returncode,
                                             r.stderr.decode()[-300:])
        for i in acked_ids:
            r = run([args.weft, '--home', home, '-q', 'show', i], env=env)
            if r.returncode != 0:
                return 'acknowledged record %s missing: %s' % (
                    i, r.stderr.decode().strip())
            out = os.path.join(work, 'get')
            shutil.rmtree(out, ignore_errors=True)
            r = run([args.weft, '--home', home, '-q', 'get', '--timeout',
                     '5', i, '-o', out], env=env)
            if r.returncode != 0:
                return 'the files of acknowledged design %s: %s' % (
                    i, r.stderr.decode().strip()[-300:])
        if acked_n:
            r = run([args.weft, '--home', home, '--json', 'status'],
                    env=env)
            have = json.loads(r.stdout)['records']
            if have < acked_n:
                return '%d records, %d were acknowledged' % (have, acked_n)
        return None
    finally:
        d.send_signal(signal.SIGTERM)
        try:
            d.wait(timeout=20)
        except subprocess.TimeoutExpired:
            d.kill()
            d.wait()
        log.close()


def pack_writes(ev):
    """Writes to pack files past offset 0 (the header, or the bytes a
    file held when the recording opened it): (whole blocks, others)."""
    packs = set(e[1] for e in ev if e[0] == 'F' and e[2].startswith('pack-'))
    blocks = other = 0
    for e in ev:
        if e[0] != 'W' or e[1] not in packs or e[2] == 0:
            continue
        if e[2] % PAGE == 0 and len(e[3]) % PAGE == 0:
            blocks += 1
        else:
            other += 1
    return blocks, other


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--log', required=True)
    ap.add_argument('--home', required=True)
    ap.add_argument('--weft', required=True)
    ap.add_argument('--weftd', required=True)
    ap.add_argument('--states', type=int, default=30)
    ap.add_argument('--subsets', type=int, default=3)
    ap.add_argument('--seed', type=int, default=16)
    ap.add_argument('--work')
    ap.add_argument('--direct', action='store_true')
    args = ap.parse_args()
    rng = random.Random(args.seed)
    ev = parse(args.log)
    wins = windows(ev)
    cands = candidates(wins, args.subsets, rng)
    nsync = sum(1 for e in ev if e[0] == 'S')
    nw = sum(1 for e in ev if e[0] == 'W')
    if len(cands) > args.states:
        step = len(cands) / float(args.states)
        pick = sorted(set(int(i * step) for i in range(args.states - 1)))
        pick.append(len(cands) - 1)
        cands = [cands[i] for i in pick]
    blocks, other = pack_writes(ev)
    print('pack writes: %d of whole 4 KiB blocks, %d others'
          % (blocks, other))
    if args.direct and other != 0:
        print('FAIL: the packs were not written as O_DIRECT writes them')
        return 1
    names = sorted(set(e[2] for e in ev if e[0] == 'F'))
    print('%s: %d writes, %d syncs, %d windows over %s; checking %d states'
          % (os.path.basename(args.log), nw, nsync, len(wins),
             ', '.join(names) or 'no named file', len(cands)))
    work = args.work or tempfile.mkdtemp(prefix='weft-powerloss.')
    failed = 0
    d = Disk()
    done = 0	# windows stepped through d, closing syncs included
    try:
        for k, what, keep in cands:
            while done < k:
                es, _, _, close = wins[done]
                for e in es:
                    d.step(e)
                if close is not None:
                    d.step(close)
                done += 1
            es, ids, n, _ = wins[k]
            dk = copy.deepcopy(d)
            for e in es:
                dk.step(e)
            why = check_state(args, dk.state(keep), ids, n, work)
            if why is not None:
                failed += 1
                print('FAIL window %d (%s): %s' % (k, what, why))
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)
    print('%d of %d states failed' % (failed, len(cands)))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
