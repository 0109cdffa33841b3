#!/usr/bin/python3
"""Cross-check BGP messages from the catsd encoder against tshark's dissector.

    /usr/bin/python3 tests/crosscheck/tshark_encoder_check.py --hex-file FILE [options]
    ... | /usr/bin/python3 tests/crosscheck/tshark_encoder_check.py --hex-file - [options]
    /usr/bin/python3 tests/crosscheck/tshark_encoder_check.py --self-test

FILE holds one complete BGP message (19-octet header included) as hex per
line; blank lines and lines starting with '#' are skipped, spaces allowed.

Two pcaps are built with scapy (documentation addresses, temp directory,
nothing is sent):
  * isolated: every message alone in its own TCP connection, so a bad
    message cannot desynchronise the checks of the following ones;
  * stream: all messages in one connection, cut into --mss sized segments
    (several messages per segment), and once more into 37-octet segments
    (messages straddling segments, reassembled by tshark).
tshark must see exactly the messages of the file, with the same types, and
must not report a malformed packet or an expert item of severity Error.
The CATS-EXP Lua dissector (interop/wireshark/cats_exp.lua) is loaded unless
--no-lua, so CATS-EXP framing errors count as well.

ADD-PATH (RFC 7911).  What tshark 4.0.17 does, found by experiment here:
  * It has no ADD-PATH preference (`tshark -G defaultprefs | grep -i bgp`
    lists only bgp.desegment and bgp.asn_len) and does not use the OPEN
    capability exchange.
  * It guesses per NLRI block (IPv4 NLRI and Withdrawn Routes fields,
    MP_REACH/MP_UNREACH NLRI) in detect_add_path_prefix46(): ADD-PATH if the
    block reads as [path id][len][prefix]... and either does not read as
    plain [len][prefix]... or the plain reading holds a /0 among several
    entries; non-zero bits beyond a prefix length make a reading invalid.
    Path ids show up as bgp.nlri_path_id.
  So tshark cannot be told, and misreads blocks that parse both ways: ADD-PATH
  [id 0x080a0100, 192.0.2.0/24] is shown as plain 10.0.0.0/8, 0.0.0.0/1,
  192.0.2.0/24, and plain [10/8, 0/0, 0/0, 10/8] is shown as ADD-PATH.
  This script therefore:
  * takes --add-path FAMILIES (ipv4, ipv6: unicast families with ADD-PATH
    negotiated in the direction captured);
  * parses each NLRI block itself with the declared encoding and fails if it
    does not parse (or has non-zero bits beyond a prefix length);
  * compares the number of path ids tshark shows with the expected number;
    if they differ exactly as the model of tshark's guess predicts, it passes
    with a WARNING (tshark could not confirm the block; only this script's
    parser did); any other difference fails.  Without --add-path a path id
    shown by tshark for a block that is not ambiguous fails.

Own checks besides tshark's: header length equals the line length, known
message type, NLRI framing (above), and O/T flags of the attributes catsd
sends -- tshark 4.0.17 accepts e.g. ORIGIN with flags 0xc0 or 0x60 silently.
Messages over 4096 octets fail unless --extended-message (tshark 4.0.17
reports them as "Length is invalid" whatever was negotiated; they are then
skipped with a warning).

AS numbers: catsd always negotiates 4-octet AS, so the default is
-o "bgp.asn_len:4 octet" (tshark's auto-detection is a guess).  Note that
tshark silently ignores an unknown value for this preference, and does not
flag an AS_PATH written with 2-octet ASNs when forced to 4 octets.

Prints `tshark-encoder: N passed, M failed`; exits 1 if anything failed.
"""

import argparse
import json
import os
import re
import struct
import subprocess
import sys
import tempfile

from scapy.all import IP, TCP, Ether, Raw, wrpcap

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
DEFAULT_LUA = os.path.join(REPO, "interop/wireshark/cats_exp.lua")
DEFAULT_VECTORS = os.path.join(REPO, "tests/data/vectors.json")

SEV_WARN, SEV_ERROR = 0x00600000, 0x00800000
MSG_TYPES = {1: "OPEN", 2: "UPDATE", 3: "NOTIFICATION", 4: "KEEPALIVE", 5: "ROUTE-REFRESH"}
FAMILIES = {"ipv4": (1, 1), "ipv6": (2, 1)}
AGG = "|"
FIELDS = ["frame.number", "bgp.type", "bgp.nlri_path_id",
          "_ws.malformed", "_ws.expert.severity", "_ws.expert.message"]


# ---------------------------------------------------------------------------
# Input
# ---------------------------------------------------------------------------

def read_hex_lines(fh):
    """[(line number in the file, bytes)]; raises ValueError on bad hex."""
    out = []
    for no, line in enumerate(fh, 1):
        s = line.strip()
        if not s or s.startswith("#"):
            continue
        s = re.sub(r"[\s:]", "", s)
        try:
            out.append((no, bytes.fromhex(s)))
        except ValueError:
            raise ValueError("line %d: not hex" % no)
    return out


# ---------------------------------------------------------------------------
# pcap construction
# ---------------------------------------------------------------------------

class Capture:
    """TCP connections from 198.51.100.1:<port> to the speaker 192.0.2.1:179;
    the speaker sends the BGP data, the peer ACKs it."""
    SPK, PEER = "192.0.2.1", "198.51.100.1"
    MAC_SPK, MAC_PEER = "02:00:00:00:00:01", "02:00:00:00:00:02"

    def __init__(self):
        self.pkts = []
        self.t = 1700000000.0

    def _pkt(self, from_spk, port, flags, seq, ack, payload=b""):
        if from_spk:  # explicit MACs: scapy must not resolve anything
            p = (Ether(src=self.MAC_SPK, dst=self.MAC_PEER) / IP(src=self.SPK, dst=self.PEER)
                 / TCP(sport=179, dport=port, flags=flags, seq=seq, ack=ack, window=65535))
        else:
            p = (Ether(src=self.MAC_PEER, dst=self.MAC_SPK) / IP(src=self.PEER, dst=self.SPK)
                 / TCP(sport=port, dport=179, flags=flags, seq=seq, ack=ack, window=65535))
        if payload:
            p = p / Raw(payload)
        self.t += 0.001
        p.time = self.t
        self.pkts.append(p)
        return len(self.pkts)

    def connection(self, port, segments):
        """Handshake, then each segment from the speaker; returns frame numbers."""
        spk, peer = 1000, 5000
        self._pkt(False, port, "S", peer, 0)
        peer += 1
        self._pkt(True, port, "SA", spk, peer)
        spk += 1
        self._pkt(False, port, "A", peer, spk)
        frames = []
        for seg in segments:
            frames.append(self._pkt(True, port, "PA", spk, peer, seg))
            spk += len(seg)
            self._pkt(False, port, "A", peer, spk)
        return frames

    def write(self, path):
        wrpcap(path, self.pkts)


# ---------------------------------------------------------------------------
# Own parsing, only as far as needed for ADD-PATH accounting
# ---------------------------------------------------------------------------

def parse_prefixes(block, max_bits, add_path):
    """(entries, host bits set) if the block parses exactly, else None."""
    off, n, dirty = 0, 0, False
    while off < len(block):
        if add_path:
            off += 4
        if off >= len(block):
            return None
        plen = block[off]
        if plen > max_bits:
            return None
        off += 1 + (plen + 7) // 8
        if off > len(block):
            return None
        if plen % 8 and block[off - 1] & (0xFF >> (plen % 8)):
            dirty = True
        n += 1
    return n, dirty


def tshark_reads_add_path(block, max_bits):
    """Model of tshark 4.0.17's guess (detect_add_path_prefix46), as observed:
    ADD-PATH if the block reads as ADD-PATH (at least one entry; up to 4
    stray trailing octets are tolerated) and either does not read as plain
    NLRI or the plain reading holds a /0 among several entries.  Non-zero
    bits beyond a prefix length make a reading invalid."""
    def valid(add_path):
        lens, o = [], (4 if add_path else 0)
        if o >= len(block):
            return None
        while o < len(block):
            plen = block[o]
            if plen > max_bits:
                return None
            o += 1 + (plen + 7) // 8
            if o > len(block):
                return None
            if plen % 8 and block[o - 1] & (0xFF >> (plen % 8)):
                return None
            lens.append(plen)
            if add_path:
                o += 4
        return lens
    ap, plain = valid(True), valid(False)
    if ap is None:
        return None
    if plain is None or (0 in plain and len(plain) > 1):
        return len(ap)
    return None


def nlri_blocks(msg):
    """[(family name or None, afi, safi, block bytes)] of an UPDATE.
    Raises ValueError if the UPDATE framing does not add up."""
    body = msg[19:]
    if len(body) < 4:
        raise ValueError("UPDATE shorter than 23 octets")
    wlen = struct.unpack_from("!H", body, 0)[0]
    if 2 + wlen + 2 > len(body):
        raise ValueError("Withdrawn Routes Length overruns the message")
    blocks = [(1, 1, body[2:2 + wlen])]
    palen = struct.unpack_from("!H", body, 2 + wlen)[0]
    off = 4 + wlen
    end = off + palen
    if end > len(body):
        raise ValueError("Total Path Attribute Length overruns the message")
    blocks.append((1, 1, body[end:]))
    while off < end:
        if off + 3 > end:
            raise ValueError("truncated attribute header")
        flags, code = body[off], body[off + 1]
        if flags & 0x10:
            if off + 4 > end:
                raise ValueError("truncated attribute header")
            alen, hdr = struct.unpack_from("!H", body, off + 2)[0], 4
        else:
            alen, hdr = body[off + 2], 3
        val = body[off + hdr:off + hdr + alen]
        if off + hdr + alen > end:
            raise ValueError("attribute %d overruns the attributes" % code)
        if code == 14:  # MP_REACH_NLRI
            if len(val) < 5 or 5 + val[3] > len(val):
                raise ValueError("MP_REACH_NLRI too short")
            afi, safi = struct.unpack_from("!HB", val, 0)
            blocks.append((afi, safi, val[5 + val[3]:]))
        elif code == 15:  # MP_UNREACH_NLRI
            if len(val) < 3:
                raise ValueError("MP_UNREACH_NLRI too short")
            afi, safi = struct.unpack_from("!HB", val, 0)
            blocks.append((afi, safi, val[3:]))
        off += hdr + alen
    return blocks


# Expected O/T bits of attributes catsd may send (RFC 4271, 1997, 4360,
# 4456, 4760, 6793, 7311, 8092).  tshark 4.0.17 does not check these.
WELL_KNOWN = {1, 2, 3, 5, 6}
OPT_NON_TRANSITIVE = {4, 9, 10, 14, 15, 26}
OPT_TRANSITIVE = {7, 8, 16, 17, 18, 32}


def attribute_flag_problems(msg, cats_type):
    problems = []
    body = msg[19:]
    wlen = struct.unpack_from("!H", body, 0)[0]
    palen = struct.unpack_from("!H", body, 2 + wlen)[0]
    off, end = 4 + wlen, 4 + wlen + palen
    while off < end:
        flags, code = body[off], body[off + 1]
        hdr = 4 if flags & 0x10 else 3
        alen = struct.unpack_from("!H", body, off + 2)[0] if hdr == 4 else body[off + 2]
        ot = flags & 0xE0
        if flags & 0x0F:
            problems.append("attribute %d: unused flag bits set (0x%02x)" % (code, flags))
        if code in WELL_KNOWN and ot != 0x40:
            problems.append("attribute %d: flags 0x%02x, well-known needs O=0 T=1 P=0" % (code, flags))
        elif code in OPT_NON_TRANSITIVE and ot != 0x80:
            problems.append("attribute %d: flags 0x%02x, needs O=1 T=0 P=0" % (code, flags))
        elif (code in OPT_TRANSITIVE or code == cats_type) and flags & 0xC0 != 0xC0:
            problems.append("attribute %d: flags 0x%02x, needs O=1 T=1" % (code, flags))
        off += hdr + alen
    return problems


def add_path_expectation(msg, add_path):
    """(path ids expected, path ids tshark's heuristic will show, problems,
    unchecked) for one UPDATE."""
    problems = []
    expected = predicted = 0
    unchecked = False
    for afi, safi, block in nlri_blocks(msg):
        if not block:
            continue
        fam = next((f for f, fs in FAMILIES.items() if fs == (afi, safi)), None)
        if fam is None:
            unchecked = True  # other SAFIs: not modelled here
            continue
        bits = 32 if afi == 1 else 128
        declared = fam in add_path
        mine = parse_prefixes(block, bits, declared)
        if mine is None:
            other = parse_prefixes(block, bits, not declared)
            hint = ""
            if other is not None:
                hint = (" (it parses as plain NLRI: is ADD-PATH really negotiated for %s?)" % fam
                        if declared else " (it parses as ADD-PATH: missing --add-path %s?)" % fam)
            problems.append("%s NLRI block does not parse as %s%s" % (
                fam, "ADD-PATH" if declared else "plain NLRI", hint))
            continue
        if mine[1]:
            # RFC 4271 calls them irrelevant, but they flip tshark's guess
            # and a canonical encoder sends zeros.
            problems.append("%s NLRI: prefix with non-zero bits beyond its length" % fam)
        expected += mine[0] if declared else 0
        predicted += tshark_reads_add_path(block, bits) or 0
    return expected, predicted, problems, unchecked


# ---------------------------------------------------------------------------
# tshark
# ---------------------------------------------------------------------------

def tshark_base(pcap, opts):
    cmd = ["tshark", "-n", "-r", pcap,
           "-o", "bgp.desegment:TRUE", "-o", "tcp.desegment_tcp_streams:TRUE"]
    if opts.asn_len != "auto":
        cmd += ["-o", "bgp.asn_len:%s octet" % opts.asn_len]
    if opts.lua:
        cmd += ["-X", "lua_script:" + opts.lua]
        if opts.cats_type is not None:
            cmd += ["-X", "lua_script1:type=%d" % opts.cats_type]
    return cmd


def run(cmd, cfgdir):
    env = dict(os.environ, WIRESHARK_CONFIG_DIR=cfgdir)  # no personal prefs/plugins
    p = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if p.returncode != 0 or "Lua: Error" in p.stderr:
        raise RuntimeError("%s failed (rc=%d): %s" % (" ".join(cmd), p.returncode, p.stderr.strip()))
    return p.stdout


def tshark_fields(pcap, opts, cfgdir):
    cmd = tshark_base(pcap, opts) + ["-T", "fields", "-E", "header=n", "-E", "separator=/t",
                                     "-E", "occurrence=a", "-E", "aggregator=" + AGG]
    for f in FIELDS:
        cmd += ["-e", f]
    rows = {}
    for line in run(cmd, cfgdir).splitlines():
        cols = line.split("\t") + [""] * len(FIELDS)
        row = dict(zip(FIELDS, cols))
        split = {k: (v.split(AGG) if v else []) for k, v in row.items()}
        rows[int(row["frame.number"])] = split
    return rows


def tshark_verbose(pcap, opts, cfgdir):
    """{frame number: -V text}."""
    text = run(tshark_base(pcap, opts) + ["-V"], cfgdir)
    frames, cur = {}, None
    for line in text.splitlines():
        m = re.match(r"^Frame (\d+): ", line)
        if m:
            cur = int(m.group(1))
            frames[cur] = []
        if cur is not None:
            frames[cur].append(line)
    return {k: "\n".join(v) for k, v in frames.items()}


def frame_errors(row, vtext):
    errs = []
    if row["_ws.malformed"]:
        errs.append("malformed packet")
    for sev, msg in zip(row["_ws.expert.severity"], row["_ws.expert.message"]):
        if int(sev) >= SEV_ERROR:
            errs.append("expert error: " + msg)
    # The -V text is the form a human reads; scan it as well.
    if vtext and "[Malformed Packet" in vtext and "malformed packet" not in errs:
        errs.append("malformed packet (in -V output)")
    if vtext and "Expert Info (Error/" in vtext and not any(e.startswith("expert") for e in errs):
        errs.append("expert error (in -V output)")
    return errs


def frame_warnings(row):
    return [m for s, m in zip(row["_ws.expert.severity"], row["_ws.expert.message"])
            if SEV_WARN <= int(s) < SEV_ERROR]


def bgp_excerpt(vtext, limit=60):
    if not vtext:
        return ""
    lines = vtext.splitlines()
    start = next((i for i, l in enumerate(lines) if l.startswith("Border Gateway Protocol")), 0)
    return "\n".join("      | " + l for l in lines[start:start + limit])


# ---------------------------------------------------------------------------
# The check
# ---------------------------------------------------------------------------

def check(messages, opts, tmp):
    """messages: [(label, bytes)]. Returns [(name, ok, notes)]."""
    cfg = os.path.join(tmp, "wsconfig")
    os.makedirs(cfg, exist_ok=True)
    results = []

    # tshark 4.0.17 flags any BGP message over 4096 octets ("Length is
    # invalid") even when Extended Message (RFC 8654) was negotiated, so
    # with --extended-message such messages are left out, with a warning.
    big = [(l, m) for l, m in messages if len(m) > 4096]
    if big and opts.extended_message:
        for label, msg in big:
            results.append(("%s (%d octets)" % (label, len(msg)), True,
                            ["WARNING: not checked: tshark 4.0 cannot dissect messages over 4096 octets"]))
        messages = [(l, m) for l, m in messages if len(m) <= 4096]
        if not messages:
            return results

    # Isolated: one connection per message.
    iso = Capture()
    frames = [iso.connection(10000 + i % 40000, [m])[0] for i, (_, m) in enumerate(messages)]
    iso_pcap = os.path.join(tmp, "isolated.pcap")
    iso.write(iso_pcap)
    rows = tshark_fields(iso_pcap, opts, cfg)
    vtext = tshark_verbose(iso_pcap, opts, cfg)

    for (label, msg), frame in zip(messages, frames):
        problems, notes = [], []
        mtype = msg[18] if len(msg) >= 19 else None
        tname = MSG_TYPES.get(mtype, "type %s" % mtype)
        name = "%s %s (%d octets)" % (label, tname, len(msg))
        if len(msg) < 19 or msg[:16] != b"\xff" * 16:
            problems.append("no BGP header (marker)")
        elif struct.unpack_from("!H", msg, 16)[0] != len(msg):
            problems.append("header length %d but %d octets on the line"
                            % (struct.unpack_from("!H", msg, 16)[0], len(msg)))
        if len(msg) > 4096:
            problems.append("over 4096 octets (allowed only with --extended-message, RFC 8654)")
        if mtype not in MSG_TYPES:
            problems.append("message type %s unknown to BGP/tshark" % mtype)
        row = rows.get(frame)
        seen = [int(t) for t in row["bgp.type"]] if row else []
        if seen != [mtype]:
            problems.append("tshark sees BGP message types %s, expected [%s]" % (seen, mtype))
        if row:
            problems += frame_errors(row, vtext.get(frame))
            notes += ["tshark warning: " + w for w in frame_warnings(row)]
        if mtype == 2 and not problems:
            try:
                expected, predicted, ap_problems, unchecked = add_path_expectation(msg, opts.add_path)
            except ValueError as e:
                ap_problems, unchecked = ["UPDATE framing: %s" % e], True
            problems += ap_problems
            if not ap_problems:
                problems += ["own check: " + p for p in
                             attribute_flag_problems(msg, opts.cats_type or 255)]
            got = len(row["bgp.nlri_path_id"])
            if unchecked:
                notes.append("path ids not checked (address family other than IPv4/IPv6 unicast)")
            elif not ap_problems and got != expected:
                if got == predicted:
                    notes.append("WARNING: tshark shows %d path ids, %d expected; the NLRI parses "
                                 "both ways and tshark's ADD-PATH heuristic chose the other reading. "
                                 "The framing was verified by this script's parser only." % (got, expected))
                else:
                    problems.append("tshark shows %d ADD-PATH path ids, expected %d%s" % (
                        got, expected, "" if opts.add_path else " (ADD-PATH not declared)"))
        if problems:
            notes.append(bgp_excerpt(vtext.get(frame)))
        results.append((name, not problems, problems + notes))

    # Stream: all messages in one connection, cut at --mss, and again in small
    # odd-sized segments so that messages straddle segment boundaries.
    data = b"".join(m for _, m in messages)
    want = [m[18] if len(m) >= 19 else None for _, m in messages]
    pcaps = [iso_pcap]
    for tag, mss in (("stream", opts.mss), ("small-segments", 37)):
        segs = [data[i:i + mss] for i in range(0, len(data), mss)] or [b""]
        st = Capture()
        seg_frames = st.connection(50179, segs)
        st_pcap = os.path.join(tmp, tag + ".pcap")
        st.write(st_pcap)
        pcaps.append(st_pcap)
        rows = tshark_fields(st_pcap, opts, cfg)
        vtext = tshark_verbose(st_pcap, opts, cfg)
        seen, errs = [], []
        for f in seg_frames:
            row = rows.get(f)
            if row:
                seen += [int(t) for t in row["bgp.type"]]
                errs += ["frame %d: %s" % (f, e) for e in frame_errors(row, vtext.get(f))]
        what = "%s: %d messages in %d segments of <= %d octets" % (tag, len(messages), len(segs), mss)
        results.append((what + ": message count", len(seen) == len(want),
                        [] if len(seen) == len(want) else
                        ["tshark sees %d, expected %d" % (len(seen), len(want))]))
        results.append((tag + ": message types in order", seen == want,
                        [] if seen == want else ["tshark %s, expected %s" % (seen, want)]))
        results.append((tag + ": no malformed packet / expert error", not errs, errs))

    if opts.keep_pcap:
        os.makedirs(opts.keep_pcap, exist_ok=True)
        for p in pcaps:
            with open(p, "rb") as a, open(os.path.join(opts.keep_pcap, os.path.basename(p)), "wb") as b:
                b.write(a.read())
    return results


def print_results(results, verbose):
    passed = failed = 0
    for name, ok, notes in results:
        if ok:
            passed += 1
        else:
            failed += 1
        if verbose or not ok or any(n.startswith("WARNING") for n in notes):
            print("%s %s" % ("ok  " if ok else "FAIL", name))
            for n in notes:
                if n:
                    print("      " + n if not n.startswith("      |") else n)
    return passed, failed


# ---------------------------------------------------------------------------
# Self-test: the vectors must pass; broken variants must be caught.
# ---------------------------------------------------------------------------

def self_test(opts, tmp):
    with open(opts.vectors) as fh:
        v = {x["name"]: bytes.fromhex(x["hex"]) for x in json.load(fh)}
    good = ["TV1", "TV2", "TV3", "TV7", "TV8", "TV9", "TV10", "TV11"]

    def upd(attrs, nlri=b""):
        pa = b"".join(attrs)
        body = b"\x00\x00" + struct.pack("!H", len(pa)) + pa + nlri
        return b"\xff" * 16 + struct.pack("!HB", 19 + len(body), 2) + body

    base = [b"\x40\x01\x01\x00", b"\x40\x02\x00", b"\x40\x03\x04\xc0\x00\x02\x01"]
    tv1 = v["TV1"]
    bad = {
        "Total Path Attribute Length too big": tv1[:22] + b"\x30" + tv1[23:],
        "Total Path Attribute Length too small": tv1[:22] + b"\x20" + tv1[23:],
        "marker not all ones": b"\x00" + tv1[1:],
        "NLRI prefix length 33": tv1[:-5] + b"\x21" + tv1[-4:],
        "header length off by one": tv1[:17] + b"\x41" + tv1[18:],
        "unknown message type 9": b"\xff" * 16 + b"\x00\x13\x09",
        "MP_REACH next-hop length 17": v["TV2"].replace(bytes.fromhex("800e2a00020110"),
                                                        bytes.fromhex("800e2a00020111")),
        "CATS-EXP TLV overrun (TV4)": v["TV4"],
        "IPv4 ADD-PATH NLRI, not declared": upd(base, b"\x00\x00\x00\x01\x20\xcb\x00\x71\x0a"),
    }
    bad["ORIGIN with flags 0xc0 (tshark silent)"] = upd([b"\xc0\x01\x01\x00"] + base[1:], b"\x20\xcb\x00\x71\x0a")
    bad["CATS-EXP with flags 0x80 (TV5)"] = v["TV5"]
    bad["5544-octet UPDATE without --extended-message"] = upd(
        base, b"".join(bytes([32, 10, i >> 8, i & 255, 1]) for i in range(1100)))
    bad["IPv4 prefix with bits set beyond /7"] = upd(base, b"\x07\x0b" + b"\x18\x0a\x00\x01")
    # Parses both as ADD-PATH (id 0x080a0100, 192.0.2.0/24) and as plain.
    ambiguous = upd(base, bytes.fromhex("080a0100") + b"\x18\xc0\x00\x02")
    # Plain [10/8, 0/0, 0/0, 10/8]: tshark guesses ADD-PATH because of the /0s.
    zeros = upd(base, bytes.fromhex("080a0000080a"))

    results = []
    o = argparse.Namespace(**vars(opts))
    o.add_path = {"ipv6"}
    r = check([(n, v[n]) for n in good], o, os.path.join(tmp, "good"))
    print("# well-formed vectors (--add-path ipv6):")
    p, f = print_results(r, opts.verbose)
    results.append(("vectors %s pass" % ",".join(good), f == 0, ["%d passed, %d failed" % (p, f)]))

    o.add_path = set()
    r = check([(n, v[n]) for n in ("TV2", "TV9")], o, os.path.join(tmp, "noap"))
    caught = [not ok for _, ok, _ in r[:2]]
    results.append(("TV2/TV9 without --add-path are rejected", all(caught), [str(caught)]))

    for name, msg in bad.items():
        r = check([(name, msg)], o, os.path.join(tmp, re.sub(r"\W+", "_", name)))
        why = [n for _, ok, notes in r if not ok for n in notes if n and not n.startswith("      |")]
        results.append(("detects: " + name, bool(why), ["by: " + "; ".join(why)] if why else ["not detected"]))

    o.add_path = {"ipv4"}
    r = check([("ambiguous", ambiguous)], o, os.path.join(tmp, "ambig"))
    warned = any(n.startswith("WARNING") for n in r[0][2])
    results.append(("ambiguous IPv4 ADD-PATH block passes with a warning", r[0][1] and warned, r[0][2]))
    o.add_path = set()
    r = check([("ambiguous", ambiguous)], o, os.path.join(tmp, "ambig2"))
    results.append(("same block without --add-path passes (valid plain NLRI)", r[0][1], r[0][2]))
    r = check([("zeros", zeros)], o, os.path.join(tmp, "zeros"))
    warned = any(n.startswith("WARNING") for n in r[0][2])
    results.append(("plain NLRI misread as ADD-PATH by tshark passes with a warning",
                    r[0][1] and warned, r[0][2]))
    print("# self-test:")
    return results


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--hex-file", help="file with one BGP message as hex per line, or - for stdin")
    ap.add_argument("--add-path", default="",
                    help="comma list of families with ADD-PATH: ipv4,ipv6 (unicast)")
    ap.add_argument("--asn-len", choices=["2", "4", "auto"], default="4",
                    help="AS number size for tshark (default 4: catsd always negotiates AS4)")
    ap.add_argument("--mss", type=int, default=1460, help="segment size of the stream pcap")
    ap.add_argument("--lua", default=DEFAULT_LUA if os.path.isfile(DEFAULT_LUA) else None,
                    help="CATS-EXP Lua dissector to load (default: the repo's)")
    ap.add_argument("--no-lua", action="store_true", help="do not load the CATS-EXP dissector")
    ap.add_argument("--cats-type", type=int, help="CATS-EXP attribute type code (default 255)")
    ap.add_argument("--extended-message", action="store_true",
                    help="RFC 8654 negotiated: skip (with a warning) messages over 4096 octets, "
                         "which tshark 4.0 rejects")
    ap.add_argument("--keep-pcap", metavar="DIR", help="copy the generated pcaps to DIR")
    ap.add_argument("--self-test", action="store_true",
                    help="check this script against the vectors and broken variants")
    ap.add_argument("--vectors", default=DEFAULT_VECTORS, help="vectors.json for --self-test")
    ap.add_argument("-v", "--verbose", action="store_true")
    opts = ap.parse_args()
    if opts.no_lua:
        opts.lua = None
    opts.add_path = {f.strip() for f in opts.add_path.split(",") if f.strip()}
    if opts.add_path - set(FAMILIES):
        ap.error("--add-path takes ipv4 and/or ipv6")
    if not opts.self_test and not opts.hex_file:
        ap.error("--hex-file is required (or --self-test)")

    with tempfile.TemporaryDirectory(prefix="tshark-enc-") as tmp:
        try:
            if opts.self_test:
                results = self_test(opts, tmp)
            else:
                if opts.hex_file == "-":
                    lines = read_hex_lines(sys.stdin)
                else:
                    with open(opts.hex_file) as fh:
                        lines = read_hex_lines(fh)
                if not lines:
                    raise RuntimeError("no messages in the input")
                results = check([("line %d" % no, m) for no, m in lines], opts, tmp)
        except (RuntimeError, ValueError, OSError) as e:
            print("ERROR: %s" % e)
            results = [("run", False, [str(e)])]
    passed, failed = print_results(results, opts.verbose)
    print("tshark-encoder%s: %d passed, %d failed" % (" self-test" if opts.self_test else "",
                                                      passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
