package shop.ledger.standalone.hostile;

import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import static shop.ledger.standalone.hostile.ApiContract.Body.IGNORED;
import static shop.ledger.standalone.hostile.ApiContract.Body.JSON;
import static shop.ledger.standalone.hostile.ApiContract.Body.NONE;
import static shop.ledger.standalone.hostile.ApiContract.Body.STATEMENT;
import static shop.ledger.standalone.hostile.ApiContract.Who.ADMIN;
import static shop.ledger.standalone.hostile.ApiContract.Who.ANONYMOUS;
import static shop.ledger.standalone.hostile.ApiContract.Who.AUDITOR;
import static shop.ledger.standalone.hostile.ApiContract.Who.CUSTOMER;
import static shop.ledger.standalone.hostile.ApiContract.Who.FINANCE;

/**
 * Every endpoint of the public contract (API.md) with who may call it, written out by hand so that it mirrors
 * API.md and not the code under test. The hostile tests check it against the running ledger's OpenAPI document
 * both ways: every endpoint here must be served, and every served {@code /api} operation must be here, so a new
 * endpoint cannot escape the fuzzing and the access matrix.
 */
final class ApiContract {

    /** Callers: the staff roles of {@code api.identity.Role}, a customer, and nobody. */
    enum Who {
        ANONYMOUS, CUSTOMER, ADMIN, FINANCE, AUDITOR;

        boolean staff() {
            return this == ADMIN || this == FINANCE || this == AUDITOR;
        }
    }

    /** NONE: a read; IGNORED: a POST without a request body; JSON; STATEMENT: CSV or camt.053 XML. */
    enum Body { NONE, IGNORED, JSON, STATEMENT }

    /**
     * @param allowed  who may call it (API.md)
     * @param owned    the path id belongs to a customer: another customer's id answers 404, not 403
     * @param ownWallet a customer's own wallet: staff, who have none, get 404
     */
    record Endpoint(String method, String path, Set<Who> allowed, boolean owned, boolean ownWallet, Body body) {

        String key() {
            return method + " " + path;
        }

        boolean isPublic() {
            return allowed.contains(ANONYMOUS);
        }

        boolean reads() {
            return method.equals("GET");
        }

        @Override
        public String toString() {
            return key();
        }
    }

    private static final Set<Who> EVERYONE = EnumSet.allOf(Who.class);
    private static final Set<Who> SIGNED_IN = EnumSet.of(CUSTOMER, ADMIN, FINANCE, AUDITOR);

    private static Endpoint op(String method, String path, Set<Who> allowed, Body body) {
        return new Endpoint(method, path, allowed, false, false, body);
    }

    private static Endpoint owned(String method, String path, Set<Who> allowed, Body body) {
        return new Endpoint(method, path, allowed, true, false, body);
    }

    private static Endpoint ownWallet(String path) {
        return new Endpoint("GET", path, SIGNED_IN, false, true, NONE);
    }

    /** The table. Comments name the section of API.md; "(more)" marks endpoints API.md welcomes but does not list. */
    static final List<Endpoint> ENDPOINTS = List.of(
            // Identity
            op("POST", "/api/auth/register", EVERYONE, JSON),
            op("POST", "/api/auth/token", EVERYONE, JSON),
            op("GET", "/api/me", SIGNED_IN, NONE),
            op("POST", "/api/me/2fa", SIGNED_IN, IGNORED),
            op("POST", "/api/me/2fa/confirm", SIGNED_IN, JSON),
            op("DELETE", "/api/admin/customers/{customerId}/personal-data", EnumSet.of(ADMIN), IGNORED),
            op("POST", "/api/admin/staff", EnumSet.of(ADMIN), JSON),
            // Wallet
            ownWallet("/api/me/wallet"),
            ownWallet("/api/me/wallet/transactions"),
            op("POST", "/api/admin/wallets/{walletId}/deposits", EnumSet.of(ADMIN, FINANCE), JSON),
            op("POST", "/api/admin/wallets/{walletId}/adjustments", EnumSet.of(ADMIN), JSON),
            op("GET", "/api/admin/wallets/{walletId}", EnumSet.of(ADMIN), NONE),                    // (more)
            op("GET", "/api/admin/wallets/{walletId}/transactions", EnumSet.of(ADMIN), NONE),       // (more)
            op("GET", "/api/admin/journal/trial-balance", EnumSet.of(ADMIN), NONE),                 // (more)
            // Catalogue
            op("GET", "/api/services", EVERYONE, NONE),
            op("PUT", "/api/admin/services/{serviceId}", EnumSet.of(ADMIN), JSON),
            op("GET", "/api/admin/services", EnumSet.of(ADMIN), NONE),                              // (more)
            op("GET", "/api/admin/services/{serviceId}", EnumSet.of(ADMIN), NONE),                  // (more)
            // Orders
            op("POST", "/api/orders", EnumSet.of(CUSTOMER), JSON),
            owned("GET", "/api/orders/{orderId}", SIGNED_IN, NONE),
            op("GET", "/api/orders", SIGNED_IN, NONE),
            owned("POST", "/api/orders/{orderId}/cancel", EnumSet.of(CUSTOMER), IGNORED),
            op("POST", "/api/admin/orders/{orderId}/resolution", EnumSet.of(ADMIN), JSON),
            op("GET", "/api/me/events", SIGNED_IN, NONE),
            // Refund cases
            owned("POST", "/api/orders/{orderId}/verification-requests", EnumSet.of(CUSTOMER), IGNORED),
            owned("GET", "/api/refund-cases/{refundCaseId}", SIGNED_IN, NONE),
            op("GET", "/api/refund-cases", SIGNED_IN, NONE),
            op("POST", "/api/admin/refund-cases/{refundCaseId}/decision", EnumSet.of(ADMIN), JSON),
            op("GET", "/api/admin/refund-cases/queue", EnumSet.of(ADMIN), NONE),                    // (more)
            // Withdrawals
            op("POST", "/api/me/withdrawals", EnumSet.of(CUSTOMER), JSON),
            owned("GET", "/api/withdrawals/{withdrawalId}", SIGNED_IN, NONE),
            op("GET", "/api/me/withdrawals", SIGNED_IN, NONE),
            op("GET", "/api/finance/withdrawals", EnumSet.of(FINANCE), NONE),
            op("POST", "/api/finance/reconciliations", EnumSet.of(FINANCE), STATEMENT),
            op("GET", "/api/finance/reconciliations/{reconciliationId}", EnumSet.of(FINANCE), NONE),
            // Audit
            op("GET", "/api/audit/wallets/{walletId}/history", EnumSet.of(AUDITOR), NONE),
            op("GET", "/api/audit/wallets/{walletId}/balance", EnumSet.of(AUDITOR), NONE),
            op("GET", "/api/audit/verify", EnumSet.of(AUDITOR), NONE),
            op("GET", "/api/audit/export", EnumSet.of(AUDITOR), NONE),
            // Operations
            op("GET", "/api/admin/projections", EnumSet.of(ADMIN), NONE),
            op("POST", "/api/admin/projections/{name}/replay", EnumSet.of(ADMIN), IGNORED));

    /**
     * The operations endpoints outside {@code /api}: actuator's (API.md "Operations": health and prometheus open,
     * the rest the operator's) and the simulators' control endpoints (API.md "Simulators, version 2": ADMIN). The
     * access matrix checks them; the fuzzing does not (it covers {@code /api}, whose bodies it knows).
     */
    static final List<Endpoint> OPERATIONS = List.of(
            op("GET", "/actuator/health", EVERYONE, NONE),
            op("GET", "/actuator/health/liveness", EVERYONE, NONE),
            op("GET", "/actuator/health/readiness", EVERYONE, NONE),
            op("GET", "/actuator/prometheus", EVERYONE, NONE),
            op("GET", "/actuator", EnumSet.of(ADMIN), NONE),
            op("GET", "/actuator/info", EnumSet.of(ADMIN), NONE),
            op("GET", "/actuator/metrics", EnumSet.of(ADMIN), NONE),
            op("GET", "/actuator/metrics/{metricName}", EnumSet.of(ADMIN), NONE),
            // the simulated DHRU supplier (its protocol endpoint checks the supplier account's own credentials)
            op("POST", "/simulator/dhru/control/orders/{referenceId}", EnumSet.of(ADMIN), JSON),
            op("GET", "/simulator/dhru/control/orders", EnumSet.of(ADMIN), NONE),
            op("GET", "/simulator/dhru/control/orders/{referenceId}", EnumSet.of(ADMIN), NONE),
            op("POST", "/simulator/dhru/control/faults", EnumSet.of(ADMIN), JSON),
            op("GET", "/simulator/dhru/control/faults", EnumSet.of(ADMIN), NONE),
            op("POST", "/simulator/dhru/control/autocomplete", EnumSet.of(ADMIN), JSON),
            op("GET", "/simulator/dhru/control/autocomplete", EnumSet.of(ADMIN), NONE),
            // the simulated payout provider (its API and statement are the provider's, with its own API key)
            op("POST", "/simulator/payouts/control/payouts/{payoutReference}", EnumSet.of(ADMIN), JSON),
            op("GET", "/simulator/payouts/control/payouts", EnumSet.of(ADMIN), NONE),
            op("GET", "/simulator/payouts/control/payouts/{payoutReference}", EnumSet.of(ADMIN), NONE),
            op("POST", "/simulator/payouts/control/faults", EnumSet.of(ADMIN), JSON),
            op("GET", "/simulator/payouts/control/faults", EnumSet.of(ADMIN), NONE),
            op("POST", "/simulator/payouts/control/autocomplete", EnumSet.of(ADMIN), JSON),
            op("GET", "/simulator/payouts/control/autocomplete", EnumSet.of(ADMIN), NONE));

    private ApiContract() {
    }

    /** The entry of either table. */
    static Endpoint find(String method, String path) {
        return Stream.concat(ENDPOINTS.stream(), OPERATIONS.stream())
                     .filter(e -> e.method().equals(method) && e.path().equals(path)).findFirst().orElse(null);
    }

    /** A simulator's control endpoint (API.md v2: {@code /simulator/*}{@code /control/**}). */
    static boolean simulatorControl(String path) {
        return path.matches("/simulator/[^/]+/control(/.*)?");
    }
}
