// _GNU_SOURCE is defined for this file only (Package.swift cSettings), never in the header.
#include "CPyInspectShims.h"
#include <errno.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <sys/wait.h>

long pyi_ptrace_seize(pid_t tid) { return ptrace(PTRACE_SEIZE, tid, NULL, NULL); }
long pyi_ptrace_interrupt(pid_t tid) { return ptrace(PTRACE_INTERRUPT, tid, NULL, NULL); }
long pyi_ptrace_detach(pid_t tid) { return ptrace(PTRACE_DETACH, tid, NULL, NULL); }
long pyi_ptrace_detach_signal(pid_t tid, int sig) {
    return ptrace(PTRACE_DETACH, tid, NULL, (void *)(intptr_t)sig);
}

pid_t pyi_waitpid_all(pid_t tid, int *status, int nohang) {
    return waitpid(tid, status, __WALL | (nohang ? WNOHANG : 0));
}
int pyi_wifstopped(int status) { return WIFSTOPPED(status); }
int pyi_wstopsig(int status) { return WSTOPSIG(status); }
int pyi_wifexited(int status) { return WIFEXITED(status); }
int pyi_wifsignaled(int status) { return WIFSIGNALED(status); }
int pyi_ptrace_event(int status) { return (status >> 16) & 0xff; }

enum { PYI_MAX_IOV = 1024 };  // IOV_MAX on Linux

ssize_t pyi_process_vm_readv(pid_t pid,
                             void *const *local_bases, const size_t *local_lengths,
                             const uint64_t *remote_bases, const size_t *remote_lengths,
                             size_t count) {
    if (count > PYI_MAX_IOV) { errno = EINVAL; return -1; }
    struct iovec local[PYI_MAX_IOV];
    struct iovec remote[PYI_MAX_IOV];
    for (size_t i = 0; i < count; i++) {
        local[i].iov_base = local_bases[i];
        local[i].iov_len = local_lengths[i];
        remote[i].iov_base = (void *)(uintptr_t)remote_bases[i];
        remote[i].iov_len = remote_lengths[i];
    }
    return process_vm_readv(pid, local, count, remote, count, 0);
}

int pyi_set_timer_slack(unsigned long nanoseconds) { return prctl(PR_SET_TIMERSLACK, nanoseconds, 0, 0, 0); }
