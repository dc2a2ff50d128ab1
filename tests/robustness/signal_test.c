/*
 * Defect: a signal handler that took a lock its interrupted thread held
 * hung silently (when the signal landed inside the verifier, the handler's
 * acquire took an unchecked path and spun on its own thread's lock).
 * Expect: for 2 s a timer signal lands every 200 us on a thread that keeps
 * taking and releasing one lock through every call family; each handler
 * takes the same lock: never a hang; where the interrupted thread held the
 * lock (or was inside its acquire or release) the handler's acquire is
 * reported as LOCK_RECURSIVE_ACQUIRE and skipped, its release swallowed;
 * the thread's own holds stay balanced (IRQL back to PASSIVE_LEVEL, the
 * lock free at the end), and no other rule is reported.
 */
#include "robust.h"

#include <ndis.h>
#include <ndislock/verifier.h>
#include <sys/time.h>
#include <time.h>

static NDIS_SPIN_LOCK l;
static KSPIN_LOCK k;
static volatile sig_atomic_t handled;

static void on_timer(int sig)
{
    (void)sig;
    NdisAcquireSpinLock(&l);
    NdisReleaseSpinLock(&l);
    handled++;
}

int main(void)
{
    const char *json = robust_json_path();
    char opts[200];
    struct itimerval it = { { 0, 200 }, { 0, 200 } };
    struct timespec t0, now;
    KLOCK_QUEUE_HANDLE h;
    KIRQL o;

    robust_deadline(60);
    snprintf(opts, sizeof opts, "verify=1:halt_on_error=0:hold_us=0:log=/dev/null:json=%s", json);
    CHECK_EQ(ndislock_verifier_configure(opts), 0);
    NdisAllocateSpinLock(&l);
    KeInitializeSpinLock(&k);
    signal(SIGALRM, on_timer);
    CHECK(setitimer(ITIMER_REAL, &it, NULL) == 0);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    do {
        for (int i = 0; i < 100; i++) {
            NdisAcquireSpinLock(&l);
            NdisReleaseSpinLock(&l);
            KeAcquireSpinLock(&k, &o);
            KeReleaseSpinLock(&k, o);
            KeAcquireInStackQueuedSpinLock(&k, &h);  /* mixed use of k: reported once */
            KeReleaseInStackQueuedSpinLock(&h);
        }
        clock_gettime(CLOCK_MONOTONIC, &now);
    } while (now.tv_sec - t0.tv_sec < 2);
    it.it_value.tv_usec = it.it_interval.tv_usec = 0;
    CHECK(setitimer(ITIMER_REAL, &it, NULL) == 0);
    robust_deadline(60);

    CHECK(handled > 100);
    CHECK_EQ(KeGetCurrentIrql(), PASSIVE_LEVEL);
    CHECK(KeTestSpinLock(&l.SpinLock));
    CHECK(KeTestSpinLock(&k));
    int rec = robust_json_count(json, "LOCK_RECURSIVE_ACQUIRE");
    int mix = robust_json_count(json, "LOCK_VARIANT_MISMATCH");
    printf("%d signals handled; recursive reports (deduplicated): %d\n", (int)handled, rec);
    CHECK_EQ(mix, 1);
    CHECK(rec >= 1);
    CHECK_EQ(robust_json_total(json), rec + mix);   /* no other rule */
    CHECK_EQ((int)ndislock_verifier_report_count(), rec + mix);
    CHECK_EQ(ndislock_verifier_configure("verify=0"), 0);
    unlink(json);
    CHECK_DONE();
}
