"""Questions about the control flow of a trace (tracer.trace_function): which compares guard a delegate call
(`guards`), whether it is reached unconditionally (`unconditional`), and whether a loop counts Py_SIZE(self)-1
down to 0 (`counts_down_to_zero`)."""

from x86 import JCC_NEGATE, TARGET, reg


def _straight(insns, lo, hi):
    """No jump, call or return among insns[lo:hi]."""
    return all(not (mn.startswith("j") or mn.startswith("call") or mn.startswith("ret")) for _, mn, _, _ in insns[lo:hi])


def _targeted(trace, lo, hi):
    """Whether a jump lands on any of insns[lo:hi]."""
    addrs = set(a for a, _, _, _ in trace["insns"][lo:hi])
    return any(j["target"] in addrs for j in trace["jccs"]) or any(
        mn.startswith("jmp") and TARGET.match(ops[0] or "") and int(TARGET.match(ops[0]).group(1), 16) in addrs
        for _, mn, ops, _ in trace["insns"] if ops)


def guards(trace, delegate):
    """(compare, condition under which the delegate call is reached) for the jumps that guard it."""
    insns, di, found = trace["insns"], delegate["index"], []
    index_of = {a: k for k, (a, _, _, _) in enumerate(insns)}

    def before(t):                                      # the last instruction before t that is not padding
        t -= 1
        while t >= 0 and (not insns[t][1] or insns[t][1].startswith("nop") or (insns[t][1] == "xchg" and insns[t][2][:1] == insns[t][2][-1:])):
            t -= 1
        return insns[t][1] if t >= 0 else ""

    for j in trace["jccs"]:
        t = index_of.get(j["target"])
        # taken: the target runs straight into the call, and nothing else reaches that run
        if t is not None and t <= di and _straight(insns, t, di) and t > 0 and \
                before(t).startswith(("jmp", "ret")) and \
                not _targeted(trace, t + 1, di + 1) and \
                [x for x in trace["jccs"] if x["target"] == j["target"]] == [j]:
            found.append((j["cmp"], j["mn"]))
        # not taken: the fall-through runs straight into the call
        if j["index"] < di and _straight(insns, j["index"] + 1, di) and not _targeted(trace, j["index"] + 1, di + 1):
            found.append((j["cmp"], JCC_NEGATE.get(j["mn"], "!" + j["mn"])))
    return found


def unconditional(trace, delegate):
    """Every conditional jump before the call that skips it is an error exit after a visit call."""
    insns, di = trace["insns"], delegate["index"]
    call_addr = insns[di][0]
    if any(mn.startswith(("ret", "jmp")) for _, mn, _, _ in insns[:di]) or guards(trace, delegate):
        return False
    for j in trace["jccs"]:
        if j["index"] < di and (j["target"] is None or j["target"] > call_addr):
            if j["cmp"] != ("test", "test %eax,%eax") or not insns[j["index"] - 2][1].startswith(("call", "jmp")):
                return False
    return True


def counts_down_to_zero(tr):
    """The loop shape of `for (i = Py_SIZE(self); --i >= 0;)`: the first conditional jump is `js` right after
    `sub $1, R` (skip when Py_SIZE - 1 < 0) and the one backward jump is `jae` right after `sub $1, R` (go on
    while R was >= 1 before the decrement, i.e. down to and including 0), with the same register R."""
    insns = tr["insns"]

    def prev(k):
        k -= 1
        while k >= 0 and (not insns[k][1] or insns[k][1].startswith("nop") or insns[k][1] == "xchg"):
            k -= 1
        return k

    def dec_reg(k):
        if k < 0:
            return None
        mn, ops = insns[k][1], insns[k][2]
        if len(ops) == 2 and ((mn.rstrip("lq") == "sub" and ops[0] == "$0x1") or
                              (mn.rstrip("lq") == "add" and ops[0] in ("$0xffffffffffffffff", "$-1"))):
            return reg(ops[1])
        return None

    jccs = tr["jccs"]
    back = [j for j in jccs if j["target"] is not None and j["target"] <= insns[j["index"]][0]]
    if not jccs or len(back) != 1 or back[0]["mn"] not in ("jae", "jnb", "jnc") or jccs[0]["mn"] != "js":
        return False
    r1, r2 = dec_reg(prev(jccs[0]["index"])), dec_reg(prev(back[0]["index"]))
    return r1 is not None and r1 == r2
