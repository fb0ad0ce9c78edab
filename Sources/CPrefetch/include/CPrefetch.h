#ifndef CPREFETCH_H
#define CPREFETCH_H

/* A hint that `address` will be read soon: lets a loop over a large, randomly accessed table
   (the address index) keep many cache misses in flight instead of waiting for each in turn.
   Swift has no spelling for it. */
static inline void pyi_prefetch(const void *address) {
    __builtin_prefetch(address, 0, 1);
}

#endif
