"""conmon: the FedRAMP continuous-monitoring rules engine, from Python.

Every rule lives in the Rust core; this package only exposes it with Python conventions:
snake_case names, ``datetime.date`` / timezone-aware ``datetime.datetime`` values, plain dicts
for records, frozen handles for large values (scan sets, POA&Ms), and one exception base,
:class:`ConmonError`.

The monthly job::

    import datetime, conmon
    result = conmon.run_monthly(
        scans=conmon.read_scans("scans/"),
        previous=conmon.Poam.read("2026-02/poam.json"),
        inventory="iiw.xlsx",
        deviations="deviations.json",
        kev="known_exploited_vulnerabilities.json",
        policy=conmon.Policy.preset("fedramp_rev5"),
        as_of=datetime.date(2026, 3, 13),
    )
    result.write("2026-03/")
    for item in result.late_items():
        print(item["poam_id"], item["due_date"], item["days_late"])
"""

from __future__ import annotations

import datetime as _dt
import json as _json
import os as _os
import pathlib as _pathlib
import re as _re
from typing import Any, Iterable, Mapping, Sequence, Union, cast

from conmon import _conmon
from conmon._conmon import (
    ConfigError,
    ConmonError,
    InvalidValueError,
    LimitExceededError,
    MissingFieldError,
    ParseError,
    UnsupportedFormatError,
    engine_version,
)

__all__ = [
    "ConfigError",
    "ConmonError",
    "InvalidValueError",
    "LimitExceededError",
    "MissingFieldError",
    "MonthlyResult",
    "ParseError",
    "Poam",
    "Policy",
    "Reconciliation",
    "ScanSet",
    "UnsupportedFormatError",
    "__version__",
    "calendar",
    "clocks",
    "engine_version",
    "presets",
    "read_inventory",
    "read_deviations",
    "read_scans",
    "reconcile",
    "run_monthly",
    "validate",
]

__version__: str = engine_version()

PathLike = Union[str, "_os.PathLike[str]"]
DateLike = Union[_dt.date, str]

# ---------------------------------------------------------------------------------------------
# Dates: ISO strings in the engine's JSON become date / datetime objects, by field name.

_DATE_RE = _re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATETIME_RE = _re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
# Keys whose string values are never dates even when they look like one.
_NOT_DATES = {"poam_id", "id", "code", "message", "detail", "text", "rule", "description"}


def _decode(value: Any, key: str = "") -> Any:
    if isinstance(value, dict):
        return {k: _decode(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_decode(v, key) for v in value]
    if isinstance(value, str) and key not in _NOT_DATES:
        if _DATE_RE.match(value):
            return _dt.date.fromisoformat(value)
        if _DATETIME_RE.match(value):
            return _dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    return value


def _loads(text: str) -> Any:
    return _decode(_json.loads(text))


def _dict(text: str) -> dict[str, Any]:
    return cast("dict[str, Any]", _loads(text))


def _list(text: str) -> list[dict[str, Any]]:
    return cast("list[dict[str, Any]]", _loads(text))


def _encode(value: Any) -> Any:
    if isinstance(value, _dt.datetime):
        if value.tzinfo is None:
            raise ValueError(f"datetime {value!r} has no time zone; conmon needs timezone-aware datetimes")
        return value.astimezone(_dt.timezone.utc).isoformat().replace("+00:00", "Z")
    if isinstance(value, _dt.date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): _encode(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_encode(v) for v in value]
    return value


def _dumps(value: Any) -> str:
    return _json.dumps(_encode(value))


def _date_str(value: DateLike) -> str:
    if isinstance(value, _dt.datetime):
        return cast(str, _encode(value))
    if isinstance(value, _dt.date):
        return value.isoformat()
    return str(value)


def _json_input(value: Any) -> str | None:
    """A JSON document from a path (str/PathLike ending in .json), a JSON string, or Python data."""
    if value is None:
        return None
    if isinstance(value, (str, _os.PathLike)) and str(value).endswith(".json") and _pathlib.Path(value).exists():
        return _pathlib.Path(value).read_text(encoding="utf-8")
    if isinstance(value, str):
        return value
    return _dumps(value)


def _optional(module: str, feature: str) -> Any:
    try:
        return __import__(module)
    except ImportError:
        raise ImportError(f"{feature} needs {module}: pip install {module}") from None


# ---------------------------------------------------------------------------------------------
# Scans


class ScanSet:
    """Findings and scan context read from scanner files. Immutable; records stay in Rust until
    asked for (``findings()``, ``hosts()``, ``to_pandas()``)."""

    __slots__ = ("_h",)

    def __init__(self, handle: _conmon.ScanSet) -> None:
        self._h = handle

    def __len__(self) -> int:
        return len(self._h)

    def __repr__(self) -> str:
        return repr(self._h)

    @property
    def host_count(self) -> int:
        """Number of hosts in the scan context."""
        return self._h.host_count

    def findings(self) -> list[dict[str, Any]]:
        """Every normalised finding as a dict (the ``finding`` schema)."""
        return _list(self._h.findings_json())

    def context(self) -> dict[str, Any]:
        """Files read and hosts scanned (credentialed status, scan window)."""
        return _dict(self._h.context_json())

    def hosts(self) -> list[dict[str, Any]]:
        """The hosts of the scan context."""
        return cast("list[dict[str, Any]]", self.context()["hosts"])

    def __add__(self, other: "ScanSet") -> "ScanSet":
        return ScanSet(self._h.merged(other._h))

    def to_pandas(self) -> Any:
        """The findings as a pandas DataFrame (one row per finding; nested fields flattened with
        ``.``, lists kept as lists)."""
        pd = _optional("pandas", "ScanSet.to_pandas()")
        return pd.json_normalize(self.findings())

    def to_arrow(self) -> Any:
        """The findings as a pyarrow Table."""
        pa = _optional("pyarrow", "ScanSet.to_arrow()")
        return pa.Table.from_pylist(self.findings())

    @classmethod
    def from_records(cls, findings: Iterable[Mapping[str, Any]], hosts: Iterable[Mapping[str, Any]] = ()) -> "ScanSet":
        """A scan set from finding dicts (the ``finding`` schema) and optional host dicts."""
        doc = {"findings": list(findings), "context": {"files": [], "hosts": list(hosts)}}
        return cls(_conmon.scan_set_from_json(_dumps(doc)))

    @classmethod
    def from_pandas(cls, frame: Any, hosts: Iterable[Mapping[str, Any]] = ()) -> "ScanSet":
        """A scan set from a DataFrame with the ``finding`` schema's columns (nested fields as
        ``asset.identifier`` style columns, as :meth:`to_pandas` gives them)."""
        records = []
        for row in frame.to_dict(orient="records"):
            rec: dict[str, Any] = {}
            for key, value in row.items():
                if value is None or (isinstance(value, float) and value != value):
                    continue
                target = rec
                parts = str(key).split(".")
                for p in parts[:-1]:
                    target = target.setdefault(p, {})
                if hasattr(value, "item") and not isinstance(value, (list, dict)):
                    value = value.item()
                # pandas stores integer columns with gaps as floats: 443.0 is the port 443.
                if isinstance(value, float) and value.is_integer():
                    value = int(value)
                target[parts[-1]] = value
            records.append(rec)
        return cls.from_records(records, hosts)


def read_scans(*sources: Union[PathLike, bytes, Sequence[PathLike]], label: str = "<bytes>") -> ScanSet:
    """Reads scanner files (Nessus, Tenable CSV, Inspector2, ASFF, Trivy, Grype, XCCDF, SARIF;
    detected from content) into one :class:`ScanSet`. Each source is a path, a directory (read
    recursively: hidden entries skipped, files sorted by path, as ``conmon monthly --scans``
    reads it), a list of paths, or ``bytes`` of one file. The GIL is released while reading."""
    paths: list[Any] = []
    sets: list[_conmon.ScanSet] = []
    for s in sources:
        if isinstance(s, (bytes, bytearray, memoryview)):
            sets.append(_conmon.read_scan_bytes(bytes(s), label))
        elif isinstance(s, (list, tuple)):
            paths.extend(s)
        else:
            paths.append(s)
    if paths:
        sets.insert(0, _conmon.read_scans([_os.fspath(p) for p in paths]))
    if not sets:
        raise ValueError("read_scans() needs at least one path or bytes")
    result = sets[0]
    for other in sets[1:]:
        result = result.merged(other)
    return ScanSet(result)


# ---------------------------------------------------------------------------------------------
# Policy


class Policy:
    """A resolved policy: a preset plus overrides. Immutable."""

    __slots__ = ("_h",)

    def __init__(self, handle: _conmon.Policy) -> None:
        self._h = handle

    @classmethod
    def preset(cls, name: str = "fedramp_rev5") -> "Policy":
        """A named preset (see :func:`presets`)."""
        return cls(_conmon.Policy.resolve(name))

    @classmethod
    def from_file(cls, path: PathLike) -> "Policy":
        """A TOML or JSON policy file."""
        return cls(_conmon.Policy.resolve(str(path)))

    @classmethod
    def from_dict(cls, options: Mapping[str, Any]) -> "Policy":
        """A policy from a dict: ``{"preset": "fedramp_rev5", "due_soon_days": 14, ...}``."""
        return cls(_conmon.Policy.from_json(_dumps(options)))

    def to_dict(self) -> dict[str, Any]:
        """Every option, resolved."""
        return _dict(self._h.to_json())

    @property
    def name(self) -> str:
        """The preset it started from."""
        return self._h.preset

    def __repr__(self) -> str:
        return repr(self._h)


def _policy(policy: Union[Policy, str, Mapping[str, Any], None]) -> Policy:
    if policy is None:
        return Policy.preset("fedramp_rev5")
    if isinstance(policy, Policy):
        return policy
    if isinstance(policy, Mapping):
        return Policy.from_dict(policy)
    # A preset name or a policy file, told apart by the engine (`Policy::resolve`).
    return Policy(_conmon.Policy.resolve(_os.fspath(policy)))


def presets() -> dict[str, str]:
    """Policy preset names with their descriptions."""
    return dict(_conmon.presets())


# ---------------------------------------------------------------------------------------------
# POA&M


class Poam:
    """A POA&M: open, closed and configuration-finding items with the header. Immutable."""

    __slots__ = ("_h", "import_report")

    def __init__(self, handle: _conmon.Poam, import_report: dict[str, Any] | None = None) -> None:
        self._h = handle
        self.import_report = import_report
        """For a POA&M read from a workbook or CSV: unreadable cells, ignored and missing columns."""

    @classmethod
    def read(cls, path: PathLike) -> "Poam":
        """Reads a POA&M: ``.json`` (lossless), ``.xlsx`` (the FedRAMP template or a provider's
        workbook, columns found by header), or ``.csv``. Unreadable cells do not raise; they are
        in :attr:`import_report`."""
        handle, report = _conmon.Poam.read(str(path))
        return cls(handle, _loads(report) if report is not None else None)

    @classmethod
    def from_dict(cls, poam: Mapping[str, Any]) -> "Poam":
        """A POA&M from a dict (the ``poam`` schema)."""
        return cls(_conmon.Poam.from_json(_dumps(poam)))

    @classmethod
    def from_items(cls, items: Iterable[Mapping[str, Any]]) -> "Poam":
        """A POA&M of open items from item dicts (the ``poam-item`` schema)."""
        return cls(_conmon.Poam.from_json(_dumps(list(items))))

    def to_dict(self) -> dict[str, Any]:
        """The whole POA&M as a dict."""
        return _dict(self._h.to_json())

    def items(self, sheet: str | None = None) -> list[dict[str, Any]]:
        """Items as dicts: every item, or one sheet (``"open"``, ``"closed"``,
        ``"configuration_findings"``)."""
        d = self.to_dict()
        sheets = [sheet] if sheet else ["open", "closed", "configuration_findings"]
        return [dict(item, sheet=s) for s in sheets for item in d.get(s, [])]

    @property
    def counts(self) -> tuple[int, int, int]:
        """(open, closed, configuration findings)."""
        return self._h.counts()

    def write(self, path: PathLike) -> None:
        """Writes the POA&M by extension: ``.xlsx`` (the FedRAMP template), ``.csv`` or
        ``.json``; atomically (a failure leaves any previous file as it was)."""
        self._h.write(str(path))

    def write_oscal(
        self,
        path: PathLike,
        *,
        policy: Union[Policy, str, Mapping[str, Any], None] = None,
        fedramp_id: str | None = None,
        ssp: str | None = None,
    ) -> None:
        """Writes the OSCAL POA&M JSON, atomically. ``policy`` decides how due dates become
        deadlines (``oscal_deadline``); ``fedramp_id`` is the ``system-id`` (default: the system
        name); ``ssp`` links the system's OSCAL SSP from ``import-ssp`` (a path relative to the
        POA&M, or a URL; without it, a ``no-oscal-ssp`` resource)."""
        self._h.write_oscal(str(path), _policy(policy)._h, fedramp_id, ssp)

    def to_oscal(
        self,
        *,
        policy: Union[Policy, str, Mapping[str, Any], None] = None,
        fedramp_id: str | None = None,
        ssp: str | None = None,
    ) -> dict[str, Any]:
        """The OSCAL POA&M document (options as for :meth:`write_oscal`)."""
        return cast("dict[str, Any]", _json.loads(self._h.oscal_json(_policy(policy)._h, fedramp_id, ssp)))

    def to_pandas(self) -> Any:
        """Items as a pandas DataFrame, with a ``sheet`` column."""
        pd = _optional("pandas", "Poam.to_pandas()")
        return pd.json_normalize(self.items())

    def to_arrow(self) -> Any:
        """Items as a pyarrow Table."""
        pa = _optional("pyarrow", "Poam.to_arrow()")
        return pa.Table.from_pylist(self.items())

    def __repr__(self) -> str:
        return repr(self._h)


class Reconciliation:
    """The result of :func:`reconcile`: this month's POA&M and what changed. The change log is
    decoded on first access (a million-finding month need not pay for records it never reads)."""

    __slots__ = ("poam", "_raw", "_rest")

    def __init__(self, poam: Poam, raw: str) -> None:
        self.poam = poam
        self._raw = raw
        self._rest: dict[str, Any] | None = None

    def _get(self, key: str) -> Any:
        if self._rest is None:
            self._rest = _dict(self._raw)
        return self._rest.get(key)

    @property
    def changes(self) -> list[dict[str, Any]]:
        """Every change: ``poam_id``, ``kind``, ``asset``, ``detail``."""
        return cast("list[dict[str, Any]]", self._get("changes"))

    @property
    def not_tracked(self) -> list[dict[str, Any]]:
        """Findings on no item, with the reason."""
        return cast("list[dict[str, Any]]", self._get("not_tracked"))

    @property
    def not_observed(self) -> list[dict[str, Any]]:
        """Open items' assets that no scan observed (``not_scanned`` / ``not_credentialed``)."""
        return cast("list[dict[str, Any]]", self._get("not_observed"))

    @property
    def issues(self) -> list[dict[str, Any]]:
        """Rule issues (deviation checks)."""
        return cast("list[dict[str, Any]]", self._get("issues"))

    @property
    def placements(self) -> list[str | None] | None:
        """For each input finding, its POA&M ID (``None``: not tracked); only with
        ``with_placements=True``."""
        return cast("list[str | None] | None", self._get("placements"))

    def __repr__(self) -> str:
        return f"Reconciliation({self.poam!r}, {len(self.changes)} changes, {len(self.not_tracked)} not tracked)"


def reconcile(
    previous: Poam | None,
    scans: ScanSet,
    *,
    as_of: DateLike,
    policy: Union[Policy, str, Mapping[str, Any], None] = None,
    deviations: Any = None,
    kev: PathLike | None = None,
    with_placements: bool = False,
) -> Reconciliation:
    """Reconciles last month's POA&M (``None`` for the first month) with this month's scans:
    stable IDs, closure on evidence, reappearance, deviations (a list of dicts, a JSON string, a
    ``.json`` path or FedRAMP's deviation request form ``.xlsx``), KEV due dates (the CISA
    catalog path), change log. Releases the GIL."""
    handle, rest = _conmon.reconcile(
        previous._h if previous is not None else None,
        scans._h,
        _policy(policy)._h,
        _date_str(as_of),
        _deviations_json(deviations),
        str(kev) if kev is not None else None,
        with_placements,
    )
    return Reconciliation(Poam(handle), rest)


def clocks(
    poam: Union[Poam, Iterable[Mapping[str, Any]]],
    *,
    as_of: DateLike,
    policy: Union[Policy, str, Mapping[str, Any], None] = None,
    explain: bool = True,
) -> list[dict[str, Any]]:
    """The remediation clock of every item: due date, state, days late, and every rule applied
    (``explanation``). ``as_of`` is a date, or a timezone-aware datetime for VDR clocks.
    ``explain=False`` gives the same clocks with an empty ``explanation``, at a fraction of the
    cost (for dashboards over large POA&Ms that read only dates and states)."""
    p = poam if isinstance(poam, Poam) else Poam.from_items(poam)
    return _list(_conmon.clocks(p._h, _policy(policy)._h, _date_str(as_of), explain))


def read_inventory(path: PathLike) -> dict[str, Any]:
    """Reads the Integrated Inventory Workbook (.xlsx) or a JSON array of assets:
    ``{"assets": [...], "problems": [...]}``."""
    return _dict(_conmon.read_inventory(str(path)))


def read_deviations(path: PathLike) -> list[dict[str, Any]]:
    """Reads a deviation register: FedRAMP's Vulnerability Deviation Request Form (``.xlsx``), or
    a JSON array of records (the ``deviations`` schema)."""
    return _list(_conmon.read_deviations(str(path)))


def _deviations_json(deviations: Any) -> str | None:
    """A register from the form (a path ending in .xlsx or .xlsm), else as :func:`_json_input`."""
    if isinstance(deviations, (str, _os.PathLike)) and str(deviations).lower().endswith((".xlsx", ".xlsm")):
        return _conmon.read_deviations(str(deviations))
    return _json_input(deviations)


def _inventory_json(inventory: Any) -> str | None:
    if inventory is None:
        return None
    if isinstance(inventory, (str, _os.PathLike)) and not str(inventory).lstrip().startswith("["):
        return _dumps(read_inventory(inventory)["assets"])
    if isinstance(inventory, Mapping) and "assets" in inventory:
        return _dumps(inventory["assets"])
    return _json_input(inventory)


def validate(
    poam: Poam,
    *,
    as_of: DateLike,
    previous: Poam | None = None,
    scans: ScanSet | None = None,
    inventory: Any = None,
    policy: Union[Policy, str, Mapping[str, Any], None] = None,
) -> dict[str, Any]:
    """Validates a POA&M: every problem (``diagnostics``: severity, code, message, location,
    hint), with the calendar and the escalation triggers. ``valid`` is true when there is no error.
    ``inventory`` is a workbook/JSON path or a list of asset dicts."""
    report = _conmon.validate(
        poam._h,
        _policy(policy)._h,
        _date_str(as_of),
        previous._h if previous is not None else None,
        scans._h if scans is not None else None,
        _inventory_json(inventory),
        None,
    )
    return _dict(report)


def calendar(*, as_of: DateLike, policy: Union[Policy, str, Mapping[str, Any], None] = None, significant_changes: Any = None) -> dict[str, Any]:
    """The ConMon calendar of a package uploaded on ``as_of``: due date, on time, earliest
    meeting, next due date, annual assessment milestones, significant-change notice deadlines."""
    return _dict(_conmon.calendar(_policy(policy)._h, _date_str(as_of), _json_input(significant_changes)))


class MonthlyResult:
    """The monthly job's result: this month's POA&M, change log, validation report (with calendar
    and triggers), history, and the meeting report; :meth:`write` writes every deliverable."""

    __slots__ = ("_h", "_validation", "_changes")

    def __init__(self, handle: _conmon.MonthlyResult) -> None:
        self._h = handle
        self._validation: dict[str, Any] | None = None
        self._changes: dict[str, Any] | None = None

    @property
    def poam(self) -> Poam:
        """This month's POA&M."""
        return Poam(self._h.poam)

    @property
    def validation(self) -> dict[str, Any]:
        """The validation report (``valid``, ``diagnostics``, ``calendar``, ``triggers``)."""
        if self._validation is None:
            self._validation = _loads(self._h.validation_json())
        return self._validation

    @property
    def changes(self) -> dict[str, Any]:
        """The change log (``changes``, ``not_tracked``, ``not_observed``, ``issues``)."""
        if self._changes is None:
            self._changes = _loads(self._h.changes_json())
        return self._changes

    @property
    def history(self) -> list[dict[str, Any]]:
        """Month summaries including this month (for next month's ``history``)."""
        return _list(self._h.history_json())

    @property
    def report_html(self) -> str:
        """The monthly meeting report, self-contained HTML."""
        return self._h.report_html

    def late_items(self, policy: Union[Policy, str, Mapping[str, Any], None] = None) -> list[dict[str, Any]]:
        """Open items past due at the POA&M date, each a clock with ``due_date``, ``days_late`` and
        its ``explanation``: the items the meeting report lists as past due and ``history.json``
        counts. Judged under the run's policy unless ``policy`` gives another."""
        handle = None if policy is None else _policy(policy)._h
        return _list(self._h.late_clocks_json(handle, True))

    def write(
        self, directory: PathLike, *, fedramp_id: str | None = None, ssp: str | None = None
    ) -> list[_pathlib.Path]:
        """Writes poam.xlsx, poam.json, poam.csv, oscal-poam.json, changes.json, validation.json,
        report.html and history.json into ``directory``, each atomically. ``fedramp_id`` and
        ``ssp`` go to oscal-poam.json as in :meth:`Poam.write_oscal`."""
        return [_pathlib.Path(p) for p in self._h.write(str(directory), fedramp_id, ssp)]

    def __repr__(self) -> str:
        return repr(self._h)


def run_monthly(
    *,
    scans: ScanSet,
    as_of: DateLike,
    previous: Poam | None = None,
    inventory: Any = None,
    deviations: Any = None,
    kev: PathLike | None = None,
    significant_changes: Any = None,
    history: Any = None,
    policy: Union[Policy, str, Mapping[str, Any], None] = None,
) -> MonthlyResult:
    """The whole monthly job in memory (the same as ``conmon monthly``): reconcile, validate,
    calendar, triggers, meeting report. Call :meth:`MonthlyResult.write` to write the files."""
    return MonthlyResult(
        _conmon.monthly(
            scans._h,
            _policy(policy)._h,
            _date_str(as_of),
            previous._h if previous is not None else None,
            _inventory_json(inventory),
            _deviations_json(deviations),
            str(kev) if kev is not None else None,
            _json_input(significant_changes),
            _json_input(history),
        )
    )
