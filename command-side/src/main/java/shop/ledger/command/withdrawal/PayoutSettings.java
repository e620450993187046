package shop.ledger.command.withdrawal;

import org.springframework.boot.context.properties.ConfigurationProperties;

import java.time.Duration;

/**
 * How the withdrawal saga chases a payout that has no final answer yet ({@code ledger.withdrawals.*}):
 * the first look after {@code chaseInitial}, doubling up to {@code chaseMax}. After
 * {@code refusalsBeforeAttention} refusals (HTTP 4xx) in a row the withdrawal is flagged for staff and chased only
 * every {@code chaseMax} from then on.
 */
@ConfigurationProperties("ledger.withdrawals")
public record PayoutSettings(Duration chaseInitial, Duration chaseMax, int refusalsBeforeAttention) {

    public PayoutSettings {
        chaseInitial = chaseInitial == null ? Duration.ofSeconds(10) : chaseInitial;
        chaseMax = chaseMax == null ? Duration.ofMinutes(5) : chaseMax;
        refusalsBeforeAttention = refusalsBeforeAttention <= 0 ? 5 : refusalsBeforeAttention;
    }

    Duration chaseDelay(int chases) {
        Duration delay = chaseInitial.multipliedBy(1L << Math.min(chases, 20));
        return delay.compareTo(chaseMax) > 0 ? chaseMax : delay;
    }
}
