// Runs a CPython type's own tp_traverse(object, visit, arg) in a CPU emulator (libunicorn) over a
// copy of the target's memory, and records what it visits. Nothing here can touch the target: the
// emulator's memory is its own, filled page by page from a reader the caller gives.
#ifndef TRAVERSE_EMULATOR_H
#define TRAVERSE_EMULATOR_H

#include <stddef.h>
#include <stdint.h>

typedef struct te_engine te_engine;

/// Where the target's memory at `address` is in this process: returns host memory holding
/// [*start, *start + *size) (page aligned, covering `address`), which must stay valid and unchanged
/// for the engine's life, or NULL when `address` is not readable. `*executable` says whether it is
/// code. The engine maps it read-only, never writes to it.
typedef const void *(*te_memory_source)(void *context, uint64_t address, uint64_t *start, uint64_t *size,
                                        int *executable);

typedef struct {
    /// A page-aligned range of `TE_SCRATCH_SIZE` bytes that the target does not map: the
    /// emulator's own stack, the visit function and the stop address live there.
    uint64_t scratch;
    /// The thread pointer (fs_base) of a thread of the target (thread-local storage, stack canaries), or 0 for a
    /// private zeroed page.
    uint64_t thread_pointer;
    /// Translated blocks one call may run before it is stopped.
    uint64_t block_budget;
    /// Referents one call may record before it is stopped.
    uint32_t max_referents;
    /// Pages the engine may map (a bound on its regions); past it the engine starts afresh.
    uint32_t max_pages;
} te_config;

#define TE_SCRATCH_SIZE (1u << 20)

typedef enum {
    TE_OK = 0,
    /// Read, wrote or jumped where the target has no readable memory (`address`).
    TE_FAULT,
    /// Ran out of its block budget (a loop, or a very large container).
    TE_BUDGET,
    /// Made a system call or raised an interrupt (int3, ud2, a division by zero): `address` is the pc.
    TE_TRAP,
    /// Wrote to code.
    TE_CODE_WRITE,
    /// Visited more than `max_referents` objects.
    TE_TOO_MANY,
    /// The emulator itself failed (`address` holds unicorn's error number).
    TE_ENGINE,
} te_status;

typedef struct {
    te_status status;
    uint64_t address;
    /// tp_traverse's return value (0 unless it failed on its own): the int in eax.
    int64_t result;
    /// All of rax (te_call's result).
    uint64_t value;
    uint64_t blocks;
} te_outcome;

te_engine *te_open(const te_config *config, te_memory_source source, void *context);
void te_close(te_engine *engine);

/// Calls `function(object, visit, 0)`. The referents (every non-NULL pointer passed to visit, in
/// order) are in `*referents[0 ..< *count]` until the next call. A page the code writes becomes a
/// private copy, put back as the copy has it after every call, so each call starts from the copy.
te_outcome te_traverse(te_engine *engine, uint64_t function, uint64_t object, const uint64_t **referents,
                       size_t *count);

/// C library string functions the engine runs natively (the variants glibc picks on a modern CPU
/// use AVX, which the emulator does not have). Read-only ones only: nothing natively written.
typedef enum {
    TE_STRCMP, TE_STRNCMP, TE_STRLEN, TE_STRNLEN, TE_MEMCMP, TE_MEMCHR, TE_STRCHR, TE_STRRCHR,
} te_native;

/// Calls `function()` with no arguments and returns its result (rax), 0 when it fails: for an IFUNC
/// resolver, the implementation the target's C library chose for its CPU.
uint64_t te_call(te_engine *engine, uint64_t function);

/// From now on a call that reaches `address` runs `kind` natively over the engine's memory and
/// returns to its caller. Returns 0, or -1 when no more can be added.
int te_add_native(te_engine *engine, uint64_t address, te_native kind);

#endif
