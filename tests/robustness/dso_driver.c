/* A "driver" loaded with dlopen by dlclose_test.c: it uses ndislock (linked in statically or shared). */
#include <ndis.h>
#include <ndislock/verifier.h>

static NDIS_SPIN_LOCK dso_lock;

__attribute__((visibility("default"))) int dso_enable(void)
{
    return ndislock_verifier_configure("verify=1:halt_on_error=0:hold_us=0");
}

__attribute__((visibility("default"))) void dso_init(void)
{
    NdisAllocateSpinLock(&dso_lock);
}

__attribute__((visibility("default"))) void dso_work(int n)
{
    for (int i = 0; i < n; i++) {
        NdisAcquireSpinLock(&dso_lock);
        NdisReleaseSpinLock(&dso_lock);
    }
}

__attribute__((visibility("default"))) unsigned long dso_reports(void)
{
    return ndislock_verifier_report_count();
}
