"""x86-64 in AT&T syntax as gdb's `disassemble` prints it (`   0x...775c0 <+0>:\tmov    0x18(%rdi),%rdi`):
register names and their 64-bit registers, the SysV argument and caller-saved registers, instruction line and
operand patterns, and the width of a load. Shared by field_visits.py and tracer.py."""

import re

REG64 = {}
for _r in ("ax", "bx", "cx", "dx", "si", "di", "bp", "sp"):
    REG64["r" + _r] = REG64["e" + _r] = REG64[_r] = "r" + _r
REG64.update({"al": "rax", "ah": "rax", "bl": "rbx", "bh": "rbx", "cl": "rcx", "ch": "rcx", "dl": "rdx",
              "dh": "rdx", "sil": "rsi", "dil": "rdi", "bpl": "rbp", "spl": "rsp"})
for _n in range(8, 16):
    for _suffix in ("", "d", "w", "b"):
        REG64["r%d%s" % (_n, _suffix)] = "r%d" % _n
CALLER_SAVED = ("rax", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11")
ARG_REGS = ("rdi", "rsi", "rdx", "rcx", "r8", "r9")
PREFIXES = ("cs", "ds", "es", "ss", "rep", "repz", "repnz", "notrack", "bnd", "lock", "data16")
INSN = re.compile(r"^\s*(?:=>\s*)?0x[0-9a-f]+\s+<\+\d+>:\s+(.*)$")
MEM = re.compile(r"^(-?0x[0-9a-f]+|-?\d+)?\(%(\w+)(,%\w+)?(,\d+)?\)$")


def operands(text):
    ops, depth, cur = [], 0, ""
    for ch in text:
        if ch == "," and depth == 0:
            ops.append(cur.strip())
            cur = ""
            continue
        depth += ch == "("
        depth -= ch == ")"
        cur += ch
    if cur.strip():
        ops.append(cur.strip())
    return ops


def reg(op):
    return REG64.get(op[1:]) if op.startswith("%") else None


def number(text):
    """An immediate or displacement as gdb prints it (0x18, -0x8, 24), or None if it is not one."""
    try:
        return int(text, 0)
    except ValueError:
        return None


JCC_NEGATE = {"je": "jne", "jne": "je", "jz": "jnz", "jnz": "jz", "jl": "jge", "jge": "jl", "jle": "jg",
              "jg": "jle", "jb": "jae", "jae": "jb", "jbe": "ja", "ja": "jbe", "js": "jns", "jns": "js"}
FLAG_NEUTRAL = ("mov", "lea", "push", "pop", "nop", "endbr64", "xchg")
INSN_ADDR = re.compile(r"^\s*(?:=>\s*)?(0x[0-9a-f]+)\s+<\+\d+>:\s+(.*)$")
TARGET = re.compile(r"^(0x[0-9a-f]+)\s+<([^>+]+)(\+\d+)?>$")


def reg_width(op):
    name = op[1:] if op.startswith("%") else op
    if name in ("al", "ah", "bl", "bh", "cl", "ch", "dl", "dh", "sil", "dil", "bpl", "spl") or \
            re.match(r"^r\d+b$", name):
        return 1
    if name in ("ax", "bx", "cx", "dx", "si", "di", "bp", "sp") or re.match(r"^r\d+w$", name):
        return 2
    if name.startswith("e") or re.match(r"^r\d+d$", name):
        return 4
    return 8


def load_width(mn, dst):
    for prefix, w in (("movzb", 1), ("movsb", 1), ("movzw", 2), ("movsw", 2), ("movsl", 4), ("movslq", 4)):
        if mn.startswith(prefix):
            return w
    if mn.startswith("cmp") and mn[-1:] in "bwlq" and len(mn) == 4:
        return {"b": 1, "w": 2, "l": 4, "q": 8}[mn[-1]]
    return reg_width(dst) if dst and dst.startswith("%") else 8
