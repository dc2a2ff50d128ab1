/*
 * miniport.h - the sample driver's entry points, as the NDIS framework would
 * call them (MiniportInitializeEx, MiniportSendNetBufferLists, MiniportOidRequest,
 * MiniportHaltEx), and its bug-injection switches.
 */
#ifndef SAMPLE_MINIPORT_H
#define SAMPLE_MINIPORT_H

#include <ndis.h>

#include "hw.h"

typedef enum _SAMPLE_BUG {
    BUG_NONE = 0,
    BUG_LOCK_ORDER,             /* LOCK_ORDER_CYCLE */
    BUG_ISR_SPINLOCK,           /* ISR_SPINLOCK */
    BUG_DPR_AT_PASSIVE,         /* IRQL_DPR_NOT_DISPATCH */
    BUG_VARIANT_MISMATCH,       /* LOCK_VARIANT_MISMATCH */
    BUG_MISSING_RELEASE,        /* LOCK_HELD_AT_EXIT */
    BUG_HOLD_TOO_LONG,          /* HOLD_TIME_EXCEEDED */
    BUG_SLEEP_HOLDING_LOCK,     /* BLOCKING_AT_DISPATCH */
    BUG_SYNC_AFTER_DEREGISTER,  /* INTERRUPT_LIFECYCLE */
    BUG_RELEASE_ORDER,          /* LOCK_RELEASE_ORDER */
    BUG_UNINITIALIZED,          /* LOCK_NOT_INITIALIZED */
    BUG_FREE_WHILE_HELD,        /* LOCK_FREE_WHILE_HELD */
    BUG_UNLOCKED_INFLIGHT,      /* a race: NT_ASSERT fails when it shows (--seeds finds it) */
    BUG_COUNT
} SAMPLE_BUG;

typedef struct _SAMPLE_BUG_INFO {
    const char *Name;
    const char *RuleId;
    const char *Severity;       /* "error" or "warning"; "race": seen when the schedule shows it */
    const char *What;
} SAMPLE_BUG_INFO;

extern const SAMPLE_BUG_INFO SampleBugs[BUG_COUNT];
extern SAMPLE_BUG SampleBug;

typedef struct _SAMPLE_STATS {
    LONG TxPackets, RxPackets, TxNoResources, WatchdogTicks, Interrupts, Dpcs;
    LARGE_INTEGER TxBytes, RxBytes;
} SAMPLE_STATS;

typedef struct _ADAPTER ADAPTER, *PADAPTER;

NDIS_STATUS MiniportInitializeEx(NDIS_HANDLE MiniportAdapterHandle, HW_DEVICE *Hw, PADAPTER *Adapter);
/* Sends one frame of Length bytes; NDIS_STATUS_RESOURCES when no descriptor is free. */
NDIS_STATUS MiniportSend(PADAPTER Adapter, ULONG Length);
/* OID_GEN_CURRENT_PACKET_FILTER-like: writes the filter under the RW lock. */
VOID MiniportSetPacketFilter(PADAPTER Adapter, ULONG Filter);
/* Interrupt moderation: masks/unmasks causes the ISR claims (interrupt-shared state). */
VOID MiniportSetInterruptMask(PADAPTER Adapter, ULONG Mask);
VOID MiniportHaltEx(PADAPTER Adapter);
VOID MiniportQueryStats(PADAPTER Adapter, SAMPLE_STATS *Stats);

#endif
