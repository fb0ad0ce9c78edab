"""The scenarios of libraries_target.py and what they share.

A scenario module has `SCENARIOS`, name -> (require, units): `require()` imports the library
(raising `Unavailable` when this interpreter has none, `Unsuitable` when it runs without its
compiled extension) and `units` is a list of functions `unit(probe)`. A unit builds one structure
and returns its root: run once to be kept in `LIVE` (where `probe` does nothing) and once to be
dropped as garbage, where it calls `probe(obj, via)` for an object `obj` that is garbage only
because the C object `via` reports its reference to it. The probes hold their objects until the truth is taken (libraries/truth.py lets
go of them in both processes, and subtracts their references): kept as ids, an object freed on the
way would leave its address to another.
"""
import importlib
import sys

# scenario name -> module in this package
SCENARIOS = {
    "stdlib": "stdlib",
    "stdlib_iterators": "iterators",
    "per_request_class": "classes",
    "multidict": "aio",
    "yarl": "aio",
    "frozenlist": "aio",
    "propcache": "aio",
    "aiohttp": "aio",
    "msgpack": "formats",
    "lxml": "formats",
    "pydantic": "formats",
    "sqlalchemy": "data",
    "numpy": "data",
    "uvloop": "data",
}

# The live units: reachable from this module global for as long as the target runs.
LIVE = []
# (obj, via, label) for every probe of a garbage unit, until the truth is taken.
PROBES = []
_unit_name = [""]


class Unavailable(Exception):
    """The scenario's library is not importable by this interpreter."""


class Unsuitable(Exception):
    """The library imports but is not the one to test: without its compiled extension (pure Python)
    or of another major version."""


def need(name):
    """Imports module `name` or raises Unavailable with the reason."""
    try:
        return importlib.import_module(name)
    except ImportError as error:
        raise Unavailable("%s is not importable by python %s (%s): make the venvs with scripts/venvs.sh"
                          % (name, sys.version.split()[0], error))


def compiled(what, obj, module):
    """Raises Unsuitable unless `obj` (a class or function) comes from the extension `module`."""
    got = getattr(obj, "__module__", None)
    if got != module:
        raise Unsuitable("%s is %s.%s, not from the compiled %s: pure Python would be tested"
                          % (what, got, getattr(obj, "__qualname__", "?"), module))


def tp_name(obj):
    t = type(obj)
    return "%s.%s" % (t.__module__, t.__qualname__) if t.__module__ != "builtins" else t.__qualname__


def probe(obj, via):
    PROBES.append((obj, via, "%s: %s via %s" % (_unit_name[0], tp_name(obj), tp_name(via))))


def keep(obj, via):
    """The probe of a live unit: nothing to check."""


def run_units(units, count):
    for unit in units:
        _unit_name[0] = unit.__name__
        for _ in range(count):
            LIVE.append(unit(keep))
            unit(probe)


class Holder(object):
    """The Python object at the ends of a cycle; its methods make bound callbacks."""

    def method(self, *args, **kwargs):
        return None

    def validate(self, value):
        """A callback with a fixed signature (pydantic inspects it)."""
        return value

    def __repr__(self):
        return "<Holder>"
