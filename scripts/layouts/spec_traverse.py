"""The traversal spec for plain-field types (TraversalLayout.pointerFields): TRAVERSE, per builtin type and
series, the members its tp_traverse Py_VISITs, transcribed from the CPython sources. Resolved by dwarf.py /
plain.py (and probed.py), checked against the compiled code by verify.py."""

from common import ALL, PY2, PY3, R37, GenError, in_range, series_str

# TraversalLayout.pointerFields: for each builtin type (keyed by the exported symbol of its type object;
# `PyExc_BaseException` is a `PyObject *` variable holding the type) the struct its objects are, the
# name of its tp_traverse function, and -- per series -- the fields that function Py_VISITs, in visit
# order, as DWARF member paths. The lists follow the CPython sources (file and function named per entry;
# the version differences noted there) and were confirmed against the compiled code of 3.8.18, 3.9.18,
# 3.10.13, 3.11.7, 3.12.1 and 3.13.0 (pyenv builds). They are *not* trusted blindly on each run either:
#
#   * each path must resolve in the DWARF (twice, like every other offset) to a pointer-typed member;
#   * the type object symbol is read from the library's data: its tp_traverse must be the named
#     function and its tp_basicsize must equal sizeof(struct) (so key -> struct -> function is right);
#   * the compiled traverse function is disassembled (x86-64) and every `visit(obj->field, arg)` call
#     is recovered; the set of field offsets passed to `visit` must equal the listed offsets exactly,
#     and the function may hand `visit` to nothing else (except where `delegates` says so).
#
# Anything a traverse function visits that is not a plain field of the object (module state through
# m_traverse, inline arrays, flag-dependent extras) is left out and noted here.
# An entry's "fields" is [((first series, last series), [member paths])], covering 3.8-3.13 once.
TRAVERSE = {
    # Objects/cellobject.c cell_traverse (3.8-3.13): Py_VISIT(op->ob_ref).
    "PyCell_Type": {"struct": "cell", "function": "cell_traverse", "fields": [
        (ALL, ["ob_ref"]),
    ]},
    # Objects/classobject.c method_traverse (3.8-3.13): im_func, im_self (not im_weakreflist).
    "PyMethod_Type": {"struct": "method", "function": [(PY2, "instancemethod_traverse"), (PY3, "method_traverse")],
                      "fields": [
        (PY2, ["im_func", "im_self", "im_class"]),     # 2.7's unbound and bound methods keep their class
        (PY3, ["im_func", "im_self"]),
    ]},
    # Objects/funcobject.c func_traverse. Every PyObject* field but func_weakreflist:
    #   3.8, 3.9: code, globals, module, defaults, kwdefaults, doc, name, dict, closure, annotations, qualname
    #   3.10, 3.11: + func_builtins (new in 3.10, visited after func_globals)
    #   3.12, 3.13: + func_typeparams (new in 3.12, visited before func_qualname)
    "PyFunction_Type": {"struct": "function", "function": "func_traverse", "fields": [
        (PY2, ["func_code", "func_globals", "func_module", "func_defaults", "func_doc", "func_name", "func_dict",
               "func_closure"]),
        (((3, 6), (3, 9)), ["func_code", "func_globals", "func_module", "func_defaults", "func_kwdefaults",
                            "func_doc", "func_name", "func_dict", "func_closure", "func_annotations",
                            "func_qualname"]),
        (((3, 10), (3, 11)), ["func_code", "func_globals", "func_builtins", "func_module", "func_defaults",
                              "func_kwdefaults", "func_doc", "func_name", "func_dict", "func_closure",
                              "func_annotations", "func_qualname"]),
        (((3, 12), (3, 13)), ["func_code", "func_globals", "func_builtins", "func_module", "func_defaults",
                              "func_kwdefaults", "func_doc", "func_name", "func_dict", "func_closure",
                              "func_annotations", "func_typeparams", "func_qualname"]),
    ]},
    # Objects/funcobject.c cm_traverse (3.8-3.13): cm_callable, cm_dict.
    "PyClassMethod_Type": {"struct": "classmethod", "function": "cm_traverse", "fields": [
        (PY2, ["cm_callable"]),       # 2.7's classmethod and staticmethod have no __dict__
        (PY3, ["cm_callable", "cm_dict"]),
    ]},
    # Objects/funcobject.c sm_traverse (3.8-3.13): sm_callable, sm_dict.
    "PyStaticMethod_Type": {"struct": "staticmethod", "function": "sm_traverse", "fields": [
        (PY2, ["sm_callable"]),
        (PY3, ["sm_callable", "sm_dict"]),
    ]},
    # Objects/descrobject.c property_traverse: get, set, del, doc; 3.10 added prop_name (and visits it).
    "PyProperty_Type": {"struct": "property", "function": "property_traverse", "fields": [
        (((2, 7), (3, 9)), ["prop_get", "prop_set", "prop_del", "prop_doc"]),
        (((3, 10), (3, 13)), ["prop_get", "prop_set", "prop_del", "prop_doc", "prop_name"]),
    ]},
    # Python/traceback.c tb_traverse (3.8-3.13): tb_next, tb_frame.
    "PyTraceBack_Type": {"struct": "traceback", "function": "tb_traverse", "fields": [
        (ALL, ["tb_next", "tb_frame"]),
    ]},
    # Objects/weakrefobject.c gc_traverse (3.8-3.13): only wr_callback (wr_object is the weak referent).
    "_PyWeakref_RefType": {"struct": "weakref", "function": "gc_traverse", "fields": [
        (ALL, ["wr_callback"]),
    ]},
    # Objects/moduleobject.c module_traverse (3.8-3.13): Py_VISIT(m->md_dict) only (md_name is not
    # visited). Before that it calls md_def->m_traverse(m, visit, arg) (3.9+: only when m_size <= 0 or
    # md_state != NULL): that visits the extension module's state, which is not a field -- left out.
    "PyModule_Type": {"struct": "module", "function": "module_traverse", "delegates": "m_traverse", "fields": [
        (ALL, ["md_dict"]),
    ]},
    # Objects/typeobject.c type_traverse (only ever called for heap types: type_is_gc): tp_dict,
    # tp_cache, tp_mro, tp_bases, tp_base; 3.9 added ht_module. Not visited: tp_subclasses (weak
    # references), ht_slots, ht_name/ht_qualname (strings), ht_cached_keys (not an object).
    "PyType_Type": {"struct": "heaptype", "function": "type_traverse", "fields": [
        (((2, 7), (3, 8)), ["ht_type.tp_dict", "ht_type.tp_cache", "ht_type.tp_mro", "ht_type.tp_bases",
                            "ht_type.tp_base"]),
        (((3, 9), (3, 13)), ["ht_type.tp_dict", "ht_type.tp_cache", "ht_type.tp_mro", "ht_type.tp_bases",
                             "ht_type.tp_base", "ht_module"]),
    ]},
    # Objects/exceptions.c BaseException_traverse: dict, args, traceback, cause, context; 3.11 added
    # `notes` (visited after args). Subclasses with their own traverse (OSError, SyntaxError, ImportError,
    # StopIteration, ...) call it and visit more: they are not covered by this entry.
    "PyExc_BaseException": {"struct": "baseexc", "function": "BaseException_traverse", "fields": [
        (PY2, ["dict", "args", "message"]),            # 2.7: no traceback, cause or context
        (((3, 6), (3, 10)), ["dict", "args", "traceback", "cause", "context"]),
        (((3, 11), (3, 13)), ["dict", "args", "notes", "traceback", "cause", "context"]),
    ]},
    # Python/context.c context_tp_traverse (3.8-3.13): ctx_prev, ctx_vars (not ctx_weakreflist).
    "PyContext_Type": {"struct": "context", "function": "context_tp_traverse", "exists": R37, "fields": [
        (R37, ["ctx_prev", "ctx_vars"]),
    ]},
    # Python/context.c contextvar_tp_traverse (3.8-3.13): var_name, var_default only. var_cached is NOT
    # visited (only cleared by tp_clear); the compiled code confirms it.
    "PyContextVar_Type": {"struct": "contextvar", "function": "contextvar_tp_traverse", "exists": R37, "fields": [
        (R37, ["var_name", "var_default"]),
    ]},
    # Python/context.c token_tp_traverse (3.8-3.13): tok_ctx, tok_var, tok_oldval.
    "PyContextToken_Type": {"struct": "contexttoken", "function": "token_tp_traverse", "exists": R37, "fields": [
        (R37, ["tok_ctx", "tok_var", "tok_oldval"]),
    ]},
    # Objects/methodobject.c meth_traverse: m_self, m_module (not m_ml, m_weakreflist). 3.9+ first visits
    # PyCFunction_GET_CLASS(m), i.e. ((PyCMethodObject *)m)->mm_class, only when m_ml->ml_flags has
    # METH_METHOD; that field lies past the end of a PyCFunctionObject (it exists only in the larger
    # PyCMethodObject), so it is left out ("left_out": the compiled function must visit exactly that
    # offset besides the listed ones). PyCMethod_Type (3.9+) has no tp_traverse of its own in the
    # library's data (NULL: PyType_Ready inherits meth_traverse from PyCFunction_Type, checked in
    # EXTRA_CHECKS), so a reader that keys traversals by tp_traverse address gives its objects this list:
    # right without mm_class, since a PyCMethodObject starts with its PyCFunctionObject (checked).
    "PyCFunction_Type": {"struct": "cfunction", "function": "meth_traverse", "fields": [
        (ALL, ["m_self", "m_module"]),
    ], "left_out": [(((3, 9), (3, 13)), "cmethod", ["mm_class"])]},
    # Objects/descrobject.c descr_traverse (3.8-3.13): d_type only. Every descriptor type shares it
    # (method, classmethod, member, getset, wrapper descriptors), so this one entry plans them all.
    "PyMethodDescr_Type": {"struct": "methoddescr", "function": "descr_traverse", "fields": [
        (PY2, ["d_type"]),                             # 2.7's PyDescr_COMMON is a macro of fields, not a struct
        (PY3, ["d_common.d_type"]),
    ]},
    # Objects/descrobject.c mappingproxy_traverse (3.8-3.13): mapping.
    "PyDictProxy_Type": {"struct": "mappingproxy", "function": [(PY2, "proxy_traverse"), (PY3, "mappingproxy_traverse")],
                         "fields": [
        (PY2, ["dict"]),                               # 2.7's dictproxy (proxyobject)
        (PY3, ["mapping"]),
    ]},
    # Objects/descrobject.c wrapper_traverse (3.8-3.13): descr, self (a bound slot wrapper: `x.__eq__`).
    # 2.7's is the file-local `wrappertype` (not exported, so not recognised): its objects are emulated.
    "_PyMethodWrapper_Type": {"struct": "methodwrapper", "function": "wrapper_traverse", "exists": PY3, "fields": [
        (PY3, ["descr", "self"]),
    ]},
    # Python/hamt.c hamt_tp_traverse (3.8-3.13): h_root (not h_weakreflist). The symbol is exported
    # (PyAPI_DATA) only in 3.8-3.10; 3.11+ declare it in an internal header: a local symbol, found only in
    # the .symtab of an unstripped libpython. The node types' variable arrays are in arrayFields (HAMT_ARRAYS).
    "_PyHamt_Type": {"struct": "hamt", "function": "hamt_tp_traverse", "exists": R37, "fields": [
        (R37, ["h_root"]),
    ]},
}


def traverse_exists(key, series):
    """Whether TRAVERSE[key]'s type exists in `series` (its "exists" range, else every series)."""
    return in_range(series, TRAVERSE[key].get("exists", ALL))


def traverse_paths(key, series):
    """The member paths TRAVERSE lists for `key` in `series` (exactly one range must cover it)."""
    if not traverse_exists(key, series):
        return []
    hits = [paths for rng, paths in TRAVERSE[key]["fields"] if in_range(series, rng)]
    if len(hits) != 1:
        raise GenError("TRAVERSE[%s]: %d field lists cover %s" % (key, len(hits), series_str(series)))
    if len(set(hits[0])) != len(hits[0]):
        raise GenError("TRAVERSE[%s]: duplicate fields for %s" % (key, series_str(series)))
    return hits[0]
