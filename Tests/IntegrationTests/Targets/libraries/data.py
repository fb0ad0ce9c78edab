"""Scenarios sqlalchemy, numpy and uvloop.

SQLAlchemy's Cython extensions: Row (a Python subclass of the compiled BaseRow) holding its values,
immutabledict, IdentitySet, OrderedSet, and a Result over an iterator; rows of a real query on an
in-memory SQLite engine (a module global, live) hang off the garbage too.
numpy: a ufunc made by frompyfunc holds its function; a Generator holds its bit generator (a
Python subclass of a compiled one, with a __dict__); an ndarray subclass instance has a __dict__.
An object-dtype array is not tracked by the collector at all: holder -> array -> holder is a leak no
collection frees, so that unit makes no probe and must only be left out of the report.
uvloop: loops that never ran, with handles from call_soon and call_later (Cython) whose callbacks
refer to the holder that refers to the loop, and closed loops that keep their hooks.
"""
import gc

from libraries import Holder, Unsuitable, compiled, need

ENGINE = []  # the SQLite engine, made once: live


def require_sqlalchemy():
    need("sqlalchemy")
    try:
        from sqlalchemy.util._has_cython import HAS_CYEXTENSION  # 2.1
    except ImportError:
        from sqlalchemy.util._has_cy import HAS_CYEXTENSION  # 2.0
    if not HAS_CYEXTENSION:
        raise Unsuitable("SQLAlchemy runs without its Cython extensions")
    import sqlalchemy
    ENGINE.append(sqlalchemy.create_engine("sqlite://"))


def sqlalchemy_collections(probe):
    from sqlalchemy import util
    from sqlalchemy.engine.result import IteratorResult, SimpleResultMetaData, result_tuple
    h = Holder()
    h.row = result_tuple(["owner", "n"])((h, 1))
    h.options = util.immutabledict({"owner": h})
    h.identities = util.IdentitySet([h])
    h.ordered = util.OrderedSet([h, "x"])
    h.result = IteratorResult(SimpleResultMetaData(["owner"]), iter([(h,)]))
    for via in (h.row, h.options, h.identities, h.ordered, h.result):
        probe(h, via)
    return h


def sqlalchemy_query_rows(probe):
    # rows of a real query, kept on an object in a cycle
    from sqlalchemy import text
    h = Holder()
    with ENGINE[0].connect() as connection:
        h.rows = connection.execute(text("select :n as n, 'name' as s"), {"n": 7}).fetchall()
    h.me = h
    for row in h.rows:
        # the result's metadata, made per execution, and the values tuple: only the rows refer to them
        for held in gc.get_referents(row):
            if type(held).__name__ == "CursorResultMetaData" or type(held) is tuple:
                probe(held, row)
    return h


def require_numpy():
    numpy = need("numpy")
    compiled("numpy.random.Generator", numpy.random.Generator, "numpy.random._generator")


def numpy_objects(probe):
    import numpy

    class BitGenerator(numpy.random.PCG64):
        """A compiled bit generator's Python subclass: its instances have a __dict__."""

    class Tagged(numpy.ndarray):
        pass

    h = Holder()
    h.ufunc = numpy.frompyfunc(h.method, 1, 1)
    bits = BitGenerator(7)
    bits.owner = h
    h.random = numpy.random.Generator(bits)
    h.tagged = numpy.zeros(3).view(Tagged)
    h.tagged.owner = h
    probe(h, h.ufunc)
    probe(bits, h.random)
    probe(h, h.tagged)
    return h


def numpy_object_array(probe):
    # an object array is not tracked: the cycle is a leak, never garbage
    import numpy
    h = Holder()
    h.values = numpy.array([h, None], dtype=object)
    return h


def require_uvloop():
    uvloop = need("uvloop")
    compiled("uvloop.Loop's base", uvloop.Loop.__mro__[1], "uvloop.loop")


def uvloop_handles(probe):
    import uvloop
    h = Holder()
    h.loop = uvloop.new_event_loop()
    soon = h.loop.call_soon(h.method, h)
    h.timer = h.loop.call_later(3600, h.method)
    h.future = h.loop.create_future()
    h.future.add_done_callback(h.method)
    ready = next(r for r in gc.get_referents(h.loop) if type(r).__name__ == "deque")
    probe(h, soon)
    probe(h, h.timer)
    probe(ready, h.loop)
    return h


def uvloop_hooks(probe):
    # a loop's exception handler and task factory (fields of the compiled loop), then closed: closing
    # cancels handles (their callbacks dropped) but keeps the hooks
    import uvloop
    h = Holder()
    h.loop = uvloop.new_event_loop()
    h.loop.set_exception_handler(h.method)
    h.loop.set_task_factory(h.method)
    h.loop.close()
    probe(h, h.loop)
    return h


SCENARIOS = {
    "sqlalchemy": (require_sqlalchemy, [sqlalchemy_collections, sqlalchemy_query_rows]),
    "numpy": (require_numpy, [numpy_objects, numpy_object_array]),
    "uvloop": (require_uvloop, [uvloop_handles, uvloop_hooks]),
}
