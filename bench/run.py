#!/usr/bin/env python3
"""run.py - run one benchmark command and report its wall time, peak RSS and, when
--marker is given, the seconds after the first stderr line containing the marker (the
training phase of fastText, which reads its vocabulary first).

Usage: run.py [--marker TEXT] [--log FILE] -- command ...
Prints one line: wall=SECONDS train=SECONDS cpu=SECONDS rss_kb=KB rc=CODE
(cpu: user + system time of the whole command, so a run starved by other jobs on the
machine shows as cpu well below threads x wall.)
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--marker", default=None)
    ap.add_argument("--log", default=os.devnull)
    ap.add_argument("cmd", nargs=argparse.REMAINDER)
    a = ap.parse_args()
    cmd = a.cmd[1:] if a.cmd and a.cmd[0] == "--" else a.cmd
    with tempfile.NamedTemporaryFile("r", suffix=".time") as tf, open(a.log, "ab") as log:
        t0 = time.monotonic()
        t_mark = None
        p = subprocess.Popen(["/usr/bin/time", "-v", "-o", tf.name] + cmd,
                             stdout=log, stderr=subprocess.PIPE)
        tail = b""
        while True:
            chunk = p.stderr.read1(65536)
            if not chunk:
                break
            log.write(chunk)
            if a.marker and t_mark is None:
                tail = (tail + chunk)[-4096:]
                if a.marker.encode() in tail:
                    t_mark = time.monotonic()
        rc = p.wait()
        wall = time.monotonic() - t0
        rss, cpu = 0, 0.0
        for line in open(tf.name):
            if "Maximum resident set size" in line:
                rss = int(line.rsplit(":", 1)[1])
            elif "User time (seconds)" in line or "System time (seconds)" in line:
                cpu += float(line.rsplit(":", 1)[1])
    train = wall - (t_mark - t0) if t_mark is not None else wall
    print(f"wall={wall:.2f} train={train:.2f} cpu={cpu:.2f} rss_kb={rss} rc={rc}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
