#!/usr/bin/env python3
# tree_compare.py A B: compare two directory trees file by file (type, mode, uid/gid, size, content
# hash, symlink target, device numbers, xattrs, mtime, hard link groups) and print every difference;
# exit 1 if there is any. For tests/integration/unpack.bats: umoci's unpacked rootfs against husk's
# layers seen through overlayfs. Neither tree is followed through symlinks.
import hashlib
import os
import stat
import sys

# overlayfs's own bookkeeping, not part of what the image says
SKIP_XATTRS = ("trusted.overlay.", "user.overlay.")


def xattrs(path):
    try:
        names = os.listxattr(path, follow_symlinks=False)
    except OSError:
        return {}
    out = {}
    for n in names:
        if n.startswith(SKIP_XATTRS):
            continue
        try:
            out[n] = os.getxattr(path, n, follow_symlinks=False).hex()
        except OSError as e:
            out[n] = "error %d" % e.errno
    return out


def describe(root, rel, st):
    path = os.path.join(root, rel) if rel else root
    d = {
        "type": stat.S_IFMT(st.st_mode),
        "mode": oct(stat.S_IMODE(st.st_mode)),
        "uid": st.st_uid,
        "gid": st.st_gid,
        "mtime": st.st_mtime_ns,
        "xattrs": xattrs(path),
    }
    if stat.S_ISREG(st.st_mode):
        h = hashlib.sha256()
        with open(path, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
        d["size"] = st.st_size
        d["sha256"] = h.hexdigest()
    elif stat.S_ISLNK(st.st_mode):
        d["target"] = os.readlink(path)
        # a symlink's mode is always 0777 and overlayfs shows the lower's: not compared
        del d["mode"]
    elif stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode):
        d["rdev"] = (os.major(st.st_rdev), os.minor(st.st_rdev))
    return d


def walk(root):
    entries = {}
    inodes = {}
    stack = [""]
    while stack:
        rel = stack.pop()
        path = os.path.join(root, rel) if rel else root
        st = os.lstat(path)
        entries[rel or "/"] = describe(root, rel, st)
        if stat.S_ISREG(st.st_mode) and st.st_nlink > 1:
            inodes.setdefault((st.st_dev, st.st_ino), []).append(rel)
        if stat.S_ISDIR(st.st_mode):
            for name in sorted(os.listdir(path)):
                stack.append(os.path.join(rel, name) if rel else name)
    # hard link groups, as sets of names (inode numbers differ between the trees)
    groups = {}
    for names in inodes.values():
        if len(names) > 1:
            for n in names:
                groups[n] = sorted(names)
    for n, e in entries.items():
        if n in groups:
            e["links"] = groups[n]
    return entries


def main():
    a, b = walk(sys.argv[1]), walk(sys.argv[2])
    # The roots' own times: set by no layer that lacks a "./" entry, so when each tree was made.
    a["/"].pop("mtime")
    b["/"].pop("mtime")
    bad = 0
    for name in sorted(set(a) | set(b)):
        if name not in a:
            print("only in %s: %s" % (sys.argv[2], name))
            bad += 1
        elif name not in b:
            print("only in %s: %s" % (sys.argv[1], name))
            bad += 1
        elif a[name] != b[name]:
            for k in sorted(set(a[name]) | set(b[name])):
                if a[name].get(k) != b[name].get(k):
                    print("%s: %s: %r != %r" % (name, k, a[name].get(k), b[name].get(k)))
            bad += 1
    print("%d entries compared, %d differ" % (len(a), bad))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
