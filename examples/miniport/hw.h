/*
 * hw.h - the simulated NIC's registers, as the driver sees them (what
 * READ_REGISTER_ULONG / WRITE_REGISTER_ULONG on a BAR would be on real
 * hardware).  The device model behind them is hw.c.
 */
#ifndef SAMPLE_HW_H
#define SAMPLE_HW_H

#include <stdint.h>

#define HW_RX_RING_SIZE  256u          /* power of two */
#define HW_INT_RX        0x1u          /* receive ring has new frames */
#define HW_INT_TX        0x2u          /* transmissions completed */

typedef struct _HW_RX_ENTRY {
    uint32_t Length;
    uint32_t Sequence;
} HW_RX_ENTRY;

typedef struct _HW_DEVICE HW_DEVICE;

/* Interrupt status: read-to-clear, like most NICs' ICR. */
uint32_t HwReadAndClearIntStatus(HW_DEVICE *hw);
/* Receive ring: the device produces at RxHead, the driver consumes up to it
 * and hands slots back by writing RxTail. */
uint32_t HwReadRxHead(HW_DEVICE *hw);
const HW_RX_ENTRY *HwRxEntry(HW_DEVICE *hw, uint32_t index);
void HwWriteRxTail(HW_DEVICE *hw, uint32_t tail);
/* Transmit: the driver rings the doorbell once per posted frame; the device
 * reports how many it has finished in total. */
void HwTxDoorbell(HW_DEVICE *hw, uint32_t length);
uint32_t HwReadTxDone(HW_DEVICE *hw);

/* Device side (the harness): create, run one step of the device, destroy. */
HW_DEVICE *hw_create(void);
void hw_destroy(HW_DEVICE *hw);
/* Produces up to rx_burst frames and completes posted transmissions;
 * returns the interrupt causes it raised (0: nothing happened). */
uint32_t hw_step(HW_DEVICE *hw, uint32_t rx_burst);

#endif
