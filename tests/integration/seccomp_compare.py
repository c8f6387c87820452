#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""seccomp_compare.py MINE.json THEIRS.json: exits 1, naming the calls, when the resolved
linux.seccomp MINE lets through a call that THEIRS refuses.

Both are resolved profiles (no includes/excludes left) with a refusing default action. A call is let
through by its ALLOW rules: an unconditional one allows every argument; a conditional one allows the
argument values its conditions accept. MINE is no more permissive when, for every ALLOW rule of
MINE, THEIRS allows the same call unconditionally, or has a rule with the same conditions, or (one
condition of SCMP_CMP_EQ) has a rule whose conditions accept that value."""
import json
import sys

REFUSING = {"SCMP_ACT_ERRNO", "SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD", "SCMP_ACT_TRAP"}


def accepts(cond, v):
    op, val, two = cond["op"], cond["value"], cond.get("valueTwo", 0)
    return {
        "SCMP_CMP_EQ": v == val,
        "SCMP_CMP_NE": v != val,
        "SCMP_CMP_LT": v < val,
        "SCMP_CMP_LE": v <= val,
        "SCMP_CMP_GT": v > val,
        "SCMP_CMP_GE": v >= val,
        "SCMP_CMP_MASKED_EQ": (v & val) == two,
    }[op]


def norm(args):
    return sorted((a["index"], a["op"], a["value"], a.get("valueTwo", 0)) for a in args or [])


def allow_rules(profile):
    rules = {}
    for r in profile.get("syscalls", []):
        if r["action"] == "SCMP_ACT_ALLOW":
            for n in r["names"]:
                rules.setdefault(n, []).append(r.get("args") or [])
    return rules


def covered(args, theirs):
    if not theirs:
        return False
    if any(not t for t in theirs):
        return True
    if any(norm(t) == norm(args) for t in theirs):
        return True
    if len(args) == 1 and args[0]["op"] == "SCMP_CMP_EQ":
        a = args[0]
        return any(all(c["index"] == a["index"] and accepts(c, a["value"]) for c in t) for t in theirs)
    return False


def main():
    mine, theirs = (json.load(open(p)) for p in sys.argv[1:3])
    problems = []
    if mine["defaultAction"] not in REFUSING or theirs["defaultAction"] not in REFUSING:
        problems.append("default actions %s / %s" % (mine["defaultAction"], theirs["defaultAction"]))
    # No list means the native architecture only, as does a list of one.
    ma, ta = mine.get("architectures"), theirs.get("architectures")
    if ma and not (ta and set(ma) <= set(ta)) and not (ta is None and len(ma) == 1):
        problems.append("architectures %s, Docker's %s" % (ma, ta))
    t = allow_rules(theirs)
    for name, rules in sorted(allow_rules(mine).items()):
        for args in rules:
            if not covered(args, t.get(name)):
                problems.append("%s %s" % (name, json.dumps(args) if args else "(any arguments)"))
    for p in problems:
        print("more permissive than Docker's: " + p, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
