package shop.ledger.command.order;

import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Configuration;

@Configuration
@EnableConfigurationProperties(FulfilmentSettings.class)
public class OrderConfiguration {
}
