/*
 * <ndis.h> - the synchronization and notification surface of NDIS drivers
 * (the NDIS spin-lock facility, the IRQL model under it, Ke/Ex/Io locks,
 * RW locks, events and waits, DPCs, timers, interrupts, interlocked
 * operations, processors), for driver code compiled unmodified on Linux.
 *
 * Every exported WDK function is a function here too (static inline, so the
 * library itself exports only ndislock_ names): `(Name)(args)` calls it and
 * its address can be taken.  Where the WDK has a macro, so does this header;
 * the initializers are also macros of the same name that record the lock's
 * name and file:line for the verifier.  Every macro is one expression or a
 * do { } while (0) statement, safe in unbraced if/else.  C11 and C++.
 * Reference: docs/API.md.  One concern per header: ndislock/wdk_*.h.
 */
#ifndef NDISLOCK_NDIS_H
#define NDISLOCK_NDIS_H

#include <ndislock/wdk_types.h>
#include <ndislock/wdk_sal.h>
#include <ndislock/wdk_list.h>
#include <ndislock/ndislock.h>

#include <string.h>

/*
 * Driver sources carry MSVC pragmas (#pragma alloc_text(PAGE, ...),
 * #pragma warning(...), #pragma prefast(...)) that mean nothing to GCC or
 * Clang; -Wall would turn each into an unknown-pragma warning.
 */
#pragma GCC diagnostic ignored "-Wunknown-pragmas"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- NDIS basic types ---- */

typedef int NDIS_STATUS, *PNDIS_STATUS;
typedef PVOID NDIS_HANDLE, *PNDIS_HANDLE;
typedef ULONG NDIS_OID, *PNDIS_OID;
typedef LARGE_INTEGER NDIS_PHYSICAL_ADDRESS, *PNDIS_PHYSICAL_ADDRESS;

typedef struct _NDIS_OBJECT_HEADER {
    UCHAR Type;
    UCHAR Revision;
    USHORT Size;
} NDIS_OBJECT_HEADER, *PNDIS_OBJECT_HEADER;


#define NDIS_STATUS_SUCCESS            ((NDIS_STATUS)STATUS_SUCCESS)
#define NDIS_STATUS_PENDING            ((NDIS_STATUS)STATUS_PENDING)
#define NDIS_STATUS_FAILURE            ((NDIS_STATUS)STATUS_UNSUCCESSFUL)
#define NDIS_STATUS_RESOURCES          ((NDIS_STATUS)STATUS_INSUFFICIENT_RESOURCES)
#define NDIS_STATUS_INVALID_PARAMETER  ((NDIS_STATUS)STATUS_INVALID_PARAMETER)
#define NDIS_STATUS_NOT_SUPPORTED      ((NDIS_STATUS)STATUS_NOT_SUPPORTED)
#define NDIS_STATUS_NOT_ACCEPTED       ((NDIS_STATUS)0x00010003L)

/* ---- Memory (kept from 0.1; the rest of the memory helpers are out of scope) ---- */

#define NdisZeroMemory(Destination, Length)  ((void)memset((Destination), 0, (Length)))
#define NdisMoveMemory(Destination, Source, Length)                             \
    ((void)memmove((Destination), (Source), (Length)))

/* ---- Lists ---- */

#define NdisInitializeListHead(_ListHead)      InitializeListHead(_ListHead)

/* ---- Debugging ---- */

#define ASSERT(_exp)                                                            \
    ((void)((_exp) ? 0 : (ndislock_assert_failed(#_exp, __FILE__, __LINE__), 0)))
#define NT_ASSERT(_exp)   ASSERT(_exp)
#define ASSERTMSG(_msg, _exp)                                                   \
    ((void)((_exp) ? 0 : (ndislock_assert_failed((_msg), __FILE__, __LINE__), 0)))
#define DbgPrint         ndislock_dbg_print
#define KdPrint(_args)    ((void)ndislock_dbg_print _args)

#ifdef __cplusplus
}
#endif

#include <ndislock/wdk_irql.h>
#include <ndislock/wdk_spin.h>
#include <ndislock/wdk_interlocked.h>
#include <ndislock/wdk_slist.h>
#include <ndislock/wdk_rwlock.h>
#include <ndislock/wdk_wait.h>
#include <ndislock/wdk_dpc.h>
#include <ndislock/wdk_timer.h>
#include <ndislock/wdk_processor.h>
#include <ndislock/wdk_ndis_flags.h>
#include <ndislock/wdk_ndis6.h>

#endif /* NDISLOCK_NDIS_H */
