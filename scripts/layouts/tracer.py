"""A symbolic trace of a traverse function (x86-64, AT&T syntax as gdb's `disassemble` prints it): used for
FrameTraversalLayout and every other table whose visits are not plain fields of the object.

Values are tuples: ("arg", 0|1|2) the incoming obj / visit / arg; ("const", k); ("add", e, k) = e + k;
("load", address, width); ("iter", start, stride) a loop induction variable (its value on every
iteration: start, start+stride, ...); ("index", base, i, scale) = base + scale*i. Control flow: states
are merged (kept where equal) at jump targets, taken from the jumps alone after an unconditional
transfer, and at a loop head every register the loop only changes by `add/sub $k` becomes an "iter".

`trace_function(disassembly, function)` returns {"visits": rendered %rdi of every call through `visit`, in
order; "reads": rendered loads; "compares": [(rendered left, rendered right)] of every cmp (AT&T `cmp b,a` is
(a, b)); "jccs": the conditional jumps ({"index", "mn", "target", "cmp"}); "delegates": other calls handed
`visit` ({"index", "target", "rdi", "ok_args", "text"}); "problems": what cannot be followed (`visit`
called with something else as arg, `visit` handed to an unknown indirect call); "insns": the parsed
(address, mnemonic, operands, text)}. e_render gives an expression's rendering ("*(obj+24)", "?" for
unknown). Questions about a trace's control flow are in trace_shape.py."""

import re

from x86 import (ARG_REGS, CALLER_SAVED, FLAG_NEUTRAL, INSN_ADDR, MEM, PREFIXES, REG64, TARGET, load_width, number,
                 operands, reg)

OBJ, VISIT, ARG = ("arg", 0), ("arg", 1), ("arg", 2)


def e_add(e, k):
    if e is None:
        return None
    if k == 0:
        return e
    if e[0] == "const":
        return ("const", e[1] + k)
    if e[0] == "add":
        return e_add(e[1], e[2] + k)
    if e[0] == "iter" and e[2] == k:
        return e                                        # still a value of the same induction sequence
    return ("add", e, k)


def e_load(address, width=8):
    return None if address is None else ("load", address, width)


def e_field(d, base=OBJ, width=8):
    return e_load(e_add(base, d), width)


def e_render(e):
    if e is None:
        return "?"
    k = e[0]
    if k == "arg":
        return ("obj", "visit", "arg")[e[1]]
    if k == "const":
        return str(e[1])
    if k == "add":
        return "%s%s%d" % (e_render(e[1]), "+" if e[2] >= 0 else "-", abs(e[2]))
    if k == "load":
        return "*%s(%s)" % ("" if e[2] == 8 else e[2], e_render(e[1]))
    if k == "iter":
        return "iter(%s,%d)" % (e_render(e[1]), e[2])
    if k == "index":
        return "%s+%d*%s" % (e_render(e[1]), e[3], e_render(e[2]))
    return repr(e)


def trace_function(disassembly, function):
    insns = []
    rip_targets = {}                                    # instruction index -> absolute address of its %rip operand
    unreadable = []                                     # immediates that are no number: the trace cannot be trusted
    for line in disassembly.splitlines():
        m = INSN_ADDR.match(line)
        if not m:
            continue
        text, _, comment = m.group(2).partition("#")
        text = text.strip()
        words = text.split(None, 1)
        while words and words[0] in PREFIXES:
            words = words[1].split(None, 1) if len(words) > 1 else []
        mn = words[0] if words else ""
        ops = operands(words[1]) if len(words) > 1 else []
        insns.append((int(m.group(1), 16), mn, ops, text))
        unreadable += ["cannot read the immediate %s: %s" % (op, text)
                       for op in ops if op.startswith("$") and number(op[1:]) is None]
        cm = re.match(r"^\s*(0x[0-9a-f]+)", comment)
        if cm and "(%rip)" in text:
            rip_targets[len(insns) - 1] = int(cm.group(1), 16)      # the effective address of the %rip operand

    def direct_target(ops):
        mm = TARGET.match(ops[0]) if ops else None
        if not mm:
            return None, None
        return int(mm.group(1), 16), mm.group(2)

    def is_local(ops):
        addr, name = direct_target(ops)
        return addr is not None and name == function

    # loops: backward local jumps; induction registers change only by add/sub $k inside the loop
    loops, loop_info = {}, {}
    for i, (addr, mn, ops, _) in enumerate(insns):
        if mn.startswith("j") and is_local(ops):
            t, _ = direct_target(ops)
            if t <= addr:
                strides, other, mods = {}, set(), {}
                for a2, mn2, ops2, _ in insns:
                    if not (t <= a2 <= addr) or not ops2:
                        continue
                    dst = REG64.get(ops2[-1][1:]) if ops2[-1].startswith("%") else None
                    if dst is None or mn2.startswith(("cmp", "test", "j", "push", "call")):
                        continue
                    k = number(ops2[0][1:]) if mn2.rstrip("lq") in ("add", "sub") and ops2[0].startswith("$") \
                        and len(ops2) == 2 else None
                    if k is not None:
                        k *= 1 if mn2.startswith("add") else -1
                        if dst in strides:
                            other.add(dst)
                        strides[dst] = k
                        mods.setdefault(dst, []).append(a2)
                    else:
                        other.add(dst)
                loops.setdefault(t, {}).update({r: k for r, k in strides.items() if r not in other})
                ends = loop_info.get(t, {}).get("end", t)
                loop_info[t] = {"end": max(ends, addr), "written": loop_info.get(t, {}).get("written", set())
                                | other | set(strides), "mods": mods}
    # rotated loops (`jmp entry; head: add $k,%r; cmp; jcc exit; entry: ... jcc head`): the head is reached
    # only by the back edges, which this single forward pass sees too late. An unconditional jump from
    # before the head to an entry inside the loop seeds the head instead (see the main loop).
    rotated = {}
    for i, (addr, mn, ops, _) in enumerate(insns):
        if mn in ("jmp", "jmpq") and is_local(ops):
            e, _ = direct_target(ops)
            for t, li in loop_info.items():
                if addr < t < e <= li["end"]:
                    rotated.setdefault(t, set()).add(e)

    def merge(states):
        states = [st for st in states if st is not None]
        if not states:
            return {}
        out = dict(states[0])
        for st in states[1:]:
            for r in list(out):
                a, b = out[r], st.get(r)
                if a == b or (b is not None and a[0] == "iter" and a[1] == b):
                    continue
                if b is not None and b[0] == "iter" and b[1] == a:
                    out[r] = b
                    continue
                del out[r]
        return out

    def mem(op, state):
        mm = MEM.match(op)
        if not mm:
            return None
        if mm.group(2) == "rip" and not mm.group(3):
            return ("const", rip_targets[cur[0]]) if cur[0] in rip_targets else None
        base = state.get(REG64.get(mm.group(2)))
        disp = number(mm.group(1) or "0")
        if disp is None:
            return None
        if mm.group(3):
            idx = state.get(REG64.get(mm.group(3)[2:]))
            scale = int(mm.group(4)[1:]) if mm.group(4) else 1
            if base is None or idx is None:
                return None
            return ("index", e_add(base, disp), idx, scale)
        return e_add(base, disp)

    def value(op, state, width):
        if op.startswith("$"):
            k = number(op[1:])
            return None if k is None else ("const", k)
        if op.startswith("%"):
            return state.get(REG64.get(op[1:]))
        return e_load(mem(op, state), width)

    state = {"rdi": OBJ, "rsi": VISIT, "rdx": ARG}
    pending = {}
    out = {"visits": [], "reads": set(), "compares": [], "jccs": [], "delegates": [], "problems": unreadable,
           "insns": insns}
    last_cmp, fallthrough = None, True
    cur = [0]
    for i, (addr, mn, ops, text) in enumerate(insns):
        cur[0] = i
        incoming = pending.get(addr, [])
        reached = fallthrough or bool(incoming)
        if incoming or not fallthrough:
            state = merge(([state] if fallthrough else []) + incoming)
            last_cmp = None
        if not reached and addr in rotated and len(rotated[addr]) == 1:
            # the head of a rotated loop: seed it from the one jump into the loop. A register stepped by
            # add/sub $k only between the head and the entry takes the same values here as at the entry.
            e = next(iter(rotated[addr]))
            entry = pending.get(e, [])
            if len(entry) == 1:
                li = loop_info[addr]
                state, reached = {}, True
                for r, v in entry[0].items():
                    if r in loops[addr] and all(addr <= a < e for a in li["mods"].get(r, [])):
                        state[r] = ("iter", v, loops[addr][r])
                    elif r not in li["written"]:
                        state[r] = v
        elif addr in loops:
            for r, k in loops[addr].items():
                if state.get(r) is not None:
                    state[r] = ("iter", state[r], k)
        fallthrough = reached                           # padding after a jump/return stays unreachable
        if not mn or mn.startswith("nop") or mn in ("endbr64", "hlt", "int3") or \
                (mn.startswith("xchg") and len(ops) == 2 and ops[0] == ops[1]):
            continue
        fallthrough = True
        if mn in ("push", "pushq"):
            continue
        for op in ops[:-1] if mn.startswith(("mov", "lea")) else ops:
            if "(" in op and not mn.startswith("lea") and not mn.startswith("nop"):
                ld = e_load(mem(op, state), load_width(mn, ops[-1] if ops else None))
                if ld is not None:
                    out["reads"].add(e_render(ld))
        if mn in ("ret", "retq", "ud2"):
            fallthrough = False
            continue
        if mn.startswith("cmp") and len(ops) == 2:
            regs = [o for o in ops if o.startswith("%")]
            width = load_width(mn, regs[0] if regs else None)
            left, right = value(ops[1], state, width), value(ops[0], state, width)
            last_cmp = (e_render(left), e_render(right))
            out["compares"].append(last_cmp)
            continue
        if mn.startswith("test"):
            last_cmp = ("test", "%s %s" % (mn, ",".join(ops)))
            continue
        if mn.startswith("j") and mn not in ("jmp", "jmpq"):
            t, _ = direct_target(ops)
            out["jccs"].append({"index": i, "mn": mn, "target": t, "cmp": last_cmp})
            if t is not None:
                pending.setdefault(t, []).append(dict(state))
            continue
        if mn in ("call", "callq", "jmp", "jmpq"):
            tail = mn.startswith("jmp")
            target = ops[0] if ops else ""
            if target.startswith("*"):
                r = REG64.get(target[2:]) if target.startswith("*%") else None
                if r is not None and state.get(r) == VISIT:
                    out["visits"].append(e_render(state.get("rdi")))
                    if state.get("rsi") != ARG:
                        out["problems"].append("visit called with %s as arg: %s" % (e_render(state.get("rsi")), text))
                elif r is not None and state.get(r) is not None and any(state.get(a) == VISIT for a in ARG_REGS):
                    # e.g. `return PyDict_Type.tp_traverse(self, visit, arg)`: the target is rendered
                    out["delegates"].append({"index": i, "target": "*" + e_render(state.get(r)),
                                             "rdi": e_render(state.get("rdi")),
                                             "ok_args": state.get("rsi") == VISIT and state.get("rdx") == ARG,
                                             "text": text})
                elif any(state.get(a) == VISIT for a in ARG_REGS):
                    out["problems"].append("visit handed to an indirect call: %s" % text)
            elif is_local(ops):
                t, _ = direct_target(ops)
                pending.setdefault(t, []).append(dict(state))
                fallthrough = False
                continue
            else:
                _, name = direct_target(ops)
                if any(state.get(a) == VISIT for a in ARG_REGS):
                    out["delegates"].append({"index": i, "target": (name or target).split("@")[0],
                                             "rdi": e_render(state.get("rdi")),
                                             "ok_args": state.get("rsi") == VISIT and state.get("rdx") == ARG,
                                             "text": text})
            if tail:
                fallthrough = False
            else:
                for r in CALLER_SAVED:
                    state.pop(r, None)
            last_cmp = None
            continue
        dst = reg(ops[-1]) if ops else None
        if not mn.startswith(FLAG_NEUTRAL):
            last_cmp = None
        if dst is None:
            continue
        if mn.startswith("xchg") and len(ops) == 2:
            a, b = reg(ops[0]), reg(ops[1])
            sa, sb = state.pop(a, None), state.pop(b, None)
            if a and sb is not None:
                state[a] = sb
            if b and sa is not None:
                state[b] = sa
            continue
        if mn.startswith("mov") and len(ops) == 2:
            v = value(ops[0], state, load_width(mn, ops[-1]))
            if v is None:
                state.pop(dst, None)
            else:
                state[dst] = v
            continue
        if mn.startswith("lea") and len(ops) == 2:
            v = mem(ops[0], state)
            if v is None or v[0] == "index":
                state.pop(dst, None)
            else:
                state[dst] = v
            continue
        if mn.startswith("xor") and len(ops) == 2 and reg(ops[0]) == dst:
            state[dst] = ("const", 0)
            continue
        if mn.rstrip("lq") in ("add", "sub") and len(ops) == 2 and ops[0].startswith("$"):
            k = number(ops[0][1:])
            v = None if k is None else e_add(state.get(dst), k * (1 if mn.startswith("add") else -1))
            if v is None:
                state.pop(dst, None)
            else:
                state[dst] = v
            continue
        state.pop(dst, None)                            # anything else that writes a register
    return out
