"""Scenario stdlib: cycles through objects of the standard library's C types -- of libpython and of
its extension modules (_io, _functools, _sqlite3, _ssl, _thread, _json, _pickle, _socket, _csv,
_elementtree, _ctypes, _queue, _lsprof, _operator) and core types without an exported symbol
(SimpleNamespace, mappingproxy, method-wrapper, super, slice, GenericAlias).

Each unit is a Holder whose attribute is the C object and the C object refers back to the holder:
holder -> (holder's dict) -> C object -> holder. Where the C object is not tracked by the collector in
some version (so the cycle is a leak that no collection frees), no probe is made and the unit only
has to be left out of the report.
"""
import csv
import ctypes
import functools
import gc
import io
import json
import json.decoder
import json.encoder
import json.scanner
import operator
import pickle
import queue
import socket
import sqlite3
import ssl
import sys
import threading
import types
import xml.etree.ElementTree as ElementTree

import cProfile

from libraries import Holder, Unsuitable


def require():
    if json.scanner.c_make_scanner is None or json.encoder.c_make_encoder is None:
        raise Unsuitable("json runs without _json")
    if pickle.Pickler is pickle._Pickler:
        raise Unsuitable("pickle runs without _pickle")
    if ElementTree.Element is getattr(ElementTree, "_Element_Py", ElementTree.Element):  # the C one replaces it
        raise Unsuitable("xml.etree.ElementTree runs without _elementtree")


def tracked_probe(probe, obj, via):
    """A probe where the collector tracks `via` (else the cycle is a leak: never garbage)."""
    if gc.is_tracked(via):
        probe(obj, via)


def reported(probe, obj, via, holder):
    """A probe where `via`'s tp_traverse reports a reference to the object that leads to `obj` (some
    versions keep a callback where the collector cannot see it: a leak, never garbage)."""
    if any(type(r) is types.MethodType and r.__self__ is holder for r in gc.get_referents(via)):
        probe(obj, via)


def io_objects(probe):
    # BytesIO and StringIO with a __dict__; a TextIOWrapper over a BytesIO; a BufferedReader over a
    # raw stream written in Python that refers back
    h = Holder()
    h.buffer = io.BytesIO(b"data")
    h.buffer.owner = h
    h.text = io.StringIO("text")
    h.text.owner = h
    h.wrapper = io.TextIOWrapper(io.BytesIO(b"wrapped"), encoding="utf-8")
    h.wrapper.owner = h
    h.reader = io.BufferedReader(Raw(h))
    for via in (h.buffer, h.text, h.wrapper, h.reader):
        probe(h, via)
    return h


class Raw(io.RawIOBase):
    def __init__(self, owner):
        self.owner = owner

    def readable(self):
        return True


def functools_objects(probe):
    # lru_cache wrappers (bounded and unbounded) whose cache holds the holder; a partial
    h = Holder()
    h.lookup = functools.lru_cache(maxsize=8)(lambda key: [key])
    h.lookup(h)
    h.unbounded = functools.lru_cache(maxsize=None)(lambda key: (key,))
    h.unbounded(h)
    h.callback = functools.partial(print, h, sep="")
    for via in (h.lookup, h.unbounded, h.callback):
        probe(h, via)
    return h


def sqlite_connection(probe):
    # a connection whose row factory is the holder's method (3.8: connections are not tracked)
    h = Holder()
    h.connection = sqlite3.connect(":memory:")
    h.connection.row_factory = h.method
    tracked_probe(probe, h, h.connection)
    return h


def sqlite_function(probe):
    # create_function keeps the callable where no tp_traverse reports it (3.8-3.13): a leak that no
    # collection frees, never garbage
    h = Holder()
    h.connection = sqlite3.connect(":memory:")
    h.connection.create_function("owner", 1, h.method)
    return h


CONTEXT_PROTOCOL = ssl.PROTOCOL_TLS_SERVER  # sni_callback is for servers


def ssl_context(probe):
    h = Holder()
    h.context = ssl.SSLContext(CONTEXT_PROTOCOL)
    if hasattr(h.context, "sni_callback"):
        h.context.sni_callback = h.method
    else:  # 3.6: the same field, through the older setter
        h.context.set_servername_callback(h.method)
    tracked_probe(probe, h, h.context)
    return h


def thread_local(probe):
    # threading.local's per-thread dict holds the holder
    h = Holder()
    h.local = threading.local()
    h.local.owner = h
    tracked_probe(probe, h, h.local)
    return h


def core_objects(probe):
    # SimpleNamespace, mappingproxy, method-wrapper, super, slice, GenericAlias (3.9+)
    h = Holder()
    h.namespace = types.SimpleNamespace(owner=h)
    inner = {"owner": h}
    h.proxy = types.MappingProxyType(inner)
    h.wrapper = h.__eq__                            # method-wrapper bound to the holder
    items = [h]
    h.length = items.__len__                        # method-wrapper -> list -> holder
    h.parent = super(Holder, h)
    h.span = slice(h, None)
    probe(h, h.namespace)
    probe(inner, h.proxy)
    probe(h, h.wrapper)
    probe(items, h.length)
    probe(h, h.parent)
    tracked_probe(probe, h, h.span)
    if sys.version_info >= (3, 9):
        h.alias = types.GenericAlias(list, (h,))
        probe(h, h.alias)
    return h


def operator_objects(probe):
    h = Holder()
    h.getter = operator.itemgetter(h)
    h.caller = operator.methodcaller("method", h, key=h)
    probe(h, h.getter)
    probe(h, h.caller)
    return h


def json_objects(probe):
    # a decoder's C scanner holds its object_hook; a C encoder holds its default
    h = Holder()
    h.decoder = json.JSONDecoder(object_hook=h.method)
    h.encoder = json.encoder.c_make_encoder(None, h.method, json.encoder.encode_basestring_ascii, None,
                                            ": ", ", ", False, False, True)
    probe(h, h.decoder.scan_once)
    probe(h, h.encoder)
    return h


class Pickler(pickle.Pickler):
    def persistent_id(self, obj):  # 3.13's C Pickler has no settable persistent_id
        return None


class Unpickler(pickle.Unpickler):
    def persistent_load(self, pid):
        return None


def pickle_objects(probe):
    # Python subclasses of the C Pickler and Unpickler (instance dicts refer to the holder); the C
    # part refers to the file's bound methods and the dispatch table
    h = Holder()
    written, read = io.BytesIO(), io.BytesIO(b"")
    h.pickler = Pickler(written)
    h.pickler.owner = h
    table = {Holder: h.method}
    h.pickler.dispatch_table = table
    h.unpickler = Unpickler(read)
    h.unpickler.owner = h
    probe(written, h.pickler)
    probe(table, h.pickler)
    probe(read, h.unpickler)
    return h


class Socket(socket.socket):
    """socket.socket has __slots__; a subclass without them has a __dict__."""


def socket_subclass(probe):
    h = Holder()
    h.socket = Socket(socket.AF_UNIX, socket.SOCK_STREAM)
    h.socket.owner = h
    probe(h, h.socket)
    return h


def csv_and_etree(probe):
    # csv.writer holds its file's write method; ElementTree's C Element keeps any object as text,
    # tail and attribute value; the C XMLParser holds its target
    h = Holder()
    h.write = h.method
    h.writer = csv.writer(h)
    h.element = ElementTree.Element("item", {"owner": h})
    h.element.text = h
    child = ElementTree.SubElement(h.element, "child")
    child.tail = h
    h.parser = ElementTree.XMLParser(target=h)
    probe(h, h.writer)
    probe(h, h.element)
    probe(child, h.element)
    probe(h, h.parser)
    return h


def ctypes_objects(probe):
    h = Holder()
    h.boxed = ctypes.py_object(h)
    h.callback = ctypes.CFUNCTYPE(None)(h.method)
    probe(h, h.boxed)
    probe(h, h.callback)
    return h


def simple_queue(probe):
    h = Holder()
    h.queue = queue.SimpleQueue()
    h.queue.put(h)
    probe(h, h.queue)
    return h


def profiler(probe):
    # cProfile.Profile's timer: reported to the collector from 3.13 on, a leak before
    h = Holder()
    h.profiler = cProfile.Profile(h.method)
    reported(probe, h, h.profiler, h)
    return h


UNITS = [io_objects, functools_objects, sqlite_connection, ssl_context, thread_local, core_objects,
         operator_objects, json_objects, pickle_objects, socket_subclass, csv_and_etree, ctypes_objects,
         simple_queue, profiler, sqlite_function]
if not hasattr(queue, "SimpleQueue"):  # 3.7+
    UNITS.remove(simple_queue)

SCENARIOS = {
    "stdlib": (require, UNITS),
}
