// See traverse_emulator.h. One unicorn engine, reused for every call so that translated code stays
// cached. The copy's blocks are mapped read-only, in place (no copy), on first touch; a page the
// code writes is replaced by a private copy, which is put back as the copy has it after each call.
#include "traverse_emulator.h"

#include <stdlib.h>
#include <string.h>
#include <unicorn/unicorn.h>

#define PAGE 4096u
#define MAX_PRIVATE 64u
#define MAX_NATIVES 32u
/// The longest string or block a native string function may scan.
#define NATIVE_LIMIT (1u << 20)
#define VISIT_OFFSET 0x0u
// A page of its own: after each run unicorn invalidates the translations on the stop address's
// page, which would otherwise throw away the visit function's every call (4x slower).
#define STOP_OFFSET 0x4000u
#define TLS_OFFSET 0x1000u     // two pages; fs points between them (TLS lies below fs, the TCB above)
#define TLS_SIZE 0x2000u
#define STACK_OFFSET 0x10000u

/// A page the code wrote: private to the engine, put back from `original` after every call.
struct private_page {
    uint64_t address;
    const void *original;
};

static const uint8_t zero_page[PAGE];

struct native_function {
    struct te_engine *engine;
    uint64_t address;
    te_native kind;
};

struct te_engine {
    uc_engine *uc;
    struct native_function natives[MAX_NATIVES];
    uint32_t native_count;
    te_config config;
    te_memory_source source;
    void *context;
    uint32_t pages;
    struct private_page private_pages[MAX_PRIVATE];
    uint32_t private_count;
    uint64_t *referents;
    size_t referent_count;
    size_t referent_capacity;
    uint64_t blocks;
    te_status status;
    uint64_t fault;
    /// A page of the copy the call tried to write: made private between runs, then the call is run again.
    uint64_t to_privatize;
    const void *to_privatize_original;
};

static int in_scratch(const te_engine *e, uint64_t address) {
    return address >= e->config.scratch && address - e->config.scratch < TE_SCRATCH_SIZE;
}

static void stop_with(te_engine *e, te_status status, uint64_t address) {
    if (e->status == TE_OK) {
        e->status = status;
        e->fault = address;
    }
    uc_emu_stop(e->uc);
}

static bool fail(te_engine *e, uint64_t address) {
    if (e->status == TE_OK) {
        e->status = TE_FAULT;
        e->fault = address;
    }
    return false;
}

static bool on_unmapped(uc_engine *uc, uc_mem_type type, uint64_t address, int size, int64_t value, void *user) {
    (void)uc; (void)type; (void)size; (void)value;
    te_engine *e = user;
    if (in_scratch(e, address) || e->pages >= e->config.max_pages) return fail(e, address);
    uint64_t start = 0, length = 0;
    int executable = 0;
    const void *host = e->source(e->context, address, &start, &length, &executable);
    if (!host || length == 0 || length % PAGE != 0 || start % PAGE != 0 || address < start || address - start >= length ||
        in_scratch(e, start) || in_scratch(e, start + length - 1))
        return fail(e, address);
    uint32_t perms = UC_PROT_READ | (executable ? UC_PROT_EXEC : 0);
    // Read-only in the engine: a write traps (on_write_protected) and never reaches `host`.
    if (uc_mem_map_ptr(e->uc, start, length, perms, (void *)host) != UC_ERR_OK) return fail(e, address);
    e->pages += (uint32_t)(length / PAGE);
    return true;
}

/// A write to a page of the copy (or of the private TLS). The page becomes a private, writable copy
/// for the rest of the engine's life, put back from its original after every call. A page of the
/// copy cannot be remapped while the code runs (the store in flight still points at it), so the run
/// stops, the page is made private, and the call runs again from the start.
static bool on_write_protected(uc_engine *uc, uc_mem_type type, uint64_t address, int size, int64_t value, void *user) {
    (void)uc; (void)type; (void)size; (void)value;
    te_engine *e = user;
    uint64_t page = address & ~(uint64_t)(PAGE - 1);
    uint64_t tls = e->config.scratch + TLS_OFFSET;
    if (e->private_count == MAX_PRIVATE) { stop_with(e, TE_FAULT, address); return false; }
    if (e->config.thread_pointer == 0 && page >= tls && page < tls + TLS_SIZE) {
        // The private TLS is the engine's own memory: it only changes protection.
        if (uc_mem_protect(e->uc, page, PAGE, UC_PROT_READ | UC_PROT_WRITE) != UC_ERR_OK) return false;
        e->private_pages[e->private_count++] = (struct private_page){page, zero_page};
        return true;
    }
    uint64_t start = 0, length = 0;
    int executable = 0;
    const uint8_t *host = in_scratch(e, page) ? NULL : e->source(e->context, page, &start, &length, &executable);
    if (!host || executable) {
        stop_with(e, TE_CODE_WRITE, address);
        return false;
    }
    e->to_privatize = page;
    e->to_privatize_original = host + (page - start);
    uc_emu_stop(e->uc);
    return false;
}

/// Replaces a read-only page of the copy by a private, writable copy of it (between runs).
static int privatize(te_engine *e) {
    uint64_t page = e->to_privatize;
    const void *original = e->to_privatize_original;
    e->to_privatize = 0;
    if (uc_mem_unmap(e->uc, page, PAGE) != UC_ERR_OK || uc_mem_map(e->uc, page, PAGE, UC_PROT_READ | UC_PROT_WRITE) != UC_ERR_OK ||
        uc_mem_write(e->uc, page, original, PAGE) != UC_ERR_OK)
        return -1;
    e->private_pages[e->private_count++] = (struct private_page){page, original};
    return 0;
}

static void on_visit(uc_engine *uc, uint64_t address, uint32_t size, void *user) {
    (void)address; (void)size;
    te_engine *e = user;
    uint64_t object = 0;
    uc_reg_read(uc, UC_X86_REG_RDI, &object);
    if (object == 0) return;
    if (e->referent_count == e->referent_capacity) {
        if (e->referent_capacity >= e->config.max_referents) { stop_with(e, TE_TOO_MANY, address); return; }
        size_t capacity = e->referent_capacity * 2;
        if (capacity > e->config.max_referents) capacity = e->config.max_referents;
        uint64_t *grown = realloc(e->referents, capacity * sizeof(uint64_t));
        if (!grown) { stop_with(e, TE_TOO_MANY, address); return; }
        e->referents = grown;
        e->referent_capacity = capacity;
    }
    e->referents[e->referent_count++] = object;
}

static void on_block(uc_engine *uc, uint64_t address, uint32_t size, void *user) {
    (void)uc; (void)size;
    te_engine *e = user;
    if (++e->blocks > e->config.block_budget) stop_with(e, TE_BUDGET, address);
}

static void on_trap(uc_engine *uc, void *user) {
    te_engine *e = user;
    uint64_t pc = 0;
    uc_reg_read(uc, UC_X86_REG_RIP, &pc);
    stop_with(e, TE_TRAP, pc);
}

static void on_interrupt(uc_engine *uc, uint32_t number, void *user) {
    (void)number;
    on_trap(uc, user);
}

/// One byte of the engine's memory, mapping its page from the copy first if need be.
static int guest_byte(te_engine *e, uint64_t address, uint8_t *byte) {
    if (uc_mem_read(e->uc, address, byte, 1) == UC_ERR_OK) return 0;
    if (!on_unmapped(e->uc, UC_MEM_READ_UNMAPPED, address, 1, 0, e)) return -1;
    return uc_mem_read(e->uc, address, byte, 1) == UC_ERR_OK ? 0 : -1;
}

/// strcmp and its kin over the engine's memory, byte by byte (bounded by NATIVE_LIMIT).
static int run_native(te_engine *e, te_native kind, uint64_t a, uint64_t b, uint64_t n, uint64_t *result) {
    uint8_t x = 0, y = 0;
    uint64_t limit = NATIVE_LIMIT, found = 0;
    // The kinds with a length (rdx); for the others rdx is whatever the caller left there.
    int bounded = kind == TE_STRNCMP || kind == TE_MEMCMP || kind == TE_STRNLEN || kind == TE_MEMCHR;
    if (bounded && n < limit) limit = n;
    for (uint64_t i = 0; i < limit; i++) {
        switch (kind) {
        case TE_STRCMP: case TE_STRNCMP: case TE_MEMCMP:
            if (guest_byte(e, a + i, &x) || guest_byte(e, b + i, &y)) return -1;
            if (x != y) { *result = (uint64_t)(int64_t)((int)x - (int)y); return 0; }
            if (x == 0 && kind != TE_MEMCMP) { *result = 0; return 0; }
            break;
        case TE_STRLEN: case TE_STRNLEN:
            if (guest_byte(e, a + i, &x)) return -1;
            if (x == 0) { *result = i; return 0; }
            break;
        case TE_MEMCHR: case TE_STRCHR: case TE_STRRCHR:
            if (guest_byte(e, a + i, &x)) return -1;
            if (x == (uint8_t)b) {
                if (kind != TE_STRRCHR) { *result = a + i; return 0; }
                found = a + i;
            }
            if (x == 0 && kind != TE_MEMCHR) { *result = kind == TE_STRRCHR ? found : 0; return 0; }
            break;
        }
    }
    // Ran to its limit: complete for the bounded kinds, too long (not guessed) for the others.
    if (bounded && limit == n) { *result = kind == TE_STRNLEN ? n : 0; return 0; }
    return -1;
}

/// Reached a native function's address: compute it, set rax, return to the caller.
static void on_native(uc_engine *uc, uint64_t address, uint32_t size, void *user) {
    (void)size;
    struct native_function *native = user;
    te_engine *e = native->engine;
    uint64_t rdi = 0, rsi = 0, rdx = 0, rsp = 0, back = 0, result = 0;
    uc_reg_read(uc, UC_X86_REG_RDI, &rdi);
    uc_reg_read(uc, UC_X86_REG_RSI, &rsi);
    uc_reg_read(uc, UC_X86_REG_RDX, &rdx);
    uc_reg_read(uc, UC_X86_REG_RSP, &rsp);
    if (run_native(e, native->kind, rdi, rsi, rdx, &result) != 0 || uc_mem_read(uc, rsp, &back, 8) != UC_ERR_OK) {
        stop_with(e, TE_FAULT, address);
        return;
    }
    rsp += 8;
    uc_reg_write(uc, UC_X86_REG_RAX, &result);
    uc_reg_write(uc, UC_X86_REG_RSP, &rsp);
    uc_reg_write(uc, UC_X86_REG_RIP, &back);
}

static int hook_native(te_engine *e, struct native_function *native) {
    uc_hook hook;
    return uc_hook_add(e->uc, &hook, UC_HOOK_CODE, (void *)on_native, native, native->address, native->address) == UC_ERR_OK ? 0 : -1;
}

int te_add_native(te_engine *e, uint64_t address, te_native kind) {
    if (e->native_count == MAX_NATIVES) return -1;
    struct native_function *native = &e->natives[e->native_count];
    *native = (struct native_function){e, address, kind};
    if (hook_native(e, native) != 0) return -1;
    // Code there may have been translated already (without the hook): translate it again.
    uc_ctl_remove_cache(e->uc, address, address + 1);
    e->native_count += 1;
    return 0;
}

static int start_engine(te_engine *e) {
    uc_hook hook;
    if (uc_open(UC_ARCH_X86, UC_MODE_64, &e->uc) != UC_ERR_OK) return -1;
    // A recent core: SSE4, POPCNT, BMI are decoded (AVX is not emulated; such code faults).
    uc_ctl_set_cpu_model(e->uc, UC_CPU_X86_HASWELL);
    uint64_t scratch = e->config.scratch;
    static const uint8_t code[] = {0x31, 0xC0, 0xC3};  // visit: xor eax, eax; ret
    static const uint8_t stop[] = {0xF4};              // never run: emulation ends on reaching it
    if (uc_mem_map(e->uc, scratch + VISIT_OFFSET, PAGE, UC_PROT_READ | UC_PROT_EXEC) != UC_ERR_OK ||
        uc_mem_write(e->uc, scratch + VISIT_OFFSET, code, sizeof code) != UC_ERR_OK ||
        uc_mem_map(e->uc, scratch + STOP_OFFSET, PAGE, UC_PROT_READ | UC_PROT_EXEC) != UC_ERR_OK ||
        uc_mem_write(e->uc, scratch + STOP_OFFSET, stop, sizeof stop) != UC_ERR_OK ||
        uc_mem_map(e->uc, scratch + STACK_OFFSET, TE_SCRATCH_SIZE - STACK_OFFSET, UC_PROT_READ | UC_PROT_WRITE) != UC_ERR_OK)
        return -1;
    if (e->config.thread_pointer == 0 && uc_mem_map(e->uc, scratch + TLS_OFFSET, TLS_SIZE, UC_PROT_READ) != UC_ERR_OK)
        return -1;
    if (uc_hook_add(e->uc, &hook, UC_HOOK_MEM_READ_UNMAPPED | UC_HOOK_MEM_WRITE_UNMAPPED | UC_HOOK_MEM_FETCH_UNMAPPED,
                    (void *)on_unmapped, e, 1, 0) != UC_ERR_OK ||
        uc_hook_add(e->uc, &hook, UC_HOOK_MEM_WRITE_PROT, (void *)on_write_protected, e, 1, 0) != UC_ERR_OK ||
        uc_hook_add(e->uc, &hook, UC_HOOK_CODE, (void *)on_visit, e, scratch + VISIT_OFFSET, scratch + VISIT_OFFSET) != UC_ERR_OK ||
        uc_hook_add(e->uc, &hook, UC_HOOK_BLOCK, (void *)on_block, e, 1, 0) != UC_ERR_OK ||
        uc_hook_add(e->uc, &hook, UC_HOOK_INSN, (void *)on_trap, e, 1, 0, UC_X86_INS_SYSCALL) != UC_ERR_OK ||
        uc_hook_add(e->uc, &hook, UC_HOOK_INSN, (void *)on_trap, e, 1, 0, UC_X86_INS_SYSENTER) != UC_ERR_OK ||
        uc_hook_add(e->uc, &hook, UC_HOOK_INTR, (void *)on_interrupt, e, 1, 0) != UC_ERR_OK)
        return -1;
    e->pages = 0;
    e->private_count = 0;
    for (uint32_t index = 0; index < e->native_count; index++)
        if (hook_native(e, &e->natives[index]) != 0) return -1;
    return 0;
}

static void stop_engine(te_engine *e) {
    if (e->uc) uc_close(e->uc);
    e->uc = NULL;
}

te_engine *te_open(const te_config *config, te_memory_source source, void *context) {
    if (config->scratch % PAGE != 0 || config->max_referents == 0) return NULL;
    te_engine *e = calloc(1, sizeof *e);
    if (!e) return NULL;
    e->config = *config;
    e->source = source;
    e->context = context;
    e->referent_capacity = 64 < config->max_referents ? 64 : config->max_referents;
    e->referents = malloc(e->referent_capacity * sizeof(uint64_t));
    if (!e->referents || start_engine(e) != 0) {
        te_close(e);
        return NULL;
    }
    return e;
}

void te_close(te_engine *e) {
    if (!e) return;
    stop_engine(e);
    free(e->referents);
    free(e);
}

/// Every private page back as the copy has it (or zeros, for the private TLS).
static void restore(te_engine *e) {
    for (uint32_t index = 0; index < e->private_count; index++)
        uc_mem_write(e->uc, e->private_pages[index].address, e->private_pages[index].original, PAGE);
}

te_outcome te_traverse(te_engine *e, uint64_t function, uint64_t object, const uint64_t **referents, size_t *count) {
    te_outcome outcome = {TE_OK, 0, 0, 0, 0};
    *referents = e->referents;
    *count = 0;
    if (e->pages >= e->config.max_pages) {
        // Its memory bound reached: start afresh (translated code is lost, the bound is kept).
        stop_engine(e);
        if (start_engine(e) != 0) { outcome.status = TE_ENGINE; return outcome; }
    }
    uint64_t scratch = e->config.scratch;
    uint64_t stop = scratch + STOP_OFFSET;
    uc_err error = UC_ERR_OK;
    // Each run that stops to make a written page private is followed by another, at most once per page.
    for (uint32_t run = 0; run <= MAX_PRIVATE; run++) {
        e->referent_count = 0;
        e->blocks = 0;
        e->status = TE_OK;
        e->fault = 0;
        e->to_privatize = 0;
        uint64_t top = scratch + TE_SCRATCH_SIZE - 64;  // 16-aligned; the return address sits just below
        uint64_t rsp = top - 8;
        uint64_t visit = scratch + VISIT_OFFSET, zero = 0;
        uint64_t fs = e->config.thread_pointer ? e->config.thread_pointer : scratch + TLS_OFFSET + TLS_SIZE / 2;
        uint64_t flags = 0x202;
        uc_mem_write(e->uc, rsp, &stop, sizeof stop);
        uc_reg_write(e->uc, UC_X86_REG_RSP, &rsp);
        uc_reg_write(e->uc, UC_X86_REG_RBP, &zero);
        uc_reg_write(e->uc, UC_X86_REG_RDI, &object);
        uc_reg_write(e->uc, UC_X86_REG_RSI, &visit);
        uc_reg_write(e->uc, UC_X86_REG_RDX, &zero);
        uc_reg_write(e->uc, UC_X86_REG_RAX, &zero);
        uc_reg_write(e->uc, UC_X86_REG_EFLAGS, &flags);
        uc_reg_write(e->uc, UC_X86_REG_FS_BASE, &fs);
        error = uc_emu_start(e->uc, function, stop, 0, 0);
        if (!e->to_privatize || e->status != TE_OK) break;
        restore(e);
        if (privatize(e) != 0) {
            e->status = TE_ENGINE;
            break;
        }
    }
    uint64_t pc = 0, result = 0;
    uc_reg_read(e->uc, UC_X86_REG_RIP, &pc);
    uc_reg_read(e->uc, UC_X86_REG_RAX, &result);
    if (e->status != TE_OK) {
        outcome.status = e->status;
        outcome.address = e->fault;
    } else if (error != UC_ERR_OK) {
        switch (error) {
        case UC_ERR_READ_UNMAPPED: case UC_ERR_WRITE_UNMAPPED: case UC_ERR_FETCH_UNMAPPED:
        case UC_ERR_READ_PROT: case UC_ERR_WRITE_PROT: case UC_ERR_FETCH_PROT:
        case UC_ERR_READ_UNALIGNED: case UC_ERR_WRITE_UNALIGNED: case UC_ERR_FETCH_UNALIGNED:
            outcome.status = TE_FAULT;
            outcome.address = pc;
            break;
        case UC_ERR_INSN_INVALID: case UC_ERR_EXCEPTION:
            outcome.status = TE_TRAP;
            outcome.address = pc;
            break;
        default:
            outcome.status = TE_ENGINE;
            outcome.address = (uint64_t)error;
        }
    } else if (pc != stop) {
        outcome.status = TE_TRAP;  // stopped somewhere else (hlt)
        outcome.address = pc;
    }
    outcome.result = (int64_t)(int32_t)(uint32_t)result;  // tp_traverse returns int
    outcome.value = result;
    outcome.blocks = e->blocks;
    restore(e);
    *referents = e->referents;
    *count = outcome.status == TE_OK ? e->referent_count : 0;
    return outcome;
}

uint64_t te_call(te_engine *e, uint64_t function) {
    const uint64_t *referents;
    size_t count;
    te_outcome outcome = te_traverse(e, function, 0, &referents, &count);
    return outcome.status == TE_OK ? outcome.value : 0;
}
