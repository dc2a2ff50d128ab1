/*
 * <ntifs.h> - for driver code that includes the kernel's header before (or
 * instead of) <ndis.h>: the Ke/Ex/Io synchronization names it would get from
 * ntifs.h are part of the one surface in <ndis.h>, which this includes.  Nothing
 * else of ntifs.h is provided (docs/API.md, "Out of scope").
 */
#ifndef NDISLOCK_NTIFS_H
#define NDISLOCK_NTIFS_H

#include <ndis.h>

#endif
