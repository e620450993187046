package shop.ledger.command;

import org.springframework.boot.SpringApplication;
import shop.ledger.platform.LedgerApplications;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * The command side on its own, against an external PostgreSQL ({@code SPRING_DATASOURCE_URL}):
 * aggregates, sagas and the write API. Run several; they share the event store, tokens, sagas and deadlines.
 */
@SpringBootApplication(scanBasePackages = {"shop.ledger.platform", "shop.ledger.command"})
public class CommandSideApplication {

    public static void main(String[] args) {
        LedgerApplications.prepare();
        SpringApplication application = new SpringApplication(CommandSideApplication.class);
        application.setAdditionalProfiles("command");
        application.run(args);
    }
}
