package shop.ledger.bench.ledger;

import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.ComponentScan;
import org.springframework.context.annotation.FilterType;
import shop.ledger.command.CommandSideApplication;
import shop.ledger.query.QuerySideApplication;

/**
 * The ledger as the benchmark runs it: the command side and the query side in one JVM (profiles
 * {@code command} and {@code query}), exactly the components of the standalone without its simulators and
 * catalogue seed, on the PostgreSQL the benchmark started.
 */
@SpringBootApplication
@ComponentScan(basePackages = {"shop.ledger.platform", "shop.ledger.command", "shop.ledger.query"},
        excludeFilters = @ComponentScan.Filter(type = FilterType.ASSIGNABLE_TYPE,
                classes = {CommandSideApplication.class, QuerySideApplication.class}))
public class BenchLedgerApplication {
}
