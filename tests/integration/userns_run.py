#!/usr/bin/env python3
# userns_run.py HOSTID COUNT CMD...: run CMD as root of a new user namespace whose ids 0..COUNT-1 are the
# host's HOSTID..HOSTID+COUNT-1 (maps written by this, the parent, as root: no newuidmap, no subuid).
import ctypes, os, sys
CLONE_NEWUSER = 0x10000000
host, count, cmd = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3:]
r1, w1 = os.pipe()
r2, w2 = os.pipe()
pid = os.fork()
if pid == 0:
    if ctypes.CDLL(None, use_errno=True).unshare(CLONE_NEWUSER) != 0:
        os._exit(120)
    os.write(w1, b"u")
    os.read(r2, 1)
    os.setgid(0)
    os.setuid(0)
    os.execvp(cmd[0], cmd)
os.read(r1, 1)
for f in ("uid_map", "gid_map"):
    with open("/proc/%d/%s" % (pid, f), "w") as m:
        m.write("0 %d %d\n" % (host, count))
os.write(w2, b"g")
_, status = os.waitpid(pid, 0)
sys.exit(os.waitstatus_to_exitcode(status))
