#!/usr/bin/python3
"""Tests for the CATS-EXP Wireshark postdissector (cats_exp.lua) via tshark.

Run with Debian's interpreter (it has scapy 2.5):

    /usr/bin/python3 interop/wireshark/test_lua.py \
        [--vectors tests/data/vectors.json] [--lua interop/wireshark/cats_exp.lua]

Builds pcaps of a TCP session on port 179 (documentation addresses, written
to a temporary directory; nothing is sent), runs tshark with the script and
compares the extracted fields with expectations taken from the spec's test
vectors (CATS-BGP-ENCODINGS.md, section (d)).

--mutate re-runs every check against a deliberately wrong expectation and
fails if any check still passes (guards against checks that cannot fail).
"""

import argparse
import json
import os
import struct
import subprocess
import sys
import tempfile

from scapy.all import IP, TCP, Ether, Raw, wrpcap  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))

# Expert severities and groups as tshark prints them (epan/proto.h).
SEV_NOTE, SEV_WARN, SEV_ERROR = 0x00400000, 0x00600000, 0x00800000
GRP_UNDECODED, GRP_MALFORMED, GRP_PROTOCOL = 0x05000000, 0x07000000, 0x09000000

FIELDS = [
    "frame.number",
    "bgp.type",
    "bgp.update.path_attribute.type_code",
    "cats_exp.version",
    "cats_exp.drain",
    "cats_exp.tlv.type",
    "cats_exp.tlv.length",
    "cats_exp.id_type",
    "cats_exp.csid",
    "cats_exp.csci",
    "cats_exp.csci_score",
    "cats_exp.seq",
    "cats_exp.interval",
    "cats_exp.profile",
    "cats_exp.metric.type",
    "cats_exp.metric.level",
    "cats_exp.metric.format",
    "cats_exp.metric.unit",
    "cats_exp.metric.source",
    "cats_exp.metric.stats",
    "cats_exp.metric.value",
    "cats_exp.l2",
    "cats_exp.site_score",
    "_ws.expert.severity",
    "_ws.expert.group",
    "_ws.expert.message",
    "_ws.col.Info",
]
AGG = "|"


# ---------------------------------------------------------------------------
# BGP message construction (for variants of the vectors)
# ---------------------------------------------------------------------------

def attr(flags, code, value):
    """Path attribute; uses a 2-octet length when the E flag (0x10) is set."""
    if flags & 0x10:
        return bytes([flags, code]) + struct.pack("!H", len(value)) + value
    assert len(value) < 256
    return bytes([flags, code, len(value)]) + value


def update(attrs, nlri=b"", withdrawn=b""):
    body = struct.pack("!H", len(withdrawn)) + withdrawn
    pa = b"".join(attrs)
    body += struct.pack("!H", len(pa)) + pa + nlri
    return b"\xff" * 16 + struct.pack("!HB", 19 + len(body), 2) + body


BASE_ATTRS = [
    attr(0x40, 1, b"\x00"),                      # ORIGIN IGP
    attr(0x40, 2, b""),                          # empty AS_PATH
    attr(0x40, 3, bytes([192, 0, 2, 1])),        # NEXT_HOP 192.0.2.1
    attr(0x40, 5, struct.pack("!I", 100)),       # LOCAL_PREF
]
NLRI = bytes([32, 203, 0, 113, 10])              # 203.0.113.10/32


def tlv(t, value):
    return bytes([t]) + struct.pack("!H", len(value)) + value


def metric(mtype, desc, value):
    return bytes([mtype, 2 + len(value)]) + struct.pack("!H", desc) + value


def cats_value(tlvs, version=1, flags=0):
    return bytes([version, flags, 0, 0]) + b"".join(tlvs)


def cats_update(value, flags=0xC0, code=255, extra=()):
    return update(BASE_ATTRS + [attr(flags, code, value)] + list(extra), NLRI)


L2 = 0x8100   # L2, uint, unit-less, normalisation, current
L1 = 0x4100


def retype_attr(msg, old_code, new_code):
    """Change the type code of the first path attribute with old_code."""
    wlen = struct.unpack_from("!H", msg, 19)[0]
    off = 21 + wlen
    palen = struct.unpack_from("!H", msg, off)[0]
    off += 2
    end = off + palen
    while off < end:
        flags, code = msg[off], msg[off + 1]
        if flags & 0x10:
            alen, hdr = struct.unpack_from("!H", msg, off + 2)[0], 4
        else:
            alen, hdr = msg[off + 2], 3
        if code == old_code:
            return msg[:off + 1] + bytes([new_code]) + msg[off + 2:]
        off += hdr + alen
    raise ValueError("attribute %d not found" % old_code)


# ---------------------------------------------------------------------------
# pcap: one TCP connection, 198.51.100.1:50179 -> 192.0.2.1:179 handshake,
# BGP data from the speaker at 192.0.2.1 (port 179), ACKed by the peer.
# ---------------------------------------------------------------------------

class Stream:
    SPK, PEER = "192.0.2.1", "198.51.100.1"
    MAC_SPK, MAC_PEER = "02:00:00:00:00:01", "02:00:00:00:00:02"

    def __init__(self):
        self.pkts = []
        self.seq = 1000        # speaker's next sequence number
        self.peer_seq = 5000   # peer's next sequence number
        self.t = 1700000000.0
        self._add(self.PEER, "S", self.peer_seq, 0)
        self.peer_seq += 1
        self._add(self.SPK, "SA", self.seq, self.peer_seq)
        self.seq += 1
        self._add(self.PEER, "A", self.peer_seq, self.seq)

    def _add(self, src, flags, seq, ack, payload=b""):
        if src == self.SPK:
            eth = Ether(src=self.MAC_SPK, dst=self.MAC_PEER)  # explicit: no ARP lookups
            ip = IP(src=self.SPK, dst=self.PEER)
            tcp = TCP(sport=179, dport=50179, flags=flags, seq=seq, ack=ack, window=65535)
        else:
            eth = Ether(src=self.MAC_PEER, dst=self.MAC_SPK)
            ip = IP(src=self.PEER, dst=self.SPK)
            tcp = TCP(sport=50179, dport=179, flags=flags, seq=seq, ack=ack, window=65535)
        p = eth / ip / tcp
        if payload:
            p = p / Raw(payload)
        self.t += 0.001
        p.time = self.t
        self.pkts.append(p)
        return len(self.pkts)  # 1-based frame number

    def send(self, payload):
        """One TCP segment from the speaker; returns its frame number."""
        frame = self._add(self.SPK, "PA", self.seq, self.peer_seq, payload)
        self.seq += len(payload)
        self._add(self.PEER, "A", self.peer_seq, self.seq)
        return frame

    def write(self, path):
        wrpcap(path, self.pkts)


# ---------------------------------------------------------------------------
# tshark
# ---------------------------------------------------------------------------

class TsharkError(Exception):
    pass


def run_tshark(pcap, lua, extra=(), cfgdir=None):
    cmd = ["tshark", "-n", "-r", pcap, "-X", "lua_script:" + lua]
    cmd += list(extra)
    cmd += ["-T", "fields", "-E", "header=n", "-E", "separator=/t",
            "-E", "occurrence=a", "-E", "aggregator=" + AGG]
    for f in FIELDS:
        cmd += ["-e", f]
    env = dict(os.environ)
    if cfgdir:
        env["WIRESHARK_CONFIG_DIR"] = cfgdir  # no personal prefs or plugins
    p = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if p.returncode != 0 or "Lua: Error" in p.stderr or "lua_script" in p.stderr:
        raise TsharkError("%s\nrc=%d\n%s" % (" ".join(cmd), p.returncode, p.stderr))
    rows = {}
    for line in p.stdout.splitlines():
        cols = line.split("\t")
        cols += [""] * (len(FIELDS) - len(cols))
        row = dict(zip(FIELDS, cols))
        rows[int(row["frame.number"])] = row
    return rows, cmd


def experts(row):
    """List of (severity, group, message) for one frame."""
    sev = row["_ws.expert.severity"].split(AGG) if row["_ws.expert.severity"] else []
    grp = row["_ws.expert.group"].split(AGG) if row["_ws.expert.group"] else []
    msg = row["_ws.expert.message"].split(AGG) if row["_ws.expert.message"] else []
    return [(int(s), int(g), m) for s, g, m in zip(sev, grp, msg)]


# ---------------------------------------------------------------------------
# Checks
# ---------------------------------------------------------------------------

class Checker:
    def __init__(self, verbose):
        self.verbose = verbose
        self.checks = []  # (name, kind, actual, expected)

    def eq(self, name, actual, expected):
        self.checks.append((name, "eq", actual, expected))

    def contains(self, name, haystack, needle):
        self.checks.append((name, "contains", haystack, needle))

    def lacks(self, name, haystack, needle):
        self.checks.append((name, "lacks", haystack, needle))

    def true(self, name, value, detail=""):
        self.checks.append((name, "true", value, detail))

    def fields(self, name, row, *expected):
        """eq on CATS fields: (what, value) pairs, named "<name> <what>"; the first
        word of `what` is the field without "cats_exp.": "metric.value (float 2.2)"."""
        for what, value in expected:
            self.eq("%s %s" % (name, what), row["cats_exp." + what.split(" ")[0]], value)

    @staticmethod
    def ok(kind, actual, expected):
        if kind == "eq":
            return actual == expected
        if kind == "contains":
            return expected in actual
        if kind == "lacks":
            return expected not in actual
        return bool(actual)

    @staticmethod
    def mutated(kind, actual, expected):
        """A wrong expectation of the same shape (for --mutate)."""
        if kind == "eq":
            return expected + "X" if isinstance(expected, str) else ("X", expected)
        if kind == "contains":
            return expected + "\x01"
        if kind == "lacks":
            return actual if isinstance(actual, str) else (actual[0] if actual else "")
        return None

    def report(self, mutate):
        passed = failed = 0
        for name, kind, actual, expected in self.checks:
            if mutate:
                if kind == "true":
                    # A boolean check is inverted by negating its input.
                    good = not self.ok(kind, not actual, expected)
                else:
                    good = not self.ok(kind, actual, self.mutated(kind, actual, expected))
                why = "check still passes with a wrong expectation"
            else:
                good = self.ok(kind, actual, expected)
                why = "got %r, %s %r" % (actual, {"eq": "expected", "contains": "should contain",
                                                   "lacks": "should not contain",
                                                   "true": "detail"}[kind], expected)
            if good:
                passed += 1
                if self.verbose:
                    print("ok   %s" % name)
            else:
                failed += 1
                print("FAIL %s: %s" % (name, why))
        return passed, failed


def cats_experts(row, severity=None):
    """Expert items raised by the CATS script (their messages cite a rule)."""
    return [e for e in experts(row)
            if ("(E2" in e[2] or "(E7)" in e[2]) and (severity is None or e[0] == severity)]


def check_no_cats(c, name, row):
    c.eq(name + " not decoded (version)", row["cats_exp.version"], "")
    c.eq(name + " not decoded (site_score)", row["cats_exp.site_score"], "")
    c.lacks(name + " no CATS in Info", row["_ws.col.Info"], "[CATS")


def check_malformed(c, name, row):
    errs = [e for e in cats_experts(row, SEV_ERROR) if e[1] == GRP_MALFORMED]
    c.true(name + " malformed expert (error/malformed)", len(errs) >= 1, experts(row))
    c.true(name + " malformed message cites E21/E23",
           any("(E23)" in e[2] or "(E21)" in e[2] for e in errs), experts(row))
    c.eq(name + " no site_score", row["cats_exp.site_score"], "")
    c.contains(name + " Info", row["_ws.col.Info"], "[CATS MALFORMED]")


def check_clean(c, name, row):
    """No CATS expert item of warning or error severity."""
    bad = [e for e in cats_experts(row) if e[0] >= SEV_WARN]
    c.eq(name + " no CATS warnings/errors", bad, [])


def no_lua_errors(c, name, rows):
    errs = [(f, e) for f, r in rows.items() for e in experts(r) if e[2].startswith("Lua Error")]
    c.eq(name + " no Lua runtime errors", errs, [])


def test_vectors(c, vectors, lua, tmp, cfg):
    st = Stream()
    frames = {v["name"]: st.send(bytes.fromhex(v["hex"])) for v in vectors}
    pcap = os.path.join(tmp, "vectors.pcap")
    st.write(pcap)
    rows, cmd = run_tshark(pcap, lua, cfgdir=cfg)
    print("# " + " ".join(cmd[:6]) + " -T fields ...")
    no_lua_errors(c, "vectors", rows)
    r = {n: rows.get(f, {k: "" for k in FIELDS}) for n, f in frames.items()}

    # The pcap is a sane BGP stream: every vector is its own BGP message.
    for n, f in frames.items():
        c.true(n + " seen by tshark as BGP", r[n]["bgp.type"] != "", r[n]["bgp.type"])

    tv = r["TV1"]
    c.fields("TV1", tv, ("version", "1"), ("drain", "0"), ("tlv.type", "2"), ("tlv.length", "5"),
             ("metric.type", "1"), ("metric.level", "2"), ("metric.source", "4"), ("metric.value", "8"),
             ("l2", "8"), ("site_score", "8"))
    c.contains("TV1 Info", tv["_ws.col.Info"], "UPDATE Message [CATS S=8]")
    check_clean(c, "TV1", tv)

    tv = r["TV2"]
    c.fields("TV2", tv, ("version", "1"), ("tlv.type", "4|3|3"), ("seq", "42"), ("interval", "10"),
             ("profile", "1"), ("csci", "2001:db8:5::1|2001:db8:5::2"), ("metric.type", "2|3|2|3"),
             ("metric.value", "7|9|3|9"), ("csci_score", "7|3"))
    c.eq("TV2 no l2", tv["cats_exp.l2"], "")
    c.fields("TV2", tv, ("site_score", "7"))
    c.contains("TV2 Info", tv["_ws.col.Info"], "[CATS S=7]")
    check_clean(c, "TV2", tv)

    tv = r["TV3"]
    c.fields("TV3", tv, ("csid", "203.0.113.10"), ("tlv.type (incl. unknown 99)", "1|2|99"),
             ("metric.type (incl. unknown 200)", "1|16|200"), ("metric.level", "2|0|0"),
             ("metric.format", "0|1|0"), ("metric.unit", "0|2|0"), ("metric.source", "4|1|0"),
             ("metric.value (float 2.2)", "6|2.2|43981"), ("l2", "6"), ("site_score", "6"))
    notes = [e[2] for e in cats_experts(tv, SEV_NOTE)]
    c.true("TV3 unknown TLV 99 noted", any("Unknown TLV type 99" in m for m in notes), notes)
    c.true("TV3 unknown metric 200 noted", any("Unknown metric type 200" in m for m in notes), notes)
    check_clean(c, "TV3", tv)

    check_malformed(c, "TV4", r["TV4"])
    c.eq("TV4 version still shown", r["TV4"]["cats_exp.version"], "1")

    check_no_cats(c, "TV5", r["TV5"])
    c.contains("TV5 attribute 255 present for BGP", r["TV5"]["bgp.update.path_attribute.type_code"], "255")

    tv = r["TV6"]
    c.eq("TV6 metric.value", tv["cats_exp.metric.value"], "11")
    warns = [e for e in cats_experts(tv, SEV_WARN) if "(E27)" in e[2]]
    c.true("TV6 value 11 flagged (warning, E27)", any("11 > 10" in e[2] for e in warns), experts(tv))
    c.eq("TV6 no error severity", cats_experts(tv, SEV_ERROR), [])
    c.eq("TV6 no l2", tv["cats_exp.l2"], "")
    c.eq("TV6 no site_score", tv["cats_exp.site_score"], "")
    c.contains("TV6 Info", tv["_ws.col.Info"], "[CATS S=?]")

    for n in ("TV7", "TV8", "TV9", "TV10"):
        check_no_cats(c, n, r[n])

    tv = r["TV11"]
    c.eq("TV11 drain", tv["cats_exp.drain"], "1")
    c.eq("TV11 site_score", tv["cats_exp.site_score"], "8")
    c.contains("TV11 Info", tv["_ws.col.Info"], "[CATS DRAIN S=8]")

    check_malformed(c, "TV12", r["TV12"])


def test_type_code(c, vectors, lua, tmp, cfg):
    """TV1 re-encoded with type 254: decoded only when the script is told."""
    tv1 = bytes.fromhex(next(v["hex"] for v in vectors if v["name"] == "TV1"))
    msg = retype_attr(tv1, 255, 254)
    st = Stream()
    f = st.send(msg)
    pcap = os.path.join(tmp, "type254.pcap")
    st.write(pcap)

    rows, _ = run_tshark(pcap, lua, cfgdir=cfg)
    c.contains("type254 attribute is 254", rows[f]["bgp.update.path_attribute.type_code"], "254")
    check_no_cats(c, "type254 default script", rows[f])

    rows, _ = run_tshark(pcap, lua, ["-X", "lua_script1:type=254"], cfgdir=cfg)
    no_lua_errors(c, "type254 arg", rows)
    c.eq("type254 arg type=254 site_score", rows[f]["cats_exp.site_score"], "8")
    c.eq("type254 arg type=254 l2", rows[f]["cats_exp.l2"], "8")

    rows, _ = run_tshark(pcap, lua, ["-X", "lua_script1:cats_exp.type=254"], cfgdir=cfg)
    c.eq("type254 arg cats_exp.type=254 site_score", rows[f]["cats_exp.site_score"], "8")

    rows, _ = run_tshark(pcap, lua, ["-o", "cats_exp.type:254"], cfgdir=cfg)
    c.eq("type254 pref -o cats_exp.type:254 site_score", rows[f]["cats_exp.site_score"], "8")


def test_segments(c, vectors, lua, tmp, cfg):
    v = {x["name"]: bytes.fromhex(x["hex"]) for x in vectors}
    st = Stream()
    f_two = st.send(v["TV1"] + v["TV11"])          # two UPDATEs, one segment
    cut = len(v["TV2"]) - 30                        # inside the CATS attribute
    f_a = st.send(v["TV2"][:cut])
    f_b = st.send(v["TV2"][cut:])
    f_three = st.send(v["TV3"] + v["TV1"][:10])     # tail of this segment ...
    f_four = st.send(v["TV1"][10:] + v["TV6"])      # ... completes here
    pcap = os.path.join(tmp, "segments.pcap")
    st.write(pcap)
    rows, _ = run_tshark(pcap, lua, cfgdir=cfg)
    no_lua_errors(c, "segments", rows)

    r = rows[f_two]
    c.eq("2-in-1 bgp.type", r["bgp.type"], "2|2")
    c.eq("2-in-1 site_score", r["cats_exp.site_score"], "8|8")
    c.eq("2-in-1 drain", r["cats_exp.drain"], "0|1")
    c.contains("2-in-1 Info", r["_ws.col.Info"], "[CATS S=8]")
    c.contains("2-in-1 Info", r["_ws.col.Info"], "[CATS DRAIN S=8]")
    c.eq("2-in-1 no second-attribute warning", [e for e in cats_experts(r) if "(E7)" in e[2]], [])

    c.eq("split: first segment not decoded", rows[f_a]["cats_exp.version"], "")
    r = rows[f_b]
    c.eq("split: reassembled seq", r["cats_exp.seq"], "42")
    c.eq("split: reassembled csci", r["cats_exp.csci"], "2001:db8:5::1|2001:db8:5::2")
    c.eq("split: reassembled site_score", r["cats_exp.site_score"], "7")

    c.eq("straddle: first frame", rows[f_three]["cats_exp.site_score"], "6")
    r = rows[f_four]
    c.eq("straddle: second frame site_score", r["cats_exp.site_score"], "8")
    c.eq("straddle: second frame metric.value", r["cats_exp.metric.value"], "8|11")
    c.contains("straddle: second frame Info", r["_ws.col.Info"], "[CATS S=8]")
    c.contains("straddle: second frame Info", r["_ws.col.Info"], "[CATS S=?]")


def test_synthetic(c, lua, tmp, cfg):
    """Cases the spec's vectors do not cover, built here."""
    site_l2_8 = tlv(2, metric(1, L2, b"\x08"))
    cases = {}
    st = Stream()

    def add(name, msg):
        cases[name] = st.send(msg)

    add("short", cats_update(b"\x01\x00"))                                     # E21
    add("trunc_hdr", cats_update(cats_value([site_l2_8]) + b"\x02\x00"))       # E23
    add("mlen1", cats_update(cats_value([tlv(2, b"\x01\x01\x81")])))           # E23
    add("moverrun", cats_update(cats_value([tlv(2, b"\x01\x05\x81\x00\x08")])))  # E23
    add("mtrunc", cats_update(cats_value([tlv(2, metric(1, L2, b"\x08") + b"\x02")])))  # E23
    add("mc6", cats_update(cats_value([tlv(4, b"\x00" * 6), site_l2_8])))      # E23
    add("v2", cats_update(cats_value([site_l2_8], version=2)))                 # E22
    add("partial", cats_update(cats_value([site_l2_8]), flags=0xE0))           # P ignored
    add("ext_partial", cats_update(cats_value([site_l2_8]), flags=0xF0))
    add("flags40", cats_update(cats_value([site_l2_8]), flags=0x40))           # E20
    add("twice", update(BASE_ATTRS + [attr(0xC0, 255, cats_value([site_l2_8])),
                                      attr(0xC0, 255, cats_value([tlv(2, metric(1, L2, b"\x05"))]))],
                        NLRI))
    # Site L1 scores 5 and 3 -> S = 3 even though an instance reports L2 9.
    ci9 = tlv(3, b"\x03\x00" + struct.pack("!I", 77) + metric(1, L2, b"\x09"))
    add("l1min", cats_update(cats_value([tlv(2, metric(2, L1, b"\x05") + metric(4, L1, b"\x03")), ci9])))
    # Site Metrics with only an invalid metric: S falls back to the instances.
    add("fallback", cats_update(cats_value([tlv(2, metric(1, 0xC100, b"\x07")), ci9])))
    add("dup_site", cats_update(cats_value([site_l2_8, tlv(2, metric(1, L2, b"\x02"))])))
    add("bad_idtype", cats_update(cats_value([tlv(1, b"\x09\x01\x02"), site_l2_8])))
    # RFC 5952: of two equal zero runs the first is compressed.
    v6 = bytes.fromhex("20010db8000000000001000000000001")
    add("v6text", cats_update(cats_value([tlv(1, b"\x02" + v6),
                                           tlv(3, b"\x02\x00" + v6 + metric(1, L2, b"\x04"))])))
    # 128-bit opaque CSCI with a uint64 L0 metric; long enough to need E=1.
    big = [tlv(3, b"\x04\x00" + bytes(range(16)) + metric(23, 0x0000, struct.pack("!Q", 2 ** 40 + 1))
               + b"".join(metric(128 + i, 0, b"\x00") for i in range(80)))]
    add("ext_len", cats_update(cats_value(big), flags=0xD0))
    # Odd L0 values: NaN, float64, 3-octet uint, no value, 3-octet float.
    odd = [metric(16, 0x2440, bytes.fromhex("7fc00000")), metric(22, 0x2000, struct.pack("!d", 1.5)),
           metric(23, 0x0000, b"\x01\x02\x03"), metric(23, 0x0000, b""),
           metric(16, 0x2000, b"\x01\x02\x03")]
    add("odd_values", cats_update(cats_value([tlv(2, b"".join(odd) + metric(1, L2, b"\x0a"))])))
    pcap = os.path.join(tmp, "synthetic.pcap")
    st.write(pcap)
    rows, _ = run_tshark(pcap, lua, cfgdir=cfg)
    no_lua_errors(c, "synthetic", rows)
    r = {n: rows[f] for n, f in cases.items()}

    for n in ("short", "trunc_hdr", "mlen1", "moverrun", "mtrunc", "mc6"):
        check_malformed(c, n, r[n])
    c.true("mc6 message names Metric Control",
           any("Metric Control length 6" in e[2] for e in experts(r["mc6"])), experts(r["mc6"]))

    c.fields("v2", r["v2"], ("version", "2"))
    c.eq("v2 no TLVs decoded", r["v2"]["cats_exp.tlv.type"], "")
    c.eq("v2 no site_score", r["v2"]["cats_exp.site_score"], "")
    c.contains("v2 Info", r["v2"]["_ws.col.Info"], "[CATS v2]")
    check_clean(c, "v2", r["v2"])

    c.eq("partial (0xE0) decoded", r["partial"]["cats_exp.site_score"], "8")
    c.eq("ext+partial (0xF0) decoded", r["ext_partial"]["cats_exp.site_score"], "8")
    check_no_cats(c, "flags 0x40", r["flags40"])

    c.fields("twice", r["twice"], ("site_score", "8|5"))
    c.true("twice second attribute flagged",
           any("(E7)" in e[2] for e in cats_experts(r["twice"], SEV_WARN)), experts(r["twice"]))

    c.fields("l1min", r["l1min"], ("csci (opaque 32)", "77"), ("csci_score", "9"), ("site_score = min L1", "3"))
    check_clean(c, "l1min", r["l1min"])

    c.fields("fallback", r["fallback"], ("metric.level", "3|2"), ("site_score = instance max", "9"))
    c.true("fallback Lvl 3 flagged", any("Lvl 3" in e[2] for e in cats_experts(r["fallback"], SEV_WARN)),
           experts(r["fallback"]))

    c.fields("dup_site", r["dup_site"], ("l2 from first", "8"), ("site_score", "8"))
    c.true("dup_site flagged E25", any("(E25)" in e[2] for e in cats_experts(r["dup_site"])),
           experts(r["dup_site"]))

    c.eq("bad_idtype no csid", r["bad_idtype"]["cats_exp.csid"], "")
    c.true("bad_idtype flagged E26", any("(E26)" in e[2] for e in cats_experts(r["bad_idtype"])),
           experts(r["bad_idtype"]))
    c.eq("bad_idtype site_score", r["bad_idtype"]["cats_exp.site_score"], "8")

    c.fields("v6text", r["v6text"], ("csid", "2001:db8::1:0:0:1"), ("csci", "2001:db8::1:0:0:1"),
             ("site_score from instance", "4"))

    rr = r["odd_values"]
    c.eq("odd_values metric.value", rr["cats_exp.metric.value"], "nan|1.5|66051|10")
    c.eq("odd_values site_score", rr["cats_exp.site_score"], "10")
    odd_warn = [e[2] for e in cats_experts(rr, SEV_WARN)]
    c.true("odd_values 3-octet uint flagged", any("integer value length 3" in m for m in odd_warn), odd_warn)
    c.true("odd_values empty uint flagged", any("integer value length 0" in m for m in odd_warn), odd_warn)
    c.true("odd_values 3-octet float flagged", any("float value length 3" in m for m in odd_warn), odd_warn)
    check_no_error = [e for e in cats_experts(rr, SEV_ERROR)]
    c.eq("odd_values no framing error", check_no_error, [])

    rr = r["ext_len"]
    c.eq("ext_len csci (opaque 128)", rr["cats_exp.csci"], "000102030405060708090a0b0c0d0e0f")
    c.eq("ext_len uint64 value", rr["cats_exp.metric.value"].split(AGG)[0], "1099511627777")
    c.eq("ext_len metric count", len(rr["cats_exp.metric.type"].split(AGG)), 81)
    c.eq("ext_len no site_score (no scores)", rr["cats_exp.site_score"], "")
    c.contains("ext_len Info", rr["_ws.col.Info"], "[CATS S=?]")
    check_clean(c, "ext_len", rr)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--vectors", default=os.path.join(REPO, "tests/data/vectors.json"))
    ap.add_argument("--lua", default=os.path.join(HERE, "cats_exp.lua"))
    ap.add_argument("--mutate", action="store_true",
                    help="verify that every check fails against a wrong expectation")
    ap.add_argument("-v", "--verbose", action="store_true")
    a = ap.parse_args()

    lua = os.path.abspath(a.lua)
    with open(a.vectors) as fh:
        vectors = json.load(fh)
    c = Checker(a.verbose)
    with tempfile.TemporaryDirectory(prefix="cats-lua-") as tmp:
        cfg = os.path.join(tmp, "wsconfig")
        os.mkdir(cfg)
        try:
            if not os.path.isfile(lua):
                raise TsharkError("no such script: " + lua)
            test_vectors(c, vectors, lua, tmp, cfg)
            test_type_code(c, vectors, lua, tmp, cfg)
            test_segments(c, vectors, lua, tmp, cfg)
            test_synthetic(c, lua, tmp, cfg)
        except TsharkError as e:
            print("ERROR running tshark: %s" % e)
            c.true("tshark ran", False, str(e))
    passed, failed = c.report(a.mutate)
    label = "lua-dissector (mutated expectations)" if a.mutate else "lua-dissector"
    print("%s: %d passed, %d failed" % (label, passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
