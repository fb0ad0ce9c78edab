"""Tests of the x86-64 disassembly check (run by Tests/CPythonLayoutsTests/LayoutGeneratorTests.swift, or
`python3 -m unittest scripts/layouts/test_tracer.py`): the plain-field reader (field_visits.visited_offsets),
the symbolic tracer (tracer.trace_function), the questions about its control flow (trace_shape) and the
verification step built on them (verify), on gdb `disassemble` output (AT&T syntax). The real functions are
from pyenv's CPython 3.12.1 libpython3.12.so.1.0 (`gdb -batch -ex 'disassemble token_tp_traverse' LIB`)."""

import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from field_visits import visited_offsets  # noqa: E402
from trace_shape import counts_down_to_zero, guards, unconditional  # noqa: E402
from tracer import OBJ, e_add, e_field, e_load, e_render, trace_function  # noqa: E402
from verify import check_field_visits, check_trace  # noqa: E402

# Python/context.c token_tp_traverse: Py_VISIT(tok_ctx), Py_VISIT(tok_var), Py_VISIT(tok_oldval); the last one
# a tail jump through %rax.
TOKEN_TRAVERSE = """\
Dump of assembler code for function token_tp_traverse:
   0x000000000029ccf0 <+0>:\tpush   %r12
   0x000000000029ccf2 <+2>:\tmov    %rdx,%r12
   0x000000000029ccf5 <+5>:\tpush   %rbp
   0x000000000029ccf6 <+6>:\tmov    %rsi,%rbp
   0x000000000029ccf9 <+9>:\tpush   %rbx
   0x000000000029ccfa <+10>:\tmov    %rdi,%rbx
   0x000000000029ccfd <+13>:\tmov    0x10(%rdi),%rdi
   0x000000000029cd01 <+17>:\ttest   %rdi,%rdi
   0x000000000029cd04 <+20>:\tje     0x29cd0f <token_tp_traverse+31>
   0x000000000029cd06 <+22>:\tmov    %rdx,%rsi
   0x000000000029cd09 <+25>:\tcall   *%rbp
   0x000000000029cd0b <+27>:\ttest   %eax,%eax
   0x000000000029cd0d <+29>:\tjne    0x29cd40 <token_tp_traverse+80>
   0x000000000029cd0f <+31>:\tmov    0x18(%rbx),%rdi
   0x000000000029cd13 <+35>:\ttest   %rdi,%rdi
   0x000000000029cd16 <+38>:\tje     0x29cd21 <token_tp_traverse+49>
   0x000000000029cd18 <+40>:\tmov    %r12,%rsi
   0x000000000029cd1b <+43>:\tcall   *%rbp
   0x000000000029cd1d <+45>:\ttest   %eax,%eax
   0x000000000029cd1f <+47>:\tjne    0x29cd40 <token_tp_traverse+80>
   0x000000000029cd21 <+49>:\tmov    0x20(%rbx),%rdi
   0x000000000029cd25 <+53>:\txor    %eax,%eax
   0x000000000029cd27 <+55>:\ttest   %rdi,%rdi
   0x000000000029cd2a <+58>:\tje     0x29cd40 <token_tp_traverse+80>
   0x000000000029cd2c <+60>:\tpop    %rbx
   0x000000000029cd2d <+61>:\tmov    %r12,%rsi
   0x000000000029cd30 <+64>:\tmov    %rbp,%rax
   0x000000000029cd33 <+67>:\tpop    %rbp
   0x000000000029cd34 <+68>:\tpop    %r12
   0x000000000029cd36 <+70>:\tjmp    *%rax
   0x000000000029cd38 <+72>:\tnopl   0x0(%rax,%rax,1)
   0x000000000029cd40 <+80>:\tpop    %rbx
   0x000000000029cd41 <+81>:\tpop    %rbp
   0x000000000029cd42 <+82>:\tpop    %r12
   0x000000000029cd44 <+84>:\tret
End of assembler dump.
"""

# Python/hamt.c hamt_node_bitmap_traverse: for (i = Py_SIZE(self); --i >= 0;) Py_VISIT(self->b_array[i]);
HAMT_BITMAP_TRAVERSE = """\
Dump of assembler code for function hamt_node_bitmap_traverse:
   0x00000000002afa40 <+0>:\tpush   %r13
   0x00000000002afa42 <+2>:\tpush   %r12
   0x00000000002afa44 <+4>:\tpush   %rbp
   0x00000000002afa45 <+5>:\tpush   %rbx
   0x00000000002afa46 <+6>:\tsub    $0x8,%rsp
   0x00000000002afa4a <+10>:\tmov    0x10(%rdi),%rbx
   0x00000000002afa4e <+14>:\tsub    $0x1,%rbx
   0x00000000002afa52 <+18>:\tjs     0x2afa7a <hamt_node_bitmap_traverse+58>
   0x00000000002afa54 <+20>:\tmov    %rdi,%rbp
   0x00000000002afa57 <+23>:\tmov    %rsi,%r13
   0x00000000002afa5a <+26>:\tmov    %rdx,%r12
   0x00000000002afa5d <+29>:\tnopl   (%rax)
   0x00000000002afa60 <+32>:\tmov    0x20(%rbp,%rbx,8),%rdi
   0x00000000002afa65 <+37>:\ttest   %rdi,%rdi
   0x00000000002afa68 <+40>:\tje     0x2afa74 <hamt_node_bitmap_traverse+52>
   0x00000000002afa6a <+42>:\tmov    %r12,%rsi
   0x00000000002afa6d <+45>:\tcall   *%r13
   0x00000000002afa70 <+48>:\ttest   %eax,%eax
   0x00000000002afa72 <+50>:\tjne    0x2afa7c <hamt_node_bitmap_traverse+60>
   0x00000000002afa74 <+52>:\tsub    $0x1,%rbx
   0x00000000002afa78 <+56>:\tjae    0x2afa60 <hamt_node_bitmap_traverse+32>
   0x00000000002afa7a <+58>:\txor    %eax,%eax
   0x00000000002afa7c <+60>:\tadd    $0x8,%rsp
   0x00000000002afa80 <+64>:\tpop    %rbx
   0x00000000002afa81 <+65>:\tpop    %rbp
   0x00000000002afa82 <+66>:\tpop    %r12
   0x00000000002afa84 <+68>:\tpop    %r13
   0x00000000002afa86 <+70>:\tret
End of assembler dump.
"""

# Python/hamt.c hamt_node_array_traverse: for (i = 0; i < HAMT_ARRAY_NODE_SIZE; i++) Py_VISIT(self->a_array[i]);
# (a rotated loop over a fixed array of 32 pointers at offset 16, ending at obj+272)
HAMT_ARRAY_TRAVERSE = """\
Dump of assembler code for function hamt_node_array_traverse:
   0x00000000002afae0 <+0>:\tpush   %r13
   0x00000000002afae2 <+2>:\tmov    %rsi,%r13
   0x00000000002afae5 <+5>:\tpush   %r12
   0x00000000002afae7 <+7>:\tmov    %rdx,%r12
   0x00000000002afaea <+10>:\tpush   %rbp
   0x00000000002afaeb <+11>:\tlea    0x110(%rdi),%rbp
   0x00000000002afaf2 <+18>:\tpush   %rbx
   0x00000000002afaf3 <+19>:\tlea    0x10(%rdi),%rbx
   0x00000000002afaf7 <+23>:\tsub    $0x8,%rsp
   0x00000000002afafb <+27>:\tjmp    0x2afb09 <hamt_node_array_traverse+41>
   0x00000000002afafd <+29>:\tnopl   (%rax)
   0x00000000002afb00 <+32>:\tadd    $0x8,%rbx
   0x00000000002afb04 <+36>:\tcmp    %rbp,%rbx
   0x00000000002afb07 <+39>:\tje     0x2afb30 <hamt_node_array_traverse+80>
   0x00000000002afb09 <+41>:\tmov    (%rbx),%rdi
   0x00000000002afb0c <+44>:\ttest   %rdi,%rdi
   0x00000000002afb0f <+47>:\tje     0x2afb00 <hamt_node_array_traverse+32>
   0x00000000002afb11 <+49>:\tmov    %r12,%rsi
   0x00000000002afb14 <+52>:\tcall   *%r13
   0x00000000002afb17 <+55>:\ttest   %eax,%eax
   0x00000000002afb19 <+57>:\tje     0x2afb00 <hamt_node_array_traverse+32>
   0x00000000002afb1b <+59>:\tadd    $0x8,%rsp
   0x00000000002afb1f <+63>:\tpop    %rbx
   0x00000000002afb20 <+64>:\tpop    %rbp
   0x00000000002afb21 <+65>:\tpop    %r12
   0x00000000002afb23 <+67>:\tpop    %r13
   0x00000000002afb25 <+69>:\tret
   0x00000000002afb26 <+70>:\tcs nopw 0x0(%rax,%rax,1)
   0x00000000002afb30 <+80>:\tadd    $0x8,%rsp
   0x00000000002afb34 <+84>:\txor    %eax,%eax
   0x00000000002afb36 <+86>:\tpop    %rbx
   0x00000000002afb37 <+87>:\tpop    %rbp
   0x00000000002afb38 <+88>:\tpop    %r12
   0x00000000002afb3a <+90>:\tpop    %r13
   0x00000000002afb3c <+92>:\tret
End of assembler dump.
"""

# Objects/frameobject.c frame_traverse (3.12): f_back, f_trace, then
# `if (f->f_frame->owner == FRAME_OWNED_BY_FRAME_OBJECT) return _PyFrame_Traverse(f->f_frame, visit, arg);`
FRAME_TRAVERSE = """\
Dump of assembler code for function frame_traverse:
   0x00000000001943f0 <+0>:\tpush   %r12
   0x00000000001943f2 <+2>:\tmov    %rdx,%r12
   0x00000000001943f5 <+5>:\tpush   %rbp
   0x00000000001943f6 <+6>:\tmov    %rsi,%rbp
   0x00000000001943f9 <+9>:\tpush   %rbx
   0x00000000001943fa <+10>:\tmov    %rdi,%rbx
   0x00000000001943fd <+13>:\tmov    0x10(%rdi),%rdi
   0x0000000000194401 <+17>:\ttest   %rdi,%rdi
   0x0000000000194404 <+20>:\tje     0x19440f <frame_traverse+31>
   0x0000000000194406 <+22>:\tmov    %rdx,%rsi
   0x0000000000194409 <+25>:\tcall   *%rbp
   0x000000000019440b <+27>:\ttest   %eax,%eax
   0x000000000019440d <+29>:\tjne    0x19442d <frame_traverse+61>
   0x000000000019440f <+31>:\tmov    0x20(%rbx),%rdi
   0x0000000000194413 <+35>:\ttest   %rdi,%rdi
   0x0000000000194416 <+38>:\tje     0x194421 <frame_traverse+49>
   0x0000000000194418 <+40>:\tmov    %r12,%rsi
   0x000000000019441b <+43>:\tcall   *%rbp
   0x000000000019441d <+45>:\ttest   %eax,%eax
   0x000000000019441f <+47>:\tjne    0x19442d <frame_traverse+61>
   0x0000000000194421 <+49>:\tmov    0x18(%rbx),%rdi
   0x0000000000194425 <+53>:\txor    %eax,%eax
   0x0000000000194427 <+55>:\tcmpb   $0x2,0x46(%rdi)
   0x000000000019442b <+59>:\tje     0x194438 <frame_traverse+72>
   0x000000000019442d <+61>:\tpop    %rbx
   0x000000000019442e <+62>:\tpop    %rbp
   0x000000000019442f <+63>:\tpop    %r12
   0x0000000000194431 <+65>:\tret
   0x0000000000194432 <+66>:\tnopw   0x0(%rax,%rax,1)
   0x0000000000194438 <+72>:\tpop    %rbx
   0x0000000000194439 <+73>:\tmov    %r12,%rdx
   0x000000000019443c <+76>:\tmov    %rbp,%rsi
   0x000000000019443f <+79>:\tpop    %rbp
   0x0000000000194440 <+80>:\tpop    %r12
   0x0000000000194442 <+82>:\tjmp    0x2a63f0 <_PyFrame_Traverse>
End of assembler dump.
"""

# Objects/moduleobject.c module_traverse: md_def->m_traverse(m, visit, arg) (an indirect call), then md_dict.
MODULE_TRAVERSE = """\
Dump of assembler code for function module_traverse:
   0x00000000001c68c0 <+0>:\tpush   %r12
   0x00000000001c68c2 <+2>:\tmov    %rdx,%r12
   0x00000000001c68c5 <+5>:\tpush   %rbp
   0x00000000001c68c6 <+6>:\tmov    %rsi,%rbp
   0x00000000001c68c9 <+9>:\tpush   %rbx
   0x00000000001c68ca <+10>:\tmov    0x18(%rdi),%rax
   0x00000000001c68ce <+14>:\tmov    %rdi,%rbx
   0x00000000001c68d1 <+17>:\ttest   %rax,%rax
   0x00000000001c68d4 <+20>:\tje     0x1c68fc <module_traverse+60>
   0x00000000001c68d6 <+22>:\tmov    0x50(%rax),%rcx
   0x00000000001c68da <+26>:\ttest   %rcx,%rcx
   0x00000000001c68dd <+29>:\tje     0x1c68fc <module_traverse+60>
   0x00000000001c68df <+31>:\tcmpq   $0x0,0x38(%rax)
   0x00000000001c68e4 <+36>:\tjle    0x1c68ed <module_traverse+45>
   0x00000000001c68e6 <+38>:\tcmpq   $0x0,0x20(%rdi)
   0x00000000001c68eb <+43>:\tje     0x1c68fc <module_traverse+60>
   0x00000000001c68ed <+45>:\tmov    %r12,%rdx
   0x00000000001c68f0 <+48>:\tmov    %rbp,%rsi
   0x00000000001c68f3 <+51>:\tmov    %rbx,%rdi
   0x00000000001c68f6 <+54>:\tcall   *%rcx
   0x00000000001c68f8 <+56>:\ttest   %eax,%eax
   0x00000000001c68fa <+58>:\tjne    0x1c6918 <module_traverse+88>
   0x00000000001c68fc <+60>:\tmov    0x10(%rbx),%rdi
   0x00000000001c6900 <+64>:\txor    %eax,%eax
   0x00000000001c6902 <+66>:\ttest   %rdi,%rdi
   0x00000000001c6905 <+69>:\tje     0x1c6918 <module_traverse+88>
   0x00000000001c6907 <+71>:\tpop    %rbx
   0x00000000001c6908 <+72>:\tmov    %r12,%rsi
   0x00000000001c690b <+75>:\tmov    %rbp,%rax
   0x00000000001c690e <+78>:\tpop    %rbp
   0x00000000001c690f <+79>:\tpop    %r12
   0x00000000001c6911 <+81>:\tjmp    *%rax
   0x00000000001c6913 <+83>:\tnopl   0x0(%rax,%rax,1)
   0x00000000001c6918 <+88>:\tpop    %rbx
   0x00000000001c6919 <+89>:\tpop    %rbp
   0x00000000001c691a <+90>:\tpop    %r12
   0x00000000001c691c <+92>:\tret
End of assembler dump.
"""

# Hand-written, in the compiler's usual shape: four fields, the third after a reload of the object from %rbx.
PLAIN_FOUR = """\
Dump of assembler code for function four_traverse:
   0x0000000000001000 <+0>:\tpush   %r12
   0x0000000000001004 <+4>:\tmov    %rdx,%r12
   0x0000000000001008 <+8>:\tpush   %rbp
   0x000000000000100c <+12>:\tmov    %rsi,%rbp
   0x0000000000001010 <+16>:\tpush   %rbx
   0x0000000000001014 <+20>:\tmov    %rdi,%rbx
   0x0000000000001018 <+24>:\tmov    0x18(%rdi),%rdi
   0x000000000000101c <+28>:\ttest   %rdi,%rdi
   0x0000000000001020 <+32>:\tje     0x1034 <four_traverse+52>
   0x0000000000001024 <+36>:\tmov    %r12,%rsi
   0x0000000000001028 <+40>:\tcall   *%rbp
   0x000000000000102c <+44>:\ttest   %eax,%eax
   0x0000000000001030 <+48>:\tjne    0x1094 <four_traverse+148>
   0x0000000000001034 <+52>:\tmov    0x20(%rbx),%rdi
   0x0000000000001038 <+56>:\ttest   %rdi,%rdi
   0x000000000000103c <+60>:\tje     0x1050 <four_traverse+80>
   0x0000000000001040 <+64>:\tmov    %r12,%rsi
   0x0000000000001044 <+68>:\tcall   *%rbp
   0x0000000000001048 <+72>:\ttest   %eax,%eax
   0x000000000000104c <+76>:\tjne    0x1094 <four_traverse+148>
   0x0000000000001050 <+80>:\tmov    0x30(%rbx),%rdi
   0x0000000000001054 <+84>:\ttest   %rdi,%rdi
   0x0000000000001058 <+88>:\tje     0x106c <four_traverse+108>
   0x000000000000105c <+92>:\tmov    %r12,%rsi
   0x0000000000001060 <+96>:\tcall   *%rbp
   0x0000000000001064 <+100>:\ttest   %eax,%eax
   0x0000000000001068 <+104>:\tjne    0x1094 <four_traverse+148>
   0x000000000000106c <+108>:\tmov    0x10(%rbx),%rdi
   0x0000000000001070 <+112>:\txor    %eax,%eax
   0x0000000000001074 <+116>:\ttest   %rdi,%rdi
   0x0000000000001078 <+120>:\tje     0x1094 <four_traverse+148>
   0x000000000000107c <+124>:\tmov    %r12,%rsi
   0x0000000000001080 <+128>:\tmov    %rbp,%rax
   0x0000000000001084 <+132>:\tpop    %rbx
   0x0000000000001088 <+136>:\tpop    %rbp
   0x000000000000108c <+140>:\tpop    %r12
   0x0000000000001090 <+144>:\tjmp    *%rax
   0x0000000000001094 <+148>:\tpop    %rbx
   0x0000000000001098 <+152>:\tpop    %rbp
   0x000000000000109c <+156>:\tpop    %r12
   0x00000000000010a0 <+160>:\tret
End of assembler dump.
"""

# The same with `arg` reloaded from %rdx after a call (caller-saved: lost across `call *%rbp`).
CLOBBERED_ARG = """\
   0x0000000000001000 <+0>:\tpush   %r12
   0x0000000000001004 <+4>:\tmov    %rdx,%r12
   0x0000000000001008 <+8>:\tpush   %rbp
   0x000000000000100c <+12>:\tmov    %rsi,%rbp
   0x0000000000001010 <+16>:\tpush   %rbx
   0x0000000000001014 <+20>:\tmov    %rdi,%rbx
   0x0000000000001018 <+24>:\tmov    0x18(%rdi),%rdi
   0x000000000000101c <+28>:\ttest   %rdi,%rdi
   0x0000000000001020 <+32>:\tje     0x1034 <four_traverse+52>
   0x0000000000001024 <+36>:\tmov    %rdx,%rsi
   0x0000000000001028 <+40>:\tcall   *%rbp
   0x000000000000102c <+44>:\ttest   %eax,%eax
   0x0000000000001030 <+48>:\tjne    0x1094 <four_traverse+148>
   0x0000000000001034 <+52>:\tmov    0x20(%rbx),%rdi
   0x0000000000001038 <+56>:\ttest   %rdi,%rdi
   0x000000000000103c <+60>:\tje     0x1050 <four_traverse+80>
   0x0000000000001040 <+64>:\tmov    %rdx,%rsi
   0x0000000000001044 <+68>:\tcall   *%rbp
   0x0000000000001048 <+72>:\ttest   %eax,%eax
   0x000000000000104c <+76>:\tjne    0x1094 <four_traverse+148>
   0x0000000000001050 <+80>:\tmov    0x30(%rbx),%rdi
   0x0000000000001054 <+84>:\ttest   %rdi,%rdi
   0x0000000000001058 <+88>:\tje     0x106c <four_traverse+108>
   0x000000000000105c <+92>:\tmov    %rdx,%rsi
   0x0000000000001060 <+96>:\tcall   *%rbp
   0x0000000000001064 <+100>:\ttest   %eax,%eax
   0x0000000000001068 <+104>:\tjne    0x1094 <four_traverse+148>
   0x000000000000106c <+108>:\tmov    0x10(%rbx),%rdi
   0x0000000000001070 <+112>:\txor    %eax,%eax
   0x0000000000001074 <+116>:\ttest   %rdi,%rdi
   0x0000000000001078 <+120>:\tje     0x1094 <four_traverse+148>
   0x000000000000107c <+124>:\tmov    %rdx,%rsi
   0x0000000000001080 <+128>:\tmov    %rbp,%rax
   0x0000000000001084 <+132>:\tpop    %rbx
   0x0000000000001088 <+136>:\tpop    %rbp
   0x000000000000108c <+140>:\tpop    %r12
   0x0000000000001090 <+144>:\tjmp    *%rax
   0x0000000000001094 <+148>:\tpop    %rbx
   0x0000000000001098 <+152>:\tpop    %rbp
   0x000000000000109c <+156>:\tpop    %r12
   0x00000000000010a0 <+160>:\tret
"""

# Hand-written: one field, then `return PyObject_VisitManagedDict(self, visit, arg)` (a direct tail call).
DIRECT_DELEGATE = """\
   0x0000000000002000 <+0>:\tpush   %r12
   0x0000000000002004 <+4>:\tmov    %rdx,%r12
   0x0000000000002008 <+8>:\tpush   %rbp
   0x000000000000200c <+12>:\tmov    %rsi,%rbp
   0x0000000000002010 <+16>:\tpush   %rbx
   0x0000000000002014 <+20>:\tmov    %rdi,%rbx
   0x0000000000002018 <+24>:\tmov    0x10(%rdi),%rdi
   0x000000000000201c <+28>:\ttest   %rdi,%rdi
   0x0000000000002020 <+32>:\tje     0x2034 <managed_traverse+52>
   0x0000000000002024 <+36>:\tmov    %rdx,%rsi
   0x0000000000002028 <+40>:\tcall   *%rbp
   0x000000000000202c <+44>:\ttest   %eax,%eax
   0x0000000000002030 <+48>:\tjne    0x2050 <managed_traverse+80>
   0x0000000000002034 <+52>:\tmov    %r12,%rdx
   0x0000000000002038 <+56>:\tmov    %rbp,%rsi
   0x000000000000203c <+60>:\tmov    %rbx,%rdi
   0x0000000000002040 <+64>:\tpop    %rbx
   0x0000000000002044 <+68>:\tpop    %rbp
   0x0000000000002048 <+72>:\tpop    %r12
   0x000000000000204c <+76>:\tjmp    0x9000 <PyObject_VisitManagedDict>
   0x0000000000002050 <+80>:\tpop    %rbx
   0x0000000000002054 <+84>:\tpop    %rbp
   0x0000000000002058 <+88>:\tpop    %r12
   0x000000000000205c <+92>:\tret
"""

SERIES = (3, 12)


def info(disassembly, function, arch="i386:x86-64"):
    """What gdb_helper reports for a traverse function (a typeobj / disasm result's value)."""
    return {"function": function, "address": 0x1000, "disassembly": disassembly, "arch": arch}


class PlainFields(unittest.TestCase):
    def test_visited_offsets_of_a_real_function(self):
        self.assertEqual(visited_offsets(TOKEN_TRAVERSE, "token_tp_traverse"), ([16, 24, 32], [], []))

    def test_visited_offsets_in_compiled_order(self):
        self.assertEqual(visited_offsets(PLAIN_FOUR, "four_traverse"), ([24, 32, 48, 16], [], []))

    def test_trace_sees_the_same_fields(self):
        for text, function, offsets in ((TOKEN_TRAVERSE, "token_tp_traverse", [16, 24, 32]),
                                        (PLAIN_FOUR, "four_traverse", [24, 32, 48, 16])):
            tr = trace_function(text, function)
            self.assertEqual(tr["visits"], [e_render(e_field(d)) for d in offsets])
            self.assertEqual((tr["problems"], tr["delegates"]), ([], []))

    def test_an_arg_lost_across_a_call_is_a_problem(self):
        tr = trace_function(CLOBBERED_ARG, "four_traverse")
        # the first call still has `arg` in %rdx; after it %rdx is unknown
        self.assertEqual(tr["problems"], ["visit called with ? as arg: call   *%rbp"] * 2 +
                         ["visit called with ? as arg: jmp    *%rax"])
        errors = []
        self.assertIsNone(check_trace(SERIES, "four", info(CLOBBERED_ARG, "four_traverse"),
                                      [e_field(d) for d in (16, 24, 32, 48)], errors, {}))
        self.assertIn("visit called with ? as arg", errors[0])

    def test_check_field_visits_accepts_exactly_the_listed_fields(self):
        errors, how = [], {}
        ok = check_field_visits(SERIES, "Four", {}, info(PLAIN_FOUR, "four_traverse"), ["a", "b", "c", "d"],
                                [16, 24, 32, 48], [], errors, how)
        self.assertTrue(ok)
        self.assertEqual(errors, [])
        self.assertEqual(how["trav.Four"], "four_traverse at 0x1000: visits [16, 24, 32, 48] "
                                           "(compiled order [24, 32, 48, 16])")

    def test_check_field_visits_reports_a_missing_and_an_extra_field(self):
        errors = []
        check_field_visits(SERIES, "Four", {}, info(PLAIN_FOUR, "four_traverse"), ["a", "b", "c", "x"],
                           [16, 24, 32, 40], [], errors, {})
        self.assertEqual(len(errors), 2, errors)
        self.assertIn("TRAVERSE lists x but the compiled four_traverse does not visit it", errors[0])
        self.assertIn("also visits offsets [48], missing from TRAVERSE", errors[1])

    def test_left_out_fields_are_visited_but_not_listed(self):
        errors = []
        self.assertTrue(check_field_visits(SERIES, "Four", {}, info(PLAIN_FOUR, "four_traverse"), ["a", "b", "c"],
                                           [16, 24, 32], [48], errors, {}))
        self.assertEqual(errors, [])

    def test_other_architectures_are_not_checked(self):
        errors = []
        self.assertFalse(check_field_visits(SERIES, "Four", {}, info(PLAIN_FOUR, "four_traverse", "aarch64"),
                                            ["a"], [16], [], errors, {}))
        self.assertIn("x86-64 only", errors[0])


class Loops(unittest.TestCase):
    def test_count_down_over_py_size(self):
        tr = trace_function(HAMT_BITMAP_TRAVERSE, "hamt_node_bitmap_traverse")
        # b_array[i] for i = Py_SIZE(self) - 1 down to 0, in steps of -1 (ob_size at 16, b_array at 32)
        index = ("iter", e_add(e_field(16), -1), -1)
        self.assertEqual(tr["visits"], [e_render(e_load(("index", e_add(OBJ, 32), index, 8)))])
        self.assertEqual(tr["visits"], ["*(obj+32+8*iter(*(obj+16)-1,-1))"])
        self.assertEqual(tr["problems"], [])
        self.assertTrue(counts_down_to_zero(tr))

    def test_fixed_array_with_its_end_compare(self):
        tr = trace_function(HAMT_ARRAY_TRAVERSE, "hamt_node_array_traverse")
        it = ("iter", e_add(OBJ, 16), 8)
        self.assertEqual(tr["visits"], [e_render(e_load(it))])
        self.assertIn((e_render(it), e_render(e_add(OBJ, 16 + 8 * 32))), tr["compares"])
        self.assertEqual(tr["compares"], [("iter(obj+16,8)", "obj+272")])
        self.assertFalse(counts_down_to_zero(tr))
        errors, how = [], {}
        self.assertIsNotNone(check_trace(SERIES, "arr", info(HAMT_ARRAY_TRAVERSE, "hamt_node_array_traverse"),
                                         [e_load(it)], errors, how, compares=[(it, e_add(OBJ, 272))]))
        self.assertEqual(errors, [])
        self.assertEqual(how["arr"], "hamt_node_array_traverse at 0x1000: visits ['*(iter(obj+16,8))']")

    def test_a_wrong_bound_is_an_error(self):
        it = ("iter", e_add(OBJ, 16), 8)
        errors = []
        self.assertIsNone(check_trace(SERIES, "arr", info(HAMT_ARRAY_TRAVERSE, "hamt_node_array_traverse"),
                                      [e_load(it)], errors, {}, compares=[(it, e_add(OBJ, 264))]))
        self.assertIn("does not compare iter(obj+16,8) with obj+264", errors[0])

    def test_the_plain_reader_refuses_loops(self):
        # no field of the object reaches visit: a problem, never a made-up offset
        for text, function in ((HAMT_BITMAP_TRAVERSE, "hamt_node_bitmap_traverse"),
                               (HAMT_ARRAY_TRAVERSE, "hamt_node_array_traverse")):
            offsets, problems, _ = visited_offsets(text, function)
            self.assertEqual(offsets, [])
            self.assertEqual(problems, ["visit called with None: call   *%r13"])


class Delegation(unittest.TestCase):
    def test_guarded_tail_call(self):
        tr = trace_function(FRAME_TRAVERSE, "frame_traverse")
        self.assertEqual(tr["visits"], ["*(obj+16)", "*(obj+32)"])
        self.assertEqual([(d["target"], d["rdi"], d["ok_args"]) for d in tr["delegates"]],
                         [("_PyFrame_Traverse", "*(obj+24)", True)])
        d = tr["delegates"][0]
        # f->f_frame->owner (a byte at 70) == FRAME_OWNED_BY_FRAME_OBJECT (2)
        self.assertEqual(guards(tr, d), [(("*1(*(obj+24)+70)", "2"), "je")])
        self.assertFalse(unconditional(tr, d))

    def test_check_trace_wants_the_delegation_and_its_guard(self):
        owner = (e_render(e_field(70, e_field(24), 1)), "2")
        frame = info(FRAME_TRAVERSE, "frame_traverse")
        errors, how = [], {}
        self.assertIsNotNone(check_trace(SERIES, "frame_traverse", frame, [e_field(16), e_field(32)], errors, how,
                                         delegates=[("_PyFrame_Traverse", e_field(24), [(owner, "je")])]))
        self.assertEqual(errors, [])
        self.assertEqual(how["frame_traverse.guard"], "_PyFrame_Traverse when *1(*(obj+24)+70) je 2")
        errors = []
        check_trace(SERIES, "frame_traverse", frame, [e_field(16), e_field(32)], errors, {})
        self.assertIn("hands visit to [('_PyFrame_Traverse', '*(obj+24)')], expected []", errors[0])
        errors = []
        check_trace(SERIES, "frame_traverse", frame, [e_field(16), e_field(32)], errors, {},
                    delegates=[("_PyFrame_Traverse", e_field(24), None)])
        self.assertIn("the call to _PyFrame_Traverse is conditional", errors[0])

    def test_unconditional_direct_tail_call(self):
        tr = trace_function(DIRECT_DELEGATE, "managed_traverse")
        self.assertEqual(tr["visits"], ["*(obj+16)"])
        self.assertEqual([(d["target"], d["rdi"], d["ok_args"]) for d in tr["delegates"]],
                         [("PyObject_VisitManagedDict", "obj", True)])
        self.assertTrue(unconditional(tr, tr["delegates"][0]))
        self.assertEqual(visited_offsets(DIRECT_DELEGATE, "managed_traverse"),
                         ([16], [], ["direct: jmp    0x9000 <PyObject_VisitManagedDict>"]))

    def test_indirect_call(self):
        self.assertEqual(visited_offsets(MODULE_TRAVERSE, "module_traverse"), ([16], [], ["indirect: call   *%rcx"]))
        tr = trace_function(MODULE_TRAVERSE, "module_traverse")
        self.assertEqual(tr["visits"], ["*(obj+16)"])
        # md_def (at 24)->m_traverse (at 80), called with the module itself
        self.assertEqual([(d["target"], d["rdi"]) for d in tr["delegates"]], [("**(*(obj+24)+80)", "obj")])

    @unittest.expectedFailure
    def test_plain_reader_sees_a_delegation_after_an_early_return(self):
        """Known limitation of the straight-line reader (it has no control flow): frame_traverse's early-return
        epilogue pops %rbp (visit) before the later block moves it into %rsi, so the tail call to
        _PyFrame_Traverse is not reported as a delegation. TRAVERSE's functions do not have this shape (the
        symbolic tracer, used for frames, sees it: test_guarded_tail_call)."""
        _, _, delegations = visited_offsets(FRAME_TRAVERSE, "frame_traverse")
        self.assertEqual(delegations, ["direct: jmp    0x2a63f0 <_PyFrame_Traverse>"])


GARBAGE = {
    "empty": "",
    "not disassembly": 'No symbol "cell_traverse" in current context.\n',
    "undecodable": "   0x0000000000001000 <+0>:\t(bad)\n   0x0000000000001001 <+1>:\tcall   *%rbp\n",
    "unknown mnemonic": ("   0x0000000000001000 <+0>:\tmov    %rsi,%rbp\n"
                         "   0x0000000000001003 <+3>:\tvmovq  %xmm0,%rdi\n"
                         "   0x0000000000001008 <+8>:\tmov    %rdx,%rsi\n"
                         "   0x000000000000100b <+11>:\tcall   *%rbp\n"),
    "no operands": "   0x0000000000001000 <+0>:\tmov\n   0x0000000000001001 <+1>:\tjmp\n   0x0000000000001002 <+2>:\tadd\n",
    "unreadable immediate": ("   0x0000000000001000 <+0>:\tadd    $foo,%rdi\n"
                             "   0x0000000000001004 <+4>:\tcmp    $bar,%rdi\n"
                             "   0x0000000000001008 <+8>:\tjne    0x1000 <f>\n"
                             "   0x000000000000100a <+10>:\tjmp    *%rsi\n"),
    "malformed memory": ("   0x0000000000001000 <+0>:\tmov    08(%rdi),%rdi\n"
                         "   0x0000000000001004 <+4>:\tmov    0x18(%rdi,%rsi,%rdx),%rax\n"
                         "   0x0000000000001008 <+8>:\tmov    ((%rdi),%rdi\n"
                         "   0x000000000000100c <+12>:\tjmp    *%rsi\n"),
    "lone prefixes": "   0x0000000000001000 <+0>:\tlock\n   0x0000000000001001 <+1>:\txchg\n   0x0000000000001002 <+2>:\tje     0x1001 <f+1>\n",
    "truncated": TOKEN_TRAVERSE[:len(TOKEN_TRAVERSE) // 2] + "   0x000000000029cd04 <+20>:\tje     0x29",
}


class Garbage(unittest.TestCase):
    def test_never_an_exception(self):
        for name, text in GARBAGE.items():
            with self.subTest(name):
                tr = trace_function(text, "f")
                for d in tr["delegates"]:
                    guards(tr, d)
                    unconditional(tr, d)
                counts_down_to_zero(tr)
                visited_offsets(text, "f")

    def test_a_problem_is_reported(self):
        # visit called with nothing known in %rdi (the plain reader) / with visit itself as arg (the tracer)
        self.assertEqual(visited_offsets(GARBAGE["unknown mnemonic"], "f")[1], ["visit called with None: call   *%rbp"])
        self.assertEqual(trace_function(GARBAGE["unknown mnemonic"], "f")["visits"], ["?"])
        self.assertEqual(trace_function(GARBAGE["undecodable"], "f")["problems"],
                         ["visit handed to an indirect call: call   *%rbp"])
        problems = trace_function(GARBAGE["unreadable immediate"], "f")["problems"]
        self.assertIn("cannot read the immediate $foo: add    $foo,%rdi", problems)
        self.assertIn("cannot read the immediate $bar: cmp    $bar,%rdi", problems)
        self.assertEqual(visited_offsets(GARBAGE["malformed memory"], "f")[1], ["visit called with None: jmp    *%rsi"])

    def test_the_check_fails_and_never_raises(self):
        for name, text in GARBAGE.items():
            with self.subTest(name):
                # what the intact function would visit
                want = [16, 24, 32] if name == "truncated" else [16]
                errors = []
                self.assertIsNone(check_trace(SERIES, "f", info(text, "f"), [e_field(d) for d in want], errors, {}))
                self.assertEqual(len(errors), 1)
                self.assertTrue(errors[0].startswith("3.12: f (f at 0x1000): "), errors[0])
                errors = []
                check_field_visits(SERIES, "F", {}, info(text, "f"), ["a", "b", "c"][:len(want)], want, [], errors, {})
                self.assertTrue(errors, name)


if __name__ == "__main__":
    unittest.main()
