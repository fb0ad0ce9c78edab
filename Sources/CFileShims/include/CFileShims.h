#ifndef CFILESHIMS_H
#define CFILESHIMS_H

/* rename(from, to) that fails with EEXIST instead of replacing what is at `to`:
   renameat2(..., RENAME_NOREPLACE), which Swift's Glibc module does not declare (it needs _GNU_SOURCE).
   Returns 0, or -1 with errno set (EINVAL where the filesystem does not support the flag). */
int pyi_rename_noreplace(const char *from, const char *to);

#endif
