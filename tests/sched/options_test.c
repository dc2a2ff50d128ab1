/*
 * The schedule settings: what ndislock_sched_configure accepts and refuses
 * (a refused string changes nothing), the describe line (the option syntax,
 * defaults left out, so it replays the run), that sched_seed alone turns
 * sched=perturb on, that a perturbed run still does what it should, and
 * the lines that carry the seed out of the process:
 *   options_test          exits 0; the library prints the exit line
 *                         "ndislock: schedule: ..." (checked by CTest)
 *   options_test assert   a failed ASSERT names the schedule (checked by CTest)
 */
#include <ndis.h>
#include <ndislock/sched.h>
#include <ndislock/verifier.h>

#include <pthread.h>
#include <string.h>

#include "check.h"

/* The hook NDISLOCK_OPTIONS's parser calls for each key (src/sched/sched.h). */
int ndislock__sched_option(const char *key, const char *value);

static int described_as(const char *want)
{
    char line[256];
    size_t n = ndislock_sched_describe(line, sizeof line);

    if (n != strlen(want) || strcmp(line, want) != 0) {
        fprintf(stderr, "describe: \"%s\", expected \"%s\"\n", line, want);
        return 0;
    }
    return 1;
}

static LONG counter;

static void *worker(void *arg)
{
    NDIS_SPIN_LOCK *l = arg;

    for (int i = 0; i < 2000; i++) {
        NdisAcquireSpinLock(l);
        counter++;
        NdisReleaseSpinLock(l);
        if (i % 100 == 0)
            ndislock_sched_yield();
    }
    return NULL;
}

int main(int argc, char **argv)
{
    char small[8];
    NDIS_SPIN_LOCK l;
    pthread_t t[3];

    CHECK(described_as(""));
    CHECK(ndislock_sched_configure("sched=sometimes") == -1);
    CHECK(ndislock_sched_configure("sched_seed=-1") == -1);
    CHECK(ndislock_sched_configure("sched_seed=18446744073709551616") == -1);   /* 2^64 */
    CHECK(ndislock_sched_configure("sched_every=0") == -1);
    CHECK(ndislock_sched_configure("cpus=2:sched_delay_us=") == -1);
    CHECK(described_as(""));                                    /* nothing changed */

    CHECK(ndislock_sched_configure("sched_seed=18446744073709551615") == 0);
    CHECK(described_as("sched=perturb:sched_seed=18446744073709551615"));
    CHECK(ndislock_sched_configure("cpus=3:sched_seed=7:sched_every=4") == 0);
    CHECK(described_as("cpus=3:sched=perturb:sched_seed=7:sched_every=4"));
    CHECK(ndislock_sched_configure("sched_every=8:sched_delay_us=50") == 0);    /* 8: the default */
    CHECK(described_as("cpus=3:sched=perturb:sched_seed=7:sched_delay_us=50"));
    /* the whole length, and a truncated copy */
    CHECK_EQ(ndislock_sched_describe(small, sizeof small),
             strlen("cpus=3:sched=perturb:sched_seed=7:sched_delay_us=50"));
    CHECK(strcmp(small, "cpus=3:") == 0);
    CHECK_EQ(ndislock_sched_describe(NULL, 0),
             strlen("cpus=3:sched=perturb:sched_seed=7:sched_delay_us=50"));
    CHECK(ndislock_sched_configure("sched=off") == 0);
    CHECK(described_as("cpus=3"));
    /* key by key: 1 ours and applied, 0 not ours, -1 ours and malformed */
    CHECK_EQ(ndislock__sched_option("verify", "1"), 0);
    CHECK_EQ(ndislock__sched_option("sched_every", "x"), -1);
    CHECK_EQ(ndislock__sched_option("sched_every", "3"), 1);
    CHECK(described_as("cpus=3"));                              /* perturb's key, mode off */
    CHECK_EQ(ndislock__sched_option("sched", "perturb"), 1);
    CHECK(described_as("cpus=3:sched=perturb:sched_seed=7:sched_every=3:sched_delay_us=50"));
    CHECK(ndislock_sched_configure("sched=off:sched_every=8") == 0);
    CHECK(ndislock_sched_configure("cpus=0") == 0);
    CHECK(described_as(""));
    /* the verifier's configure hands scheduling keys over, and refuses bad ones */
    CHECK_EQ(ndislock_verifier_configure("stats=0:cpus=5"), 0);
    CHECK(described_as("cpus=5"));
    CHECK_EQ(KeQueryActiveProcessorCount(NULL), 5u);
    CHECK_EQ(ndislock_verifier_configure("cpus=abc"), -1);
    CHECK(described_as("cpus=5"));
    CHECK_EQ(ndislock_verifier_configure("cpus=0"), 0);
    CHECK(described_as(""));

    /* a perturbed run: every fourth schedule point delays; nothing is lost */
    CHECK(ndislock_sched_configure("cpus=2:sched_seed=11:sched_every=4:sched_delay_us=20") == 0);
    NdisAllocateSpinLock(&l);
    for (int i = 0; i < 3; i++)
        CHECK(ndislock_sched_thread_create(&t[i], NULL, worker, &l) == 0);
    for (int i = 0; i < 3; i++)
        pthread_join(t[i], NULL);
    CHECK_EQ(counter, 6000);
    NdisFreeSpinLock(&l);

    if (argc > 1 && strcmp(argv[1], "assert") == 0)
        ASSERT(counter == 0);                   /* fails, naming the schedule */
    CHECK_DONE();
}
