/*
 * main.c - plays NDIS and the hardware for the sample miniport: creates the
 * simulated adapter, initializes the driver, runs a device thread (fills the
 * receive ring, completes transmissions, raises interrupts) and sender
 * threads, changes OIDs from the main thread, then halts the driver and
 * prints packets/s and the verifier's verdict (the library prints the
 * per-lock statistics table at exit when statistics are on).
 *
 *   ndis_miniport [--seconds=S] [--packets=N] [--senders=N] [--bug=NAME|list] [--sched=OPTS]
 *                 [--seeds=A..B] [--quiet] [--help]
 *
 * --seeds=A..B runs the sample again, as a child process, once per seed
 * (seeds.c), and stops at the first run that reports something.
 */
#include <ndislock/harness.h>
#include <ndislock/sched.h>
#include <ndislock/verifier.h>

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "miniport.h"
#include "seeds.h"

#define MAX_SENDERS 16

static PADAPTER adapter;
static struct ndislock_adapter *nic;
static HW_DEVICE *hw;
static int stop_senders, stop_device;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void *device_thread(void *arg)
{
    unsigned idle_steps = 0;

    (void)arg;
    while (!__atomic_load_n(&stop_device, __ATOMIC_ACQUIRE)) {
        if (hw_step(hw, 32) != 0) {
            ndislock_harness_fire_interrupt(nic, 0);
            idle_steps = 0;
        } else if (++idle_steps < 64) {
            ndislock_sched_yield();         /* a schedule point, when a schedule mode is on */
        } else {
            NdisMSleep(20);                 /* idle device: stop eating a core */
        }
    }
    /* drain: complete what was posted so halt sees an idle transmitter */
    if (hw_step(hw, 0) != 0)
        ndislock_harness_fire_interrupt(nic, 0);
    return NULL;
}

static void *sender_thread(void *arg)
{
    unsigned len = 60 + (unsigned)(uintptr_t)arg * 100, full = 0;

    while (!__atomic_load_n(&stop_senders, __ATOMIC_ACQUIRE)) {
        if (MiniportSend(adapter, len) == NDIS_STATUS_SUCCESS) {
            full = 0;
            /* the next frame (a refused one is retried): 60 to 1514 bytes in steps of 29 */
            len = len >= 1514 ? 60 : len + 29 < 1514 ? len + 29 : 1514;
        } else if (++full < 16) {
            ndislock_sched_yield();         /* ring full: NDIS would pend the NBL ... */
        } else {
            NdisMSleep(20);                 /* ... and the stack would stop sending */
        }
    }
    return NULL;
}

static void usage(void)
{
    printf(
        "usage: ndis_miniport [option...]\n"
        "Runs the sample NDIS miniport on a simulated NIC: a device thread, sender threads and\n"
        "OID changes, then halts the driver and prints packets/s and the verifier's verdict.\n"
        "\n"
        "  --seconds=S     run for S seconds (a number > 0; default 6)\n"
        "  --packets=N     run until N packets were sent and received, instead of a timed run\n"
        "  --senders=N     sender threads, 1 to %d (default 2)\n"
        "  --bug=NAME      inject one bug (below) for the verifier to report; --bug=list lists them\n"
        "  --sched=OPTS    simulated processors and schedule, e.g. cpus=4:sched_seed=7\n"
        "                  (ndislock/sched.h: cpus, sched, sched_seed, sched_every, sched_delay_us)\n"
        "  --seeds=A..B    run once per seed A to B (with --sched's settings plus sched_seed=S),\n"
        "                  stop at the first run that reports, print the command that replays it\n"
        "  --quiet         no progress line every second\n"
        "  --help          this text\n"
        "\n"
        "bugs (--bug=NAME) and the rule the verifier reports (race: an NT_ASSERT, when the\n"
        "schedule shows it; find it with --seeds):\n", MAX_SENDERS);
    for (int b = 1; b < BUG_COUNT; b++)
        printf("  %-22s %-22s %s\n", SampleBugs[b].Name, SampleBugs[b].RuleId, SampleBugs[b].Severity);
    printf(
        "\n"
        "The verifier is the library's, switched on without rebuilding by the environment:\n"
        "  NDISLOCK_OPTIONS=verify=1 ndis_miniport ...                 check every rule, abort at the first error\n"
        "  NDISLOCK_OPTIONS=verify=1:halt_on_error=0 ndis_miniport ... report every error, exit 66 at the end\n"
        "  NDISLOCK_OPTIONS=stats=1 ndis_miniport ...                  per-lock statistics only\n"
        "Options are colon-separated key=value pairs (docs/VERIFIER.md lists them all).\n"
        "\n"
        "exit status: 0 no error reported, 66 errors reported (halt_on_error=0), SIGABRT (shell: 134)\n"
        "at the first error (halt_on_error=1, the default) or a failed ASSERT, 2 a bad option,\n"
        "1 initialization failed.  --seeds: 0 no seed reported, 1 a seed did (its replay printed).\n");
}

/* A malformed option is an error naming it: exit 2, as for an unknown one. */
static _Noreturn void bad_option(const char *arg, const char *why)
{
    fprintf(stderr, "ndis_miniport: %s: %s (--help lists the options)\n", arg, why);
    exit(2);
}

/* The value of --name=VALUE as a whole number in [lo, hi]. */
static long long number_option(const char *arg, const char *value, long long lo, long long hi)
{
    char *end;
    long long v;

    errno = 0;
    v = strtoll(value, &end, 10);
    if (end == value || *end != '\0' || errno != 0 || v < lo || v > hi) {
        char why[64];
        snprintf(why, sizeof why, "expected a whole number from %lld to %lld", lo, hi);
        bad_option(arg, why);
    }
    return v;
}

int main(int argc, char **argv)
{
    double seconds = 6, t0, next_progress, elapsed;
    long long packets = 0;
    int senders = 2, quiet = 0;
    const char *sched = NULL, *seeds = NULL;
    pthread_t dev, snd[MAX_SENDERS];
    SAMPLE_STATS st;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strncmp(a, "--seconds=", 10) == 0) {
            char *end;
            seconds = strtod(a + 10, &end);
            /* !(x > 0) also refuses NaN; the bound refuses inf */
            if (end == a + 10 || *end != '\0' || !(seconds > 0) || seconds > 1e6)
                bad_option(a, "expected a number of seconds, more than 0 and at most 1000000");
        } else if (strncmp(a, "--packets=", 10) == 0) {
            packets = number_option(a, a + 10, 1, 1000000000000LL);
        } else if (strncmp(a, "--senders=", 10) == 0) {
            senders = (int)number_option(a, a + 10, 1, MAX_SENDERS);
        } else if (strncmp(a, "--sched=", 8) == 0) {
            sched = a + 8;
        } else if (strncmp(a, "--seeds=", 8) == 0) {
            seeds = a + 8;
        } else if (strcmp(a, "--quiet") == 0) {
            quiet = 1;
        } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage();
            return 0;
        } else if (strcmp(a, "--bug=list") == 0) {
            printf("%-22s %-22s %s\n", "bug", "rule id", "what the driver does wrong");
            for (int b = 1; b < BUG_COUNT; b++)
                printf("%-22s %-22s %s (%s)\n", SampleBugs[b].Name, SampleBugs[b].RuleId,
                       SampleBugs[b].What, SampleBugs[b].Severity);
            return 0;
        } else if (strncmp(a, "--bug=", 6) == 0) {
            int b = 1;
            while (b < BUG_COUNT && strcmp(a + 6, SampleBugs[b].Name) != 0)
                b++;
            if (b == BUG_COUNT)
                bad_option(a, "no such bug");
            SampleBug = (SAMPLE_BUG)b;
        } else {
            bad_option(a, "unknown option");
        }
    }

    if (seeds != NULL) {
        struct seed_range r;
        if (seed_range_parse(seeds, &r) != 0)
            bad_option(seeds - 8, "expected A..B, whole numbers with A <= B, at most 1000000 seeds");
        return seeds_run(argc, argv, sched, &r);
    }
    if (sched != NULL && ndislock_sched_configure(sched) != 0)
        bad_option(sched - 8, "not valid scheduling settings (the message above says why)");

    printf("ndis_miniport: %d sender(s), %s%s%s, verifier %s\n", senders,
           packets ? "until packet count" : "timed run",
           SampleBug ? ", bug injected: " : "", SampleBug ? SampleBugs[SampleBug].Name : "",
           ndislock_verifier_enabled() ? "on" : "off");
    if (SampleBug)
        printf("ndis_miniport: bug %s -> expect %s\n", SampleBugs[SampleBug].Name,
               SampleBugs[SampleBug].RuleId);

    nic = ndislock_harness_adapter_create("sim0");
    hw = hw_create();
    if (nic == NULL || hw == NULL || MiniportInitializeEx(nic, hw, &adapter) != NDIS_STATUS_SUCCESS) {
        fprintf(stderr, "ndis_miniport: MiniportInitializeEx failed\n");
        return 1;
    }
    /* created in a fixed order, so each thread's schedule stream is the same in every run */
    ndislock_sched_thread_create(&dev, NULL, device_thread, NULL);
    for (int i = 0; i < senders; i++)
        ndislock_sched_thread_create(&snd[i], NULL, sender_thread, (void *)(uintptr_t)i);

    t0 = now_s();
    next_progress = t0 + 1.0;
    for (int tick = 0;; tick++) {
        double t = now_s();

        MiniportQueryStats(adapter, &st);
        if (packets ? (long long)st.TxPackets + st.RxPackets >= packets : t - t0 >= seconds)
            break;
        if (packets && t - t0 > 600)
            break;                          /* safety net: a stalled --packets run */
        /* OID traffic: the packet filter (RW lock) and interrupt moderation (synchronize) */
        MiniportSetPacketFilter(adapter, (tick & 1) ? 0x20 : 0x0);
        MiniportSetInterruptMask(adapter, HW_INT_RX | HW_INT_TX);
        if (!quiet && t >= next_progress) {
            printf("[%5.1fs] tx %ld rx %ld packets, %.0f packets/s, %ld interrupts, %ld DPCs\n",
                   t - t0, (long)st.TxPackets, (long)st.RxPackets,
                   ((double)st.TxPackets + st.RxPackets) / (t - t0), (long)st.Interrupts,
                   (long)st.Dpcs);
            fflush(stdout);
            next_progress += 1.0;
        }
        NdisMSleep(10000);
    }

    __atomic_store_n(&stop_senders, 1, __ATOMIC_RELEASE);
    for (int i = 0; i < senders; i++)
        ndislock_sched_thread_join(snd[i], NULL);
    __atomic_store_n(&stop_device, 1, __ATOMIC_RELEASE);
    ndislock_sched_thread_join(dev, NULL);
    elapsed = now_s() - t0;
    MiniportQueryStats(adapter, &st);
    MiniportHaltEx(adapter);
    ndislock_harness_adapter_destroy(nic);
    hw_destroy(hw);
    ndislock_contexts_shutdown();

    printf("ndis_miniport: %.2f s: tx %ld packets (%lld bytes), rx %ld packets (%lld bytes), "
           "%ld send-ring-full, %ld interrupts, %ld DPCs, %ld watchdog ticks\n",
           elapsed, (long)st.TxPackets, (long long)st.TxBytes.QuadPart, (long)st.RxPackets,
           (long long)st.RxBytes.QuadPart, (long)st.TxNoResources, (long)st.Interrupts,
           (long)st.Dpcs, (long)st.WatchdogTicks);
    printf("ndis_miniport: %.0f packets/s\n", ((double)st.TxPackets + st.RxPackets) / elapsed);
    /* No statistics table here: the library prints it at exit when statistics are on. */
    if (ndislock_verifier_enabled()) {
        unsigned long n = ndislock_verifier_report_count();
        unsigned long w = ndislock_verifier_warning_count();
        printf("ndis_miniport: verifier: %lu violation(s), %lu warning(s)\n", n, w);
        fflush(stdout);
        return n ? 66 : 0;
    }
    printf("ndis_miniport: verifier: off (NDISLOCK_OPTIONS=verify=1 to switch it on)\n");
    return 0;
}
