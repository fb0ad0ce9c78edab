"""Scenarios multidict, yarl, frozenlist, propcache and aiohttp: aiohttp's stack of C extensions.

multidict (C), frozenlist and propcache (Cython) hold whatever they are given. yarl's own compiled
part (`_quoting_c`) holds strings only, so its units are URLs whose parsed query -- the
MultiDictProxy over a MultiDict that yarl builds in C-extension objects -- hangs off garbage.
aiohttp's Cython parser objects and aiosignal's Signal (a Python subclass of FrozenList) close
cycles through their own fields.
"""
import gc

from libraries import Holder, compiled, need


def referent(obj, kind):
    """The object of type `kind` that `obj`'s tp_traverse reports (a field Python cannot name)."""
    for r in gc.get_referents(obj):
        if type(r) is kind:
            return r
    raise AssertionError("%r reports no %s" % (type(obj), kind))


def require_multidict():
    compiled("multidict.CIMultiDict", need("multidict").CIMultiDict, "multidict._multidict")


def multidict_values(probe):
    # holder -> CIMultiDict -> holder (twice, under one key); MultiDict with the holder as two keys' value
    import multidict
    h = Holder()
    h.headers = multidict.CIMultiDict([("Owner", h), ("X-Trace", "1")])
    h.headers.add("owner", h)
    h.params = multidict.MultiDict(first=h, second="2")
    probe(h, h.headers)
    probe(h, h.params)
    return h


def multidict_proxies(probe):
    # holder -> proxy -> multidict -> holder: the multidict is referred to by its proxy only
    import multidict
    h = Holder()
    inner = multidict.MultiDict(owner=h)
    h.view = multidict.MultiDictProxy(inner)
    ci = multidict.CIMultiDict(Owner=h)
    h.ci_view = multidict.CIMultiDictProxy(ci)
    probe(inner, h.view)
    probe(ci, h.ci_view)
    return h


def multidict_views(probe):
    # keys/values/items views and an iterator, each the only reference to its multidict
    import multidict
    h = Holder()
    inners = [multidict.MultiDict(owner=h), multidict.CIMultiDict(owner=h), multidict.MultiDict(owner=h),
              multidict.MultiDict(owner=h, other=1)]
    h.keys, h.values, h.items = inners[0].keys(), inners[1].values(), inners[2].items()
    h.iterator = iter(inners[3].values())
    for inner, view in zip(inners, (h.keys, h.values, h.items, h.iterator)):
        probe(inner, view)
    return h


def require_yarl():
    yarl = need("yarl")
    need("multidict")
    compiled("yarl's quoter", yarl._quoting._Quoter, "yarl._quoting_c")


def yarl_urls(probe):
    # A URL built per request (URL.build makes a new one; URL(str) comes from yarl's lru_cache, live)
    # with its parsed query: yarl caches a MultiDictProxy over a MultiDict in the URL's _cache.
    import multidict
    import yarl
    h = Holder()
    h.url = yarl.URL.build(scheme="https", host="example.com", path="/items/%d" % id(h),
                           query={"page": "2", "tag": ["a", "b"]})
    query = h.url.query
    probe(referent(query, multidict.MultiDict), query)
    h.parts = h.url.parts
    h.params = multidict.MultiDict(h.url.query)
    h.params.add("owner", h)  # closes the unit's cycle
    probe(h, h.params)
    return h


def require_frozenlist():
    compiled("frozenlist.FrozenList", need("frozenlist").FrozenList, "frozenlist._frozenlist")


def frozen_lists(probe):
    # holder -> FrozenList -> its list (a Cython field) -> holder, frozen and not
    from frozenlist import FrozenList
    h = Holder()
    h.handlers = FrozenList([h.method, "x"])
    h.frozen = FrozenList([h])
    h.frozen.freeze()
    probe(referent(h.handlers, list), h.handlers)
    probe(referent(h.frozen, list), h.frozen)
    return h


def require_propcache():
    api = need("propcache.api")
    compiled("propcache.api.cached_property", api.cached_property, "propcache._helpers_c")
    compiled("propcache.api.under_cached_property", api.under_cached_property, "propcache._helpers_c")


def cached_properties(probe):
    # A class per call whose cached properties (Cython descriptors) wrap functions that refer to the
    # class; an instance whose cached value refers back to it.
    from propcache.api import cached_property, under_cached_property
    h = Holder()

    class Resource(object):
        def __init__(self):
            self._cache = {}

        def total_of(self):
            return [self, Resource]

        def name_of(self):
            return (self, Resource)

        total = under_cached_property(total_of)
        name = cached_property(name_of)
        total_of, name_of = staticmethod(total_of), staticmethod(name_of)  # the functions, for the probes

    Resource.name.__set_name__(Resource, "name")
    h.resource = Resource()
    h.resource.total
    h.resource.name
    owner = lambda self: h  # noqa: E731
    h.prop = cached_property(owner)  # holder -> descriptor -> lambda -> cell -> holder
    for function, name in ((Resource.total_of, "total"), (Resource.name_of, "name"), (owner, None)):
        probe(function, Resource.__dict__[name] if name else h.prop)
    return h


def require_aiohttp():
    need("aiohttp")
    need("aiosignal")
    import aiohttp.http_parser
    compiled("aiohttp's HttpRequestParser", aiohttp.http_parser.HttpRequestParser, "aiohttp._http_parser")


class Protocol(Holder):
    """What aiohttp's parsers call back: data_received-side hooks of a protocol."""

    def feed_data(self, *args):
        return None


def aiohttp_messages(probe):
    # A parsed request kept by its protocol: RawRequestMessage (Cython) -> headers proxy -> CIMultiDict
    # -> protocol; the parser (Cython) -> protocol -> parser.
    import multidict
    import yarl
    from aiohttp import http_parser
    from aiohttp.http import HttpVersion11
    h = Protocol()
    headers = multidict.CIMultiDictProxy(multidict.CIMultiDict([("Host", "example.com"), ("X-Owner", h)]))
    h.message = http_parser.RawRequestMessage("GET", "/", HttpVersion11, headers, ((b"Host", b"example.com"),),
                                              False, None, False, False, yarl.URL.build(path="/"))
    h.parser = http_parser.HttpRequestParser(h, None, 2 ** 16)
    probe(headers, h.message)
    probe(h, h.parser)
    return h


def aiohttp_signals(probe):
    # aiosignal.Signal: a FrozenList subclass with an _owner slot; its callbacks are in the list that
    # the FrozenList part (Cython) refers to. The websocket reader (Cython, aiohttp 3.11+) holds its queue.
    from aiosignal import Signal
    h = Protocol()
    h.on_request = Signal(h)
    h.on_request.append(h.method)
    h.on_request.freeze()
    probe(referent(h.on_request, list), h.on_request)
    try:
        from aiohttp._websocket.reader_c import WebSocketDataQueue, WebSocketReader
    except ImportError:
        return h  # aiohttp 3.10 (python 3.8): the websocket reader is pure Python
    queue = WebSocketDataQueue(h, 2 ** 16, loop=None)  # reader -> queue -> protocol -> reader
    try:
        h.reader = WebSocketReader(queue, 2 ** 16, True, True)  # 3.13+: (queue, max_msg_size, compress, decode_text)
    except TypeError:
        h.reader = WebSocketReader(queue, 2 ** 16, True)
    probe(queue, h.reader)
    return h


SCENARIOS = {
    "multidict": (require_multidict, [multidict_values, multidict_proxies, multidict_views]),
    "yarl": (require_yarl, [yarl_urls]),
    "frozenlist": (require_frozenlist, [frozen_lists]),
    "propcache": (require_propcache, [cached_properties]),
    "aiohttp": (require_aiohttp, [aiohttp_messages, aiohttp_signals]),
}
