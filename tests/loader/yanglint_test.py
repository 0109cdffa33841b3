#!/usr/bin/env python3
"""yanglint (libyang's own CLI, independent of catsd's loader) loads the module
without a warning, accepts every example, rejects every "yang" case of
examples/bad/cases.json and accepts every "semantic" one (valid YANG that only
catsd's checks reject). Each case is its base with its RFC 6902 patch applied,
written to a temporary directory.

An example may also hold the NETCONF server's access rules (ietf-netconf-acm,
from the IETF module directory given as the second argument).

Usage: yanglint_test.py <yang dir> <ietf yang dir>
"""
import copy
import glob
import json
import os
import subprocess
import sys
import tempfile


def pointer(path):
    """RFC 6901: "/a/b~1c" -> ["a", "b/c"]."""
    if not path.startswith("/"):
        raise ValueError("not a JSON pointer: " + path)
    return [t.replace("~1", "/").replace("~0", "~") for t in path.split("/")[1:]]


def apply_patch(doc, patch):
    """The part of RFC 6902 the cases use: add, remove, replace."""
    doc = copy.deepcopy(doc)
    for op in patch:
        *parents, last = pointer(op["path"])
        target = doc
        for token in parents:
            target = target[int(token)] if isinstance(target, list) else target[token]
        if isinstance(target, list):
            index = len(target) if last == "-" else int(last)
            if op["op"] == "add":
                target.insert(index, op["value"])
            elif op["op"] == "remove":
                del target[index]
            elif op["op"] == "replace":
                target[index] = op["value"]
            else:
                raise ValueError("unsupported op " + op["op"])
        else:
            if op["op"] in ("remove", "replace") and last not in target:
                raise KeyError(op["path"])
            if op["op"] in ("add", "replace"):
                target[last] = op["value"]
            elif op["op"] == "remove":
                del target[last]
            else:
                raise ValueError("unsupported op " + op["op"])
    return doc


def yanglint(yang, *args):
    return subprocess.run(["yanglint", "-p", yang, *args], capture_output=True, text=True)


def main():
    yang, ietf = sys.argv[1], sys.argv[2]
    module = os.path.join(yang, "cats-bgp.yang")
    acm = glob.glob(os.path.join(ietf, "ietf-netconf-acm@*.yang"))
    failures = []

    r = yanglint(yang, module)
    if r.returncode != 0 or r.stdout or r.stderr:
        failures.append("module: " + r.stdout + r.stderr)

    def check(accept, file, label):
        r = yanglint(yang, "-p", ietf, "-t", "config", module, *acm, file)
        if accept == (r.returncode == 0):
            print("ok (rc %d) %s" % (r.returncode, label))
        else:
            failures.append("%s (rc %d): %s\n%s" % ("rejected" if accept else "accepted", r.returncode, label, r.stderr))

    good = sorted(glob.glob(os.path.join(yang, "examples", "*.json")))
    for f in good:
        check(True, f, f)

    cases_file = os.path.join(yang, "examples", "bad", "cases.json")
    with open(cases_file, encoding="utf-8") as f:
        cases = json.load(f)
    with open(os.path.join(os.path.dirname(cases_file), cases["base"]), encoding="utf-8") as f:
        base = json.load(f)
    with tempfile.TemporaryDirectory(prefix="cats-yanglint-") as tmp:
        for case in cases["cases"]:
            if case["stage"] not in ("yang", "semantic"):
                failures.append("%s: stage %r" % (case["name"], case["stage"]))
                continue
            file = os.path.join(tmp, case["name"] + ".json")
            with open(file, "w", encoding="utf-8") as f:
                json.dump(apply_patch(base, case["patch"]), f, indent=2, ensure_ascii=False)
            check(case["stage"] == "semantic", file, "%s (%s)" % (case["name"], case["stage"]))

    checked = len(good) + len(cases["cases"])
    if checked < 10:
        failures.append("only %d examples found" % checked)
    for f in failures:
        print("FAIL " + f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
