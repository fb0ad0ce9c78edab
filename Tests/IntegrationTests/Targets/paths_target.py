"""pyinspect integration target: cycles whose printed paths are checked word for word.

The cycles are made by code in the package `shop` next to this script (so its files are shown as
`shop/handlers.py`, relative to sys.path[0]): a method's frame holding an exception, the same with a
shorter loop beside it, a closure, a suspended coroutine holding a cycle through its local, an
exception and traceback held off a cycle, and three shapes that print the same shortest loop.
Every scenario is called from main(), whose frame stays alive: frames' f_back never drags one
scenario's locals into another's cycle. The target never collects; it idles in read(0).

usage: python -B paths_target.py
"""
import gc
import sys

from shop.handlers import Handler, Outer, Request, capture, remember_failure
from shop.views import Service


class Twin(object):
    pass


class Job(object):
    pass


def suspended_coroutine():
    # coroutine -> local `request` -> Request.coro -> coroutine
    request = Request()
    coroutine = Service().serve(request)
    request.coro = coroutine
    coroutine.send(None)


def twins():
    # Three shapes whose shortest loop is `Twin.me -> Twin`: one alone, one holding a list, one
    # whose cycle goes through a list as well.
    alone = Twin()
    alone.me = alone
    holding = Twin()
    holding.me = holding
    holding.log = [1, 2]
    through = Twin()
    through.me = through
    through.items = [through]


def main():
    gc.collect()
    gc.disable()
    Handler().handle()
    remember_failure()
    Outer().make()
    suspended_coroutine()
    twins()
    job = Job()
    job.me = job
    job.error = capture()
    del job
    sys.stdout.write("READY %d\n" % __import__("os").getpid())
    sys.stdout.flush()
    sys.stdin.read()


main()
