package shop.ledger.command.withdrawal;

import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Configuration;

@Configuration
@EnableConfigurationProperties(PayoutSettings.class)
public class WithdrawalConfiguration {
}
