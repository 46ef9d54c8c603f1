#!/usr/bin/python3
"""Compares weft's .weftignore with git's .gitignore on generated trees.

For each seed: a random tree of files and folders, and a random ignore
file built from every feature of gitignore(5) (negation, directory rules,
anchoring, "**", "*", "?", bracket sets and classes, escapes, comments,
trailing spaces). The same text goes into .gitignore and .weftignore.
Then the files `weft publish DIR --dry-run --json` would publish must be
exactly the files git leaves unignored, asked two ways: `git ls-files
--others --exclude-standard` and `git check-ignore` over every file.

Names never start with '.', end with '~' or look like "#x#" (weft skips
those by default, git does not), so only the rules differ between them.

usage: ignore_compare.py WEFT_BIN WORKDIR [SEEDS]
"""
import json
import os
import random
import shutil
import subprocess
import sys

PARTS = ["a", "b", "ab", "ba", "x1", "x2", "foo", "bar", "doc", "build",
         "a b", "c*d", "e[f]", "g?h", "n!", "#n", "m#", "sp "]
EXTS = ["", ".stl", ".scad", ".txt", ".o", ".log", ".TXT"]

ATOMS = ["a", "b", "ab", "foo", "bar", "doc", "build", "x1", "x2", "*",
         "?", "[ab]", "[!a]", "[^b]", "[a-c]", "[[:digit:]]", "[[:alpha:]]",
         "x[0-9]", "*.stl", "*.o", "*.log", "f*", "*o", "c\\*d",
         "e\\[f\\]", "e[[]f]", "g\\?h", "\\#n", "m#", "n\\!", "q\\\\r",
         "a\\ b", "a b", "sp\\ ", "*.[tT][xX][tT]", "[[:upper:]]*",
         "[a-]*", "[]]", "[x-]1"]


def rand_name(r):
    n = r.choice(PARTS)
    if r.random() < 0.5:
        n += r.choice(EXTS)
    return n


def make_tree(r, root, depth=0):
    files = []
    for _ in range(r.randint(1, 5)):
        name = rand_name(r)
        p = os.path.join(root, name)
        if os.path.exists(p):
            continue
        if depth < 3 and r.random() < 0.35:
            os.mkdir(p)
            files += make_tree(r, p, depth + 1)
        else:
            with open(p, "w") as f:
                f.write(name)
            files.append(p)
    return files


def rand_rule(r):
    segs = [r.choice(ATOMS) for _ in range(r.choice([1, 1, 1, 2, 2, 3]))]
    if r.random() < 0.25:
        segs.insert(r.randint(0, len(segs)), "**")
    rule = "/".join(segs)
    if r.random() < 0.2:
        rule = "/" + rule
    if r.random() < 0.2:
        rule += "/"
    if r.random() < 0.25:
        rule = "!" + rule
    if r.random() < 0.1:
        rule += "  "          # trailing spaces are dropped
    if r.random() < 0.05:
        rule = "# " + rule    # a comment
    if r.random() < 0.05:
        rule += "\r"          # CRLF files
    return rule


def run(args, cwd=None, inp=None):
    env = dict(os.environ, GIT_CONFIG_NOSYSTEM="1", HOME=cwd or "/",
               GIT_CONFIG_GLOBAL="/dev/null")
    p = subprocess.run(args, cwd=cwd, input=inp, capture_output=True,
                       env=env)
    return p


def main():
    weft, work = sys.argv[1], sys.argv[2]
    seeds = int(sys.argv[3]) if len(sys.argv) > 3 else 200
    bad = 0
    compared = 0
    for seed in range(seeds):
        r = random.Random(seed)
        root = os.path.join(work, "t%d" % seed)
        os.mkdir(root)
        files = make_tree(r, root)
        rules = "\n".join(rand_rule(r) for _ in range(r.randint(1, 8)))
        if r.random() < 0.5:
            rules += "\n"
        for n in (".gitignore", ".weftignore"):
            with open(os.path.join(root, n), "w") as f:
                f.write(rules)
        git = ["git", "-c", "core.excludesFile=/dev/null",
               "-c", "core.quotePath=false"]
        run(git + ["init", "-q", "."], cwd=root)
        p = run(git + ["ls-files", "-z", "--others", "--exclude-standard"],
                cwd=root)
        want = set(x for x in p.stdout.decode().split("\0") if x)
        want -= {".gitignore", ".weftignore"}
        rel = [os.path.relpath(f, root) for f in files]
        p = run(git + ["check-ignore", "-z", "--no-index", "--stdin"],
                cwd=root, inp="\0".join(rel).encode())
        ignored = set(x for x in p.stdout.decode().split("\0") if x)
        want2 = set(rel) - ignored
        p = run([weft, "--json", "publish", root, "--dry-run"])
        if p.returncode == 2 and b"nothing to publish" in p.stderr:
            got = set()
        elif p.returncode != 0:
            print("seed %d: weft failed: %s" % (seed, p.stderr.decode()))
            bad += 1
            continue
        else:
            got = set(f["path"] for f in json.loads(p.stdout)["files"])
        # A "!" rule may bring back weft's default-skipped dotfiles.
        got -= {".gitignore", ".weftignore"}
        compared += 1
        for what, w in (("ls-files", want), ("check-ignore", want2)):
            if got != w:
                bad += 1
                print("seed %d differs from git %s:\nrules:\n%s\n"
                      "only weft: %s\nonly git: %s\n" %
                      (seed, what, rules, sorted(got - w),
                       sorted(w - got)))
        shutil.rmtree(root)
    print("compared %d trees with git, %d differences" % (compared, bad))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
