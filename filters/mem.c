/*
 * Every allocation libstream makes goes through these, so a test can make the n-th one fail and check that
 * the failure is an error, leaks nothing and publishes nothing (tests/unit/alloc_test.c). Off, they cost one
 * relaxed atomic load.
 */
#include "config.h"
#include "filters/filters.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

static atomic_long countdown = -1; /* allocations still to succeed; -1: never fail */
static atomic_long counted;

static int fail_now(void)
{
    atomic_fetch_add_explicit(&counted, 1, memory_order_relaxed);
    if (atomic_load_explicit(&countdown, memory_order_relaxed) < 0)
        return 0;
    return atomic_fetch_sub(&countdown, 1) == 0;
}

void *ls_malloc(size_t n) { return fail_now() ? NULL : malloc(n); }
void *ls_calloc(size_t n, size_t size) { return fail_now() ? NULL : calloc(n, size); }
void *ls_realloc(void *p, size_t n) { return fail_now() ? NULL : realloc(p, n); }
void *ls_aligned_alloc(size_t align, size_t n) { return fail_now() ? NULL : aligned_alloc(align, n); }
char *ls_strdup(const char *s) { return fail_now() ? NULL : strdup(s); }

void ls_alloc_fail_after(long n) { atomic_store(&countdown, n); }

long ls_alloc_count(void) { return atomic_load(&counted); }
