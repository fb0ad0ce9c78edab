"""Which fields does a compiled tp_traverse function visit? The plain-field check (TRAVERSE): a
straight-line register dataflow over gdb's AT&T disassembly, no control flow (see visited_offsets)."""

import re

from x86 import ARG_REGS, CALLER_SAVED, INSN, MEM, PREFIXES, REG64, number, operands, reg


def visited_offsets(disassembly, function):
    """Recover `visit(*(PyObject **)((char *)self + d), arg)` calls from a traverse function.

    A straight-line register dataflow over the instructions in address order: %rdi starts as the
    object, %rsi as `visit`. Loads from object+d are tracked through register moves; a call or tail
    jump through a register holding `visit` records the d in %rdi. Returns (offsets in visit order,
    problems, delegations): problems are visit calls whose argument is not a field of the object;
    delegations are other calls that are handed `visit` (they may visit things we cannot see).
    """
    state = {"rdi": ("obj", 0), "rsi": ("visit",)}
    offsets, problems, delegations = [], [], []
    for line in disassembly.splitlines():
        m = INSN.match(line)
        if not m:
            continue
        text = m.group(1).split("#")[0].strip()
        words = text.split(None, 1)
        while words and words[0] in PREFIXES:
            words = words[1].split(None, 1) if len(words) > 1 else []
        if not words:
            continue
        mn = words[0]
        ops = operands(words[1]) if len(words) > 1 else []
        if mn.startswith("nop") or mn in ("endbr64", "ret", "retq", "hlt", "ud2", "int3", "push", "pushq"):
            continue
        if mn.startswith("test") or mn.startswith("cmp") or mn.startswith("bt"):
            continue
        if mn.startswith("j") and mn not in ("jmp", "jmpq"):
            continue                                  # conditional branch: no register is written
        if mn in ("call", "callq", "jmp", "jmpq"):
            target = ops[0] if ops else ""
            if target.startswith("*"):
                r = reg(target[1:])
                if r is not None and state.get(r) == ("visit",):
                    arg = state.get("rdi")
                    if arg is not None and arg[0] == "val":
                        offsets.append(arg[1])
                    else:
                        problems.append("visit called with %s: %s" % (arg, text))
                elif any(state.get(a) == ("visit",) for a in ARG_REGS):
                    delegations.append("indirect: %s" % text)
            else:
                local = re.search(r"<%s(\+\d+)?>" % re.escape(function), target)
                if not local and any(state.get(a) == ("visit",) for a in ARG_REGS):
                    delegations.append("direct: %s" % text)
            if mn in ("call", "callq"):
                for r in CALLER_SAVED:
                    state.pop(r, None)
            continue
        if mn == "leave":
            state.pop("rbp", None)
            state.pop("rsp", None)
            continue
        dst = reg(ops[-1]) if ops else None
        if mn in ("mov", "movq") and len(ops) == 2 and dst is not None:
            src = ops[0]
            if reg(src) is not None:
                if state.get(reg(src)) is not None:
                    state[dst] = state[reg(src)]
                else:
                    state.pop(dst, None)
                continue
            mm = MEM.match(src)
            base = state.get(REG64.get(mm.group(2))) if mm else None
            if mm and not mm.group(3) and base is not None and base[0] == "obj" and number(mm.group(1) or "0") is not None:
                state[dst] = ("val", base[1] + number(mm.group(1) or "0"))
            else:
                state.pop(dst, None)
            continue
        if mn in ("lea", "leaq") and len(ops) == 2 and dst is not None:
            mm = MEM.match(ops[0])
            base = state.get(REG64.get(mm.group(2))) if mm else None
            if mm and not mm.group(3) and base is not None and base[0] == "obj" and number(mm.group(1) or "0") is not None:
                state[dst] = ("obj", base[1] + number(mm.group(1) or "0"))
            else:
                state.pop(dst, None)
            continue
        if mn.startswith("xchg") and len(ops) == 2:
            a, b = reg(ops[0]), reg(ops[1])
            sa, sb = state.pop(a, None), state.pop(b, None)
            if a and sb is not None:
                state[a] = sb
            if b and sa is not None:
                state[b] = sa
            continue
        if dst is not None:                             # anything else that writes a register
            state.pop(dst, None)
    return offsets, problems, delegations


# ---------------------------------------------------------------------------------------------
# A symbolic trace of a traverse function (x86-64, AT&T syntax): used for FrameTraversalLayout
# ---------------------------------------------------------------------------------------------
#
# Values are tuples: ("arg", 0|1|2) the incoming obj / visit / arg; ("const", k); ("add", e, k) = e + k;
# ("load", address, width); ("iter", start, stride) a loop induction variable (its value on every
