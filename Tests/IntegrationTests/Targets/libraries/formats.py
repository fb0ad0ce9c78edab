"""Scenarios msgpack, lxml and pydantic: serialisers whose compiled objects hold callbacks.

msgpack's Packer and Unpacker (Cython) hold their hooks and file; lxml's parser (Cython) holds its
target and resolvers, its elements hold their document, which holds the parser, and XPath objects
hold their extension functions; pydantic-core's SchemaValidator and SchemaSerializer (Rust, PyO3)
hold the functions of a schema and the model class they build, so a model class made per call is
garbage only through them.
"""
import gc
import io

from libraries import Holder, Unsuitable, compiled, need


def require_msgpack():
    msgpack = need("msgpack")
    compiled("msgpack.Packer", msgpack.Packer, "msgpack._cmsgpack")


def msgpack_objects(probe):
    import msgpack
    h = Holder()
    h.packer = msgpack.Packer(default=h.method)
    source = io.BytesIO(msgpack.packb([{"a": 1}, [2]]))
    h.unpacker = msgpack.Unpacker(source, object_hook=h.method, list_hook=h.method)
    h.streaming = msgpack.Unpacker(object_pairs_hook=h.method, ext_hook=h.method)
    h.streaming.feed(msgpack.packb({"b": [3]}))
    probe(h, h.packer)
    probe(source, h.unpacker)
    probe(h, h.streaming)
    return h


def require_lxml():
    compiled("lxml.etree.XMLParser", need("lxml.etree").XMLParser, "lxml.etree")


def lxml_parsers(probe):
    # XMLParser(target=holder); an XPath with the holder's method as an extension function
    from lxml import etree
    h = Holder()
    h.start = h.end = h.data = h.close = h.method
    h.parser = etree.XMLParser(target=h)
    h.xpath = etree.XPath("f()", extensions={(None, "f"): h.method})
    probe(h, h.parser)
    probe(h, h.xpath)
    return h


def lxml_documents(probe):
    # holder -> element -> _Document -> parser -> resolver registry -> resolver -> holder; an
    # iterparse over a stream that refers to the holder
    from lxml import etree

    class Resolver(etree.Resolver):
        def resolve(self, url, pubid, context):
            return None

    h = Holder()
    parser = etree.XMLParser()
    resolver = Resolver()
    resolver.owner = h
    parser.resolvers.add(resolver)
    h.root = etree.fromstring(b"<order><item id='1'/></order>", parser)
    h.item = h.root[0]
    h.tree = h.root.getroottree()
    document = next(r for r in gc.get_referents(h.root) if type(r).__name__ == "_Document")
    probe(document, h.root)
    probe(parser, document)
    probe(resolver, parser.resolvers)
    source = io.BytesIO(b"<a><b/></a>")
    source.owner = h
    h.events = etree.iterparse(source, events=("start",))
    probe(source, h.events)
    return h


def require_pydantic():
    pydantic = need("pydantic")
    need("pydantic_core")
    if not pydantic.VERSION.startswith("2."):
        raise Unsuitable("pydantic %s is not v2 (no pydantic-core)" % pydantic.VERSION)
    compiled("pydantic_core.SchemaValidator", need("pydantic_core").SchemaValidator, "pydantic_core._pydantic_core")


def pydantic_model_class(probe):
    # a model class per call: its validator and serializer (Rust) refer to the class, and an
    # instance refers to the holder that refers to it
    from typing import Any

    import pydantic

    class Item(pydantic.BaseModel):
        name: str
        owner: Any = None

    h = Holder()
    h.item = Item(name="item", owner=h)
    probe(Item, Item.__pydantic_validator__)
    probe(Item, Item.__pydantic_serializer__)
    return h


def pydantic_core_functions(probe):
    # function validators and serializers of a core schema; a TypeAdapter of a class made per call
    # whose schema is the holder's validator (typing's caches would keep an Annotated[...] alive)
    import pydantic
    from pydantic_core import SchemaSerializer, SchemaValidator, core_schema
    h = Holder()

    class Owned(object):
        @classmethod
        def __get_pydantic_core_schema__(cls, source, handler):
            return core_schema.no_info_plain_validator_function(h.validate)

    h.validator = SchemaValidator(core_schema.no_info_plain_validator_function(h.method))
    h.serializer = SchemaSerializer(core_schema.any_schema(
        serialization=core_schema.plain_serializer_function_ser_schema(h.method)))
    h.adapter = pydantic.TypeAdapter(Owned)
    probe(h, h.validator)
    probe(h, h.serializer)
    probe(h, h.adapter.validator)
    return h


SCENARIOS = {
    "msgpack": (require_msgpack, [msgpack_objects]),
    "lxml": (require_lxml, [lxml_parsers, lxml_documents]),
    "pydantic": (require_pydantic, [pydantic_model_class, pydantic_core_functions]),
}
