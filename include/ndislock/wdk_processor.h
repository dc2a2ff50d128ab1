/*
 * ndislock/wdk_processor.h - processor numbers and counts with their Windows
 * names (one group; the numbers are the host CPUs the process may run on,
 * ndislock/processor.h).  A compatibility header: driver code gets it
 * through <ndis.h>.
 */
#ifndef NDISLOCK_WDK_PROCESSOR_H
#define NDISLOCK_WDK_PROCESSOR_H

#ifndef NDISLOCK_NDIS_H
#error "include <ndis.h>, not <ndislock/wdk_processor.h>"
#endif

#include <ndislock/processor.h>

#ifdef __cplusplus
extern "C" {
#endif

FORCEINLINE ULONG KeGetCurrentProcessorNumber(VOID)
{
    return ndislock_processor_current();
}

/* The systemwide index; fills *ProcNumber (group 0) if given. */
FORCEINLINE ULONG KeGetCurrentProcessorNumberEx(PPROCESSOR_NUMBER ProcNumber)
{
    ULONG n = ndislock_processor_current();

    if (ProcNumber != NULL) {
        ProcNumber->Group = 0;
        ProcNumber->Number = (UCHAR)n;
        ProcNumber->Reserved = 0;
    }
    return n;
}

FORCEINLINE ULONG KeGetCurrentProcessorIndex(VOID)
{
    return ndislock_processor_current();
}

FORCEINLINE ULONG KeQueryActiveProcessorCount(PKAFFINITY ActiveProcessors)
{
    if (ActiveProcessors != NULL)
        *ActiveProcessors = (KAFFINITY)ndislock_processor_mask();
    return ndislock_processor_count();
}

/* 0 for a group that does not exist. */
FORCEINLINE ULONG KeQueryActiveProcessorCountEx(USHORT GroupNumber)
{
    return GroupNumber == 0 || GroupNumber == ALL_PROCESSOR_GROUPS ? ndislock_processor_count() : 0;
}

FORCEINLINE KAFFINITY KeQueryActiveProcessors(VOID)
{
    return (KAFFINITY)ndislock_processor_mask();
}

FORCEINLINE ULONG KeQueryMaximumProcessorCount(VOID)
{
    return ndislock_processor_count();
}

FORCEINLINE ULONG KeQueryMaximumProcessorCountEx(USHORT GroupNumber)
{
    return KeQueryActiveProcessorCountEx(GroupNumber);
}

FORCEINLINE USHORT KeQueryActiveGroupCount(VOID)
{
    return 1;
}

/* INVALID_PROCESSOR_INDEX if ProcNumber names no processor. */
FORCEINLINE ULONG KeGetProcessorIndexFromNumber(PPROCESSOR_NUMBER ProcNumber)
{
    if (ProcNumber->Group != 0 || ProcNumber->Number >= ndislock_processor_count())
        return INVALID_PROCESSOR_INDEX;
    return ProcNumber->Number;
}

/* STATUS_INVALID_PARAMETER if ProcIndex is not below the processor count. */
FORCEINLINE NTSTATUS KeGetProcessorNumberFromIndex(ULONG ProcIndex, PPROCESSOR_NUMBER ProcNumber)
{
    if (ProcIndex >= ndislock_processor_count())
        return STATUS_INVALID_PARAMETER;
    ProcNumber->Group = 0;
    ProcNumber->Number = (UCHAR)ProcIndex;
    ProcNumber->Reserved = 0;
    return STATUS_SUCCESS;
}

/* The maximum number of processors (constant while the process runs). */
FORCEINLINE CCHAR NdisSystemProcessorCount(VOID)
{
    return (CCHAR)ndislock_ndis_processor_count();
}

FORCEINLINE ULONG NdisSystemActiveProcessorCount(PKAFFINITY ActiveProcessors)
{
    return KeQueryActiveProcessorCount(ActiveProcessors);
}

FORCEINLINE ULONG NdisCurrentProcessorIndex(VOID)
{
    return ndislock_ndis_processor_index();
}

#define NDIS_CURRENT_PROCESSOR_NUMBER KeGetCurrentProcessorNumber()

FORCEINLINE USHORT NdisActiveGroupCount(VOID)
{
    return 1;
}

FORCEINLINE ULONG NdisGroupActiveProcessorCount(USHORT Group)
{
    return KeQueryActiveProcessorCountEx(Group);
}

FORCEINLINE ULONG NdisGroupMaxProcessorCount(USHORT Group)
{
    return KeQueryActiveProcessorCountEx(Group);
}

FORCEINLINE KAFFINITY NdisGroupActiveProcessorMask(USHORT Group)
{
    return Group == 0 ? (KAFFINITY)ndislock_processor_mask() : 0;
}

#ifdef __cplusplus
}
#endif

#endif /* NDISLOCK_WDK_PROCESSOR_H */
