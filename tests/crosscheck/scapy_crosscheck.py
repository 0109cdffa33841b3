#!/usr/bin/python3
"""Cross-check `catsctl decode --json` against scapy's independent BGP decoder.

    /usr/bin/python3 tests/crosscheck/scapy_crosscheck.py --catsctl build/bin/catsctl \
        [--count 300] [--seed 1]

Builds `count` random, well-formed BGP UPDATE messages with scapy's BGP layer
(seeded, reproducible), dissects every one back with scapy, runs catsctl once
per session-context variant (2-/4-octet AS, with and without ADD-PATH) and
compares catsctl's JSON (docs/DECODE-JSON.md) with scapy's dissection. Where
scapy 2.5 does not decode a field (LARGE_COMMUNITY, CATS-EXP value) the
generator's known values are the reference instead. A self-check first
compares scapy's dissection with the generator's intent, so a harness bug
cannot be mistaken for a catsctl bug (or hide one).

Needs Debian's /usr/bin/python3 (scapy 2.5.0 with scapy.contrib.bgp).
Final line: `scapy-crosscheck: N passed, M failed`; exit 0 only when every
message passed. Exit 1 on mismatches, 2 when catsctl cannot be run, 3 on a
harness (generator/scapy) inconsistency.
"""

import argparse
import ipaddress
import json
import logging
import os
import random
import struct
import subprocess
import sys
import tempfile

logging.getLogger("scapy").setLevel(logging.ERROR)  # silence import banner
try:
    from scapy.compat import raw
    from scapy.contrib import bgp as sbgp
    from scapy.packet import NoPayload, Raw
except ImportError as exc:  # pragma: no cover
    sys.exit("scapy-crosscheck: cannot import scapy (%s); run with /usr/bin/python3" % exc)

MAX_MESSAGE = 4096
CATS_TYPE = 255


class HarnessError(Exception):
    """The generator and scapy disagree: the test itself is broken."""


# ---------------------------------------------------------------------------
# Session contexts. Messages are spread round-robin over these; catsctl runs
# once per variant with the matching flags.

class Variant:
    def __init__(self, name, as4, addpath):
        self.name, self.as4, self.addpath = name, as4, tuple(addpath)

    @property
    def ap4(self):
        return "ipv4" in self.addpath

    @property
    def ap6(self):
        return "ipv6" in self.addpath

    def catsctl_args(self):
        args = ["--as4"] if self.as4 else []
        if self.addpath:
            args += ["--add-path", ",".join(self.addpath)]
        return args


VARIANTS = [
    Variant("as2", False, ()),
    Variant("as4", True, ()),
    Variant("as4+addpath-v4v6", True, ("ipv4", "ipv6")),
    Variant("as2+addpath-v4", False, ("ipv4",)),
]


def configure_scapy(variant):
    """Put scapy's BGP module into the session context of `variant`.

    scapy reads both settings at dissection time: the global ASN width, and a
    wireshark-style heuristic (detect_add_path_prefix46) that guesses ADD-PATH
    from the bytes. The guess is wrong for legal input (a standard NLRI list
    holding 0.0.0.0/0 is read as ADD-PATH), so it is replaced by the
    negotiated state, which is what a real receiver uses.
    """
    sbgp.bgp_module_conf.use_2_bytes_asn = not variant.as4
    sbgp.detect_add_path_prefix46 = (
        lambda s, max_bits: variant.ap4 if max_bits == 32 else variant.ap6)
    # scapy's MP_REACH NLRI parser has no ADD-PATH form at all (it raises on
    # path ids); borrow MP_UNREACH's NLRI list field, which follows the
    # detector above.
    sbgp.MPReachNLRIPacketListField.getfield = (
        _mp_reach_addpath_getfield if variant.ap6 else _MP_REACH_GETFIELD)


_MP_REACH_GETFIELD = sbgp.MPReachNLRIPacketListField.getfield


def _mp_reach_addpath_getfield(self, pkt, s):
    return b"", sbgp.BGPPAMPUnreachNLRI_IPv6(s).withdrawn_routes


# ---------------------------------------------------------------------------
# Expected-value matchers. The expected model is a JSON-like tree in which
# these stand for values with more than one correct textual form.

class _Absent:
    def __repr__(self):
        return "<absent>"


ABSENT = _Absent()  # expected value: key missing or null in catsctl's output


class Matcher:
    def __eq__(self, other):
        return type(self) is type(other) and self.key() == other.key()

    def __hash__(self):
        return hash(self.key())


class Addr(Matcher):
    """An IP address; compared by value (RFC 5952 spelling not enforced)."""

    def __init__(self, text):
        self.text = str(text)
        self.ip = ipaddress.ip_address(self.text)

    def key(self):
        return self.ip

    def match(self, act):
        try:
            return isinstance(act, str) and ipaddress.ip_address(act) == self.ip
        except ValueError:
            return False

    def __repr__(self):
        return self.text


class Pfx(Matcher):
    """A prefix "addr/len"; address compared by value, length exactly."""

    def __init__(self, text):
        self.text = text
        self.parsed = Pfx.parse(text)
        if self.parsed is None:
            raise ValueError("bad prefix %r" % text)

    @staticmethod
    def parse(text):
        try:
            addr, plen = text.split("/")
            return ipaddress.ip_address(addr), int(plen)
        except (ValueError, AttributeError):
            return None

    def key(self):
        return self.parsed

    def match(self, act):
        return isinstance(act, str) and Pfx.parse(act) == self.parsed

    def __repr__(self):
        return self.text


class F32(Matcher):
    """An IEEE-754 binary32 value: any JSON number that rounds to it matches."""

    def __init__(self, bits):
        self.bits = bytes(bits)
        self.value = struct.unpack("!f", self.bits)[0]

    def key(self):
        return self.bits

    def match(self, act):
        if isinstance(act, bool) or not isinstance(act, (int, float)):
            return False
        try:
            return struct.pack("!f", act) == self.bits
        except (OverflowError, struct.error):
            return False

    def __repr__(self):
        return repr(self.value)


class OneOf(Matcher):
    """Any of several spellings the contract leaves open."""

    def __init__(self, *choices):
        self.choices = choices

    def key(self):
        return self.choices

    def match(self, act):
        return act in self.choices

    def __repr__(self):
        return " or ".join(repr(c) for c in self.choices)


def show(x):
    """Readable, compact rendering of expected or actual values."""
    if isinstance(x, dict):
        return "{" + ", ".join("%s: %s" % (k, show(v)) for k, v in x.items()) + "}"
    if isinstance(x, list):
        return "[" + ", ".join(show(v) for v in x) + "]"
    if isinstance(x, str):
        return json.dumps(x)
    return repr(x)


def compare(exp, act, path, out):
    """Append (path, expected, actual) for every difference to `out`.

    Dicts are compared on the expected keys only (the contract only ever adds
    fields); lists element by element; scalars strictly by JSON type (True
    never matches 1). `act` may itself be an expected model (self-check).
    """
    if isinstance(exp, Matcher):
        ok = exp == act if isinstance(act, Matcher) else exp.match(act)
        if not ok:
            out.append((path, exp, act))
    elif isinstance(exp, dict):
        if not isinstance(act, dict):
            out.append((path, exp, act))
            return
        for key, val in exp.items():
            sub = "%s.%s" % (path, key) if path else key
            got = act.get(key, ABSENT)
            if val is ABSENT:
                if got is not ABSENT and got is not None:
                    out.append((sub, val, got))
            elif got is ABSENT:
                out.append((sub, val, "<missing>"))
            else:
                compare(val, got, sub, out)
    elif isinstance(exp, list):
        if not isinstance(act, list) or len(act) != len(exp):
            out.append((path, exp, act))
            return
        for i, (e, a) in enumerate(zip(exp, act)):
            compare(e, a, "%s[%d]" % (path, i), out)
    elif isinstance(exp, bool) or exp is None:
        if act is not exp:
            out.append((path, exp, act))
    elif isinstance(exp, int):
        if isinstance(act, bool) or not isinstance(act, int) or act != exp:
            out.append((path, exp, act))
    elif exp != act:
        out.append((path, exp, act))


# ---------------------------------------------------------------------------
# Random message generator. Every message is well-formed for an iBGP session
# in its variant, so catsctl must report error null for all of them.

ORIGINS = {0: "IGP", 1: "EGP", 2: "INCOMPLETE"}
SEGMENT_TYPES = {1: "AS_SET", 2: "AS_SEQUENCE", 3: "AS_CONFED_SEQUENCE", 4: "AS_CONFED_SET"}
STD_FLAGS = {1: 0x40, 2: 0x40, 3: 0x40, 4: 0x80, 5: 0x40, 6: 0x40, 7: 0xC0, 8: 0xC0,
             9: 0x80, 10: 0x80, 14: 0x80, 15: 0x80, 16: 0xC0, 32: 0xC0, CATS_TYPE: 0xC0}
ATTR_NAMES = {1: "ORIGIN", 2: "AS_PATH", 3: "NEXT_HOP", 4: "MULTI_EXIT_DISC",
              5: "LOCAL_PREF", 6: "ATOMIC_AGGREGATE", 7: "AGGREGATOR", 8: "COMMUNITIES",
              9: "ORIGINATOR_ID", 10: "CLUSTER_LIST", 14: "MP_REACH_NLRI",
              15: "MP_UNREACH_NLRI", 16: "EXTENDED_COMMUNITIES", 32: "LARGE_COMMUNITY",
              CATS_TYPE: "CATS-EXP"}
WELL_KNOWN_COMMUNITIES = [0xFFFFFF01, 0xFFFFFF02, 0xFFFFFF03, 0xFFFF0000]


def community_text(value):
    return "%d:%d" % (value >> 16, value & 0xFFFF)


def nlri_obj(prefix_text, afi, path_id):
    return {"prefix": Pfx(prefix_text), "afi": afi, "safi": 1,
            "path_id": ABSENT if path_id is None else path_id}


class Generator:
    def __init__(self, rng):
        self.rng = rng

    # -- small value helpers ------------------------------------------------

    def unicast_v4(self):
        """A plausible unicast address (no 0/8, 127/8, class D/E)."""
        r = self.rng
        first = r.choice([10, 172, 192, 198, 203, r.randint(1, 126), r.randint(128, 223)])
        return "%d.%d.%d.%d" % (first, r.randint(0, 255), r.randint(0, 255), r.randint(1, 254))

    def global_v6(self):
        return str(ipaddress.IPv6Address((0x20010DB8 << 96) | self.rng.getrandbits(96)))

    def asn(self, as4):
        # ASN 0 is malformed in AS_PATH/AGGREGATOR (RFC 7607), so never 0.
        return self.rng.randint(1, 0xFFFFFFFF if as4 and self.rng.random() < 0.7 else 0xFFFF)

    def prefixes(self, version, count, with_path_id, used):
        """`count` distinct canonical prefixes as (text, path_id or None)."""
        bits = 32 if version == 4 else 128
        out = []
        while len(out) < count:
            plen = self.rng.randint(0, bits)
            value = self.rng.getrandbits(bits) & (((1 << plen) - 1) << (bits - plen))
            addr = ipaddress.ip_address(value) if version == 4 else ipaddress.IPv6Address(value)
            path_id = None
            if with_path_id:
                path_id = self.rng.choice([0, 1, self.rng.getrandbits(32)])
            key = ("%s/%d" % (addr, plen), path_id)
            if key[0] in used:
                continue
            used.add(key[0])
            out.append(key)
        return out

    def count(self, big):
        return self.rng.randint(40, 80) if big else self.rng.choice([0, 1, 1, 2, 3, 5, 8])

    # -- NLRI ----------------------------------------------------------------

    @staticmethod
    def scapy_nlri(version, items):
        if version == 4:
            return [sbgp.BGPNLRI_IPv4_AP(nlri_path_id=pid, prefix=p) if pid is not None
                    else sbgp.BGPNLRI_IPv4(prefix=p) for p, pid in items]
        return [sbgp.BGPNLRI_IPv6_AP(nlri_path_id=pid, prefix=p) if pid is not None
                else sbgp.BGPNLRI_IPv6(prefix=p) for p, pid in items]

    # -- path attributes -----------------------------------------------------
    # Each returns (scapy value packet, intended decoded fields).

    def attr_origin(self, variant, big):
        value = self.rng.randint(0, 2)
        return sbgp.BGPPAOrigin(origin=value), {"value": ORIGINS[value]}

    def attr_as_path(self, variant, big):
        r = self.rng
        nseg = r.randint(1, 3) if big else r.choice([0, 1, 1, 2, 3])
        # Big: enough 2- or 4-octet ASNs to push the value past 255 octets.
        per_seg = (lambda: r.randint(70, 140)) if big else (lambda: r.randint(1, 6))
        cls = sbgp.BGPPAAS4BytesPath if variant.as4 else sbgp.BGPPAASPath
        segs, exp = [], []
        for _ in range(nseg):
            stype = r.choice([1, 2, 2])
            asns = [self.asn(variant.as4) for _ in range(per_seg())]
            segs.append(cls.ASPathSegment(segment_type=stype, segment_value=asns))
            exp.append({"type": SEGMENT_TYPES[stype], "asns": asns})
        return cls(segments=segs), {"segments": exp, "as4": variant.as4}

    def attr_next_hop(self, variant, big):
        nh = self.unicast_v4()
        return sbgp.BGPPANextHop(next_hop=nh), {"next_hop": Addr(nh)}

    def attr_med(self, variant, big):
        v = self.rng.getrandbits(32)
        return sbgp.BGPPAMultiExitDisc(med=v), {"value": v}

    def attr_local_pref(self, variant, big):
        v = self.rng.choice([100, 200, 0, self.rng.getrandbits(32)])
        return sbgp.BGPPALocalPref(local_pref=v), {"value": v}

    def attr_atomic(self, variant, big):
        return sbgp.BGPPAAtomicAggregate(), {}

    def attr_aggregator(self, variant, big):
        asn, addr = self.asn(variant.as4), self.unicast_v4()
        cls = sbgp.BGPPAAS4Aggregator if variant.as4 else sbgp.BGPPAAggregator
        return cls(aggregator_asn=asn, speaker_address=addr), {"asn": asn, "address": Addr(addr)}

    def attr_communities(self, variant, big):
        n = self.rng.randint(70, 200) if big else self.rng.randint(1, 6)
        vals = [self.rng.choice(WELL_KNOWN_COMMUNITIES) if self.rng.random() < 0.1
                else self.rng.getrandbits(32) for _ in range(n)]
        # scapy models one community per packet; a list is a stacked chain.
        pkt = sbgp.BGPPACommunity(community=vals[0])
        for v in vals[1:]:
            pkt = pkt / sbgp.BGPPACommunity(community=v)
        return pkt, {"communities": [community_text(v) for v in vals]}

    def attr_originator(self, variant, big):
        a = self.unicast_v4()
        return sbgp.BGPPAOriginatorID(originator_id=a), {"originator_id": Addr(a)}

    def attr_cluster_list(self, variant, big):
        n = self.rng.randint(70, 150) if big else self.rng.randint(1, 4)
        ids = [self.rng.getrandbits(32) for _ in range(n)]
        return (sbgp.BGPPAClusterList(cluster_list=ids),
                {"cluster_list": [Addr(ipaddress.IPv4Address(i)) for i in ids]})

    def attr_ext_communities(self, variant, big):
        r = self.rng
        n = r.randint(33, 60) if big else r.randint(1, 4)
        comms, exp = [], []
        for i in range(n):
            kind = r.choice(["lb", "lb", "lb-nt", "rt2", "rt4", "rt-ip", "opaque", "evpn"])
            th, tl, lb = 0x00, 0x02, None
            if kind in ("lb", "lb-nt"):
                th, tl = (0x00 if kind == "lb" else 0x40), 0x04
                bw = (r.randint(1, 10) * 125e6 if r.random() < 0.5
                      else r.uniform(0, 1e12) if r.random() < 0.9 else 0.0)
                bits = struct.pack("!f", bw)
                gadm = r.randint(0, 0xFFFF)
                val = sbgp.BGPPAExtCommTwoOctetASSpecific(
                    global_administrator=gadm, local_administrator=struct.unpack("!I", bits)[0])
                lb = {"asn": gadm, "bytes_per_second": F32(bits)}
            elif kind == "rt2":
                val = sbgp.BGPPAExtCommTwoOctetASSpecific(
                    global_administrator=r.randint(0, 0xFFFF), local_administrator=r.getrandbits(32))
            elif kind == "rt4":
                th = 0x02
                val = sbgp.BGPPAExtCommFourOctetASSpecific(
                    global_administrator=r.getrandbits(32), local_administrator=r.randint(0, 0xFFFF))
            elif kind == "rt-ip":
                th = 0x01
                val = sbgp.BGPPAExtCommIPv4AddressSpecific(
                    global_administrator=r.getrandbits(32), local_administrator=r.randint(0, 0xFFFF))
            elif kind == "opaque":
                th, tl = r.choice([0x03, 0x43]), r.choice([0x0C, 0x0D, 0x0B])
                val = sbgp.BGPPAExtCommOpaque(value=bytes(r.getrandbits(8) for _ in range(6)))
            else:  # a type scapy only carries as raw bytes
                th, tl = 0x06, r.randint(0, 6)
                val = Raw(bytes(r.getrandbits(8) for _ in range(6)))
            comms.append(sbgp.BGPPAExtCommunity(type_high=th, type_low=tl, value=val))
            full = bytes([th, tl]) + raw(val)
            exp.append(self.ext_comm_expect(th, tl, full, lb))
        return sbgp.BGPPAExtComms(extended_communities=comms), {"communities": exp}

    @staticmethod
    def ext_comm_expect(th, tl, full, lb):
        # The contract leaves open whether `raw` spells the whole 8-octet
        # community or its 6-octet value; either is complete and accepted.
        return {"type": th, "subtype": tl, "transitive": not th & 0x40,
                "raw": OneOf(full.hex(), full[2:].hex()),
                "link_bandwidth": ABSENT if lb is None else lb}

    def attr_large_community(self, variant, big):
        n = self.rng.randint(22, 40) if big else self.rng.randint(1, 4)
        vals = [tuple(self.rng.getrandbits(32) for _ in range(3)) for _ in range(n)]
        blob = b"".join(struct.pack("!III", *v) for v in vals)
        return Raw(blob), {"communities": ["%d:%d:%d" % v for v in vals]}

    def metric(self, mtype, desc, value, as_float=False):
        """(sub-TLV bytes, expected METRIC object)."""
        if as_float:
            vbytes = struct.pack("!f", value)
            expval = F32(vbytes)
        else:
            vbytes = bytes([value])
            expval = value
        exp = {"metric_type": mtype, "descriptor": desc, "level": desc >> 14,
               "format": "float" if desc & 0x2000 else "uint", "value": expval}
        if mtype == 1:
            exp["name"] = "norm_fi"
        return struct.pack("!BBH", mtype, 2 + len(vbytes), desc) + vbytes, exp

    def id_field(self):
        if self.rng.random() < 0.5:
            a = self.unicast_v4()
            return 1, ipaddress.IPv4Address(a).packed, Addr(a)
        a = self.global_v6()
        return 2, ipaddress.IPv6Address(a).packed, Addr(a)

    def attr_cats(self, variant, big):
        """CATS-EXP v1 value per spec B.3 (scapy keeps it as raw bytes)."""
        r = self.rng
        drain = r.random() < 0.25
        tlvs = []  # (bytes, expected TLV object)

        def tlv(ttype, body):
            return struct.pack("!BH", ttype, len(body)) + body

        if r.random() < 0.3:
            idt, packed, addr = self.id_field()
            tlvs.append((tlv(1, bytes([idt]) + packed),
                         {"type": 1, "name": "cs-id", "id_type": idt, "id": addr}))

        # Site Metrics: always an L2 norm_fi (Src 4 or 5), maybe L1s and an L0 float.
        score = r.randint(0, 10)
        metrics = [self.metric(1, 0x8000 | (r.choice([4, 5]) << 6), score)]
        for mtype in r.sample(range(2, 7), r.randint(0, 2)):
            metrics.append(self.metric(mtype, 0x4100, r.randint(0, 10)))
        if r.random() < 0.3:
            ghz = struct.unpack("!f", struct.pack("!f", r.uniform(0.5, 5.0)))[0]
            metrics.append(self.metric(16, 0x2440, ghz, as_float=True))
        r.shuffle(metrics)
        tlvs.append((tlv(2, b"".join(m for m, _ in metrics)),
                     {"type": 2, "name": "site-metrics", "metrics": [e for _, e in metrics]}))

        if r.random() < 0.6:
            seq, interval, profile = r.getrandbits(32), r.randint(0, 600), r.randint(0, 0xFFFF)
            tlvs.append((tlv(4, struct.pack("!IHH", seq, interval, profile)),
                         {"type": 4, "name": "metric-control", "sequence": seq,
                          "interval": interval, "profile": profile}))

        for _ in range(r.randint(12, 25) if big else r.choice([0, 0, 1, 2, 3])):
            idt, packed, addr = self.id_field()
            ms = [self.metric(t, 0x4100, r.randint(0, 10)) for t in r.sample(range(2, 7), r.randint(1, 4))]
            tlvs.append((tlv(3, bytes([idt, 0]) + packed + b"".join(m for m, _ in ms)),
                         {"type": 3, "name": "contact-instance", "id_type": idt, "id": addr,
                          "metrics": [e for _, e in ms]}))

        r.shuffle(tlvs)  # TLV order is free; the decoder must keep wire order
        value = bytes([1, 0x80 if drain else 0, 0, 0]) + b"".join(b for b, _ in tlvs)
        return Raw(value), {"version": 1, "drain": drain, "tlvs": [e for _, e in tlvs],
                            "site_score": score}

    def attr_mp_reach(self, variant, items):
        r = self.rng
        nh = [self.global_v6()]
        if r.random() < 0.5:
            nh.append("fe80::%x:%x" % (r.getrandbits(16) | 1, r.getrandbits(16)))
        kw = ({"nh_addr_len": 16, "nh_v6_addr": nh[0]} if len(nh) == 1 else
              {"nh_addr_len": 32, "nh_v6_global": nh[0], "nh_v6_link_local": nh[1]})
        pkt = sbgp.BGPPAMPReachNLRI(afi=2, safi=1, nlri=self.scapy_nlri(6, items), **kw)
        return pkt, {"afi": 2, "safi": 1, "next_hop": [Addr(a) for a in nh],
                     "nlri": [nlri_obj(p, 2, pid) for p, pid in items]}

    def attr_mp_unreach(self, variant, items):
        pkt = sbgp.BGPPAMPUnreachNLRI(
            afi=2, safi=1,
            afi_safi_specific=sbgp.BGPPAMPUnreachNLRI_IPv6(withdrawn_routes=self.scapy_nlri(6, items)))
        return pkt, {"afi": 2, "safi": 1, "withdrawn": [nlri_obj(p, 2, pid) for p, pid in items]}

    OPTIONAL = [(4, "attr_med"), (5, "attr_local_pref"), (6, "attr_atomic"),
                (7, "attr_aggregator"), (8, "attr_communities"), (9, "attr_originator"),
                (10, "attr_cluster_list"), (16, "attr_ext_communities"),
                (32, "attr_large_community"), (CATS_TYPE, "attr_cats")]
    BIG_CAPABLE = {2, 8, 10, 16, 32, CATS_TYPE, 14}

    def path_attr(self, code, value_pkt):
        r = self.rng
        flags = STD_FLAGS[code]
        if flags & 0x40 and flags & 0x80 and r.random() < 0.15:
            flags |= 0x20  # Partial: legal on optional transitive attributes only
        # Extended Length is required past 255 octets and legal below.
        if len(raw(value_pkt)) > 255 or r.random() < 0.1:
            flags |= 0x10
        return sbgp.BGPPathAttr(type_flags=flags, type_code=code, attribute=value_pkt)

    # -- whole message -------------------------------------------------------

    def update(self, variant):
        """Return (wire bytes, intended model); retried until it fits 4096 octets."""
        while True:
            msg, intent = self._update(variant)
            if len(msg) <= MAX_MESSAGE:
                return msg, intent

    def _update(self, variant):
        r = self.rng
        # One attribute in five messages is grown past 255 octets (Extended Length).
        big = r.choice(sorted(self.BIG_CAPABLE)) if r.random() < 0.2 else None
        used4, used6 = set(), set()
        wd = self.prefixes(4, self.count(False), variant.ap4, used4)
        nl = self.prefixes(4, self.count(False), variant.ap4, used4)
        mp_un = self.prefixes(6, self.count(False), variant.ap6, used6) if r.random() < 0.4 else []
        mp_re = (self.prefixes(6, self.count(big == 14) or 1, variant.ap6, used6)
                 if r.random() < 0.5 or big == 14 else [])
        if not (wd or nl or mp_un or mp_re):  # never an End-of-RIB marker
            nl = self.prefixes(4, 1, variant.ap4, used4)
        reach = bool(nl or mp_re)

        attrs = []  # (code, scapy value, intended fields)
        if mp_re:
            attrs.append((14,) + self.attr_mp_reach(variant, mp_re))
        if mp_un:
            attrs.append((15,) + self.attr_mp_unreach(variant, mp_un))
        if reach:  # withdraw-only UPDATEs carry no other attribute
            attrs.append((1,) + self.attr_origin(variant, False))
            attrs.append((2,) + self.attr_as_path(variant, big == 2))
            if nl or r.random() < 0.3:
                attrs.append((3,) + self.attr_next_hop(variant, False))
            for code, fn in self.OPTIONAL:
                if big == code or r.random() < 0.45:
                    attrs.append((code,) + getattr(self, fn)(variant, big == code))
            if r.random() < 0.15:
                r.shuffle(attrs)  # any order is legal; JSON must keep wire order

        path_attr = [self.path_attr(code, pkt) for code, pkt, _ in attrs]
        pkt = sbgp.BGPHeader(type=2) / sbgp.BGPUpdate(
            withdrawn_routes=self.scapy_nlri(4, wd), path_attr=path_attr,
            nlri=self.scapy_nlri(4, nl))
        wire = raw(pkt)

        intent_attrs = []
        for (code, _, fields), pa in zip(attrs, path_attr):
            intent_attrs.append({"type_code": code, "flags": int(pa.type_flags),
                                 "name": ATTR_NAMES[code], **fields})
        v4 = lambda items: [nlri_obj(p, 1, pid) for p, pid in items]
        v6 = lambda items: [nlri_obj(p, 2, pid) for p, pid in items]
        intent = {"type": "UPDATE", "length": len(wire), "error": None,
                  "withdrawn": v4(wd) + v6(mp_un), "nlri": v6(mp_re) + v4(nl),
                  "attributes": intent_attrs}
        return wire, intent


# ---------------------------------------------------------------------------
# scapy's view of a message, in the shape of the JSON contract.

def scapy_nlri_list(pkts, afi):
    out = []
    for p in pkts:
        pid = p.nlri_path_id if isinstance(p, (sbgp.BGPNLRI_IPv4_AP, sbgp.BGPNLRI_IPv6_AP)) else None
        out.append(nlri_obj(p.prefix, afi, pid))  # scapy renders "addr/len"
    return out


def require_whole(obj, what):
    """A decoded value with trailing undecoded bytes would be a silent misparse."""
    if not isinstance(obj.payload, NoPayload):
        raise HarnessError("scapy left %d undecoded octets in %s" % (len(raw(obj.payload)), what))


def scapy_attr_fields(pa, value, variant):
    """Decoded fields of one attribute per scapy, or None if scapy cannot decode it."""
    code, obj = pa.type_code, pa.attribute
    if code == 1:
        require_whole(obj, "ORIGIN")
        return {"value": ORIGINS.get(obj.origin, obj.origin)}
    if code == 2:
        if obj is None:  # scapy leaves an empty value undissected (attribute None)
            if value:
                raise HarnessError("AS_PATH not dissected")
            return {"segments": [], "as4": not sbgp.bgp_module_conf.use_2_bytes_asn}
        require_whole(obj, "AS_PATH")
        return {"segments": [{"type": SEGMENT_TYPES[s.segment_type], "asns": list(s.segment_value)}
                             for s in obj.segments],
                "as4": isinstance(obj, sbgp.BGPPAAS4BytesPath)}
    if code == 3:
        require_whole(obj, "NEXT_HOP")
        return {"next_hop": Addr(obj.next_hop)}
    if code in (4, 5):
        require_whole(obj, ATTR_NAMES[code])
        return {"value": obj.med if code == 4 else obj.local_pref}
    if code == 6:
        if value:
            raise HarnessError("ATOMIC_AGGREGATE with a value")
        return {}
    if code == 7:
        # scapy's AGGREGATOR class is 2-octet-AS only and ignores
        # use_2_bytes_asn; with 4-octet AS use its AS4_AGGREGATOR layout
        # (same 8-octet shape).
        agg = sbgp.BGPPAAS4Aggregator(value) if variant.as4 else obj
        require_whole(agg, "AGGREGATOR")
        return {"asn": agg.aggregator_asn, "address": Addr(agg.speaker_address)}
    if code == 8:
        # BGPPACommunity holds a single community: the rest of the list is
        # left as Raw. Dissect each 4-octet entry with it instead.
        if len(value) % 4:
            raise HarnessError("COMMUNITIES length %d" % len(value))
        return {"communities": [community_text(sbgp.BGPPACommunity(value[i:i + 4]).community)
                                for i in range(0, len(value), 4)]}
    if code == 9:
        require_whole(obj, "ORIGINATOR_ID")
        return {"originator_id": Addr(obj.originator_id)}
    if code == 10:
        require_whole(obj, "CLUSTER_LIST")
        return {"cluster_list": [Addr(ipaddress.IPv4Address(c)) for c in obj.cluster_list]}
    if code == 14:
        if obj.nh_addr_len == 16:
            nh = [obj.nh_v6_addr]
        elif obj.nh_addr_len == 32:
            nh = [obj.nh_v6_global, obj.nh_v6_link_local]
        else:
            raise HarnessError("MP_REACH next hop length %d" % obj.nh_addr_len)
        require_whole(obj, "MP_REACH_NLRI")
        return {"afi": obj.afi, "safi": obj.safi, "next_hop": [Addr(a) for a in nh],
                "nlri": scapy_nlri_list(obj.nlri, 2)}
    if code == 15:
        return {"afi": obj.afi, "safi": obj.safi,
                "withdrawn": scapy_nlri_list(obj.afi_safi_specific.withdrawn_routes, 2)}
    if code == 16:
        out = []
        for ec in obj.extended_communities:
            full = raw(ec)
            lb = None
            if ec.type_low == 0x04 and ec.type_high in (0x00, 0x40):
                # scapy decodes the two-octet-AS layout but not the float:
                # reinterpret its 32-bit local administrator as binary32.
                lb = {"asn": ec.value.global_administrator,
                      "bytes_per_second": F32(struct.pack("!I", ec.value.local_administrator))}
            out.append(Generator.ext_comm_expect(ec.type_high, ec.type_low, full, lb))
        return {"communities": out}
    return None  # LARGE_COMMUNITY (32) and CATS-EXP (255): raw in scapy 2.5


def scapy_model(wire, variant):
    configure_scapy(variant)
    msg = sbgp.BGPHeader(wire)
    if raw(msg) != wire:
        raise HarnessError("scapy does not re-serialise the message byte-exact")
    if sbgp.BGPUpdate not in msg:
        raise HarnessError("scapy did not dissect an UPDATE")
    upd = msg[sbgp.BGPUpdate]
    attrs, withdrawn, nlri = [], scapy_nlri_list(upd.withdrawn_routes, 1), []
    for pa in upd.path_attr:
        flags = int(pa.type_flags)
        length = pa.attr_ext_len if flags & 0x10 else pa.attr_len
        value = raw(pa)[4 if flags & 0x10 else 3:]
        if len(value) != length:
            raise HarnessError("attribute %d: length %d but %d octets" % (pa.type_code, length, len(value)))
        fields = scapy_attr_fields(pa, value, variant)
        attr = {"type_code": pa.type_code, "flags": flags, "length": length, "raw": value.hex()}
        if pa.type_code in ATTR_NAMES:
            attr["name"] = ATTR_NAMES[pa.type_code]
        attrs.append((attr, fields))
        if pa.type_code == 14:
            nlri += fields["nlri"]
        elif pa.type_code == 15:
            withdrawn += fields["withdrawn"]
    nlri += scapy_nlri_list(upd.nlri, 1)
    return {"type": "UPDATE", "length": msg.len, "error": None,
            "withdrawn": withdrawn, "nlri": nlri}, attrs


def expected_model(wire, variant, intent):
    """scapy's dissection, with the generator's values where scapy has none.

    Also the self-check: wherever scapy decodes, it must agree with what the
    generator meant to build.
    """
    top, attrs = scapy_model(wire, variant)
    problems = []
    for key in ("withdrawn", "nlri", "length"):
        compare(top[key], intent[key], key, problems)
    if len(attrs) != len(intent["attributes"]):
        raise HarnessError("scapy sees %d attributes, generator built %d"
                           % (len(attrs), len(intent["attributes"])))
    expected_attrs = []
    for i, ((common, fields), want) in enumerate(zip(attrs, intent["attributes"])):
        gen_fields = {k: v for k, v in want.items() if k not in ("type_code", "flags", "name")}
        compare({"type_code": common["type_code"], "flags": common["flags"]},
                want, "attributes[%d]" % i, problems)
        if fields is not None:
            compare(fields, gen_fields, "attributes[%d]" % i, problems)
            source = "scapy"
        else:
            fields, source = gen_fields, "generator"
        expected_attrs.append((dict(common, **fields), source))
    if problems:
        raise HarnessError("; ".join("%s: scapy=%s generator=%s" % (p, show(e), show(a))
                                     for p, e, a in problems))
    return top, expected_attrs


# ---------------------------------------------------------------------------
# Running catsctl and checking its output.

def run_catsctl(catsctl, variant, hex_lines, tmpdir):
    path = os.path.join(tmpdir, "%s.hex" % variant.name)
    with open(path, "w") as f:
        f.write("".join(h + "\n" for h in hex_lines))
    cmd = [catsctl, "decode", "--file", path, "--json"] + variant.catsctl_args()
    try:
        proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=300)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return None, "cannot run %s: %s" % (" ".join(cmd), exc)
    stderr = proc.stderr.decode(errors="replace").strip()
    # Exit 1 means "some message calls for a session reset": still a decode,
    # reported per message below. Anything else is a failed run.
    if proc.returncode not in (0, 1):
        return None, "%s exited %d%s" % (" ".join(cmd), proc.returncode,
                                          (": " + stderr[:2000]) if stderr else "")
    lines = [l for l in proc.stdout.decode(errors="replace").splitlines() if l.strip()]
    if len(lines) != len(hex_lines):
        return None, "%s printed %d JSON lines for %d messages%s" % (
            " ".join(cmd), len(lines), len(hex_lines), (": " + stderr[:2000]) if stderr else "")
    out = []
    for line in lines:
        try:
            out.append(json.loads(line))
        except ValueError as exc:
            out.append({"__invalid_json__": "%s: %s" % (exc, line[:200])})
    return out, None


def prefix_list_hint(exp, act):
    """For a differing top-level prefix list: what is missing / extra."""
    def keys(lst, parse):
        return {(parse(n.get("prefix")), n.get("afi"), n.get("safi"), n.get("path_id"))
                for n in lst if isinstance(n, dict)}
    e = keys(exp, lambda p: p.key())
    a = keys(act if isinstance(act, list) else [], lambda p: Pfx.parse(p) if isinstance(p, str) else p)
    e = {(k[0], k[1], k[2], None if k[3] is ABSENT else k[3]) for k in e}
    if e == a:
        return "same prefixes, different order or duplicates"
    fmt = lambda s: sorted(("%s/%d" % k[0] if k[0] else "?") + (" id %s" % k[3] if k[3] is not None else "")
                           for k in s)
    return "missing %s, unexpected %s" % (fmt(e - a), fmt(a - e))


def check_message(top, attrs, got):
    """Return a list of (field, source, expected, actual) mismatches."""
    if not isinstance(got, dict):
        return [("<json>", "scapy", "a JSON object", got)]
    if "__invalid_json__" in got:
        return [("<json>", "scapy", "a JSON object", got["__invalid_json__"])]
    out = []
    diffs = []
    # Never an End-of-RIB, never an AS4_PATH: both must be null or absent.
    compare({"type": top["type"], "length": top["length"], "error": top["error"],
             "end_of_rib": ABSENT, "as_path_effective": ABSENT}, got, "", diffs)
    if got.get("errors") not in (None, []):
        diffs.append(("errors", [], got.get("errors")))
    for key in ("withdrawn", "nlri"):
        d = []
        compare(top[key], got.get(key, "<missing>"), key, d)
        if d:
            diffs.append((key + " (" + prefix_list_hint(top[key], got.get(key)) + ")",
                          top[key], got.get(key, "<missing>")))
    out += [(p, "scapy", e, a) for p, e, a in diffs]

    got_attrs = got.get("attributes")
    if not isinstance(got_attrs, list) or len(got_attrs) != len(attrs):
        out.append(("attributes", "scapy", [a["type_code"] for a, _ in attrs],
                    [a.get("type_code") for a in got_attrs if isinstance(a, dict)]
                    if isinstance(got_attrs, list) else got_attrs))
        return out
    for i, ((exp, source), act) in enumerate(zip(attrs, got_attrs)):
        common = {k: exp[k] for k in ("type_code", "flags", "length", "raw", "name") if k in exp}
        fields = {k: v for k, v in exp.items() if k not in common}
        label = "attributes[%d](%s)" % (i, exp.get("name", exp["type_code"]))
        d = []
        if isinstance(act, dict) and isinstance(act.get("raw"), str):
            act = dict(act, raw=act["raw"].lower())
        compare(common, act, label, d)
        out += [(p, "scapy", e, a) for p, e, a in d]
        d = []
        compare(fields, act, label, d)
        out += [(p, source, e, a) for p, e, a in d]
        for flag in ("discarded", "malformed"):
            if isinstance(act, dict) and act.get(flag):
                out.append(("%s.%s" % (label, flag), "scapy", False, act[flag]))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--catsctl", required=True, help="path to the catsctl binary")
    ap.add_argument("--count", type=int, default=300, help="number of UPDATE messages")
    ap.add_argument("--seed", type=int, default=1, help="RNG seed (reproducible runs)")
    ap.add_argument("--max-diags", type=int, default=200,
                    help="stop printing mismatch lines after this many (counting goes on)")
    ap.add_argument("--keep-dir", help="write the per-variant hex files here and keep them")
    args = ap.parse_args()
    if args.count < 1:
        ap.error("--count must be at least 1")

    catsctl = args.catsctl
    if not (os.path.isfile(catsctl) and os.access(catsctl, os.X_OK)):
        print("scapy-crosscheck: ERROR: catsctl not found or not executable: %s" % catsctl)
        print("scapy-crosscheck: 0 passed, %d failed" % args.count)
        return 2

    rng = random.Random(args.seed)
    gen = Generator(rng)
    per_variant = {v.name: [] for v in VARIANTS}  # variant -> [(index, wire, top, attrs)]
    try:
        for i in range(args.count):
            variant = VARIANTS[i % len(VARIANTS)]
            configure_scapy(variant)  # scapy builds AS_PATH with the variant's width
            wire, intent = gen.update(variant)
            try:
                top, attrs = expected_model(wire, variant, intent)
            except HarnessError as exc:
                raise HarnessError("message %d [%s] %s: %s" % (i, variant.name, wire.hex(), exc))
            per_variant[variant.name].append((i, wire, top, attrs))
    except HarnessError as exc:
        print("scapy-crosscheck: HARNESS ERROR (generator and scapy disagree): %s" % exc)
        print("scapy-crosscheck: 0 passed, %d failed" % args.count)
        return 3

    passed = failed = diags = 0
    run_error = False
    if args.keep_dir:
        os.makedirs(args.keep_dir, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="scapy-crosscheck-") as tmpdir:
        tmpdir = args.keep_dir or tmpdir
        for variant in VARIANTS:
            items = per_variant[variant.name]
            if not items:
                continue
            results, err = run_catsctl(catsctl, variant, [w.hex() for _, w, _, _ in items], tmpdir)
            if err:
                print("scapy-crosscheck: ERROR [%s]: %s" % (variant.name, err))
                failed += len(items)
                run_error = True
                continue
            for (i, wire, top, attrs), got in zip(items, results):
                problems = check_message(top, attrs, got)
                if not problems:
                    passed += 1
                    continue
                failed += 1
                if diags < args.max_diags:
                    print("MISMATCH message %d [%s] hex %s" % (i, variant.name, wire.hex()))
                for field, source, exp, act in problems:
                    diags += 1
                    if diags <= args.max_diags:
                        print("  message %d field %s: %s=%s catsctl=%s"
                              % (i, field, source, show(exp), show(act)))
    if diags > args.max_diags:
        print("(%d more mismatch lines not shown)" % (diags - args.max_diags))
    print("scapy-crosscheck: %d passed, %d failed" % (passed, failed))
    if run_error:
        return 2
    return 0 if failed == 0 and passed == args.count else 1


if __name__ == "__main__":
    sys.exit(main())
