/*
 * ndislock/wdk_ndis_flags.h - the IRQL flags NDIS passes to send, send
 * complete, receive and return handlers, with the WDK's values and test/set
 * macros.  Drivers test them to choose the Dpr or plain lock calls.  A
 * compatibility header: driver code gets it through <ndis.h>.
 */
#ifndef NDISLOCK_WDK_NDIS_FLAGS_H
#define NDISLOCK_WDK_NDIS_FLAGS_H

/* Send path (NdisSendNetBufferLists, MiniportSendNetBufferLists, ...). */
#define NDIS_SEND_FLAGS_DISPATCH_LEVEL              0x00000001
#define NDIS_SEND_FLAGS_CHECK_FOR_LOOPBACK          0x00000002
#define NDIS_SEND_FLAGS_SINGLE_QUEUE                0x00000004
#define NDIS_SEND_FLAGS_SWITCH_DESTINATION_GROUP    0x00000010
#define NDIS_SEND_FLAGS_SWITCH_SINGLE_SOURCE        0x00000020

#define NDIS_TEST_SEND_FLAG(_Flags, _Fl)            (((_Flags) & (_Fl)) == (_Fl))
#define NDIS_SET_SEND_FLAG(_Flags, _Fl)             ((_Flags) |= (_Fl))
#define NDIS_CLEAR_SEND_FLAG(_Flags, _Fl)           ((_Flags) &= ~(_Fl))
#define NDIS_TEST_SEND_AT_DISPATCH_LEVEL(_Flags)                                \
    NDIS_TEST_SEND_FLAG((_Flags), NDIS_SEND_FLAGS_DISPATCH_LEVEL)

/* Send-complete path (NdisMSendNetBufferListsComplete, ...). */
#define NDIS_SEND_COMPLETE_FLAGS_DISPATCH_LEVEL         0x00000001
#define NDIS_SEND_COMPLETE_FLAGS_SINGLE_QUEUE           0x00000002
#define NDIS_SEND_COMPLETE_FLAGS_SWITCH_SINGLE_SOURCE   0x00000004

#define NDIS_TEST_SEND_COMPLETE_FLAG(_Flags, _Fl)   (((_Flags) & (_Fl)) == (_Fl))
#define NDIS_SET_SEND_COMPLETE_FLAG(_Flags, _Fl)    ((_Flags) |= (_Fl))
#define NDIS_TEST_SEND_COMPLETE_AT_DISPATCH_LEVEL(_Flags)                       \
    NDIS_TEST_SEND_COMPLETE_FLAG((_Flags), NDIS_SEND_COMPLETE_FLAGS_DISPATCH_LEVEL)

/* Receive path (NdisMIndicateReceiveNetBufferLists, ...). */
#define NDIS_RECEIVE_FLAGS_DISPATCH_LEVEL               0x00000001
#define NDIS_RECEIVE_FLAGS_RESOURCES                    0x00000002
#define NDIS_RECEIVE_FLAGS_SINGLE_ETHER_TYPE            0x00000100
#define NDIS_RECEIVE_FLAGS_SINGLE_VLAN                  0x00000200
#define NDIS_RECEIVE_FLAGS_PERFECT_FILTERED             0x00000400
#define NDIS_RECEIVE_FLAGS_SINGLE_QUEUE                 0x00000800
#define NDIS_RECEIVE_FLAGS_SHARED_MEMORY_INFO_VALID     0x00001000
#define NDIS_RECEIVE_FLAGS_MORE_NBLS                    0x00002000
#define NDIS_RECEIVE_FLAGS_SWITCH_DESTINATION_GROUP     0x00004000
#define NDIS_RECEIVE_FLAGS_SWITCH_SINGLE_SOURCE         0x00008000

#define NDIS_TEST_RECEIVE_FLAG(_Flags, _Fl)         (((_Flags) & (_Fl)) == (_Fl))
#define NDIS_SET_RECEIVE_FLAG(_Flags, _Fl)          ((_Flags) |= (_Fl))
#define NDIS_TEST_RECEIVE_AT_DISPATCH_LEVEL(_Flags)                             \
    NDIS_TEST_RECEIVE_FLAG((_Flags), NDIS_RECEIVE_FLAGS_DISPATCH_LEVEL)
#define NDIS_TEST_RECEIVE_CANNOT_PEND(_Flags)                                   \
    NDIS_TEST_RECEIVE_FLAG((_Flags), NDIS_RECEIVE_FLAGS_RESOURCES)
#define NDIS_TEST_RECEIVE_CAN_PEND(_Flags)                                      \
    (((_Flags) & NDIS_RECEIVE_FLAGS_RESOURCES) == 0)

/* Return path (NdisReturnNetBufferLists, MiniportReturnNetBufferLists, ...). */
#define NDIS_RETURN_FLAGS_DISPATCH_LEVEL            0x00000001
#define NDIS_RETURN_FLAGS_SINGLE_QUEUE              0x00000002
#define NDIS_RETURN_FLAGS_SWITCH_SINGLE_SOURCE      0x00000004

#define NDIS_TEST_RETURN_FLAG(_Flags, _Fl)          (((_Flags) & (_Fl)) == (_Fl))
#define NDIS_SET_RETURN_FLAG(_Flags, _Fl)           ((_Flags) |= (_Fl))
#define NDIS_TEST_RETURN_AT_DISPATCH_LEVEL(_Flags)                              \
    NDIS_TEST_RETURN_FLAG((_Flags), NDIS_RETURN_FLAGS_DISPATCH_LEVEL)

#endif /* NDISLOCK_WDK_NDIS_FLAGS_H */
