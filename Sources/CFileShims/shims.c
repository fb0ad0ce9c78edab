#include <fcntl.h>
#include <stdio.h>

#include "CFileShims.h"

int pyi_rename_noreplace(const char *from, const char *to) {
    return renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE);
}
