"""Known values from docs/cpython-gc-internals.md (DWARF+live verified there), compared with each build's
resolved table at the end of a run and printed as OK/MISMATCH; a mismatch is a warning (a different patch
release may legitimately differ) unless --strict-check."""

from common import series_str

# A few values from docs/cpython-gc-internals.md (DWARF+live verified there) to compare against.
FACTS = {
    # 2.7: gcmodule.c's statics like 3.6; PyGC_Head is a 32-byte union with a double (8-aligned), so a
    # generation is 40 bytes; no generation statistics; the dict keeps its table (ma_mask, ma_table).
    "2.7": {"gc.headSize": 32, "gc.stateSize": None, "gc.enabled": None, "gc.debug": None, "gc.generations": None,
            "gc.generationSize": 40, "gc.generationThreshold": 32, "gc.generationCountField": 36,
            "gc.permanentGeneration": None, "gc.generationStats": None, "gc.collecting": None, "gc.garbage": None,
            "gc.statsSize": None, "gc.statsCollections": None, "gc.statsCollected": None,
            "gc.statsUncollectable": None, "runtime.size": None, "interpreter.id": None,
            "interpreter.threadStateThreadId": 144, "dict.used": 24, "dict.keys": None, "dict.values": None,
            "unicode.state": None, "unicode.kindShift": None, "unicode.compactShift": None, "unicode.asciiShift": None},
    # 3.6: no _PyRuntime; the gc state is gcmodule.c's statics (no struct, no permanent generation).
    "3.6": {"gc.headSize": 32, "gc.stateSize": None, "gc.enabled": None, "gc.debug": None, "gc.generations": None,
            "gc.generationSize": 48, "gc.generationThreshold": 32, "gc.generationCountField": 36,
            "gc.permanentGeneration": None, "gc.generationStats": None, "gc.collecting": None, "gc.garbage": None,
            "runtime.size": None, "interpreter.id": None, "interpreter.threadStateThreadId": 152},
    # 3.6/3.7 PyGC_Head is a 32-byte union (long double aligned), so a generation is 48 bytes.
    "3.7": {"runtime.size": 1520, "runtime.interpretersHead": 24, "runtime.interpretersMain": 32, "runtime.gc": 320,
            "gc.headSize": 32, "gc.stateSize": 352, "gc.generations": 32, "gc.generationSize": 48,
            "gc.generationThreshold": 32, "gc.generationCountField": 36, "gc.permanentGeneration": 192,
            "gc.generationStats": 240, "gc.collecting": 312, "gc.garbage": 320, "interpreter.id": 16,
            "interpreter.threadStateThreadId": 176},
    "3.8": {"runtime.size": 1464, "runtime.interpretersHead": 32, "runtime.interpretersMain": 40, "runtime.gc": 344,
            "type.heapName": 848, "type.heapQualname": 864, "dict.keysSize": 8, "dict.keysIndices": 40},
    "3.9": {"runtime.size": 656, "runtime.interpretersHead": 32, "interpreter.gc": 616, "interpreter.id": 24,
            "type.heapName": 840, "type.heapQualname": 856},
    "3.10": {"runtime.size": 672, "runtime.interpretersHead": 32, "interpreter.gc": 616, "interpreter.id": 24,
             "type.heapName": 848, "type.heapQualname": 864},
    "3.11": {"runtime.size": 166688, "runtime.interpretersHead": 40, "runtime.interpretersMain": 48,
             "interpreter.gc": 648, "interpreter.id": 48, "unicode.asciiSize": 48, "unicode.compactSize": 72,
             "dict.keysLog2Size": 8, "dict.keysKind": 10, "dict.keysEntryCount": 24, "dict.keysIndices": 32},
    "3.12": {"runtime.size": 459944, "runtime.interpretersHead": 40, "interpreter.gc": 112, "interpreter.id": 8,
             "type.heapName": 856, "type.heapQualname": 872, "unicode.asciiSize": 40, "unicode.compactSize": 56},
    "3.13": {"runtime.size": 283320, "runtime.interpretersHead": 632, "runtime.interpretersMain": 640,
             "interpreter.gc": 7400, "interpreter.next": 7264, "interpreter.id": 7272, "unicode.asciiSize": 40},
}
FACTS_ALL = {"gc.headSize": 16, "gc.stateSize": 240, "gc.enabled": 12, "gc.debug": 16, "gc.generations": 24,
             "gc.generationCount": 3, "gc.generationSize": 24, "gc.generationThreshold": 16,
             "gc.generationCountField": 20, "gc.permanentGeneration": 104, "gc.generationStats": 128,
             "gc.statsSize": 24, "gc.statsCollections": 0, "gc.statsCollected": 8, "gc.statsUncollectable": 16,
             "gc.collecting": 200, "gc.garbage": 208, "object.refcount": 0, "object.type": 8, "object.size": 16,
             "type.name": 24, "type.basicSize": 32, "type.itemSize": 40, "type.flags": 168, "type.base": 256,
             "type.dict": 264, "list.items": 24, "list.allocated": 32, "unicode.length": 16, "unicode.state": 32,
             "unicode.kindShift": 2, "unicode.compactShift": 5, "unicode.asciiShift": 6, "dict.used": 16,
             "dict.keys": 32, "dict.values": 40}


def fact_check(builds):
    lines, bad = [], 0
    for b in builds:
        ser = series_str(b["series"])
        facts = dict(FACTS_ALL)
        facts.update(FACTS.get(ser, {}))
        ok = 0
        for key, want in sorted(facts.items()):
            group, label = key.split(".")
            got = b["values"][group][label]
            if got == want:
                ok += 1
            else:
                bad += 1
                lines.append("  MISMATCH %s %s: DWARF %s, fact sheet %s" % (ser, key, got, want))
        lines.append("  %s: %d/%d fact-sheet values agree" % (ser, ok, len(facts)))
    return lines, bad
