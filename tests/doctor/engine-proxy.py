#!/usr/bin/env python3
"""A busy or meddling engine, for the doctor's tests: a unix-socket proxy in front of
the real Docker engine.

    engine-proxy.py LISTEN_SOCKET [--delay SECONDS] [--remove-created]

Every request goes to /var/run/docker.sock unchanged (but for "Connection: close",
so that each answer ends with its connection), after --delay seconds. With
--remove-created, a container that a request creates is removed by another client
(DELETE ?force=1) as soon as the engine has created it, before its creator hears
back: what another program on a shared engine can do at any time.
"""
import os
import re
import socket
import sys
import threading
import time
import urllib.parse

ENGINE = "/var/run/docker.sock"


def read_request(conn):
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return None
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    m = re.search(rb"(?im)^content-length:\s*(\d+)", head)
    need = int(m.group(1)) if m else 0
    while len(body) < need:
        chunk = conn.recv(65536)
        if not chunk:
            break
        body += chunk
    lines = head.split(b"\r\n")
    lines = [l for l in lines if not l.lower().startswith(b"connection:")]
    lines.append(b"Connection: close")
    return lines[0].decode("latin-1"), b"\r\n".join(lines) + b"\r\n\r\n" + body


def engine_call(raw):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(ENGINE)
    s.sendall(raw)
    return s


def remove(name):
    s = engine_call(("DELETE /v1.40/containers/%s?force=1&v=1 HTTP/1.1\r\nHost: localhost\r\n"
                     "Connection: close\r\n\r\n" % name).encode())
    while s.recv(65536):
        pass
    s.close()


def serve(conn, delay, remove_created):
    try:
        req = read_request(conn)
        if not req:
            return
        line, raw = req
        time.sleep(delay)
        up = engine_call(raw)
        answer = b""
        while True:
            chunk = up.recv(65536)
            if not chunk:
                break
            answer += chunk
            if not line.startswith("POST ") or "/containers/create" not in line:
                conn.sendall(chunk)
                answer = b""
        up.close()
        if answer:
            if remove_created and b" 201 " in answer.split(b"\r\n", 1)[0]:
                query = urllib.parse.urlparse(line.split(" ")[1]).query
                name = urllib.parse.parse_qs(query).get("name", [""])[0]
                if name:
                    remove(name)
            conn.sendall(answer)
    except OSError:
        pass
    finally:
        conn.close()


def main():
    path = sys.argv[1]
    delay = float(sys.argv[sys.argv.index("--delay") + 1]) if "--delay" in sys.argv else 0.0
    remove_created = "--remove-created" in sys.argv
    if os.path.exists(path):
        os.unlink(path)
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path)
    srv.listen(64)
    while True:
        conn, _ = srv.accept()
        threading.Thread(target=serve, args=(conn, delay, remove_created), daemon=True).start()


if __name__ == "__main__":
    main()
