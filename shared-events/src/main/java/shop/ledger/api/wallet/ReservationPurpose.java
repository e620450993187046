package shop.ledger.api.wallet;

/** What a hold on wallet funds is for; its reference id is the order, withdrawal or refund case. */
public enum ReservationPurpose {
    ORDER,
    WITHDRAWAL,
    REFUND_CASE_FEE
}
