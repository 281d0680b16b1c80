#!/usr/bin/python3
"""mktree.py DIR N: a tree of about N entries with a realistic fan-out: directories
of 40 files each, 8 subdirectories per level, file sizes 0-4 KB."""
import os
import sys

FILES, FANOUT = 40, 8


def main():
    top, n = sys.argv[1], int(sys.argv[2])
    os.makedirs(top, exist_ok=True)
    made, queue = 1, [top]
    while made < n:
        nxt = []
        for d in queue:
            for i in range(FILES):
                if made >= n:
                    return
                with open(os.path.join(d, "file%02d.dat" % i), "wb") as f:
                    f.write(b"x" * ((made * 37) % 4096))
                made += 1
            for i in range(FANOUT):
                if made >= n:
                    return
                sub = os.path.join(d, "dir%d" % i)
                os.mkdir(sub)
                nxt.append(sub)
                made += 1
        queue = nxt


main()
