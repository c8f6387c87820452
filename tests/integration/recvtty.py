#!/usr/bin/env python3
"""Console-socket receiver for the tests: what conmon/containerd do with --console-socket.

recvtty.py SOCKET OUTFILE: listens on SOCKET, accepts one connection, receives one fd by SCM_RIGHTS,
writes "fd: pty-master N" (or "fd: not-a-pty-master") to OUTFILE, then copies everything read from
the pty master to OUTFILE until the container closes its side.
"""
import array
import fcntl
import os
import socket
import sys

TIOCGPTN = 0x80045430  # only a pty master answers it


def main() -> int:
    path, outfile = sys.argv[1], sys.argv[2]
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path)
    srv.listen(1)
    srv.settimeout(60)
    conn, _ = srv.accept()
    msg, fds, _, _ = socket.recv_fds(conn, 4096, 4)
    with open(outfile, "w", buffering=1) as out:
        if len(fds) != 1:
            out.write(f"fd: received {len(fds)} fds\n")
            return 1
        fd = fds[0]
        try:
            buf = array.array("I", [0])
            fcntl.ioctl(fd, TIOCGPTN, buf, True)
            out.write(f"fd: pty-master {buf[0]} name={msg.decode(errors='replace')}\n")
        except OSError:
            out.write("fd: not-a-pty-master\n")
            return 1
        while True:
            try:
                data = os.read(fd, 4096)
            except OSError:  # EIO: the last slave fd closed
                break
            if not data:
                break
            out.write(data.decode(errors="replace"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
