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
 * SDV rule that checks the same thing ("" if none).  Internal.
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
    X(NdisMSynchronizeWithInterruptEx, "NdisMSynchronizeWithInterruptEx", 0, 31, 0,    \
      "SDV NdisMDeregisterInterruptEx")                                                \
    X(NdisMRegisterInterruptEx,   "NdisMRegisterInterruptEx",     0, 0, 0,             \
      "SDV Irql_Interrupt_Function")                                                   \
    X(NdisMDeregisterInterruptEx, "NdisMDeregisterInterruptEx",   0, 0, 0,             \
      "SDV Irql_Interrupt_Function")                                                   \
    X(NdisAllocateTimerObject,    "NdisAllocateTimerObject",      0, 2, 0, "SDV Irql_Timer_Function") \
    X(NdisSetTimerObject,         "NdisSetTimerObject",           0, 2, 0, "SDV Irql_Timer_Function") \
    X(NdisCancelTimerObject,      "NdisCancelTimerObject",        0, 2, 0, "SDV Irql_Timer_Function") \
    X(NdisCancelTimerObjectPeriodic, "NdisCancelTimerObject (periodic timer)", 0, 0, 0, \
      "SDV PeriodicTimer")                                                             \
    X(NdisFreeTimerObject,        "NdisFreeTimerObject",          0, 2, 0, "SDV Irql_Timer_Function") \
    X(PAGED_CODE,                 "PAGED_CODE",                   0, 1, 0,             \
      "DV Force IRQL Checking")

enum ndislock_call {
#define NDISLOCK_CALL_ENUM_(id, name, lo, hi, fl, ref) NDISLOCK_CALL_##id,
    NDISLOCK_CALL_TABLE(NDISLOCK_CALL_ENUM_)
#undef NDISLOCK_CALL_ENUM_
    NDISLOCK_CALL_COUNT
};

#endif
