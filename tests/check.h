/*
 * tests/check.h - the assertions every ndislock test uses.  A failed CHECK
 * prints the expression and its file:line and exits 1; tests end with
 * CHECK_DONE(), which prints how many checks ran.
 */
#ifndef NDISLOCK_TEST_CHECK_H
#define NDISLOCK_TEST_CHECK_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

static unsigned long check_count;

#define CHECK(cond)                                                             \
    do {                                                                        \
        __atomic_fetch_add(&check_count, 1, __ATOMIC_RELAXED);                  \
        if (!(cond)) {                                                          \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
            exit(1);                                                            \
        }                                                                       \
    } while (0)

#define CHECK_EQ(a, b)                                                          \
    do {                                                                        \
        long long check_a_ = (long long)(a), check_b_ = (long long)(b);         \
        __atomic_fetch_add(&check_count, 1, __ATOMIC_RELAXED);                  \
        if (check_a_ != check_b_) {                                             \
            fprintf(stderr, "%s:%d: CHECK_EQ failed: %s == %s (%lld != %lld)\n", \
                    __FILE__, __LINE__, #a, #b, check_a_, check_b_);            \
            exit(1);                                                            \
        }                                                                       \
    } while (0)

#define CHECK_DONE()                                                            \
    do {                                                                        \
        printf("%s: %lu checks passed\n", __FILE__, check_count);               \
        return 0;                                                               \
    } while (0)

#endif
