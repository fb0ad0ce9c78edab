import HeapModel

/// How Python code reaches what a C field holds: `fut_exception` is `future._exception`,
/// `tb_frame` is `traceback.tb_frame`, `m_self` is `builtin.__self__`. Used only to print paths;
/// a C field without an entry is printed by its C name, never guessed.
enum PythonNames {
    static let byCField: [String: String] = [
        // object header
        "ob_type": "__class__",
        // functions, methods, cells, descriptors
        "func_code": "__code__", "func_globals": "__globals__", "func_builtins": "__builtins__", "func_module": "__module__",
        "func_defaults": "__defaults__", "func_kwdefaults": "__kwdefaults__", "func_doc": "__doc__", "func_name": "__name__",
        "func_dict": "__dict__", "func_closure": "__closure__", "func_annotations": "__annotations__",
        "func_qualname": "__qualname__", "func_typeparams": "__type_params__",
        "im_func": "__func__", "im_self": "__self__", "m_self": "__self__", "m_module": "__module__",
        "cm_callable": "__func__", "cm_dict": "__dict__", "sm_callable": "__func__", "sm_dict": "__dict__",
        "ob_ref": "cell_contents", "prop_get": "fget", "prop_set": "fset", "prop_del": "fdel", "prop_doc": "__doc__",
        "prop_name": "__name__", "wr_callback": "__callback__", "md_dict": "__dict__",
        // types
        "tp_dict": "__dict__", "tp_mro": "__mro__", "tp_bases": "__bases__", "tp_base": "__base__",
        // exceptions and tracebacks
        "dict": "__dict__", "args": "args", "notes": "__notes__", "traceback": "__traceback__", "context": "__context__",
        "cause": "__cause__", "tb_next": "tb_next", "tb_frame": "tb_frame",
        // frames and generators
        "f_back": "f_back", "f_code": "f_code", "f_builtins": "f_builtins", "f_globals": "f_globals", "f_locals": "f_locals",
        "f_trace": "f_trace", "frame_obj": "<frame object>", "f_func": "<function>", "f_funcobj": "<function>",
        "f_executable": "f_code", "gi_frame": "gi_frame", "gi_code": "gi_code", "gi_name": "__name__",
        "gi_qualname": "__qualname__", "exc_value": "<handled exception>", "exc_type": "<handled exception type>",
        "exc_traceback": "<handled traceback>", "ag_finalizer": "<finalizer>", "ag_origin_or_finalizer": "<finalizer>",
        // asyncio futures and tasks (the names asyncio's pure-Python Future uses)
        "fut_loop": "_loop", "fut_callback0": "_callbacks[0]", "fut_context0": "<callback context>", "fut_callbacks": "_callbacks",
        "fut_result": "_result", "fut_exception": "_exception", "fut_exception_tb": "_exception_tb",
        "fut_source_tb": "_source_traceback", "fut_cancel_msg": "_cancel_message", "fut_cancelled_exc": "_cancelled_exc",
        "fut_cancelled_exc_type": "_cancelled_exc", "fut_cancelled_exc_value": "_cancelled_exc",
        "fut_cancelled_exc_tb": "_cancelled_exc", "task_context": "_context", "task_coro": "_coro", "task_name": "_name",
        "task_fut_waiter": "_fut_waiter", "future": "<future>", "sw_task": "<task>", "sw_arg": "<arg>", "ww_task": "<task>",
        // contextvars
        "ctx_prev": "<previous context>", "ctx_vars": "<variables>", "var_name": "name", "var_default": "<default>",
        "tok_ctx": "<context>", "tok_var": "var", "tok_oldval": "old_value", "h_root": "<root>",
        // functools / collections
        "fn": "func", "kw": "keywords", "default_factory": "default_factory", "od_inst_dict": "__dict__",
    ]

    static func label(forCField name: String) -> String {
        // "gi_exc_state.exc_value" -> look up "exc_value"; Task's Future part is named task_* in C.
        let last = name.split(separator: ".").last.map(String.init) ?? name
        if let known = byCField[last] { return known }
        if last.hasPrefix("task_"), let known = byCField["fut_" + last.dropFirst(5)] { return known }
        return last
    }

    /// Labels for a generated list of C field names, or raw offsets when the names are missing.
    static func labels(_ names: [String]?, offsets: [Int]) -> [EdgeLabel] {
        guard let names, names.count == offsets.count else { return offsets.map { .offset($0) } }
        return names.map { .attribute(label(forCField: $0)) }
    }
}
