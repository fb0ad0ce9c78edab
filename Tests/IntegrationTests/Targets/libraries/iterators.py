"""Scenario stdlib_iterators: cycles through iterator objects of C types -- itertools' (chain,
cycle, islice, tee, groupby, starmap, accumulate, zip_longest, product, ...) and the builtins'
(map, zip, enumerate, filter, reversed, list/tuple/dict/set iterators, callable iterators).

Each iterator is an attribute of a Holder and refers back to it through what it iterates over, its
function or its fill value: holder -> iterator -> ... -> holder. None is advanced past the
holder (a spent iterator drops what it held), except groupby, to make a _grouper.
"""
import itertools
import sys

from libraries import Holder


def require():
    """itertools and the builtins' iterators are part of every CPython."""


def itertools_objects(probe):
    h = Holder()
    made = {
        "chain": itertools.chain([h], (1,)),
        "from_iterable": itertools.chain.from_iterable([[h]]),
        "cycle": itertools.cycle([h]),
        "islice": itertools.islice([h, 1, 2], 1, None),
        "starmap": itertools.starmap(h.method, [(h,)]),
        "accumulate": itertools.accumulate([h], h.method),
        "zip_longest": itertools.zip_longest([1], [], fillvalue=h),
        "product": itertools.product([h], [1]),
        "permutations": itertools.permutations([h, 1], 2),
        "combinations": itertools.combinations([h, 1], 1),
        "with_replacement": itertools.combinations_with_replacement([h], 2),
        "compress": itertools.compress([h], [1]),
        "dropwhile": itertools.dropwhile(h.method, [h]),
        "takewhile": itertools.takewhile(h.method, [h]),
        "filterfalse": itertools.filterfalse(h.method, [h]),
        "repeat": itertools.repeat(h, 3),
    }
    if sys.version_info >= (3, 10):
        made["pairwise"] = itertools.pairwise([h, h])
    if sys.version_info >= (3, 12):
        made["batched"] = itertools.batched([h], 1)
    first, second = itertools.tee([h])
    made["tee"] = first
    made["tee_other"] = second
    groups = itertools.groupby([h, h], key=id)
    made["groupby"] = groups
    made["grouper"] = next(groups)[1]
    for name, iterator in sorted(made.items()):
        setattr(h, name, iterator)
        probe(h, iterator)
    return h


class Sequence(object):
    """An object with __getitem__ only: iter() makes a sequence iterator over it."""

    def __init__(self, owner):
        self.owner = owner

    def __getitem__(self, index):
        raise IndexError(index)

    def __len__(self):
        return 0


def builtin_iterators(probe):
    h = Holder()
    items = {"owner": h}
    made = {
        "map": map(h.method, [h]),
        "zip": zip([h], [1]),
        "enumerate": enumerate([h]),
        "filter": filter(None, [h]),
        "reversed_list": reversed([h]),
        "reversed_sequence": reversed(Sequence(h)),
        "list_iterator": iter([h]),
        "tuple_iterator": iter((h, 1)),
        "set_iterator": iter(set([h])),
        "dict_keys": iter(dict.fromkeys([h])),
        "dict_values": iter(dict(items).values()),
        "dict_items": iter(dict(items).items()),
        "callable_iterator": iter(h.method, h),
        "sequence_iterator": iter(Sequence(h)),
        "keys_view": dict.fromkeys([h]).keys(),
        "items_view": dict(items).items(),
    }
    for name, iterator in sorted(made.items()):
        setattr(h, name, iterator)
        probe(h, iterator)
    return h


SCENARIOS = {
    "stdlib_iterators": (require, [itertools_objects, builtin_iterators]),
}
