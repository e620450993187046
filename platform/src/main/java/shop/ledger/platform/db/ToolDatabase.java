package shop.ledger.platform.db;

import org.postgresql.ds.PGSimpleDataSource;

import javax.sql.DataSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The database a command-line tool of the ledger works on (VerifyCli, RewrapCli): {@code --url=}, {@code --user=},
 * {@code --password=}, each falling back to {@code SPRING_DATASOURCE_URL}, {@code _USERNAME}, {@code _PASSWORD} as
 * the ledger itself reads them. The tool's own arguments are left in {@link #rest()}.
 */
public record ToolDatabase(String url, String user, String password, List<String> rest) {

    public static final String USAGE = "--url=jdbc:postgresql://host:port/db --user=USER --password=PASSWORD"
                                       + " (or SPRING_DATASOURCE_URL, SPRING_DATASOURCE_USERNAME, SPRING_DATASOURCE_PASSWORD)";

    public static ToolDatabase from(String[] args, Map<String, String> env) {
        String url = env.get("SPRING_DATASOURCE_URL");
        String user = env.get("SPRING_DATASOURCE_USERNAME");
        String password = env.get("SPRING_DATASOURCE_PASSWORD");
        List<String> rest = new ArrayList<>();
        for (String arg : args) {
            if (arg.startsWith("--url=")) {
                url = arg.substring("--url=".length());
            } else if (arg.startsWith("--user=")) {
                user = arg.substring("--user=".length());
            } else if (arg.startsWith("--password=")) {
                password = arg.substring("--password=".length());
            } else {
                rest.add(arg);
            }
        }
        return new ToolDatabase(url, user, password, List.copyOf(rest));
    }

    /** Only PostgreSQL: the ledger's SQL is PostgreSQL's. */
    public boolean hasPostgresUrl() {
        return url != null && !url.isBlank() && url.startsWith("jdbc:postgresql:");
    }

    public DataSource dataSource() {
        PGSimpleDataSource dataSource = new PGSimpleDataSource();
        dataSource.setURL(url);
        if (user != null) {
            dataSource.setUser(user);
        }
        if (password != null) {
            dataSource.setPassword(password);
        }
        return dataSource;
    }
}
