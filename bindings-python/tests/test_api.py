"""The Python API over the bundled sample package: scans, policies, POA&M formats, reconcile,
clocks, validation, calendar, the monthly job, errors."""

from __future__ import annotations

import datetime as dt
import json
import pathlib
import threading

import pytest

import conmon


def test_read_scans_walks_directories_in_the_cores_order(fixtures: pathlib.Path, tmp_path: pathlib.Path) -> None:
    # The same tree and order as the core's test (tests/ingest_formats.rs): recursive, hidden
    # entries skipped, sorted by path component by component (`a/...` before `a.json`).
    root = tmp_path / "2026-03"
    tree = {
        "z-containers.json": "ingest/trivy-image.json",
        "a/os.nessus": "nessus/two-hosts.nessus",
        "a.json": "ingest/grype.json",
        "a/web/code.sarif": "ingest/code.sarif",
        ".git/objects/asff.json": "ingest/asff.json",
    }
    for to, source in tree.items():
        (root / to).parent.mkdir(parents=True, exist_ok=True)
        (root / to).write_bytes((fixtures / source).read_bytes())
    (root / ".DS_Store").write_bytes(b"\0\0\0\x01Bud1")
    files = conmon.read_scans(root).context()["files"]
    assert [pathlib.Path(f["file"]).relative_to(root).as_posix() for f in files] == [
        "a/os.nessus",
        "a/web/code.sarif",
        "a.json",
        "z-containers.json",
    ]
    assert [f["source_format"] for f in files] == ["nessus", "sarif", "grype", "trivy"]
    (tmp_path / "empty" / ".hidden").mkdir(parents=True)
    with pytest.raises(conmon.ConmonError) as e:
        conmon.read_scans(tmp_path / "empty")
    assert e.value.code == "invalid_value" and "no scan file" in str(e.value)


def test_read_scans_from_paths_directories_and_bytes(sample: pathlib.Path) -> None:
    feb = sample / "2026-02" / "os-web-db.nessus"
    by_path = conmon.read_scans(feb)
    by_dir = conmon.read_scans(sample / "2026-02")
    by_bytes = conmon.read_scans(feb.read_bytes(), label="feb.nessus")
    assert len(by_path) == len(by_dir) == len(by_bytes) == 12
    assert by_path.host_count == 4
    both = conmon.read_scans([feb, sample / "2026-03" / "os-web-db.nessus"])
    assert len(both) == 12 + len(conmon.read_scans(sample / "2026-03"))
    f = by_path.findings()[1]
    assert f["scanner"] == "Nessus"
    assert isinstance(f["observed_at"], dt.datetime) and f["observed_at"].tzinfo is not None
    hosts = by_path.hosts()
    assert {h["identifier"] for h in hosts} == {"10.0.1.10", "10.0.1.11", "10.0.1.20", "10.0.1.30"}
    assert all(h["credentialed"] for h in hosts)
    assert repr(by_path) == "ScanSet(12 findings, 4 hosts, 1 files)"


def test_policies(sample: pathlib.Path) -> None:
    p = conmon.Policy.preset("fedramp_rev5")
    assert p.name == "fedramp_rev5"
    assert p.to_dict()["rev5_sla_days"] == {"high": 30, "moderate": 90, "low": 180}
    f = conmon.Policy.from_file(sample / "policy.toml")
    assert f.to_dict()["deliverable_day_of_month"] == 13
    assert f.to_dict()["authorization_date"] == dt.date(2025, 6, 15)
    d = conmon.Policy.from_dict({"preset": "fedramp_rev5", "due_soon_days": 14})
    assert d.to_dict()["due_soon_days"] == 14
    assert "fedramp_vdr_high" in conmon.presets()
    with pytest.raises(conmon.ConfigError) as e:
        conmon.Policy.from_dict({"preset": "fedramp_rev5", "due_soon_dayz": 14})
    assert e.value.code == "config_error"
    assert "due_soon_dayz" in str(e.value)
    # A policy given by name or path is told apart by the engine: a mistyped file name is a
    # missing file, not an unknown preset.
    assert conmon.clocks([], as_of="2026-03-13", policy=sample / "policy.toml") == []
    with pytest.raises(FileNotFoundError) as missing:
        conmon.clocks([], as_of="2026-03-13", policy=str(sample / "policy.tml"))
    assert getattr(missing.value, "code") == "io_error" and "policy.tml" in str(missing.value)


def test_reconcile_keeps_ids_and_dates_month_over_month(sample: pathlib.Path) -> None:
    feb = conmon.reconcile(None, conmon.read_scans(sample / "2026-02"), as_of=dt.date(2026, 2, 13), kev=sample / "kev.json")
    assert feb.poam.counts == (5, 0, 0)
    assert [c["kind"] for c in feb.changes].count("new") == 5
    mar = conmon.reconcile(
        feb.poam,
        conmon.read_scans(sample / "2026-03"),
        as_of="2026-03-13",
        deviations=sample / "deviations.json",
        kev=sample / "kev.json",
        policy=sample / "policy.toml",
        with_placements=True,
    )
    items = {i["poam_id"]: i for i in mar.poam.items()}
    assert items["V-1"]["original_detection_date"] == dt.date(2026, 2, 9)
    assert items["V-4"]["sheet"] == "closed"
    assert items["V-3"]["risk_adjustment"] == "yes"
    assert {n["asset"] for n in mar.not_observed} == {"10.0.1.30"}
    assert mar.placements is not None and len(mar.placements) == len(conmon.read_scans(sample / "2026-03"))


def test_poam_formats_round_trip(tmp_path: pathlib.Path, sample: pathlib.Path) -> None:
    poam = conmon.reconcile(None, conmon.read_scans(sample / "2026-02"), as_of="2026-02-13").poam
    for ext in ["json", "xlsx", "csv"]:
        path = tmp_path / f"poam.{ext}"
        poam.write(path)
        back = conmon.Poam.read(path)
        assert [i["poam_id"] for i in back.items("open")] == [i["poam_id"] for i in poam.items("open")]
        if ext == "json":
            assert back.import_report is None
            assert back.to_dict() == poam.to_dict()
        else:
            assert back.import_report is not None and back.import_report["problems"] == []
    poam.write_oscal(tmp_path / "oscal.json")
    oscal = json.loads((tmp_path / "oscal.json").read_text())
    assert len(oscal["plan-of-action-and-milestones"]["poam-items"]) == 5
    # Deadlines (policy `oscal_deadline`), system-id and import-ssp, as the core writes them.
    def risk_of(doc: dict, poam_id: str) -> dict:
        p = doc["plan-of-action-and-milestones"]
        item = next(i for i in p["poam-items"] if i["props"][0]["value"] == poam_id)
        return next(r for r in p["risks"] if r["uuid"] == item["related-risks"][0]["risk-uuid"])

    assert risk_of(oscal, "V-1")["deadline"] == "2026-03-10T23:59:59Z"  # due 2026-03-11
    midnight = poam.to_oscal(policy={"oscal_deadline": "due_date_midnight"}, fedramp_id="F1234567890", ssp="ssp.xml")
    assert risk_of(midnight, "V-1")["deadline"] == "2026-03-11T00:00:00Z"
    p = midnight["plan-of-action-and-milestones"]
    assert p["system-id"]["id"] == "F1234567890"
    ssp = next(r for r in p["back-matter"]["resources"] if "#" + r["uuid"] == p["import-ssp"]["href"])
    assert ssp["rlinks"] == [{"href": "ssp.xml", "media-type": "text/xml"}]
    poam.write_oscal(tmp_path / "oscal-midnight.json", policy={"oscal_deadline": "due_date_midnight"}, fedramp_id="F1234567890", ssp="ssp.xml")
    assert json.loads((tmp_path / "oscal-midnight.json").read_text()) == midnight
    with pytest.raises(conmon.ConfigError):
        poam.to_oscal(policy={"oscal_deadline": "noon"})
    with pytest.raises(conmon.UnsupportedFormatError):
        poam.write(tmp_path / "poam.docx")
    # A failed write never replaces the previous file.
    assert (tmp_path / "poam.json").read_text().startswith("{")


def test_clocks_and_late_items(sample: pathlib.Path) -> None:
    poam = conmon.reconcile(None, conmon.read_scans(sample / "2026-02"), as_of="2026-02-13", kev=sample / "kev.json").poam
    clocks = {c["poam_id"]: c for c in conmon.clocks(poam, as_of=dt.date(2026, 3, 13))}
    assert clocks["V-1"]["due_date"] == dt.date(2026, 3, 11)
    assert clocks["V-1"]["days_late"] == 2
    assert clocks["V-5"]["rule"] == "kev.earliest"
    assert any(s["rule"] == "rev5.sla.high" for s in clocks["V-1"]["explanation"])
    # Without explanations: the same clocks, explanation empty.
    quiet = {c["poam_id"]: c for c in conmon.clocks(poam, as_of=dt.date(2026, 3, 13), explain=False)}
    assert quiet.keys() == clocks.keys()
    for poam_id, c in clocks.items():
        assert c["explanation"] and quiet[poam_id]["explanation"] == []
        assert {**c, "explanation": []} == quiet[poam_id]
    items = [{"poam_id": "X-1", "original_detection_date": dt.date(2026, 1, 10), "original_risk_rating": "high"}]
    assert conmon.clocks(items, as_of="2026-02-15")[0]["days_late"] == 6


def test_validation_calendar_and_monthly_job(tmp_path: pathlib.Path, sample: pathlib.Path) -> None:
    feb = conmon.run_monthly(
        scans=conmon.read_scans(sample / "2026-02"),
        as_of=dt.date(2026, 2, 13),
        inventory=sample / "inventory.json",
        deviations=sample / "deviations.json",
        kev=sample / "kev.json",
        policy=sample / "policy.toml",
    )
    written = feb.write(tmp_path / "feb")
    assert {p.name for p in written} >= {"poam.xlsx", "poam.json", "poam.csv", "oscal-poam.json", "changes.json", "validation.json", "report.html", "history.json"}
    feb.write(tmp_path / "feb-ssp", fedramp_id="F1234567890", ssp="../ssp.json")
    with_ssp = json.loads((tmp_path / "feb-ssp" / "oscal-poam.json").read_text())["plan-of-action-and-milestones"]
    assert with_ssp["system-id"]["id"] == "F1234567890"
    assert with_ssp["back-matter"]["resources"][0]["rlinks"] == [{"href": "../ssp.json", "media-type": "application/json"}]
    mar = conmon.run_monthly(
        scans=conmon.read_scans(sample / "2026-03"),
        previous=conmon.Poam.read(tmp_path / "feb" / "poam.json"),
        history=tmp_path / "feb" / "history.json",
        as_of="2026-03-13",
        inventory=sample / "inventory.json",
        deviations=sample / "deviations.json",
        kev=sample / "kev.json",
        significant_changes=sample / "significant-changes.json",
        policy=sample / "policy.toml",
    )
    v = mar.validation
    assert v["valid"] is False
    codes = {d["code"] for d in v["diagnostics"]}
    assert "inventory.not_credentialed" in codes
    tripped = {t["code"] for t in v["triggers"] if t["tripped"]}
    assert tripped == {"unauthenticated_scans"}
    assert v["calendar"]["earliest_meeting"] == dt.date(2026, 3, 20)
    assert len(mar.history) == 2
    assert [c["poam_id"] for c in mar.late_items()] == ["V-1", "V-5"]
    assert "Past-due POA&amp;M items" in mar.report_html
    # validate() on its own, with a previous POA&M whose K differs.
    prev = mar.poam.to_dict()
    prev["open"][0]["original_detection_date"] = dt.date(2026, 1, 1)
    report = conmon.validate(mar.poam, previous=conmon.Poam.from_dict(prev), as_of="2026-03-13")
    assert any(d["code"] == "poam.detection_date_changed" for d in report["diagnostics"])
    cal = conmon.calendar(as_of="2026-03-17", policy={"preset": "fedramp_rev5", "deliverable_day_of_month": 13})
    assert cal["due_date"] == dt.date(2026, 3, 13) and cal["on_time"] is False


def test_errors_have_codes_locations_and_python_classes(tmp_path: pathlib.Path) -> None:
    with pytest.raises(FileNotFoundError):
        conmon.read_scans(tmp_path / "missing.nessus")
    with pytest.raises(conmon.ParseError) as e:
        conmon.read_scans(b"<NessusClientData_v2><Report><ReportHost name='h'>", label="cut.nessus")
    assert e.value.code == "parse_error"
    assert e.value.location["file"] == "cut.nessus"
    assert isinstance(e.value, conmon.ConmonError)
    bad = tmp_path / "bad.json"
    bad.write_text('{"open": [{"poam_id": "V-1", "original_detection_date": "2026-02-30", "original_risk_rating": "high"}]}')
    with pytest.raises(conmon.ConmonError) as e2:
        conmon.Poam.read(bad)
    assert e2.value.location["field"] == "open[0].original_detection_date"
    with pytest.raises(ValueError, match="time zone"):
        conmon.clocks([{"poam_id": "X", "original_detection_date": "2026-01-01", "original_risk_rating": "low"}], as_of=dt.datetime(2026, 2, 1))
    # A Rust panic becomes ConmonError(code="internal_error"), never PanicException.
    with pytest.raises(conmon.ConmonError) as e3:
        conmon._conmon._panic_for_test()
    assert e3.value.code == "internal_error"
    assert set(conmon._conmon.error_codes()) >= {"parse_error", "invalid_value", "io_error"}


def test_pandas_and_arrow(sample: pathlib.Path) -> None:
    pd = pytest.importorskip("pandas")
    pa = pytest.importorskip("pyarrow")
    scans = conmon.read_scans(sample / "2026-02")
    frame = scans.to_pandas()
    assert len(frame) == 12
    assert "asset.identifier" in frame.columns
    back = conmon.ScanSet.from_pandas(frame)
    assert len(back) == 12
    poam = conmon.reconcile(None, back, as_of="2026-02-13").poam
    assert poam.counts[0] == 5
    items = poam.to_pandas()
    assert list(items["poam_id"]) == ["V-1", "V-2", "V-3", "V-4", "V-5"]
    assert isinstance(poam.to_arrow(), pa.Table)
    assert isinstance(scans.to_arrow(), pa.Table)
    assert isinstance(frame, pd.DataFrame)


def test_missing_pandas_says_what_to_install(monkeypatch: pytest.MonkeyPatch, sample: pathlib.Path) -> None:
    import builtins

    real = builtins.__import__

    def fake(name: str, *args: object, **kwargs: object) -> object:
        if name == "pandas":
            raise ImportError("no pandas")
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake)
    with pytest.raises(ImportError, match="pip install pandas"):
        conmon.read_scans(sample / "2026-02").to_pandas()


def test_handles_are_immutable_and_shareable_across_threads(sample: pathlib.Path) -> None:
    scans = conmon.read_scans(sample / "2026-02")
    with pytest.raises(AttributeError):
        scans._h.foo = 1  # type: ignore[attr-defined]
    results: list[int] = []

    def work() -> None:
        results.append(conmon.reconcile(None, scans, as_of="2026-02-13").poam.counts[0])

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [5, 5, 5, 5]


def test_deviation_request_form(fixtures: pathlib.Path, sample: pathlib.Path, tmp_path: pathlib.Path) -> None:
    # FedRAMP's deviation request form reads as the register the core reads (parity).
    form = fixtures / "deviations" / "dr-form.xlsx"
    expected = json.loads((fixtures / "deviations" / "dr-form.expected.json").read_text())
    got = conmon.read_deviations(form)
    assert [d["id"] for d in got] == ["DR-2026-001", "DR-2026-002", "DR-2026-003"]
    assert got[0]["decided"] == dt.date(2026, 3, 2)
    assert json.loads(json.dumps(got, default=str)) == expected
    # As the monthly job's register: the approved risk adjustment of V-3 applies in March.
    feb = conmon.run_monthly(scans=conmon.read_scans(sample / "2026-02"), as_of="2026-02-13", deviations=form)
    feb.write(tmp_path / "feb")
    mar = conmon.run_monthly(
        scans=conmon.read_scans(sample / "2026-03"),
        previous=conmon.Poam.read(tmp_path / "feb" / "poam.json"),
        as_of="2026-03-13",
        deviations=form,
    )
    items = {i["poam_id"]: i for i in mar.poam.items()}
    assert items["V-3"]["risk_adjustment"] == "yes"
    assert items["V-3"]["adjusted_risk_rating"] == "low"
    assert items["V-2"]["operational_requirement"] == "pending"


def _evening_scan(tags: str) -> bytes:
    return (
        '<?xml version="1.0" ?>\n<NessusClientData_v2><Report name="tz"><ReportHost name="10.0.0.5"><HostProperties>'
        f'{tags}<tag name="Credentialed_Scan">true</tag></HostProperties>'
        '<ReportItem port="443" svc_name="www" protocol="tcp" severity="3" pluginID="190854" pluginName="OpenSSL" '
        'pluginFamily="General"><risk_factor>High</risk_factor><cvss3_base_score>8.1</cvss3_base_score></ReportItem>'
        "</ReportHost></Report></NessusClientData_v2>\n"
    ).encode()


def test_time_zone_dates_scans_in_the_policys_zone() -> None:
    # 1770688800 = 2026-02-10T02:00:00Z = 21:00 on 9 February in New York.
    scans = conmon.read_scans(_evening_scan('<tag name="HOST_END_TIMESTAMP">1770688800</tag>'), label="evening.nessus")
    assert "zoneless_times" not in scans.findings()[0]
    ny = conmon.Policy.from_dict({"preset": "fedramp_rev5", "time_zone": "America/New_York"})
    assert ny.to_dict()["time_zone"] == "America/New_York"
    dates = lambda r: [(i["original_detection_date"], i["scheduled_completion_date"]) for i in r.poam.items()]  # noqa: E731
    assert dates(conmon.reconcile(None, scans, as_of="2026-02-12")) == [(dt.date(2026, 2, 10), dt.date(2026, 3, 12))]
    assert dates(conmon.reconcile(None, scans, as_of="2026-02-12", policy=ny)) == [(dt.date(2026, 2, 9), dt.date(2026, 3, 11))]
    # Wall-clock text with no zone keeps its own date.
    text = conmon.read_scans(_evening_scan('<tag name="HOST_END">Tue Feb 10 02:00:00 2026</tag>'), label="text.nessus")
    assert text.findings()[0]["zoneless_times"] is True
    assert text.hosts()[0]["zoneless_times"] is True
    assert dates(conmon.reconcile(None, text, as_of="2026-02-12", policy=ny)) == [(dt.date(2026, 2, 10), dt.date(2026, 3, 12))]
    with pytest.raises(conmon.ConfigError) as e:
        conmon.Policy.from_dict({"time_zone": "Mars/Olympus"})
    assert "`Mars/Olympus` is not a time zone" in str(e.value)
    assert e.value.location["field"] == "time_zone"


def test_late_items_follow_the_runs_policy(sample: pathlib.Path, tmp_path: pathlib.Path) -> None:
    # The same months and agreement as the core's test (tests/triggers.rs): 7/20/30 days make
    # the Moderate V-2 (due 2026-03-01) and the Low V-3 (due 2026-03-11) late too.
    strict = {"preset": "fedramp_rev5", "rev5_sla_days": {"high": 7, "moderate": 20, "low": 30}}
    common = dict(deviations=sample / "deviations.json", kev=sample / "kev.json", policy=strict)
    conmon.run_monthly(scans=conmon.read_scans(sample / "2026-02"), as_of="2026-02-13", **common).write(tmp_path)
    mar = conmon.run_monthly(
        scans=conmon.read_scans(sample / "2026-03"),
        previous=conmon.Poam.read(tmp_path / "poam.json"),
        history=tmp_path / "history.json",
        as_of="2026-03-13",
        **common,
    )
    late = mar.late_items()
    assert [c["poam_id"] for c in late] == ["V-1", "V-2", "V-3", "V-5"]
    assert [(c["due_date"], c["days_late"]) for c in late[1:3]] == [(dt.date(2026, 3, 1), 12), (dt.date(2026, 3, 11), 2)]
    assert all(c["explanation"] for c in late)
    assert mar.history[-1]["late_items"] == 4
    assert [c["poam_id"] for c in mar.late_items(policy="fedramp_rev5")] == ["V-1", "V-5"]


def test_vdr_items_without_evaluation_facts(sample: pathlib.Path) -> None:
    # Scans give no VDR evaluation: each new item is named by validation, and asking for its
    # clock says what is missing instead of answering with Rev5's.
    feb = conmon.run_monthly(scans=conmon.read_scans(sample / "2026-02"), as_of="2026-02-13", policy="fedramp_vdr_high")
    named = [d["poam_id"] for d in feb.validation["diagnostics"] if d["code"] == "vdr.facts_missing"]
    assert named == [i["poam_id"] for i in feb.poam.items("open")] and len(named) == 5
    with pytest.raises(conmon.MissingFieldError) as e:
        feb.late_items()
    assert e.value.code == "missing_field" and "vdr" in str(e.value)
