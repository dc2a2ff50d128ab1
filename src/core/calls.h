/*
 * The WDK calls the verifier checks that are not spin-lock acquires or
 * releases: one row per call, with the IRQL range its WDK reference page
 * allows.  The context and API code reports a call with
 * NDISLOCK_CHECK_CALL(id) (events.h); the verifier judges it from this
 * table alone:
 *
 *   IRQL < min_irql    IRQL_DPR_NOT_DISPATCH (min is DISPATCH_LEVEL only for
 *                      the calls the WDK requires at DISPATCH_LEVEL)
 *   IRQL > max_irql    IRQL_CALL_TOO_HIGH
 *   NDISLOCK_CALLF_WAIT, a nonzero timeout, at IRQL >= DISPATCH_LEVEL or with
 *                      a spin lock held: BLOCKING_AT_DISPATCH
 *   NDISLOCK_CALLF_STALL, more than 50 us: STALL_TOO_LONG
 *
 * Columns: id suffix, WDK name, min IRQL, max IRQL, flags, Driver Verifier /
 * SDV rule that checks the same thing ("" if none).  A row with the range
 * 0..31 bounds nothing: its id only names the call in ARMED / DISARMED and
 * other object events.  Internal.
 */
#ifndef NDISLOCK_CALLS_H
#define NDISLOCK_CALLS_H

#define NDISLOCK_CALLF_WAIT   0x1u   /* blocks unless its timeout is zero */
#define NDISLOCK_CALLF_STALL  0x2u   /* busy-waits for arg microseconds */

/* X(id, name, min_irql, max_irql, flags, dv_sdv) */
#define NDISLOCK_CALL_TABLE(X)                                                          \
    X(NONE,                       "",                             0, 31, 0, "")        \
    X(NdisMSleep,                 "NdisMSleep",                   0, 0, NDISLOCK_CALLF_WAIT, \
      "SDV Irql_Miniport_Driver_Function; DV 0xC4/0x3B")                               \
    X(NdisStallExecution,         "NdisStallExecution",           0, 31, NDISLOCK_CALLF_STALL, \
      "SDV NdisStallExecution_Delay")                                                  \
    X(KeStallExecutionProcessor,  "KeStallExecutionProcessor",    0, 31, NDISLOCK_CALLF_STALL, "") \
    X(NdisMSynchronizeWithInterruptEx, "NdisMSynchronizeWithInterruptEx", 0, 5, 0,     \
      "SDV NdisMDeregisterInterruptEx")                                                \
    X(NdisMRegisterInterruptEx,   "NdisMRegisterInterruptEx",     0, 0, 0,             \
      "SDV Irql_Interrupt_Function")                                                   \
    X(NdisMDeregisterInterruptEx, "NdisMDeregisterInterruptEx",   0, 0, 0,             \
      "SDV Irql_Interrupt_Function")                                                   \
    X(NdisMQueueDpcEx,            "NdisMQueueDpcEx",              0, 31, 0, "")        \
    X(KeAcquireInterruptSpinLock, "KeAcquireInterruptSpinLock",   0, 5, 0, "")         \
    X(KeReleaseInterruptSpinLock, "KeReleaseInterruptSpinLock",   0, 31, 0, "")        \
    X(NdisAllocateTimerObject,    "NdisAllocateTimerObject",      0, 2, 0, "SDV Irql_Timer_Function") \
    X(NdisSetTimerObject,         "NdisSetTimerObject",           0, 2, 0, "SDV Irql_Timer_Function") \
    X(NdisCancelTimerObject,      "NdisCancelTimerObject",        0, 2, 0, "SDV Irql_Timer_Function") \
    X(NdisCancelTimerObjectPeriodic, "NdisCancelTimerObject (periodic timer)", 0, 0, 0, \
      "SDV PeriodicTimer")                                                             \
    X(NdisFreeTimerObject,        "NdisFreeTimerObject",          0, 2, 0, "SDV Irql_Timer_Function") \
    X(NdisInitializeTimer,        "NdisInitializeTimer",          0, 0, 0, "")         \
    X(NdisMInitializeTimer,       "NdisMInitializeTimer",         0, 0, 0, "")         \
    X(NdisSetTimer,               "NdisSetTimer(Ex)",             0, 2, 0, "")         \
    X(NdisMSetTimer,              "NdisMSetTimer / NdisMSetPeriodicTimer", 0, 2, 0, "") \
    X(NdisCancelTimer,            "NdisCancelTimer",              0, 2, 0, "")         \
    X(NdisMCancelTimer,           "NdisMCancelTimer",             0, 2, 0, "")         \
    X(PAGED_CODE,                 "PAGED_CODE",                   0, 1, 0,             \
      "DV Force IRQL Checking")                                                        \
    X(KeWaitForSingleObject,      "KeWaitForSingleObject",        0, 2, NDISLOCK_CALLF_WAIT, \
      "DV 0xC4/0x3B, 0x120-0x122; BC 0xB8")                                            \
    X(KeDelayExecutionThread,     "KeDelayExecutionThread",       0, 1, NDISLOCK_CALLF_WAIT, \
      "BC 0xB8")                                                                       \
    X(NdisWaitEvent,              "NdisWaitEvent",                0, 0, NDISLOCK_CALLF_WAIT, \
      "SDV Irql_Miscellaneous_Function; BC 0x7C/0x14")                                 \
    X(NDIS_WAIT_FOR_MUTEX,        "NDIS_WAIT_FOR_MUTEX",          0, 0, NDISLOCK_CALLF_WAIT, \
      "SDV Irql_Synch_Function")                                                       \
    X(NDIS_RELEASE_MUTEX,         "NDIS_RELEASE_MUTEX",           0, 0, 0, "SDV Irql_Synch_Function") \
    X(KeSetEvent,                 "KeSetEvent",                   0, 2, 0, "SDV wdm IrqlKeSetEvent") \
    X(KeSetEventWait,             "KeSetEvent (Wait = TRUE)",     0, 1, 0, "SDV wdm IrqlKeSetEvent") \
    X(KeResetEvent,               "KeResetEvent",                 0, 2, 0, "")         \
    X(KeClearEvent,               "KeClearEvent",                 0, 2, 0, "")         \
    X(KeReadStateEvent,           "KeReadStateEvent",             0, 2, 0, "")         \
    X(KeReleaseMutex,             "KeReleaseMutex",               0, 2, 0, "")         \
    X(NdisSetEvent,               "NdisSetEvent",                 0, 2, 0, "SDV Irql_Synch_Function") \
    X(NdisResetEvent,             "NdisResetEvent",               0, 2, 0, "SDV Irql_Synch_Function") \
    X(KeInsertQueueDpc,           "KeInsertQueueDpc",             0, 31, 0, "")        \
    X(KeRemoveQueueDpc,           "KeRemoveQueueDpc",             0, 31, 0, "")        \
    X(KeFlushQueuedDpcs,          "KeFlushQueuedDpcs",            0, 0, 0, "")         \
    X(NdisSystemProcessorCount,   "NdisSystemProcessorCount",     0, 0, 0,             \
      "SDV Irql_Miscellaneous_Function")                                               \
    X(NdisCurrentProcessorIndex,  "NdisCurrentProcessorIndex",    0, 2, 0, "")

enum ndislock_call {
#define NDISLOCK_CALL_ENUM_(id, name, lo, hi, fl, ref) NDISLOCK_CALL_##id,
    NDISLOCK_CALL_TABLE(NDISLOCK_CALL_ENUM_)
#undef NDISLOCK_CALL_ENUM_
    NDISLOCK_CALL_COUNT
};

#endif
