#!/usr/bin/env python3
# An HTTP proxy in front of a registry that drops the connection once, mid-body, for
# tests/integration/registry.bats only.
#
#   registry_cutproxy.py PORT_FILE UPSTREAM_PORT LOG PATTERN [norange]
#
# Listens on 127.0.0.1 (a free port, written to PORT_FILE) and forwards each request to
# 127.0.0.1:UPSTREAM_PORT. The first GET whose path contains PATTERN and that has no Range header gets
# the response's headers and half its body, then the connection is closed; everything else passes
# whole. One request per connection (Connection: close). With "norange" the Range header is not
# passed on (a server that ignores it: the resumed request gets the whole body again, 200). Each
# request is logged to LOG as "METHOD PATH range=RANGE [cut]".
import os
import socket
import sys
import threading

port_file, upstream, log, pattern = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
norange = len(sys.argv) > 5 and sys.argv[5] == "norange"
lock = threading.Lock()
state = {"cut": False}


def read_head(sock):
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return None, b""
        data += chunk
        # not HTTP (a TLS ClientHello): close, as an HTTP server answers one
        if not data[:1].isalpha():
            return None, b""
    head, rest = data.split(b"\r\n\r\n", 1)
    return head.decode("latin-1"), rest


def handle(client):
    try:
        head, rest = read_head(client)
        if head is None:
            return
        lines = head.split("\r\n")
        method, path = lines[0].split(" ")[:2]
        headers = [h for h in lines[1:] if not h.lower().startswith("connection:")]
        rng = [h.split(":", 1)[1].strip() for h in headers if h.lower().startswith("range:")]
        length = [int(h.split(":", 1)[1]) for h in headers if h.lower().startswith("content-length:")]
        body = rest
        while length and len(body) < length[0]:
            chunk = client.recv(65536)
            if not chunk:
                break
            body += chunk
        up = socket.create_connection(("127.0.0.1", upstream))
        if norange:
            headers = [h for h in headers if not h.lower().startswith("range:")]
        up.sendall(("\r\n".join([lines[0]] + headers + ["Connection: close"]) + "\r\n\r\n").encode("latin-1") + body)
        resp = b""
        while True:
            chunk = up.recv(65536)
            if not chunk:
                break
            resp += chunk
        up.close()
        cut = False
        with lock:
            if method == "GET" and pattern in path and not rng and not state["cut"]:
                state["cut"] = cut = True
        with open(log, "a") as f:
            f.write("%s %s range=%s%s\n" % (method, path, rng[0] if rng else "-", " cut" if cut else ""))
        if cut:
            rhead, rbody = resp.split(b"\r\n\r\n", 1)
            client.sendall(rhead + b"\r\n\r\n" + rbody[:len(rbody) // 2])
        else:
            client.sendall(resp)
    finally:
        client.close()


srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", 0))
srv.listen(64)
with open(port_file + ".tmp", "w") as f:
    f.write(str(srv.getsockname()[1]))
os.rename(port_file + ".tmp", port_file)
while True:
    c, _ = srv.accept()
    threading.Thread(target=handle, args=(c,), daemon=True).start()
