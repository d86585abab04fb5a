"""Native module of conmon (built from bindings-python/src)."""

def engine_version() -> str:
    """The version of the conmon engine this module was built from."""
    ...
