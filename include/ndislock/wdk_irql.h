/*
 * ndislock/wdk_irql.h - the named IRQLs (x64 values of wdm.h), the raise and
 * lower calls, the NDIS IRQL macros and PAGED_CODE().  A compatibility
 * header: driver code gets it through <ndis.h>.
 */
#ifndef NDISLOCK_WDK_IRQL_H
#define NDISLOCK_WDK_IRQL_H

#ifndef NDISLOCK_NDIS_H
#error "include <ndis.h>, not <ndislock/wdk_irql.h>"
#endif

#ifdef __cplusplus
extern "C" {
#endif

#define PASSIVE_LEVEL   NDISLOCK_PASSIVE_LEVEL      /* 0 */
#define LOW_LEVEL       NDISLOCK_PASSIVE_LEVEL      /* 0 */
#define APC_LEVEL       NDISLOCK_APC_LEVEL          /* 1 */
#define DISPATCH_LEVEL  NDISLOCK_DISPATCH_LEVEL     /* 2 */
#define CMCI_LEVEL      NDISLOCK_CMCI_LEVEL         /* 5 */
#define SYNCH_LEVEL     NDISLOCK_SYNCH_LEVEL        /* 12 */
#define CLOCK_LEVEL     NDISLOCK_CLOCK_LEVEL        /* 13 */
#define IPI_LEVEL       NDISLOCK_IPI_LEVEL          /* 14 */
#define DRS_LEVEL       14
#define POWER_LEVEL     NDISLOCK_POWER_LEVEL        /* 14 */
#define PROFILE_LEVEL   NDISLOCK_PROFILE_LEVEL      /* 15 */
#define HIGH_LEVEL      NDISLOCK_HIGH_LEVEL         /* 15 */

/* KeGetCurrentIrql: this thread's IRQL. */
FORCEINLINE KIRQL KeGetCurrentIrql(VOID)
{
    return ndislock_irql_current();
}

/* KfRaiseIrql, behind the KeRaiseIrql macro: set the IRQL, return the old one. */
FORCEINLINE KIRQL KfRaiseIrql(KIRQL NewIrql)
{
    return ndislock_irql_raise(NewIrql);
}

/* KeRaiseIrql is a macro in wdm.h too. */
#define KeRaiseIrql(NewIrql, OldIrql)   ((void)(*(OldIrql) = ndislock_irql_raise(NewIrql)))

/* KeLowerIrql: dropping below DISPATCH_LEVEL first runs the thread's deferred work. */
FORCEINLINE VOID KeLowerIrql(KIRQL NewIrql)
{
    ndislock_irql_lower(NewIrql);
}
/* The macros below reach the native inline directly: one inline level keeps
 * the driver's line as a verifier report's innermost frame. */
#define KeLowerIrql(NewIrql) ndislock_irql_lower(NewIrql)

FORCEINLINE KIRQL KeRaiseIrqlToDpcLevel(VOID)
{
    return ndislock_irql_raise(NDISLOCK_DISPATCH_LEVEL);
}
#define KeRaiseIrqlToDpcLevel() ndislock_irql_raise(NDISLOCK_DISPATCH_LEVEL)

FORCEINLINE KIRQL KeRaiseIrqlToSynchLevel(VOID)
{
    return ndislock_irql_raise(NDISLOCK_SYNCH_LEVEL);
}
#define KeRaiseIrqlToSynchLevel() ndislock_irql_raise(NDISLOCK_SYNCH_LEVEL)

#define NDIS_CURRENT_IRQL()                 KeGetCurrentIrql()
#define NDIS_RAISE_IRQL_TO_DISPATCH(_pIrql) KeRaiseIrql(DISPATCH_LEVEL, (_pIrql))
#define NDIS_LOWER_IRQL(_OldIrql, _CurIrql)                                     \
    do {                                                                        \
        if ((_OldIrql) != (_CurIrql))                                           \
            KeLowerIrql(_OldIrql);                                              \
    } while (0)

/* PAGED_CODE(): nothing with the verifier off; with it on, IRQL_CALL_TOO_HIGH
 * above APC_LEVEL (Driver Verifier's Force IRQL Checking, user-mode analogue). */
#define PAGED_CODE()        ndislock_paged_code()
#define PAGED_CODE_LOCKED() ((void)0)

#ifdef __cplusplus
}
#endif

#endif /* NDISLOCK_WDK_IRQL_H */
