package shop.ledger.command.refund;

import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Configuration;

@Configuration
@EnableConfigurationProperties(RefundSettings.class)
public class RefundConfiguration {
}
