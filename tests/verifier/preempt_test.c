/*
 * The switch counter behind the hold-time check: it grows when the thread
 * sleeps (leaves the CPU) and stays put across pure computation.  Where rseq
 * is not registered (qemu-user, valgrind, old glibc) it must stay 0.
 */
#include "verifier/preempt.h"

#include <time.h>

#include "check.h"

static volatile unsigned long sink;

int main(void)
{
    uint64_t a = ndislock__switches();

    if (!ndislock__switches_known()) {
        struct timespec ts = { 0, 1000 * 1000 };
        nanosleep(&ts, NULL);
        CHECK_EQ(ndislock__switches(), 0);
        printf("rseq not registered here: counter stays 0\n");
        CHECK_DONE();
    }

    /* Sleeping leaves the CPU: nearly always seen (the kernel may skip a
     * syscall sleep now and then), so ask for most of 50. */
    int seen = 0;
    for (int i = 0; i < 50; i++) {
        uint64_t before = ndislock__switches();
        struct timespec ts = { 0, 200 * 1000 };
        nanosleep(&ts, NULL);
        seen += ndislock__switches() > before;
    }
    CHECK(seen >= 45);

    /* A short computation is usually not interrupted: at least one of 50
     * attempts must come through unchanged (a timer preemption may hit some). */
    int quiet = 0;
    for (int i = 0; i < 50; i++) {
        uint64_t before = ndislock__switches();
        for (int j = 0; j < 2000; j++)
            sink += (unsigned long)j;
        quiet += ndislock__switches() == before;
    }
    CHECK(quiet >= 1);
    CHECK(ndislock__switches() >= a + 45);
    printf("sleeps seen %d/50, quiet stretches %d/50\n", seen, quiet);
    CHECK_DONE();
}
