package shop.ledger.platform;

import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import shop.ledger.platform.db.OwnTransaction;

import javax.sql.DataSource;

@Configuration
@EnableConfigurationProperties(LedgerProperties.class)
public class PlatformConfiguration {

    @Bean(destroyMethod = "close")
    OwnTransaction ownTransaction(DataSource dataSource) {
        return OwnTransaction.beside(dataSource);
    }
}
