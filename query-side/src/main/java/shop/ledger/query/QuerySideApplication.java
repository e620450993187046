package shop.ledger.query;

import org.springframework.boot.SpringApplication;
import shop.ledger.platform.LedgerApplications;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * The query side on its own, against the PostgreSQL the command side writes to: projections, their
 * query handlers and the read API. Run several; pooled processors spread the segments among them.
 */
@SpringBootApplication(scanBasePackages = {"shop.ledger.platform", "shop.ledger.query"})
public class QuerySideApplication {

    public static void main(String[] args) {
        LedgerApplications.prepare();
        SpringApplication application = new SpringApplication(QuerySideApplication.class);
        application.setAdditionalProfiles("query");
        application.run(args);
    }
}
