package shop.ledger.standalone;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.springframework.boot.autoconfigure.condition.ConditionalOnExpression;
import org.springframework.boot.jdbc.autoconfigure.DataSourceProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import shop.ledger.platform.LedgerProperties;
import shop.ledger.platform.db.EmbeddedPostgresLauncher;

import javax.sql.DataSource;

/**
 * The standalone default: when no {@code SPRING_DATASOURCE_URL} is given, a durable embedded PostgreSQL
 * in the data directory, reached through a HikariCP pool. Spring closes the pool first, then stops the
 * server cleanly.
 */
@Configuration
@ConditionalOnExpression("'${spring.datasource.url:}'.isEmpty()")
public class EmbeddedDatabaseConfiguration {

    @Bean(destroyMethod = "close")
    EmbeddedPostgres embeddedPostgres(LedgerProperties properties) {
        return EmbeddedPostgresLauncher.durable(properties.dataDir());
    }

    @Bean(destroyMethod = "close")
    DataSource dataSource(EmbeddedPostgres postgres, DataSourceProperties properties) {
        HikariConfig config = new HikariConfig();
        config.setPoolName("ledger");
        config.setJdbcUrl(postgres.getJdbcUrl("postgres", "postgres"));
        config.setUsername("postgres");
        config.setMaximumPoolSize(20);
        config.setMinimumIdle(2);
        config.setConnectionTimeout(5_000);
        return new HikariDataSource(config);
    }
}
