"""conmon: the FedRAMP continuous-monitoring rules engine, from Python.

Every rule lives in the Rust core; this package only exposes it. The full API (scans, POA&M,
reconcile, clocks, validation) arrives with the Python bindings issue.
"""

from conmon._conmon import engine_version

__all__ = ["engine_version", "__version__"]

__version__: str = engine_version()
