package shop.ledger.standalone;

import org.springframework.boot.SpringApplication;
import shop.ledger.platform.LedgerApplications;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.ComponentScan;
import org.springframework.context.annotation.FilterType;
import shop.ledger.command.CommandSideApplication;
import shop.ledger.query.QuerySideApplication;

/**
 * Both sides in one JVM on a durable embedded PostgreSQL in {@code LEDGER_DATA_DIR} (unless
 * {@code SPRING_DATASOURCE_URL} names another), with the supplier and payout simulators.
 */
@SpringBootApplication
@ComponentScan(basePackages = "shop.ledger", excludeFilters = @ComponentScan.Filter(type = FilterType.ASSIGNABLE_TYPE,
        classes = {CommandSideApplication.class, QuerySideApplication.class}))
public class LedgerStandaloneApplication {

    public static void main(String[] args) {
        application().run(args);
    }

    public static SpringApplication application() {
        LedgerApplications.prepare();
        SpringApplication application = new SpringApplication(LedgerStandaloneApplication.class);
        // both halves, each with its own profile's settings, plus the standalone's own
        application.setAdditionalProfiles("command", "query", "standalone");
        return application;
    }
}
