#!/usr/bin/python3
"""Runs a command and sends it a signal at a real moment of its work.

usage: signal_at.py SIGNAL MODE ARG MIN -- COMMAND...

MODE says what to wait for, polled every millisecond for at most 60 s:
  readpos FILE   the command has read at least MIN bytes of FILE (its
                 offset in /proc/PID/fdinfo)
  tmpsize DIR    a ".weft-get-*.tmp" file below DIR holds MIN bytes
  exists PATH    PATH exists (MIN is ignored)
  received HOME  the weftd of HOME has received at least MIN bytes of
                 files from peers (`$WEFT_BIN --home HOME --json status`)
With STOP_PID=PID in the environment, PID gets SIGSTOP at that moment
too (the test sends SIGCONT later), which freezes a peer mid-transfer.
Then SIGNAL (INT, TERM, HUP, KILL...) goes to the command. Prints the
command's exit status as a shell would (128 + N for signal N) and exits
0, or exits 3 when the command ended before the moment came. The
command's stdout and stderr go to this program's stderr.
"""
import glob
import json
import os
import signal
import subprocess
import sys
import time


def read_pos(pid, path):
    real = os.path.realpath(path)
    try:
        fds = os.listdir("/proc/%d/fd" % pid)
    except OSError:
        return -1
    for fd in fds:
        try:
            if os.readlink("/proc/%d/fd/%s" % (pid, fd)) != real:
                continue
            with open("/proc/%d/fdinfo/%s" % (pid, fd)) as f:
                for line in f:
                    if line.startswith("pos:"):
                        return int(line.split()[1])
        except OSError:
            pass
    return -1


def tmp_size(d):
    best = -1
    for p in glob.glob(os.path.join(d, "**", ".weft-get-*.tmp"),
                       recursive=True):
        try:
            best = max(best, os.stat(p).st_size)
        except OSError:
            pass
    return best


def received(home):
    p = subprocess.run([os.environ["WEFT_BIN"], "--home", home, "--json",
                        "status"], capture_output=True)
    try:
        return json.loads(p.stdout)["files"]["received"]
    except (ValueError, KeyError):
        return -1


def main():
    sig = getattr(signal, "SIG" + sys.argv[1])
    mode, arg, least = sys.argv[2], sys.argv[3], int(sys.argv[4])
    assert sys.argv[5] == "--"
    p = subprocess.Popen(sys.argv[6:], stdout=sys.stderr)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if p.poll() is not None:
            print("the command ended (%d) before the moment came" %
                  p.returncode, file=sys.stderr)
            return 3
        if mode == "readpos":
            ok = read_pos(p.pid, arg) >= least
        elif mode == "tmpsize":
            ok = tmp_size(arg) >= least
        elif mode == "received":
            ok = received(arg) >= least
        else:
            ok = os.path.exists(arg)
        if ok:
            if os.environ.get("STOP_PID"):
                os.kill(int(os.environ["STOP_PID"]), signal.SIGSTOP)
            p.send_signal(sig)
            break
        time.sleep(0.001)
    else:
        p.kill()
        p.wait()
        print("the moment never came", file=sys.stderr)
        return 3
    rc = p.wait()
    print(128 - rc if rc < 0 else rc)
    return 0


if __name__ == "__main__":
    sys.exit(main())
