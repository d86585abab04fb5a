"""A 100 MB scan is read with the GIL released: another Python thread keeps running meanwhile."""

from __future__ import annotations

import pathlib
import threading
import time

import conmon

HOST = """<ReportHost name="{ip}"><HostProperties>
<tag name="HOST_START_TIMESTAMP">1770645600</tag><tag name="HOST_END_TIMESTAMP">1770647400</tag>
<tag name="host-ip">{ip}</tag><tag name="Credentialed_Scan">true</tag></HostProperties>
<ReportItem port="443" svc_name="www" protocol="tcp" severity="3" pluginID="190854" pluginName="OpenSSL 3.0.x &lt; 3.0.13 Multiple Vulnerabilities" pluginFamily="Web Servers">
<cve>CVE-2024-0727</cve><cvss3_base_score>8.1</cvss3_base_score>
<description>{filler}</description><solution>Upgrade to OpenSSL 3.0.13 or later.</solution>
</ReportItem>
<ReportItem port="443" svc_name="www" protocol="tcp" severity="2" pluginID="57582" pluginName="SSL Self-Signed Certificate" pluginFamily="General">
<cvss3_base_score>6.5</cvss3_base_score><description>{filler}</description>
</ReportItem>
</ReportHost>
"""


def write_scan(path: pathlib.Path, megabytes: int) -> None:
    filler = "The version of OpenSSL installed on the remote host is older than 3.0.13. " * 20
    with path.open("w") as f:
        f.write('<?xml version="1.0" ?>\n<NessusClientData_v2><Report name="big">\n')
        written = 0
        n = 0
        while written < megabytes * 1_000_000:
            block = HOST.format(ip=f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}", filler=filler)
            f.write(block)
            written += len(block)
            n += 1
        f.write("</Report></NessusClientData_v2>\n")


def test_a_100_mb_scan_is_read_with_the_gil_released(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "big.nessus"
    write_scan(path, 100)
    assert path.stat().st_size >= 100_000_000
    result: list[conmon.ScanSet] = []
    reader = threading.Thread(target=lambda: result.append(conmon.read_scans(path)))
    ticks = 0
    start = time.perf_counter()
    reader.start()
    while reader.is_alive():
        ticks += 1
        time.sleep(0.001)
    elapsed = time.perf_counter() - start
    reader.join()
    assert len(result[0]) > 40_000
    # With the GIL held for the whole read, this thread could not have run at all: it ran about
    # once per millisecond of the read instead.
    assert elapsed > 0.05
    assert ticks > 0.3 * elapsed * 1000, f"{ticks} ticks in {elapsed:.2f} s"
