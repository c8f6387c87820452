#!/usr/bin/env python3
"""Run a command on a new pty, as a person at a terminal would, and script what they do.

  pty_drive.py [--rows R --cols C] [--timeout S] -- CMD... with steps from $PTY_STEPS, one a line:
    expect REGEX      wait until the output so far (since the last expect) matches
    send TEXT         type TEXT (Python escapes: \\r, \\x10 ...)
    resize R C        set the pty's size (the kernel sends SIGWINCH to its foreground group)
    sleep S
    waitraw           wait until the command has put the terminal in raw mode (it is attached)
The command's exit code is ours (99: an expect timed out, the transcript on stderr). At the end the
terminal's attributes before and after are compared: 'stty: same' or 'stty: changed' on stderr,
and the whole transcript goes to stdout.
"""
import os, re, select, signal, struct, sys, termios, fcntl, time

def set_size(fd, rows, cols):
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))

def main():
    args = sys.argv[1:]
    rows, cols, timeout = 24, 80, 30.0
    while args and args[0] != "--":
        if args[0] == "--rows": rows = int(args[1]); args = args[2:]
        elif args[0] == "--cols": cols = int(args[1]); args = args[2:]
        elif args[0] == "--timeout": timeout = float(args[1]); args = args[2:]
        else: sys.exit("pty_drive: unknown option " + args[0])
    cmd = args[1:]
    steps = [l for l in os.environ.get("PTY_STEPS", "").split("\n") if l.strip()]
    master, slave = os.openpty()
    set_size(master, rows, cols)
    before = termios.tcgetattr(slave)
    pid = os.fork()
    if pid == 0:
        os.setsid()
        fcntl.ioctl(slave, termios.TIOCSCTTY, 0)
        for fd in (0, 1, 2):
            os.dup2(slave, fd)
        os.close(master)
        if slave > 2: os.close(slave)
        os.execvp(cmd[0], cmd)
    out = b""
    mark = 0
    status = None
    def pump(t):
        nonlocal out
        r, _, _ = select.select([master], [], [], t)
        if r:
            try:
                d = os.read(master, 65536)
            except OSError:
                d = b""
            out += d
            return len(d) > 0
        return True
    def fail(msg):
        sys.stderr.write("pty_drive: %s\n--- transcript ---\n%r\n" % (msg, out))
        try: os.kill(pid, signal.SIGKILL)
        except ProcessLookupError: pass
        os.waitpid(pid, 0)
        sys.exit(99)
    for step in steps:
        op, _, arg = step.strip().partition(" ")
        if op == "expect":
            deadline = time.time() + timeout
            rx = re.compile(arg.encode())
            while True:
                m = rx.search(out, mark)
                if m:
                    mark = m.end()
                    break
                if time.time() > deadline: fail("timed out expecting %r" % arg)
                if not pump(0.1):
                    if not rx.search(out, mark): fail("output ended expecting %r" % arg)
        elif op == "send":
            os.write(master, arg.encode().decode("unicode_escape").encode("latin-1"))
        elif op == "resize":
            r, c = arg.split()
            set_size(master, int(r), int(c))
        elif op == "waitraw":
            deadline = time.time() + timeout
            while termios.tcgetattr(slave)[3] & termios.ICANON:
                if time.time() > deadline: fail("the terminal never went raw")
                pump(0.02)
        elif op == "sleep":
            end = time.time() + float(arg)
            while time.time() < end: pump(0.05)
        else:
            fail("unknown step " + step)
    deadline = time.time() + timeout
    while status is None:
        p, st = os.waitpid(pid, os.WNOHANG)
        if p == pid:
            status = st
            break
        if time.time() > deadline: fail("timed out waiting for the command to exit")
        pump(0.05)
    while pump(0.05) and select.select([master], [], [], 0)[0]:
        pass
    after = termios.tcgetattr(slave)
    sys.stderr.write("stty: %s\n" % ("same" if before == after else "changed"))
    sys.stdout.write(out.decode("utf-8", "replace"))
    sys.exit(os.waitstatus_to_exitcode(status) if status is not None else 98)

main()
