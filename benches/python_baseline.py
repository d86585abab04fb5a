"""The baseline conmon is compared with: what ConMon teams run today, a Python script that parses
the .nessus with ElementTree and builds the POA&M with pandas.

    python benches/python_baseline.py SCAN.nessus [AS_OF]

It does what the conmon run in `benches/scale.rs` does, the usual way: parse the whole document,
collect one row per ReportItem with its host, port and dates, take the host's scan end as the
detection date, rate by the Nessus risk factor, group by plugin ID into one POA&M item per
weakness (assets joined, earliest detection, highest rating), and compute the Rev5 due dates
(30/90/180 days) and lateness. Prints one JSON line: findings, items and seconds.
"""

from __future__ import annotations

import json
import sys
import time
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta

import pandas as pd

SLA_DAYS = {"High": 30, "Moderate": 90, "Low": 180}
RATING = {"Critical": "High", "High": "High", "Medium": "Moderate", "Low": "Low", "None": "Low"}
ORDER = {"Low": 0, "Moderate": 1, "High": 2}


def main() -> None:
    path = sys.argv[1]
    as_of = pd.Timestamp(sys.argv[2] if len(sys.argv) > 2 else "2026-03-13")
    start = time.perf_counter()
    tree = ET.parse(path)
    rows = []
    for host in tree.getroot().iter("ReportHost"):
        props = {t.get("name"): t.text for t in host.find("HostProperties")}
        scanned = datetime.strptime(props.get("HOST_END", "Thu Mar 12 10:14:03 2026"), "%a %b %d %H:%M:%S %Y")
        ip = props.get("host-ip", host.get("name"))
        for item in host.iter("ReportItem"):
            rows.append(
                {
                    "plugin_id": item.get("pluginID"),
                    "name": item.get("pluginName"),
                    "severity": int(item.get("severity", "0")),
                    "risk_factor": item.findtext("risk_factor", "None"),
                    "asset": f"{ip}:{item.get('port')}/{item.get('protocol')}",
                    "cves": ",".join(c.text or "" for c in item.findall("cve")),
                    "description": item.findtext("description", ""),
                    "solution": item.findtext("solution", ""),
                    "plugin_output": item.findtext("plugin_output", ""),
                    "detected": scanned,
                }
            )
    parsed = time.perf_counter()
    df = pd.DataFrame(rows)
    vulns = df[df["severity"] > 0].copy()
    vulns["rating"] = vulns["risk_factor"].map(RATING).fillna("Low")
    vulns["rank"] = vulns["rating"].map(ORDER)
    poam = vulns.groupby("plugin_id", sort=True).agg(
        weakness_name=("name", "first"),
        description=("description", "first"),
        remediation=("solution", "first"),
        assets=("asset", lambda a: "\n".join(sorted(set(a)))),
        cves=("cves", "first"),
        detected=("detected", "min"),
        rank=("rank", "max"),
    )
    poam["rating"] = poam["rank"].map({v: k for k, v in ORDER.items()})
    poam["due"] = poam["detected"].dt.normalize() + poam["rating"].map(SLA_DAYS).map(lambda d: timedelta(days=d))
    poam["late"] = poam["due"] < as_of
    poam.insert(0, "poam_id", [f"V-{i + 1}" for i in range(len(poam))])
    total = time.perf_counter() - start
    print(
        json.dumps(
            {
                "findings": len(df),
                "items": len(poam) + int((df["severity"] == 0).any()),
                "parse_s": round(parsed - start, 3),
                "total_s": round(total, 3),
            }
        )
    )


if __name__ == "__main__":
    main()
