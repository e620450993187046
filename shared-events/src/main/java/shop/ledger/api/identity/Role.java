package shop.ledger.api.identity;

public enum Role {
    CUSTOMER,
    ADMIN,
    FINANCE,
    AUDITOR
}
