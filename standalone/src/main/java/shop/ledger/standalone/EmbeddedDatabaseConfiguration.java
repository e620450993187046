package shop.ledger.standalone;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.springframework.beans.factory.annotation.Value;
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
    DataSource dataSource(EmbeddedPostgres postgres, DataSourceProperties properties,
                          // the same pool settings as an external database (platform's application.yaml)
                          @Value("${spring.datasource.hikari.maximum-pool-size:40}") int maximumPoolSize,
                          @Value("${spring.datasource.hikari.minimum-idle:2}") int minimumIdle,
                          @Value("${spring.datasource.hikari.connection-timeout:5000}") long connectionTimeoutMillis) {
        HikariConfig config = new HikariConfig();
        config.setPoolName("ledger");
        config.setJdbcUrl(postgres.getJdbcUrl("postgres", "postgres"));
        config.setUsername("postgres");
        config.setMaximumPoolSize(maximumPoolSize);
        config.setMinimumIdle(minimumIdle);
        config.setConnectionTimeout(connectionTimeoutMillis);
        return new HikariDataSource(config);
    }
}
