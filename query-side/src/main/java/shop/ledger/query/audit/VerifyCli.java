package shop.ledger.query.audit;

import shop.ledger.platform.db.ToolDatabase;

import javax.sql.DataSource;
import java.io.PrintStream;
import java.util.Map;

/**
 * The ledger verification from the command line, without the web server:
 * <pre>
 *   java -cp query-side.jar:... shop.ledger.query.audit.VerifyCli --url=jdbc:postgresql://host/db --user=u --password=p
 * </pre>
 * (or SPRING_DATASOURCE_URL / SPRING_DATASOURCE_USERNAME / SPRING_DATASOURCE_PASSWORD). Prints the report as JSON;
 * exits 0 when the ledger verifies, 1 when it does not, 2 on a usage or connection error.
 */
public final class VerifyCli {

    public static final int OK = 0;
    public static final int NOT_OK = 1;
    public static final int USAGE = 2;

    private VerifyCli() {
    }

    public static void main(String[] args) {
        System.exit(execute(args, System.getenv(), System.out, System.err));
    }

    /** {@link #main} without System.exit: answers the exit code. */
    public static int execute(String[] args, Map<String, String> env, PrintStream out, PrintStream err) {
        ToolDatabase database = ToolDatabase.from(args, env);
        if (!database.rest().isEmpty()) {
            return usage(err, "unknown argument " + database.rest().get(0));
        }
        if (!database.hasPostgresUrl()) {
            return usage(err, "a jdbc:postgresql: URL is required");
        }
        DataSource dataSource = database.dataSource();
        try {
            return run(dataSource, out);
        } catch (RuntimeException e) {
            err.println("verification could not run: " + e.getMessage());
            return USAGE;
        }
    }

    /** Verifies the ledger in {@code dataSource}, prints the JSON report, and answers the exit code. */
    public static int run(DataSource dataSource, PrintStream out) {
        LedgerVerifier.Report report = new LedgerVerifier(dataSource).verify();
        out.println(AuditEvents.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(report));
        out.flush();
        return report.ok() ? OK : NOT_OK;
    }

    private static int usage(PrintStream err, String problem) {
        err.println(problem);
        err.println("usage: VerifyCli " + ToolDatabase.USAGE);
        return USAGE;
    }
}
