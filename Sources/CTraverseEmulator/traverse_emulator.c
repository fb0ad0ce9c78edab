// See traverse_emulator.h. One unicorn engine, reused for every call so that translated code stays
// cached. Target pages are mapped read-only on first touch; a write makes that page writable for
// the call and the page is put back (re-read from the copy) when the call ends.
#include "traverse_emulator.h"

#include <stdlib.h>
#include <string.h>
#include <unicorn/unicorn.h>

#define PAGE 4096u
#define CHUNK (64u * 1024u)
#define MAX_DIRTY 256u
#define CODE_OFFSET 0x0u
#define VISIT_OFFSET 0x0u
#define STOP_OFFSET 0x10u
#define TLS_OFFSET 0x1000u     // two pages; fs points between them (TLS lies below fs, the TCB above)
#define TLS_SIZE 0x2000u
#define STACK_OFFSET 0x10000u

struct dirty_page {
    uint64_t address;
    int zero;  // a page of the private TLS: put back as zeros
};

struct te_engine {
    uc_engine *uc;
    te_config config;
    te_memory_reader reader;
    void *context;
    uint8_t *chunk;
    uint32_t pages;
    struct dirty_page dirty[MAX_DIRTY];
    uint32_t dirty_count;
    uint64_t *referents;
    size_t referent_count;
    size_t referent_capacity;
    uint64_t blocks;
    te_status status;
    uint64_t fault;
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

static bool on_unmapped(uc_engine *uc, uc_mem_type type, uint64_t address, int size, int64_t value, void *user) {
    (void)uc; (void)type; (void)size; (void)value;
    te_engine *e = user;
    if (in_scratch(e, address) || e->pages >= e->config.max_pages) {
        e->status = e->status == TE_OK ? TE_FAULT : e->status;
        e->fault = address;
        return false;
    }
    uint64_t start = 0;
    int executable = 0;
    size_t filled = e->reader(e->context, address, &start, e->chunk, CHUNK, &executable);
    if (filled == 0 || filled % PAGE != 0 || start % PAGE != 0 || address < start || address - start >= filled ||
        in_scratch(e, start) || in_scratch(e, start + filled - 1)) {
        e->status = e->status == TE_OK ? TE_FAULT : e->status;
        e->fault = address;
        return false;
    }
    uint32_t perms = UC_PROT_READ | (executable ? UC_PROT_EXEC : 0);
    if (uc_mem_map(e->uc, start, filled, perms) != UC_ERR_OK) {
        // Part of the range is mapped already (an earlier fault of another size): map this page only.
        uint64_t page = address & ~(uint64_t)(PAGE - 1);
        if (uc_mem_map(e->uc, page, PAGE, perms) != UC_ERR_OK) return false;
        uc_mem_write(e->uc, page, e->chunk + (page - start), PAGE);
        e->pages += 1;
        return true;
    }
    uc_mem_write(e->uc, start, e->chunk, filled);
    e->pages += (uint32_t)(filled / PAGE);
    return true;
}

static bool on_write_protected(uc_engine *uc, uc_mem_type type, uint64_t address, int size, int64_t value, void *user) {
    (void)uc; (void)type; (void)size; (void)value;
    te_engine *e = user;
    uint64_t page = address & ~(uint64_t)(PAGE - 1);
    uint64_t tls = e->config.scratch + TLS_OFFSET;
    int zero = page >= tls && page < tls + TLS_SIZE;
    if (!zero) {
        if (in_scratch(e, page)) { stop_with(e, TE_CODE_WRITE, address); return false; }
        uint64_t start = 0;
        int executable = 0;
        if (e->reader(e->context, page, &start, e->chunk, PAGE, &executable) == 0 || executable) {
            stop_with(e, TE_CODE_WRITE, address);
            return false;
        }
    }
    if (e->dirty_count == MAX_DIRTY) { stop_with(e, TE_FAULT, address); return false; }
    if (uc_mem_protect(e->uc, page, PAGE, UC_PROT_READ | UC_PROT_WRITE) != UC_ERR_OK) return false;
    e->dirty[e->dirty_count++] = (struct dirty_page){page, zero};
    return true;
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

static int start_engine(te_engine *e) {
    uc_hook hook;
    if (uc_open(UC_ARCH_X86, UC_MODE_64, &e->uc) != UC_ERR_OK) return -1;
    // A recent core: SSE4, POPCNT, BMI are decoded (AVX is not emulated; such code faults).
    uc_ctl_set_cpu_model(e->uc, UC_CPU_X86_HASWELL);
    uint64_t scratch = e->config.scratch;
    static const uint8_t code[] = {0x31, 0xC0, 0xC3};  // visit: xor eax, eax; ret
    static const uint8_t stop[] = {0xF4};              // never run: emulation ends on reaching it
    if (uc_mem_map(e->uc, scratch + CODE_OFFSET, PAGE, UC_PROT_READ | UC_PROT_EXEC) != UC_ERR_OK ||
        uc_mem_write(e->uc, scratch + VISIT_OFFSET, code, sizeof code) != UC_ERR_OK ||
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
    e->dirty_count = 0;
    return 0;
}

static void stop_engine(te_engine *e) {
    if (e->uc) uc_close(e->uc);
    e->uc = NULL;
}

te_engine *te_open(const te_config *config, te_memory_reader reader, void *context) {
    if (config->scratch % PAGE != 0 || config->max_referents == 0) return NULL;
    te_engine *e = calloc(1, sizeof *e);
    if (!e) return NULL;
    e->config = *config;
    e->reader = reader;
    e->context = context;
    e->chunk = malloc(CHUNK);
    e->referent_capacity = 64 < config->max_referents ? 64 : config->max_referents;
    e->referents = malloc(e->referent_capacity * sizeof(uint64_t));
    if (!e->chunk || !e->referents || start_engine(e) != 0) {
        te_close(e);
        return NULL;
    }
    return e;
}

void te_close(te_engine *e) {
    if (!e) return;
    stop_engine(e);
    free(e->chunk);
    free(e->referents);
    free(e);
}

uint32_t te_mapped_pages(const te_engine *e) { return e->pages; }

/// Every page the call wrote, back as the copy has it (or zeros, for the private TLS), read-only again.
static void restore(te_engine *e) {
    for (uint32_t index = 0; index < e->dirty_count; index++) {
        uint64_t page = e->dirty[index].address;
        uint64_t start = 0;
        int executable = 0;
        if (e->dirty[index].zero) {
            memset(e->chunk, 0, PAGE);
        } else if (e->reader(e->context, page, &start, e->chunk, PAGE, &executable) != PAGE || start != page) {
            memset(e->chunk, 0, PAGE);  // cannot happen for a page that was read before; never leave the write
        }
        uc_mem_write(e->uc, page, e->chunk, PAGE);
        uc_mem_protect(e->uc, page, PAGE, UC_PROT_READ);
    }
    e->dirty_count = 0;
}

te_outcome te_traverse(te_engine *e, uint64_t function, uint64_t object, const uint64_t **referents, size_t *count) {
    te_outcome outcome = {TE_OK, 0, 0, 0};
    *referents = e->referents;
    *count = 0;
    if (e->pages >= e->config.max_pages) {
        // Its memory bound reached: start afresh (translated code is lost, the bound is kept).
        stop_engine(e);
        if (start_engine(e) != 0) { outcome.status = TE_ENGINE; return outcome; }
    }
    e->referent_count = 0;
    e->blocks = 0;
    e->status = TE_OK;
    e->fault = 0;
    uint64_t scratch = e->config.scratch;
    uint64_t stop = scratch + STOP_OFFSET;
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
    uc_err error = uc_emu_start(e->uc, function, stop, 0, 0);
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
    outcome.blocks = e->blocks;
    restore(e);
    *referents = e->referents;
    *count = outcome.status == TE_OK ? e->referent_count : 0;
    return outcome;
}
