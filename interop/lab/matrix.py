#!/usr/bin/python3
"""Renders the interop matrix (docs/INTEROP.md) from a lab run's --matrix-json file.

    /usr/bin/python3 interop/lab/lab.py --catsd BIN --catsctl BIN --matrix-json /tmp/matrix.json
    /usr/bin/python3 interop/lab/matrix.py /tmp/matrix.json > docs/INTEROP.md

Each cell is peer x feature: `pass` when every scenario mapped to it (SCENARIOS below) ran and
passed, `FAIL` when one of them failed, `n/a` with the reason (NOT_APPLICABLE) when no scenario
covers it, `not run` when its scenarios exist but were not in the run. Robustness scenarios
(`robust_*_<peer>`, robustness.py) map to the robustness column generically. Standard library only.
"""
import json
import re
import sys

PEERS = ["frr", "bird", "gobgp", "exabgp", "openbgpd"]
PEER_NAMES = {"frr": "FRR", "bird": "BIRD", "gobgp": "GoBGP", "exabgp": "ExaBGP", "openbgpd": "OpenBGPD"}

FEATURES = [
    ("v4_transport", "session over IPv4 transport"),
    ("v6_transport", "session over IPv6 transport"),
    ("as4", "2/4-octet AS (catsd AS 4200000001, peer AS 65002; with ExaBGP also as an OLD speaker: AS4_PATH)"),
    ("hold", "hold time negotiation (min of both)"),
    ("v4_unicast", "IPv4 unicast routes both ways"),
    ("v6_unicast", "IPv6 unicast routes both ways"),
    ("addpath", "ADD-PATH (peer tx -> catsd rx / catsd tx -> peer rx)"),
    ("rr", "RR pass-through (iBGP, CATS bytes unchanged)"),
    ("ebgp_transit", "eBGP transit (CATS bytes unchanged)"),
    ("gr", "graceful restart (catsd as helper)"),
    ("md5", "TCP MD5"),
    ("route_refresh", "route refresh both ways"),
    ("cats_visible", "CATS attribute visible at the peer (how)"),
    ("errors", "errors / RFC 7606 treat-as-withdraw"),
    ("unsupported_cap", "unsupported capability 2/7 (RFC 5492) both ways"),
    ("wrong_as", "wrong AS (2/2) both ways"),
    ("active_passive", "catsd active and passive"),
    ("robustness", "robustness (robust_* scenarios)"),
]

SESSIONS = ["v4_transport", "v6_transport", "as4", "hold", "v4_unicast", "v6_unicast"]

# scenario -> [(peer, [features])]; cats_visible may carry "how" after a colon.
SCENARIOS = {}
for _p in PEERS:
    SCENARIOS[f"sessions_{_p}"] = [(_p, SESSIONS)]
    SCENARIOS[f"active_passive_{_p}"] = [(_p, ["active_passive", "v4_transport"])]
SCENARIOS["sessions_exabgp_as2"] = [("exabgp", ["as4"])]
for _p in ("frr", "bird", "gobgp", "openbgpd"):
    SCENARIOS[f"cats_via_{_p}"] = [(_p, ["rr", "addpath", "v4_unicast"])]
    if _p != "openbgpd":
        SCENARIOS[f"cats_via_v6_{_p}"] = [(_p, ["rr", "addpath", "v6_unicast", "v6_transport"])]
    SCENARIOS[f"cats_via_ebgp_{_p}"] = [(_p, ["ebgp_transit", "v4_unicast"])]
    SCENARIOS[f"addpath_to_{_p}"] = [(_p, ["addpath"])]
SCENARIOS["addpath_to_bird"][0][1].append("cats_visible:birdc BGP.ff per ADD-PATH path")
SCENARIOS["addpath_to_gobgp"][0][1].append("cats_visible:gobgp JSON per ADD-PATH path")
SCENARIOS["addpath_to_openbgpd"][0][1].append("cats_visible:bgpctl -j per ADD-PATH path")
for _p in PEERS:
    SCENARIOS[f"md5_{_p}"] = [(_p, ["md5"])]
for _p in ("frr", "bird", "gobgp", "openbgpd"):
    SCENARIOS[f"route_refresh_{_p}"] = [(_p, ["route_refresh"])]
for _p in ("frr", "bird"):
    SCENARIOS[f"unsupported_capability_from_catsd_{_p}"] = [(_p, ["unsupported_cap"])]
    SCENARIOS[f"unsupported_capability_to_catsd_{_p}"] = [(_p, ["unsupported_cap"])]
SCENARIOS["unsupported_capability_from_catsd_openbgpd"] = [("openbgpd", ["unsupported_cap"])]
for _p in ("frr", "bird", "gobgp"):
    SCENARIOS[f"graceful_restart_{_p}"] = [(_p, ["gr"])]
SCENARIOS["wrong_as_bird"] = [("bird", ["wrong_as"])]
SCENARIOS["wrong_as_openbgpd"] = [("openbgpd", ["wrong_as"])]
SCENARIOS["cats_type255_via_openbgpd"] = [("openbgpd", ["ebgp_transit"])]
SCENARIOS["errors_from_exabgp"] = [("exabgp", ["errors"])]
SCENARIOS["cats_seen_by_bird"] = [("bird", ["cats_visible:birdc `BGP.ff [t]`"])]
SCENARIOS["cats_seen_by_gobgp"] = [("gobgp", ["cats_visible:gobgp JSON type 255 (base64)"])]
SCENARIOS["cats_seen_by_frr_bmp"] = [("frr", ["cats_visible:BMP Route Monitoring (bgpd -M bmp)"])]
SCENARIOS["cats_seen_by_openbgpd"] = [("openbgpd", ["cats_visible:`bgpctl -j show rib detail` attribute #255"])]
SCENARIOS["cats_seen_by_exabgp"] = [("exabgp", ["cats_visible:raw UPDATE body (`packets`); parsed JSON fakes Partial"])]

# (peer, feature) -> why no scenario covers it
NOT_APPLICABLE = {
    ("openbgpd", "gr"): "OpenBGPD 7.7 announces graceful restart as a helper only (its capability lists no address "
                        "family, seen in the pcap), so a restarting OpenBGPD has no paths catsd may keep",
    ("exabgp", "gr"): "not covered yet (GR scenarios exist for FRR, BIRD and GoBGP)",
    ("exabgp", "addpath"): "not covered yet (ADD-PATH scenarios use FRR, BIRD, GoBGP and OpenBGPD)",
    ("exabgp", "rr"): "not applicable: ExaBGP does not reflect routes (no RIB)",
    ("exabgp", "ebgp_transit"): "not applicable: ExaBGP does not forward routes",
    ("exabgp", "route_refresh"): "not covered yet (route refresh scenarios exist for FRR, BIRD, GoBGP, OpenBGPD)",
    ("frr", "errors"): "not applicable: only ExaBGP can originate a malformed CATS attribute",
    ("bird", "errors"): "not applicable: only ExaBGP can originate a malformed CATS attribute",
    ("gobgp", "errors"): "not applicable: only ExaBGP can originate a malformed CATS attribute",
    ("openbgpd", "errors"): "not applicable: only ExaBGP can originate a malformed CATS attribute",
    ("gobgp", "unsupported_cap"): "not covered yet (BIRD and FRR cover both directions, OpenBGPD one)",
    ("exabgp", "unsupported_cap"): "not covered yet (BIRD and FRR cover both directions, OpenBGPD one)",
    ("frr", "wrong_as"): "FRR shows neither the NOTIFICATION it received (counted on its doppelganger connection) "
                         "nor the one it sent",
    ("gobgp", "wrong_as"): "not covered yet (BIRD and OpenBGPD cover both directions)",
    ("exabgp", "wrong_as"): "not covered yet (BIRD and OpenBGPD cover both directions)",
}
NOTES = {
    ("openbgpd", "rr"): "with catsd's CATS type set to 245: OpenBGPD 7.7 does not pass type 255 on (findings)",
    ("openbgpd", "ebgp_transit"): "with catsd's CATS type set to 245: OpenBGPD 7.7 does not pass type 255 on "
                                  "(`cats_type255_via_openbgpd`, findings)",
    ("openbgpd", "unsupported_cap"): "catsd -> OpenBGPD only (CATS required; no address family in common): OpenBGPD "
                                     "7.7 has no `enforce` option to make it send 2/7. After a 2/7 it retries without "
                                     "capabilities / without MP (RFC 5492 §3 allows it)",
    ("exabgp", "active_passive"): "passive only: ExaBGP never listens, so catsd must be passive",
    ("frr", "route_refresh"): "catsd advertises graceful restart here: FRR 8.4 ignores ROUTE-REFRESH from a non-GR peer",
    ("gobgp", "route_refresh"): "catsd -> GoBGP only: GoBGP has no command that sends a ROUTE-REFRESH",
    ("openbgpd", "route_refresh"): "OpenBGPD -> catsd asserted; OpenBGPD 7.7 ignores every IPv4 ROUTE-REFRESH "
                                    "(catsd's and FRR's alike, see findings), reported only",
}


def features_of(name):
    """[(peer, feature, how)] for a scenario name; robust_*_<peer> -> robustness."""
    out = []
    m = re.match(r"robust_.*_([a-z]+)$", name)
    if m and m.group(1) in PEERS:
        return [(m.group(1), "robustness", None)]
    for peer, feats in SCENARIOS.get(name, []):
        for f in feats:
            key, _, how = f.partition(":")
            out.append((peer, key, how or None))
    return out


def cells(records):
    """(peer, feature) -> {"passed": [...], "failed": [...], "how": set()}."""
    out = {}
    for r in records:
        for peer, feat, how in features_of(r["name"]):
            c = out.setdefault((peer, feat), {"passed": [], "failed": [], "how": set()})
            (c["passed"] if r["passed"] else c["failed"]).append(r["name"])
            if how:
                c["how"].add(how)
    return out


def known(peer, feat):
    """Scenario names (from the table) that would cover (peer, feature)."""
    return [n for n in SCENARIOS if any(p == peer and f.partition(":")[0] == feat for p, fs in SCENARIOS[n] for f in fs)]


def cell_text(c, peer, feat, foot):
    note = NOTES.get((peer, feat))
    if c:
        if c["failed"]:
            txt = "**FAIL** (" + ", ".join(f"`{n}`" for n in c["failed"]) + ")"
        else:
            txt = "pass"
            if c["how"]:
                txt += " (" + "; ".join(sorted(c["how"])) + ")"
        if note:
            txt += f" [{footnote(foot, note)}]"
        return txt
    if known(peer, feat) or (feat == "robustness"):
        if feat == "robustness":
            return "n/a (no robust_* scenario for this peer in the run)"
        return "not run"
    return f"n/a [{footnote(foot, NOT_APPLICABLE.get((peer, feat)) or 'not covered')}]"


def footnote(foot, text):
    """Number of the footnote with this text (identical reasons share one)."""
    if text not in foot:
        foot.append(text)
    return foot.index(text) + 1


FINDINGS = """\
* **FRR 8.4 ignores ROUTE-REFRESH from a peer that did not advertise graceful restart.** It logs `rcvd
  route-refresh (REQUEST) for IPv4/unicast before EoR` and sends nothing, because it sends End-of-RIB only to
  GR-capable peers. Looks like an FRR bug; `route_refresh_frr` enables graceful restart on catsd's side.
* **FRR shows no unknown path attribute in its CLI or JSON.** The CATS attribute is visible on FRR only on the
  wire or through BMP: `cats_seen_by_frr_bmp` runs `bgpd -M bmp` and a standard-library BMP station; both the
  pre-policy (with `soft-reconfiguration inbound`) and post-policy Route Monitoring carry catsd's bytes.
* **FRR's BMP pre-policy Route Monitoring reports the CATS attribute with Partial set (0xE0) although catsd sent
  0xC0** (checked in the pcap): FRR sets Partial when it stores the attribute, and pre-policy shows the stored
  copy, not the received one.
* **Partial bit when passing CATS on:** FRR and BIRD set it (RFC 4271 §5), GoBGP does not (arguably a GoBGP bug).
  catsd matches CATS on type + flags and ignores Partial.
* ExaBGP's parsed JSON reports the CATS attribute as `attribute-0xFF-0xE0` (Partial set) although the wire has
  `0xC0`; use its raw `packets` output for flags.
* ExaBGP never listens. A catsd neighbor that also connects does not come up with it: catsd's connect is refused,
  catsd goes Connect -> Idle (RFC 4271 §8.2.2) and refuses ExaBGP's incoming connection while Idle. The lab makes
  catsd `passive` towards ExaBGP (`active_passive_exabgp` is catsd-passive only).
* BIRD keeps a third-party next hop over eBGP on a shared subnet (the edge's address); FRR and GoBGP set their own.
  Both are RFC-conformant.
* BIRD 2.0.12 names NOTIFICATION 2/7 "Required capability missing" and logs its data (`ef0101` = catsd's CATS
  capability, code 239, version 1); `require roles` makes BIRD send 2/11 (Role Mismatch), not 2/7; it sends 2/7
  when a channel marked `mandatory` is not negotiated. BIRD 2.0.12 has no `require hostname` / `require route
  refresh` options and no BMP.
* FRR records a NOTIFICATION (`lastErrorCodeSubcode`, `lastNotificationReason` in `show bgp neighbors json`) only
  on its own connection, not on the doppelganger it accepts during a connection collision; the
  unsupported-capability scenarios make catsd passive towards FRR. FRR logs NOTIFICATIONs only with `bgp
  log-neighbor-changes` (off in `frr defaults traditional`).
* GoBGP takes about 4 s to open its first connection to a passive catsd even with `connect-retry = 1`.
* **OpenBGPD 7.7 does not pass on an unknown optional transitive attribute of type 255** (catsd's default CATS
  type code): it stores it (`bgpctl -j show rib detail` shows `Unknown Attribute #255` with the bytes) but the
  UPDATE it sends on has ORIGIN, AS_PATH and NEXT_HOP only. The same attribute with type 245 is passed on, Partial
  set (`0xe0`). RFC 4271 §5 wants unrecognised optional transitive attributes passed on; 255 is "reserved for
  development" (RFC 2042), which does not exempt it. Looks like an OpenBGPD bug (an attribute-type loop that stops
  before 255?). The lab runs catsd with `attribute-type-code 245` in `cats_via_openbgpd` and
  `cats_via_ebgp_openbgpd`; `cats_type255_via_openbgpd` reports the type 255 behaviour. A deployment with OpenBGPD
  in the path must configure a CATS type code other than 255.
* OpenBGPD keeps a third-party next hop over eBGP on a shared subnet (the edge's address), like BIRD.
* **OpenBGPD 7.7 ignores ROUTE-REFRESH for IPv4 unicast**: it logs `neighbor 10.77.0.1: route refresh: AID IPv4
  unicast not negotiated` and re-sends nothing, although `bgpctl show neighbor` lists IPv4 unicast under
  "Negotiated capabilities" (both OPENs carry MP IPv4 unicast). The same happens with FRR 8.4 as the requester,
  so it is not catsd's message (checked on the wire: `00 01 00 01`). Looks like an OpenBGPD bug; the other
  direction (`bgpctl neighbor X refresh` -> catsd re-sends) works. `route_refresh_openbgpd` reports it.
* GoBGP 3.10 has no command that sends a ROUTE-REFRESH (`gobgp neighbor X softresetin` re-applies policy to its
  own Adj-RIB-In); it answers one (catsd's `clear neighbor --soft-in`).
* OpenBGPD never sent End-of-RIB to catsd (no graceful restart on catsd's side), like FRR.
* OpenBGPD reacts to a 2/7 by retrying without the offending capability: for catsd's unknown CATS capability
  (239) in the NOTIFICATION data it logs `disabling capability announcements altogether`; for "no address family
  in common" it logs `disabling multiprotocol capability` and reconnects without MP, which a catsd neighbor
  configured for IPv4 unicast then accepts as a plain RFC 4271 speaker (IPv4 unicast over the IPv6 session).
* OpenBGPD needs `/run/openbgpd` (its engines chroot there; systemd normally creates it).
* FRR logs `Resetting peer (null) due to change in addpath config` once at start-up with `addpath-tx-all-paths`
  (harmless).
* Lab mechanics: tcpdump must run with `--immediate-mode`; without it libpcap delivers packets per buffer block,
  a pcap read mid-scenario misses the last frames and tcpdump drops what is still buffered when it is stopped.
"""


def render(data):
    records = data.get("scenarios", [])
    c = cells(records)
    foot, lines = [], []
    passed = sum(1 for r in records if r["passed"])
    lines.append("# Interop matrix: catsd against FRR, BIRD, GoBGP, ExaBGP and OpenBGPD\n")
    lines.append("Generated by `interop/lab/matrix.py` from a run of the interop lab (`interop/lab/lab.py`, "
                 "see `interop/lab/README.md`). Do not edit by hand; regenerate:\n")
    lines.append("```\n" + data.get("command", "") + "\n/usr/bin/python3 interop/lab/matrix.py "
                 + (sys.argv[1] if len(sys.argv) > 1 else "FILE") + " > docs/INTEROP.md\n```\n")
    lines.append(f"Run: {data.get('date')}, {passed} of {len(records)} scenarios passed, "
                 f"{data.get('wall_seconds', data.get('total_seconds'))} s wall time "
                 f"(sum of scenarios {data.get('total_seconds')} s). catsd: `{data.get('catsd')}`.\n")
    vers = data.get("versions", {})
    lines.append("| peer | version |\n|---|---|")
    for p in PEERS:
        lines.append(f"| {PEER_NAMES[p]} | {vers.get(p, '?')} |")
    if data.get("tcpdump"):
        lines.append(f"| (tcpdump) | {data['tcpdump']} |")
    lines.append("")
    lines.append("## Matrix\n")
    lines.append("`pass`: every scenario mapped to the cell ran and passed (the scenarios are listed below); "
                 "`FAIL`: one failed; `n/a [k]`: no scenario covers it, reason in note k; `not run`: a scenario "
                 "exists but was not in this run.\n")
    lines.append("| feature | " + " | ".join(PEER_NAMES[p] for p in PEERS) + " |")
    lines.append("|---|" + "---|" * len(PEERS))
    for key, title in FEATURES:
        lines.append(f"| {title} | " + " | ".join(cell_text(c.get((p, key)), p, key, foot) for p in PEERS) + " |")
    lines.append("")
    for i, f in enumerate(foot, 1):
        lines.append(f"[{i}] {f}  ")
    lines.append("")
    lines.append("## Scenarios in this run\n")
    lines.append("| scenario | peer(s) | features | result | seconds |\n|---|---|---|---|---|")
    for r in records:
        feats = sorted({f for _, f, _ in features_of(r["name"])})
        res = "pass" if r["passed"] else f"**FAIL**: {str(r.get('error') or '')[:160]}"
        lines.append(f"| `{r['name']}` | {', '.join(r.get('peers', []))} | {', '.join(feats) or '-'} | {res} | "
                     f"{r['seconds']} |")
    unmapped = [r["name"] for r in records if not features_of(r["name"])]
    if unmapped:
        lines.append("\nNot in the feature table (add them to `SCENARIOS` in matrix.py): "
                     + ", ".join(f"`{n}`" for n in unmapped) + "\n")
    lines.append("\n## Reported, not asserted (`results:`)\n")
    for r in records:
        for k, v in (r.get("results") or {}).items():
            lines.append(f"* `{r['name']}`: `{k}` = `{json.dumps(v)}`")
    lines.append("\n## Peer behaviour worth knowing\n")
    lines.append(FINDINGS)
    return "\n".join(lines) + "\n"


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    with open(sys.argv[1]) as f:
        data = json.load(f)
    sys.stdout.write(render(data))
    return 0


if __name__ == "__main__":
    sys.exit(main())
