#!/usr/bin/python3
"""Writes seed corpora for the fuzz targets from the spec vectors.

fuzz_message: context octet + message, for several contexts per vector.
fuzz_cats_exp: the CATS-EXP attribute values found in the vectors.
"""
import json
import os
import sys

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
print(f"corpus: {len(os.listdir(msg_dir))} message seeds, {len(os.listdir(cats_dir))} CATS-EXP seeds")
