/*
 * ndislock/wdk_sal.h - the SAL 2 annotations WDK headers and drivers use,
 * accepted as no-ops.  (Windows checks them statically with PREfast / SDV;
 * ndislock checks the rules they describe at run time instead.)
 */
#ifndef NDISLOCK_WDK_SAL_H
#define NDISLOCK_WDK_SAL_H

#define _In_
#define _In_opt_
#define _Out_
#define _Out_opt_
#define _Inout_
#define _Inout_opt_
#define _In_reads_(s)
#define _In_reads_bytes_(s)
#define _Out_writes_(s)
#define _Out_writes_bytes_(s)
#define _Outptr_
#define _Outptr_result_maybenull_
#define _Ret_maybenull_
#define _Success_(e)
#define _Must_inspect_result_
#define _Check_return_
#define _Use_decl_annotations_
#define _Function_class_(n)
#define _Analysis_assume_(e)
#define _At_(t, a)
#define _When_(c, a)
#define _Post_satisfies_(e)
#define _Pre_satisfies_(e)
#define _Field_size_(s)
#define _Field_size_bytes_(s)
#define _Interlocked_operand_
#define _Guarded_by_(l)

#define _IRQL_requires_(i)
#define _IRQL_requires_max_(i)
#define _IRQL_requires_min_(i)
#define _IRQL_requires_same_
#define _IRQL_raises_(i)
#define _IRQL_saves_
#define _IRQL_restores_
#define _IRQL_saves_global_(k, p)
#define _IRQL_restores_global_(k, p)
#define _IRQL_always_function_min_(i)
#define _IRQL_always_function_max_(i)
#define _IRQL_uses_cancel_

#define _Acquires_lock_(l)
#define _Releases_lock_(l)
#define _Requires_lock_held_(l)
#define _Requires_lock_not_held_(l)
#define _Acquires_exclusive_lock_(l)
#define _Releases_exclusive_lock_(l)
#define _Acquires_shared_lock_(l)
#define _Releases_shared_lock_(l)
#define _Requires_exclusive_lock_held_(l)
#define _Requires_shared_lock_held_(l)
#define _Create_lock_level_(l)
#define _Lock_level_order_(a, b)
#define _Has_lock_kind_(k)

#define __drv_aliasesMem
#define __drv_allocatesMem(k)
#define __drv_freesMem(k)
#define __drv_maxIRQL(i)
#define __drv_minIRQL(i)
#define __drv_setsIRQL(i)
#define __drv_savesIRQL
#define __drv_restoresIRQL
#define __drv_savesIRQLGlobal(k, p)
#define __drv_restoresIRQLGlobal(k, p)
#define __drv_requiresIRQL(i)
#define __drv_raisesIRQL(i)
#define __drv_at(e, a)
#define __drv_when(c, a)
#define __drv_innerAcquiresGlobal(k, p)
#define __drv_innerReleasesGlobal(k, p)
#define __drv_acquiresResource(k)
#define __drv_releasesResource(k)
#define __drv_mustHold(k)
#define __drv_neverHold(k)

#endif /* NDISLOCK_WDK_SAL_H */
