/*
 * main.c - plays NDIS and the hardware for the sample miniport: creates the
 * simulated adapter, initializes the driver, runs a device thread (fills the
 * receive ring, completes transmissions, raises interrupts) and sender
 * threads, changes OIDs from the main thread, then halts the driver and
 * prints packets/s, per-lock statistics and the verifier's verdict.
 *
 *   ndis_miniport [--seconds=S] [--packets=N] [--senders=N] [--bug=NAME|list] [--quiet]
 */
#include <ndislock/harness.h>
#if __has_include(<ndislock/verifier.h>)
#include <ndislock/verifier.h>
#define SAMPLE_HAVE_VERIFIER 1
#else
#define SAMPLE_HAVE_VERIFIER 0
#endif

#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "miniport.h"

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
            sched_yield();
        } else {
            struct timespec idle = { 0, 20000 };    /* idle device: stop eating a core */
            nanosleep(&idle, NULL);
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
        if (MiniportSend(adapter, len) == NDIS_STATUS_SUCCESS)
            full = 0;
        else if (++full < 16)
            sched_yield();                  /* ring full: NDIS would pend the NBL ... */
        else
            NdisMSleep(20);                 /* ... and the stack would stop sending */
        len = len >= 1514 ? 60 : len + 1;
    }
    return NULL;
}

static void usage(void)
{
    fprintf(stderr, "usage: ndis_miniport [--seconds=S] [--packets=N] [--senders=N] "
                    "[--bug=NAME|list] [--quiet]\n");
    exit(2);
}

int main(int argc, char **argv)
{
    double seconds = 5, t0, next_progress, elapsed;
    long long packets = 0;
    int senders = 2, quiet = 0;
    pthread_t dev, snd[16];
    SAMPLE_STATS st;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strncmp(a, "--seconds=", 10) == 0) {
            seconds = atof(a + 10);
        } else if (strncmp(a, "--packets=", 10) == 0) {
            packets = atoll(a + 10);
        } else if (strncmp(a, "--senders=", 10) == 0) {
            senders = atoi(a + 10);
            if (senders < 1 || senders > 16)
                usage();
        } else if (strcmp(a, "--quiet") == 0) {
            quiet = 1;
        } else if (strncmp(a, "--bug=", 6) == 0) {
            int found = 0;
            if (strcmp(a + 6, "list") == 0) {
                printf("%-22s %-22s %s\n", "bug", "rule id", "what the driver does wrong");
                for (int b = 1; b < BUG_COUNT; b++)
                    printf("%-22s %-22s %s (%s)\n", SampleBugs[b].Name, SampleBugs[b].RuleId,
                           SampleBugs[b].What, SampleBugs[b].Severity);
                return 0;
            }
            for (int b = 1; b < BUG_COUNT; b++)
                if (strcmp(a + 6, SampleBugs[b].Name) == 0) {
                    SampleBug = (SAMPLE_BUG)b;
                    found = 1;
                }
            if (!found) {
                fprintf(stderr, "ndis_miniport: unknown bug '%s' (--bug=list)\n", a + 6);
                return 2;
            }
        } else {
            usage();
        }
    }

    printf("ndis_miniport: %d sender(s), %s%s%s, verifier %s\n", senders,
           packets ? "until packet count" : "timed run",
           SampleBug ? ", bug injected: " : "", SampleBug ? SampleBugs[SampleBug].Name : "",
#if SAMPLE_HAVE_VERIFIER
           ndislock_verifier_enabled() ? "on" : "off"
#else
           "not built in"
#endif
           );
    if (SampleBug)
        printf("ndis_miniport: bug %s -> expect %s\n", SampleBugs[SampleBug].Name,
               SampleBugs[SampleBug].RuleId);

    nic = ndislock_harness_adapter_create("sim0");
    hw = hw_create();
    if (nic == NULL || hw == NULL || MiniportInitializeEx(nic, hw, &adapter) != NDIS_STATUS_SUCCESS) {
        fprintf(stderr, "ndis_miniport: MiniportInitializeEx failed\n");
        return 1;
    }
    pthread_create(&dev, NULL, device_thread, NULL);
    for (int i = 0; i < senders; i++)
        pthread_create(&snd[i], NULL, sender_thread, (void *)(uintptr_t)i);

    t0 = now_s();
    next_progress = t0 + 1.0;
    for (int tick = 0;; tick++) {
        double t = now_s();

        MiniportQueryStats(adapter, &st);
        if (packets ? (long long)st.TxPackets + st.RxPackets >= packets : t - t0 >= seconds)
            break;
        if (t - t0 > 600)
            break;                          /* safety net for --packets */
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
        pthread_join(snd[i], NULL);
    __atomic_store_n(&stop_device, 1, __ATOMIC_RELEASE);
    pthread_join(dev, NULL);
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
#if SAMPLE_HAVE_VERIFIER
    {
        /* stats=1 makes the library print the table at exit; otherwise print it here */
        const char *opts = getenv("NDISLOCK_OPTIONS");
        if (opts == NULL || strstr(opts, "stats=1") == NULL)
            ndislock_stats_dump(stdout, 0);
    }
    if (ndislock_verifier_enabled()) {
        unsigned long n = ndislock_verifier_report_count();
        unsigned long w = ndislock_verifier_warning_count();
        printf("ndis_miniport: verifier: %lu violation(s), %lu warning(s)\n", n, w);
        fflush(stdout);
        return n ? 66 : 0;
    }
    printf("ndis_miniport: verifier: off (NDISLOCK_OPTIONS=verify=1 to switch it on)\n");
#else
    printf("ndis_miniport: verifier: not in this build (lock statistics need it too)\n");
#endif
    return 0;
}
