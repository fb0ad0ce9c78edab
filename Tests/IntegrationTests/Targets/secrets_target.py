"""pyinspect integration target: secrets planted where a careless tool would print them -- a str
attribute, bytes, a large int, and the key of a dict on a garbage cycle's path. pyinspect must
show none of them unless asked (--values).

usage: python secrets_target.py
"""
import gc
import os
import signal

if hasattr(signal, "pthread_sigmask"):
    signal.pthread_sigmask(signal.SIG_SETMASK, [])


class Holder(object):
    pass


def plant():
    # Built at run time, so the secret is a heap object like any other value.
    secret = "".join(["sk_live_", "4eC39HqLyjWDarjtT1zdp7dc", "Qx9Zz7Yw"])
    holder = Holder()
    holder.token = secret
    holder.blob = secret.encode("ascii")
    holder.number = 31337424242 + len(secret) - 40
    index = {secret: holder}
    holder.index = index  # Holder.index -> dict[secret] -> Holder: garbage once plant() returns


def main():
    gc.disable()
    plant()
    os.write(1, ("READY %d\n" % os.getpid()).encode("ascii"))
    while os.read(0, 4096):
        pass


if __name__ == "__main__":
    main()
