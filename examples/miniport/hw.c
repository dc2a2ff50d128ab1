/* The simulated NIC: a receive ring it fills, a transmit engine that completes
 * whatever was posted, and a read-to-clear interrupt status register. */
#include "hw.h"

#include <stdlib.h>

struct _HW_DEVICE {
    uint32_t int_status;                /* pending causes; atomic */
    uint32_t rx_head, rx_tail;          /* free-running indices; atomic */
    uint32_t tx_posted, tx_done;        /* atomic */
    uint32_t rx_seq;                    /* device thread only */
    uint32_t rx_tail_seen;              /* device thread only: rx_tail at the last step */
    HW_RX_ENTRY ring[HW_RX_RING_SIZE];
};

HW_DEVICE *hw_create(void) { return calloc(1, sizeof(HW_DEVICE)); }
void hw_destroy(HW_DEVICE *hw) { free(hw); }

uint32_t HwReadAndClearIntStatus(HW_DEVICE *hw)
{
    return __atomic_exchange_n(&hw->int_status, 0u, __ATOMIC_ACQ_REL);
}

uint32_t HwReadRxHead(HW_DEVICE *hw)
{
    return __atomic_load_n(&hw->rx_head, __ATOMIC_ACQUIRE);   /* entries before it are written */
}

const HW_RX_ENTRY *HwRxEntry(HW_DEVICE *hw, uint32_t index)
{
    return &hw->ring[index & (HW_RX_RING_SIZE - 1)];
}

void HwWriteRxTail(HW_DEVICE *hw, uint32_t tail)
{
    __atomic_store_n(&hw->rx_tail, tail, __ATOMIC_RELEASE);   /* slots before it are free */
}

void HwTxDoorbell(HW_DEVICE *hw, uint32_t length)
{
    (void)length;
    __atomic_fetch_add(&hw->tx_posted, 1u, __ATOMIC_RELEASE);
}

uint32_t HwReadTxDone(HW_DEVICE *hw)
{
    return __atomic_load_n(&hw->tx_done, __ATOMIC_ACQUIRE);
}

uint32_t hw_step(HW_DEVICE *hw, uint32_t rx_burst)
{
    uint32_t causes = 0;
    uint32_t head = hw->rx_head;        /* only this thread writes it */
    uint32_t tail = __atomic_load_n(&hw->rx_tail, __ATOMIC_ACQUIRE);
    uint32_t posted = __atomic_load_n(&hw->tx_posted, __ATOMIC_ACQUIRE);

    for (uint32_t n = 0; n < rx_burst && head - tail < HW_RX_RING_SIZE; n++, head++) {
        HW_RX_ENTRY *e = &hw->ring[head & (HW_RX_RING_SIZE - 1)];
        e->Sequence = hw->rx_seq++;
        e->Length = 64 + (e->Sequence % 1400);
    }
    /* RX: new frames, or frames left in the ring after the driver moved the
     * tail (its tail write re-arms the interrupt, so a DPC that stopped at its
     * budget is called back for the rest, and a queued one is not stormed) */
    if (head != hw->rx_head || (head != tail && tail != hw->rx_tail_seen))
        causes |= HW_INT_RX;
    if (head != hw->rx_head)
        __atomic_store_n(&hw->rx_head, head, __ATOMIC_RELEASE);
    hw->rx_tail_seen = tail;
    if (posted != __atomic_load_n(&hw->tx_done, __ATOMIC_RELAXED)) {
        __atomic_store_n(&hw->tx_done, posted, __ATOMIC_RELEASE);
        causes |= HW_INT_TX;
    }
    if (causes)
        __atomic_fetch_or(&hw->int_status, causes, __ATOMIC_RELEASE);
    return causes;
}
