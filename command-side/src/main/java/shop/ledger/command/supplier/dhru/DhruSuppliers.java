package shop.ledger.command.supplier.dhru;

import org.springframework.boot.context.properties.ConfigurationProperties;

import java.time.Duration;
import java.util.LinkedHashMap;

/**
 * The configured DHRU Fusion suppliers by name ({@code ledger.suppliers.<name>.*}); the catalogue names one
 * per service. The map itself is the properties object, so a supplier's name is its key in the configuration:
 * <pre>
 * ledger.suppliers:
 *   acme:
 *     base-url: https://acme.example/          # POST {base-url}/api/index.php
 *     username: shop
 *     api-key: ...
 *     parameter-format: XML                    # or JSON (base64 of a JSON object)
 * </pre>
 */
@ConfigurationProperties("ledger.suppliers")
public class DhruSuppliers extends LinkedHashMap<String, DhruSuppliers.Supplier> {

    /** How the {@code parameters} form field is encoded; suppliers' servers accept one or both. */
    public enum ParameterFormat {
        /** {@code <PARAMETERS><IMEI>..</IMEI><ID>..</ID></PARAMETERS>} */
        XML,
        /** base64 of a JSON object {@code {"IMEI":"..","ID":".."}} */
        JSON
    }

    /**
     * One supplier account.
     *
     * @param baseUrl        the server's base address; may hold placeholders resolved at call time, such as
     *                       {@code ${local.server.port}} (known only once the ledger listens)
     * @param connectTimeout how long to wait for a connection (default 5 s)
     * @param readTimeout    how long to wait for the answer once the request is sent (default 20 s)
     */
    public record Supplier(String baseUrl, String username, String apiKey, ParameterFormat parameterFormat,
                           Duration connectTimeout, Duration readTimeout) {

        public Supplier {
            parameterFormat = parameterFormat == null ? ParameterFormat.XML : parameterFormat;
            connectTimeout = connectTimeout == null ? Duration.ofSeconds(5) : connectTimeout;
            readTimeout = readTimeout == null ? Duration.ofSeconds(20) : readTimeout;
        }

        /** Never shows the API key (R11): settings end up in logs and error messages. */
        @Override
        public String toString() {
            return "Supplier[baseUrl=" + baseUrl + ", username=" + username + ", apiKey=" + (apiKey == null ? null : "***")
                   + ", parameterFormat=" + parameterFormat + ", connectTimeout=" + connectTimeout
                   + ", readTimeout=" + readTimeout + "]";
        }
    }

    /** The named supplier's settings; an unknown name is a programming or catalogue error. */
    public Supplier settings(String name) {
        Supplier supplier = name == null ? null : get(name);
        if (supplier == null) {
            throw new IllegalArgumentException("no supplier named '" + name + "' is configured (ledger.suppliers)");
        }
        return supplier;
    }
}
