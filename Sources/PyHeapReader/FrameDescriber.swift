import CPythonLayouts
import RemoteMemory

/// Names a frame by its function's qualified name and its file relative to the `sys.path` entry it
/// was imported from — `ASGIHandler.handle (django/core/handlers/asgi.py:183)` — and its local
/// variables, so a cycle's path can say `frame ASGIHandler.handle (django/core/handlers/asgi.py:183) .tasks`.
/// Reads the code object and decodes its line table (3.8–3.9 `co_lnotab`, 3.10 `co_linetable`, 3.11+
/// the location table). Anything that cannot be read yields nil: the path then shows the frame without
/// details, never a wrong name.
struct FrameDescriber {
    let memory: CachedMemory
    let layout: PythonLayout
    /// How a code object's file is shown; without `sys.path`, after `site-packages/` or `lib/pythonX.Y/`.
    var files = SourceFiles(sysPath: nil)
    /// 3.8–3.10, where a code object has only `co_name`: the qualified name of the function whose code
    /// it is, when one can be found (see `CodeQualifiedNames`); nil falls back to `co_name`. 3.11+ read
    /// `co_qualname` and never call it.
    var qualifiedName: ((_ code: UInt64) -> String?)? = nil

    struct Description {
        var detail: String
        /// Names of the fast locals, cells and free variables, by slot.
        var slotNames: [String]
    }

    private var strings: ObjectReader { ObjectReader(memory: memory, layout: layout) }

    /// A frame object (`PyFrame_Type`). `name` replaces the code's name (a generator's `__qualname__`).
    func describe(frameObject frame: UInt64, name: String? = nil) -> Description? {
        let c = layout.code
        if let codeField = layout.frames.frameCode, let lastField = c.frameLastInstruction {
            // 3.8–3.10: the frame object holds the code object and the last instruction.
            guard let code = try? memory.word(at: frame &+ UInt64(codeField)),
                  let lasti = try? memory.load(Int32.self, at: frame &+ UInt64(lastField)) else { return nil }
            return describe(code: code, instruction: Int(lasti), slots: names310(code), name: name)
        }
        guard let field = layout.frames.frameInterpreterFrame, let interpreter = try? memory.word(at: frame &+ UInt64(field)),
              interpreter != 0 else { return nil }
        return describe(interpreterFrame: interpreter)
    }

    /// A 3.11+ `_PyInterpreterFrame` (owned by a frame object or embedded in a generator).
    func describe(interpreterFrame frame: UInt64) -> Description? {
        let c = layout.code
        guard let codeField = c.interpreterFrameCode, let instructionField = c.interpreterFrameInstruction,
              let adaptive = c.codeAdaptive,
              let code = (try? memory.word(at: frame &+ UInt64(codeField))).map({ $0 & PythonLayout.stackRefMask }),
              let pointer = try? memory.word(at: frame &+ UInt64(instructionField)) else { return nil }
        let first = code &+ UInt64(adaptive)
        let index = pointer >= first ? Int((pointer - first) / 2) : -1
        return describe(code: code, instruction: index, slots: names311(code))
    }

    private func describe(code: UInt64, instruction: Int, slots: [String], name given: String? = nil) -> Description? {
        let c = layout.code
        guard let file = try? strings.string(at: memory.word(at: code &+ UInt64(c.filename)), maxLength: 4096),
              let first = try? memory.load(Int32.self, at: code &+ UInt64(c.firstLineNumber)),
              let name = given ?? qualifiedName(ofCode: code) else { return nil }
        let line = (try? lineNumber(code: code, instruction: instruction, firstLine: Int(first))) ?? nil
        return Description(detail: "\(name) (\(files.display(file)):\(line ?? Int(first)))", slotNames: slots)
    }

    /// `co_qualname` (3.11+); before, what `qualifiedName` finds, else `co_name`.
    func qualifiedName(ofCode code: UInt64) -> String? {
        let c = layout.code
        if let field = c.qualname, let name = try? strings.string(at: memory.word(at: code &+ UInt64(field)), maxLength: 512) {
            return name
        }
        if let found = qualifiedName?(code) { return found }
        return try? strings.string(at: memory.word(at: code &+ UInt64(c.name)), maxLength: 256)
    }

    // MARK: local names

    private func tupleOfStrings(_ tuple: UInt64) -> [String] {
        guard let count = try? memory.load(Int64.self, at: tuple &+ UInt64(layout.object.size)), count >= 0, count < 1 << 16 else { return [] }
        return (0..<Int(count)).map { index in
            let item = (try? memory.word(at: tuple &+ UInt64(layout.traversal.tupleItems + index * 8))) ?? 0
            return (try? strings.string(at: item, maxLength: 256)) ?? "<local \(index)>"
        }
    }

    /// 3.8–3.10: `co_varnames`, then `co_cellvars`, then `co_freevars`.
    private func names310(_ code: UInt64) -> [String] {
        let c = layout.code
        return [c.varnames, c.cellvars, c.freevars].compactMap { $0 }.flatMap { field in
            (try? memory.word(at: code &+ UInt64(field))).map(tupleOfStrings) ?? []
        }
    }

    /// 3.11+: `co_localsplusnames`.
    private func names311(_ code: UInt64) -> [String] {
        guard let field = layout.code.localsPlusNames, let tuple = try? memory.word(at: code &+ UInt64(field)) else { return [] }
        return tupleOfStrings(tuple)
    }

    // MARK: line tables

    private func bytesObject(_ object: UInt64) throws(MemoryError) -> [UInt8] {
        let size = try memory.load(Int64.self, at: object &+ UInt64(layout.object.size))
        guard size >= 0, size < 1 << 24 else { throw MemoryError.limitExceeded(what: "line table", value: Int(clamping: size), limit: 1 << 24) }
        return try memory.bytes(at: object &+ UInt64(layout.bytes.data), count: Int(size))
    }

    /// The line being executed, or nil when the table says the instruction has no line.
    /// `instruction` is the byte offset (3.8–3.9, `f_lasti`), the code-unit index (3.10 `f_lasti`,
    /// 3.11+ from the instruction pointer), or negative for a frame that has not started.
    private func lineNumber(code: UInt64, instruction: Int, firstLine: Int) throws(MemoryError) -> Int? {
        guard instruction >= 0 else { return firstLine }
        let c = layout.code
        if let field = c.lnotab {
            let table = try bytesObject(try memory.word(at: code &+ UInt64(field)))
            var line = firstLine, address = 0, position = 0
            let signed = layout.lineTableSignedDeltas
            while position + 1 < table.count {
                address += Int(table[position])
                if address > instruction { break }
                let delta = table[position + 1]
                line += signed ? Int(Int8(bitPattern: delta)) : Int(delta)
                position += 2
            }
            return line
        }
        guard let field = c.linetable else { return nil }
        let table = try bytesObject(try memory.word(at: code &+ UInt64(field)))
        if c.codeAdaptive == nil {
            // 3.10: (byte delta, line delta) pairs; a line delta of -128 means "no line".
            let address = instruction * 2
            var line = firstLine, end = 0, position = 0
            while position + 1 < table.count {
                let start = end
                end += Int(table[position])
                let delta = Int8(bitPattern: table[position + 1])
                position += 2
                if delta != -128 { line += Int(delta) }
                if start <= address && address < end { return delta == -128 ? nil : line }
            }
            return nil
        }
        return locationTableLine(table, index: instruction, firstLine: firstLine)
    }

    /// 3.11+ location table: entries of `(code << 3 | length - 1)` with bit 7 set, then operands.
    private func locationTableLine(_ table: [UInt8], index: Int, firstLine: Int) -> Int? {
        var position = 0
        func varint() -> Int {
            var value = 0, shift = 0
            while position < table.count {
                let byte = Int(table[position])
                position += 1
                value |= (byte & 63) << shift
                shift += 6
                if byte & 64 == 0 || shift > 60 { break }
            }
            return value
        }
        func signedVarint() -> Int {
            let value = varint()
            return value & 1 == 1 ? -(value >> 1) : value >> 1
        }
        var line = firstLine, address = 0
        while position < table.count {
            let head = Int(table[position])
            position += 1
            let kind = (head >> 3) & 15, length = (head & 7) + 1
            var hasLine = true
            switch kind {
            case 15: hasLine = false
            case 14: line += signedVarint(); _ = varint(); _ = varint(); _ = varint()
            case 13: line += signedVarint()
            case 10...12: line += kind - 10; position += 2
            default: position += 1
            }
            if address <= index && index < address + length { return hasLine ? line : nil }
            address += length
        }
        return nil
    }
}
