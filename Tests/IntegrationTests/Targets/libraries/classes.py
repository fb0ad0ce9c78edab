"""Scenario per_request_class: classes made at run time, once per call, as a request handler that
defines a class would -- left with an instance in a cycle when the call returns.

A class object is a cycle on its own: type -> tp_mro -> type, type -> tp_dict -> descriptors
(`__dict__`, `__weakref__` getsets, `__slots__` members) -> type, and its instances refer to it.
The probes name what only the C objects report: the namespace dict that only the type object
refers to (tp_dict), the class that its getset and member descriptors refer to, the registry
sets of an ABC's _abc_data. Kinds: a plain class, one with __slots__, a metaclass and its class,
an ABC with a registered subclass, a namedtuple, a dataclass and an Enum.
"""
import abc
import collections
import enum
import functools
import gc

from libraries import Holder

try:
    import dataclasses
except ImportError:  # 3.6
    dataclasses = None


def require():
    """Classes are part of every CPython."""


def namespace_of(cls):
    """The dict behind cls.__dict__ (a mappingproxy), which only the type object refers to."""
    return gc.get_referents(cls.__dict__)[0]


def class_probes(probe, cls):
    probe(namespace_of(cls), cls)
    for name in ("__dict__", "__weakref__"):
        descriptor = cls.__dict__.get(name)
        # 3.15 shares one __dict__/__weakref__ descriptor among classes (its __objclass__ is object)
        if descriptor is not None and descriptor.__objclass__ is cls:
            probe(cls, descriptor)


class Named(object):
    """A descriptor that learns its name and class from __set_name__ (it keeps the class)."""

    def __set_name__(self, owner, name):
        self.owner, self.name = owner, name


def plain_class(probe):
    class Request(Holder):
        kind = "plain"
        field = Named()
        size = property(lambda self: 0)
        make = classmethod(lambda cls: cls())

        def __init_subclass__(cls, **kwargs):
            super().__init_subclass__(**kwargs)  # a __class__ cell refers to the class

        if hasattr(functools, "cached_property"):  # 3.8+
            @functools.cached_property
            def total(self):
                return [self]

    request = Request()
    request.me = request
    getattr(request, "total", None)
    class_probes(probe, Request)
    return request


def slotted_class(probe):
    class Slotted(object):
        __slots__ = ("owner", "value", "__weakref__")

    item = Slotted()
    item.owner = item
    item.value = [Slotted]
    class_probes(probe, Slotted)
    probe(Slotted, Slotted.__dict__["owner"])  # a member descriptor
    return item


def metaclass(probe):
    class Meta(type):
        def __call__(cls, *args):
            return type.__call__(cls, *args)

    class Handler(object, metaclass=Meta):
        pass

    handler = Handler()
    handler.me = handler
    class_probes(probe, Meta)
    class_probes(probe, Handler)
    return handler


def abstract_class(probe):
    class Base(abc.ABC):
        @abc.abstractmethod
        def run(self):
            return None

    class Concrete(Base):
        def run(self):
            return self

    class Other(object):
        pass

    Base.register(Other)
    isinstance(Concrete(), Base)
    isinstance(Other(), Base)
    isinstance(1, Base)
    instance = Concrete()
    instance.me = instance
    class_probes(probe, Base)
    class_probes(probe, Concrete)
    data = Base.__dict__.get("_abc_impl")  # 3.7+
    if type(data).__name__ == "_abc_data":  # the C _abc module
        for registry in gc.get_referents(data):
            if type(registry) is set:
                probe(registry, data)
    return instance


def generated_classes(probe):
    # namedtuple (_tuplegetter descriptors), dataclass and Enum, each with an instance in a cycle
    Point = collections.namedtuple("Point", "x y")

    if dataclasses is not None:
        @dataclasses.dataclass
        class Record(object):
            name: str
            owner: object = None
    else:  # 3.6: a plain class in its place
        class Record(object):
            def __init__(self, name):
                self.name, self.owner = name, None

    class Color(enum.Enum):
        RED = 1
        GREEN = 2

    record = Record("r")
    record.owner = [record, Point(record, Color.RED)]
    for cls in (Point, Record, Color):
        class_probes(probe, cls)
    return record


SCENARIOS = {
    "per_request_class": (require, [plain_class, slotted_class, metaclass, abstract_class, generated_classes]),
}
