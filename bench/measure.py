#!/usr/bin/python3
"""measure.py ROUNDS PREPARE -- NAME CMD... -- NAME CMD...: run each command ROUNDS
times, the commands alternating within each round; before each run, PREPARE (a shell
command, not timed) puts the tree back. Prints "NAME median_s min_s max_rss_kb" lines."""
import statistics
import subprocess
import sys
import time


RSS = "/tmp/volown-bench-rss"


def run(cmd):
    # GNU time reports the command's own peak RSS (a forked Python's would count
    # otherwise); its own start-up is the same for every command
    t0 = time.perf_counter()
    rc = subprocess.call(["/usr/bin/time", "-f", "%M", "-o", RSS] + cmd)
    dt = time.perf_counter() - t0
    if rc != 0:
        sys.exit("%s failed: %d" % (cmd, rc))
    return dt, int(open(RSS).read().split()[-1])


def main():
    rounds, prepare = int(sys.argv[1]), sys.argv[2]
    cmds, cur = [], None
    for a in sys.argv[3:]:
        if a == "--":
            cur = None
        elif cur is None:
            cur = (a, [])
            cmds.append(cur)
        else:
            cur[1].append(a)
    times = {n: [] for n, _ in cmds}
    rss = {n: 0 for n, _ in cmds}
    for _ in range(rounds):
        for name, cmd in cmds:
            if prepare:
                subprocess.run(prepare, shell=True, check=True)
            subprocess.run("sync", shell=True)
            dt, m = run(cmd)
            times[name].append(dt)
            rss[name] = max(rss[name], m)
    for name, _ in cmds:
        print("%s %.6f %.6f %d" % (name, statistics.median(times[name]), min(times[name]), rss[name]))


main()
