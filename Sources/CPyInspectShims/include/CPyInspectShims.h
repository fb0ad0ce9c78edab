#ifndef CPYINSPECT_SHIMS_H
#define CPYINSPECT_SHIMS_H
// The few calls Swift cannot make directly. Each returns -1 and leaves errno set on failure,
// exactly like the libc call it wraps.
#ifdef __linux__
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <libunwind-ptrace.h>

/// glibc's ptrace(2) is variadic, which Swift cannot call. These requests are all pyinspect uses.
long pyi_ptrace_seize(pid_t tid);
long pyi_ptrace_interrupt(pid_t tid);
long pyi_ptrace_detach(pid_t tid);
/// PTRACE_DETACH that delivers `sig` (0 for none) to a tracee detached from a signal-delivery-stop,
/// so a signal that arrived while pyinspect held the thread is not lost.
long pyi_ptrace_detach_signal(pid_t tid, int sig);
/// PTRACE_EVENT_STOP: the stop PTRACE_INTERRUPT (or a group-stop) reports under PTRACE_SEIZE.
#define PYI_PTRACE_EVENT_STOP 128
/// waitpid(tid, &status, __WALL): __WALL is needed for threads other than the leader.
pid_t pyi_waitpid_all(pid_t tid, int *status, int nohang);
int pyi_wifstopped(int status);
int pyi_wstopsig(int status);
int pyi_wifexited(int status);
int pyi_wifsignaled(int status);
/// The PTRACE_EVENT_* value carried in a stop status (status >> 16).
int pyi_ptrace_event(int status);

/// prctl(PR_SET_TIMERSLACK) for the calling thread (prctl is variadic): how late the kernel may
/// wake a sleep, 50 us by default; the waits of a pause need it small to keep their deadline.
int pyi_set_timer_slack(unsigned long nanoseconds);

/// process_vm_readv(2) is only declared with _GNU_SOURCE, which must not leak into Swift's Glibc import.
/// Reads `count` ranges from the target into `count` local buffers in one syscall.
ssize_t pyi_process_vm_readv(pid_t pid,
                             void *const *local_bases, const size_t *local_lengths,
                             const uint64_t *remote_bases, const size_t *remote_lengths,
                             size_t count);

/// The unw_* names are macros over architecture-specific symbols; Swift sees these wrappers instead.
static inline unw_addr_space_t pyi_unw_create_addr_space(void) {
    return unw_create_addr_space(&_UPT_accessors, 0);
}
static inline int pyi_unw_init_remote(unw_cursor_t *cursor, unw_addr_space_t as, void *upt) {
    return unw_init_remote(cursor, as, upt);
}
static inline int pyi_unw_step(unw_cursor_t *cursor) { return unw_step(cursor); }
static inline int pyi_unw_get_ip(unw_cursor_t *cursor, uint64_t *ip) {
    unw_word_t w = 0;
    int rc = unw_get_reg(cursor, UNW_REG_IP, &w);
    *ip = (uint64_t)w;
    return rc;
}
static inline void pyi_unw_destroy_addr_space(unw_addr_space_t as) { unw_destroy_addr_space(as); }

#endif
#endif
