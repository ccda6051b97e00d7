"""Checks mptcp.lua's text output under a real tracebox against the lab's ground truth.

    python3 lab_check.py GROUND_TRUTH.json OUTDIR [--markdown]

OUTDIR holds one `CLASS-vFAMILY.out` per lab prefix: what
`tracebox -s mptcp.lua HOST 80 ... max-ttl=6` printed for host .1 of that prefix (see
../README.md, "Checked against the lab"), and may hold `trace.json`, what
`mptcpscan trace -f json` said of the same hosts. Prints one row per class x probe version x
family: expected and got for the hops, the first hop that changed MP_CAPABLE and the final
verdict, and whether `mptcpscan trace` reached the same outcome and hop; exits 1 if any row
differs.
"""

import ipaddress
import json
import re
import sys

HOW = {"strip-nop": "replaced-by-nops", "strip-shrink": "removed", "key-rewrite": "key-rewritten"}
FINAL = {"mptcp": "truly-mptcp", "not-mptcp": "not-mptcp", "closed": "closed",
         "silent": "unreachable"}


def expected(prefix, version, max_ttl):
    """(hops {ttl: kind or '*'}, first change or None, final) the ground truth implies."""
    exp = prefix["expect"][f"v{version}"]
    kind = (prefix["middlebox"] or {}).get("kind", prefix["class"])
    changed = exp["modified_at_hop"]
    if changed is not None:
        final = f"middlebox-affected at hop {changed} ({HOW[kind]})"
    elif exp["verdict"] == "mirror":
        final = "mirrored"
    else:
        final = FINAL[exp["verdict"]]
    last = exp["reply_hop"] - 1 if exp["reply_hop"] else max_ttl
    hops = {}
    for ttl in range(1, last + 1):
        if ttl > 3:
            hops[ttl] = "*"  # past the lab's three routers nothing quotes
        elif changed is not None and ttl >= changed:
            hops[ttl] = HOW[kind]
        else:
            hops[ttl] = "intact"
    return hops, changed, final


def parsed(text, label):
    """(hops {ttl: kind or '*'}, first change or None, final) from mptcp.lua's text output."""
    hops, final, inside = {}, None, False
    for line in text.splitlines():
        if not line.startswith(" "):
            inside = line.endswith(" " + label)
            continue
        if not inside:
            continue
        words = line.split()
        if words[0] == "final:":
            final = " ".join(words[1:])
        elif words[0].isdigit() and (len(words) < 3 or words[2] != "reply"):
            hops[int(words[0])] = "*" if words[1] == "*" else re.sub(r"\(.*", "", words[2])
    first = None
    for ttl in sorted(hops):
        if hops[ttl] not in ("intact", "*", "no-information"):
            first = ttl
            break
    return hops, first, final


def traced(outdir):
    """{(address, version): (outcome, modified_at)} from mptcpscan trace's JSON, if any."""
    try:
        lines = open(f"{outdir}/trace.json").read().splitlines()
    except OSError:
        return None
    out = {}
    for line in lines:
        t = json.loads(line)
        out[(ipaddress.ip_address(t["daddr"]), t["probe_version"])] = (t["outcome"],
                                                                        t["modified_at"])
    return out


def main():
    gt = json.load(open(sys.argv[1]))
    outdir = sys.argv[2]
    markdown = "--markdown" in sys.argv[3:]
    trace = traced(outdir)
    rows, bad = [], 0
    for p in gt["prefixes"]:
        for version in (0, 1):
            name = f"{p['class']}-v{p['ip_version']}"
            try:
                text = open(f"{outdir}/{name}.out").read()
            except OSError:
                text = ""
            want = expected(p, version, 6)
            got = parsed(text, f"mptcp-v{version}")
            # What a hop did may carry a detail the ground truth lacks: key-rewritten(15 bits).
            final = re.sub(r"(\(\w[\w-]*)\(.*?\)", r"\1", got[2] or "")
            final_ok = final == want[2]
            ok = want[0] == got[0] and want[1] == got[1] and final_ok
            agrees = "-"
            if trace is not None:
                host = ipaddress.ip_network(p["prefix"]).network_address + 1
                outcome = final.split(" ")[0] if final else None
                agrees = "yes" if trace.get((host, version)) == (outcome, got[1]) else "NO"
                ok = ok and agrees == "yes"
            bad += not ok
            rows.append((p["class"], f"v{version}", f"IPv{p['ip_version']}",
                         " ".join(want[0][t] for t in sorted(want[0])),
                         " ".join(got[0].get(t, "-") for t in sorted(want[0])),
                         str(want[1] or "-"), str(got[1] or "-"), want[2], got[2] or "-",
                         agrees, "ok" if ok else "WRONG"))
    head = ("class", "probe", "family", "hops expected", "hops got", "change exp.", "change got",
            "final expected", "final got", "`mptcpscan trace` agrees", "")
    if markdown:
        print("| " + " | ".join(head) + " |")
        print("|" + "---|" * len(head))
        for r in rows:
            print("| " + " | ".join(r) + " |")
    else:
        for r in rows:
            print("  ".join(r))
    print(f"{len(rows) - bad} of {len(rows)} right")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
