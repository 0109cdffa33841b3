#!/usr/bin/python3
"""Writes seed corpora for the fuzz targets.

fuzz_message: context octet + message, for several contexts per vector.
fuzz_cats_exp: the CATS-EXP attribute values found in the vectors.
fuzz_exposition: format octet 0 + each scrape fixture of tests/data/exposition.
fuzz_config: the example configurations and every bad case of
yang/examples/bad/cases.json (its base with the patch applied).

Usage: make_corpus.py <vectors.json> <out dir>
"""
import glob
import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tests", "loader"))
from yanglint_test import apply_patch  # noqa: E402

vectors, out = sys.argv[1], sys.argv[2]
msg_dir = os.path.join(out, "message")
cats_dir = os.path.join(out, "cats_exp")
os.makedirs(msg_dir, exist_ok=True)
os.makedirs(cats_dir, exist_ok=True)

for v in json.load(open(vectors)):
    wire = bytes.fromhex(v["hex"])
    ctx = 0x01 if v["context"].get("as4") else 0
    if "ipv6" in v["context"].get("add_path", ""):
        ctx |= 0x04
    for extra in (0, 0x10, 0x20, 0x40):
        with open(os.path.join(msg_dir, f"{v['name']}-{ctx | extra:02x}"), "wb") as f:
            f.write(bytes([ctx | extra]) + wire)
    # Walk the path attributes of UPDATEs to pull out type 255 values.
    if wire[18] != 2:
        continue
    wlen = int.from_bytes(wire[19:21], "big")
    alen = int.from_bytes(wire[21 + wlen:23 + wlen], "big")
    attrs = wire[23 + wlen:23 + wlen + alen]
    pos = 0
    while pos + 3 <= len(attrs):
        flags, code = attrs[pos], attrs[pos + 1]
        if flags & 0x10:
            length, hdr = int.from_bytes(attrs[pos + 2:pos + 4], "big"), 4
        else:
            length, hdr = attrs[pos + 2], 3
        if code == 255:
            with open(os.path.join(cats_dir, v["name"]), "wb") as f:
                f.write(attrs[pos + hdr:pos + hdr + length])
        pos += hdr + length

expo_dir = os.path.join(out, "exposition")
os.makedirs(expo_dir, exist_ok=True)
for path in sorted(glob.glob(os.path.join(ROOT, "tests", "data", "exposition", "*"))):
    with open(path, "rb") as src, open(os.path.join(expo_dir, os.path.basename(path)), "wb") as f:
        f.write(b"\0" + src.read())

config_dir = os.path.join(out, "config")
os.makedirs(config_dir, exist_ok=True)
examples = os.path.join(ROOT, "yang", "examples")
for path in sorted(glob.glob(os.path.join(examples, "*.json"))):
    with open(path, "rb") as src, open(os.path.join(config_dir, os.path.basename(path)), "wb") as f:
        f.write(src.read())
with open(os.path.join(examples, "bad", "cases.json"), encoding="utf-8") as f:
    cases = json.load(f)
with open(os.path.join(examples, "bad", cases["base"]), encoding="utf-8") as f:
    base = json.load(f)
for case in cases["cases"]:
    with open(os.path.join(config_dir, "bad-" + case["name"] + ".json"), "w", encoding="utf-8") as f:
        json.dump(apply_patch(base, case["patch"]), f, indent=1)

print(f"corpus: {len(os.listdir(msg_dir))} message, {len(os.listdir(cats_dir))} CATS-EXP, "
      f"{len(os.listdir(expo_dir))} exposition, {len(os.listdir(config_dir))} config seeds")
