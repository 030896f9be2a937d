#!/usr/bin/env python3
"""Runs one command of bench/knn-big.sh and measures it: wall seconds, CPU seconds (user +
system, from wait4), peak RSS (ru_maxrss: it counts the pages of a mapped file the command
touched, which are the page cache's and shared) and the peak of its anonymous memory alone
(RssAnon in /proc/PID/status, sampled every 2 ms: what the command allocated beyond the
mapped pages). With --cold FILE..., first drops those files' pages from the page cache
(posix_fadvise DONTNEED: per file, no root needed, other files' pages untouched; pages a
running process maps stay).

usage: knn_big_run.py [--cold FILE ...] --out OUT -- CMD ...
Prints one line: wall_s cpu_s maxrss_MB anon_MB"""
import os
import subprocess
import sys
import time


def drop(path):
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    finally:
        os.close(fd)


def anon_kb(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("RssAnon:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def main():
    args = sys.argv[1:]
    cold, out = [], None
    while args and args[0] != "--":
        if args[0] == "--cold":
            args.pop(0)
            while args and not args[0].startswith("--"):
                cold.append(args.pop(0))
        elif args[0] == "--out":
            out = args[1]
            args = args[2:]
        else:
            sys.exit("knn_big_run.py: unknown argument %s" % args[0])
    cmd = args[1:]
    for p in cold:
        drop(p)
    with open(out, "wb") as f:
        t0 = time.perf_counter()
        p = subprocess.Popen(cmd, stdout=f)
        peak = 0
        while True:
            pid, status, ru = os.wait4(p.pid, os.WNOHANG)
            if pid != 0:
                break
            peak = max(peak, anon_kb(p.pid))
            time.sleep(0.002)
        wall = time.perf_counter() - t0
    if os.WIFSIGNALED(status) or os.WEXITSTATUS(status) != 0:
        sys.exit("knn_big_run.py: %s failed (status %d)" % (cmd[0], status))
    print("%.3f %.2f %d %d" % (wall, ru.ru_utime + ru.ru_stime, ru.ru_maxrss // 1000,
                              peak // 1000))


main()
