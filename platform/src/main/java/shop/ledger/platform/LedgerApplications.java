package shop.ledger.platform;

/** What every ledger main does before Spring starts. */
public final class LedgerApplications {

    private LedgerApplications() {
    }

    public static void prepare() {
        // a ledger does not phone home: Axon's update checker would send usage data to its vendor
        if (System.getProperty("axoniq.update-checker.disabled") == null) {
            System.setProperty("axoniq.update-checker.disabled", "true");
        }
    }
}
