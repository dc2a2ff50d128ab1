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

/* More of sal.h / driverspecs.h / ndis.h's lock annotations, as real drivers use them. */
#define _In_z_
#define _In_opt_z_
#define _Inout_z_
#define _Out_z_
#define _Notnull_
#define _Null_
#define _Maybenull_
#define _Pre_notnull_
#define _Pre_maybenull_
#define _Post_
#define _Pre_
#define _Post_invalid_
#define _Post_notnull_
#define _Post_maybenull_
#define _Frees_ptr_
#define _Frees_ptr_opt_
#define _Outptr_opt_
#define _Outptr_result_nullonfailure_
#define _Outptr_opt_result_maybenull_
#define _Ret_notnull_
#define _Ret_z_
#define _Printf_format_string_
#define _Null_terminated_
#define _NullNull_terminated_
#define _Reserved_
#define _Const_
#define _Analysis_noreturn_
#define _Kernel_float_saved_
#define _Kernel_float_restored_
#define _Kernel_float_used_
#define _IRQL_is_cancel_
#define _IRQL_lowers_
#define _Post_equal_to_(e)
#define __drv_interlocked
#define __drv_preferredFunction(f, r)
#define __drv_reportError(m)
#define __drv_strictTypeMatch(m)
#define __drv_isObjectPointer
#define _In_range_(a0, a1)
#define _Out_range_(a0, a1)
#define _Ret_range_(a0, a1)
#define _Deref_out_range_(a0, a1)
#define _Deref_in_range_(a0, a1)
#define _In_reads_opt_(a)
#define _In_reads_bytes_opt_(a)
#define _In_reads_to_ptr_(a)
#define _In_reads_z_(a)
#define _Out_writes_opt_(a)
#define _Out_writes_bytes_opt_(a)
#define _Out_writes_to_(a0, a1)
#define _Out_writes_bytes_to_(a0, a1)
#define _Out_writes_all_(a)
#define _Out_writes_bytes_all_(a)
#define _Out_writes_z_(a)
#define _Inout_updates_(a)
#define _Inout_updates_opt_(a)
#define _Inout_updates_bytes_(a)
#define _Inout_updates_bytes_opt_(a)
#define _Inout_updates_to_(a0, a1)
#define _Inout_updates_bytes_to_(a0, a1)
#define _Inout_updates_all_(a)
#define _Inout_updates_bytes_all_(a)
#define _Outptr_result_buffer_(a)
#define _Outptr_result_bytebuffer_(a)
#define _Outptr_result_bytebuffer_all_(a)
#define _Outptr_result_buffer_maybenull_(a)
#define _Outptr_result_bytebuffer_maybenull_(a)
#define _Field_size_part_(a0, a1)
#define _Field_size_bytes_part_(a0, a1)
#define _Field_size_opt_(a)
#define _Field_size_bytes_opt_(a)
#define _Field_range_(a0, a1)
#define _Field_z_
#define _Ret_writes_(a)
#define _Ret_writes_bytes_(a)
#define _Ret_writes_maybenull_(a)
#define _Ret_writes_bytes_maybenull_(a)
#define _Post_writable_byte_size_(a)
#define _Post_writable_size_(a)
#define _Readable_bytes_(a)
#define _Writable_bytes_(a)
#define _Dispatch_type_(a)
#define _Analysis_mode_(a)
#define _Analysis_assume_lock_acquired_(a)
#define _Analysis_assume_lock_released_(a)
#define _Analysis_assume_lock_held_(a)
#define _Analysis_assume_lock_not_held_(a)
#define _Analysis_suppress_lock_checking_(a)
#define _Requires_no_locks_held_
#define _Releases_nonreentrant_lock_(a)
#define _Acquires_nonreentrant_lock_(a)
#define _Post_same_lock_(a0, a1)
#define _Interlocked_
#define _Kernel_requires_resource_held_(a)
#define _Kernel_requires_resource_not_held_(a)
#define _Kernel_acquires_resource_(a)
#define _Kernel_releases_resource_(a)
#define _Kernel_clear_do_init_(a)
#define _Ndis_acquires_lock_(a)
#define _Ndis_releases_lock_(a)
#define _Ndis_acquires_exclusive_lock_(a)
#define _Ndis_acquires_shared_lock_(a)
#define _Ndis_requires_lock_held_(a)
#define _Ndis_releases_exclusive_lock_(a)
#define _Ndis_releases_shared_lock_(a)
#define __drv_functionClass(a)
#define __drv_sameIRQL
#define __drv_valueIs(a)
#define __drv_in(a)
#define __drv_out(a)
#define __drv_arg(a0, a1)
#define __drv_clearDoInit(a)
#define __drv_dispatchType(a)
#define __drv_completionType(a)

#endif /* NDISLOCK_WDK_SAL_H */
