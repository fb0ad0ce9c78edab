"""Integration-test target for pyinspect (written for this project; CPython 2.7 and 3.6+, stdlib only):
a random graph of objects whose retained sizes an independent dominator computation gives, for `top`.

  --nodes N   N `Node` objects (3 slots each, so no __dict__ and no untracked payload), each slot another
              Node or None at random (seeded: the same graph every run), ROOTS (a module-level list)
              holding N/50 of them: cycles, shared subgraphs, diamonds, unreachable islands.

The truth (--expect FILE), computed in a forked child: the immediate dominators of every Node reachable
from ROOTS, by Cooper, Harvey and Kennedy's iterative algorithm over gc.get_referents (ROOTS the only
entry: nothing else refers to a Node), and each Node's retained size, sys.getsizeof summed over its
dominator subtree. Nodes no root reaches are garbage (gc is disabled). Prints "READY <pid>" and blocks
in sys.stdin.read() until EOF.
"""
import gc
import json
import os
import random
import sys


class Node(object):
    __slots__ = ("a", "b", "c")


ROOTS = []


def build(count):
    rng = random.Random(14)
    nodes = [Node() for _ in range(count)]
    # Edges by position (index() above would be quadratic): forward mostly, back sometimes.
    for position, node in enumerate(nodes):
        for slot in Node.__slots__:
            pick = rng.random()
            if pick < 0.25:
                setattr(node, slot, None)
                continue
            step = rng.randint(1, 8) if pick < 0.85 else rng.randint(-count // 2, count // 2)
            setattr(node, slot, nodes[(position + step) % count])
    for position in range(0, count, 50):
        ROOTS.append(nodes[position])


def dominators():
    """idom of every Node reachable from ROOTS (CHK), by id; ROOTS itself is the entry."""
    entry = id(ROOTS)
    order, seen, stack = [], set([entry]), [(ROOTS, iter(ROOTS))]
    by_id = {entry: ROOTS}
    while stack:                                    # iterative depth-first search: reverse postorder
        parent, children = stack[-1]
        advanced = False
        for child in children:
            if type(child) is Node and id(child) not in seen:
                seen.add(id(child))
                by_id[id(child)] = child
                stack.append((child, iter([getattr(child, s) for s in Node.__slots__])))
                advanced = True
                break
        if not advanced:
            order.append(id(parent))
            stack.pop()
    order.reverse()
    number = dict((node, i) for i, node in enumerate(order))
    preds = dict((node, []) for node in order)
    for node in order:
        for child in gc.get_referents(by_id[node]):
            if type(child) is Node and id(child) in number:
                preds[id(child)].append(node)
    idom = {entry: entry}
    changed = True
    while changed:
        changed = False
        for node in order[1:]:
            new = None
            for p in preds[node]:
                if p not in idom:
                    continue
                if new is None:
                    new = p
                    continue
                a, b = p, new
                while a != b:
                    while number[a] > number[b]:
                        a = idom[a]
                    while number[b] > number[a]:
                        b = idom[b]
                new = a
            if idom.get(node) != new:
                idom[node] = new
                changed = True
    return order, idom, by_id


def truth(expect):
    order, idom, by_id = dominators()
    retained = dict((node, sys.getsizeof(by_id[node])) for node in order)
    for node in reversed(order[1:]):
        retained[idom[node]] += retained[node]
    nodes = [n for n in order[1:]]
    result = {"roots": hex(id(ROOTS)), "reachable": len(nodes), "roots_retained": retained[id(ROOTS)],
              "retained": dict((hex(n), retained[n]) for n in nodes),
              "idom": dict((hex(n), hex(idom[n])) for n in nodes)}
    tmp = expect + ".tmp"
    with open(tmp, "w") as f:
        json.dump(result, f)
    os.rename(tmp, expect)


def main():
    args = sys.argv[1:]
    expect = args[args.index("--expect") + 1]
    count = int(args[args.index("--nodes") + 1]) if "--nodes" in args else 5000
    gc.collect()
    gc.disable()
    build(count)
    child = os.fork()
    if child == 0:
        try:
            truth(expect)
        finally:
            os._exit(0)
    os.waitpid(child, 0)
    sys.stdout.write("READY %d\n" % os.getpid())
    sys.stdout.flush()
    sys.stdin.read()


main()
