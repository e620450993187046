package shop.ledger.command.order;

import org.springframework.boot.context.properties.ConfigurationProperties;

import java.time.Duration;

/**
 * Timing of the order fulfilment saga ({@code ledger.orders.*}).
 *
 * @param submissionAttempts  how often a definite supplier ERROR on placement is tried in all
 * @param submissionBackoff   wait before the second attempt; doubled for each further one
 * @param pollInitial         first status poll after the supplier accepted the order
 * @param pollMax             the longest wait between two polls (the backoff doubles up to it)
 * @param statusRefusalsBeforeAttention how many getimeiorder ERROR answers in a row (no status in between) send an
 *                            order in process to NEEDS_ATTENTION instead of polling it forever; with the default
 *                            timing 10 take about an hour
 */
@ConfigurationProperties("ledger.orders")
public record FulfilmentSettings(int submissionAttempts, Duration submissionBackoff, Duration pollInitial,
                                 Duration pollMax, int statusRefusalsBeforeAttention) {

    public FulfilmentSettings {
        submissionAttempts = submissionAttempts <= 0 ? 3 : submissionAttempts;
        submissionBackoff = submissionBackoff == null ? Duration.ofSeconds(30) : submissionBackoff;
        pollInitial = pollInitial == null ? Duration.ofSeconds(15) : pollInitial;
        pollMax = pollMax == null ? Duration.ofMinutes(10) : pollMax;
        statusRefusalsBeforeAttention = statusRefusalsBeforeAttention <= 0 ? 10 : statusRefusalsBeforeAttention;
    }

    Duration submissionDelay(int failedAttempt) {
        return submissionBackoff.multipliedBy(1L << Math.min(failedAttempt - 1, 10));
    }

    Duration pollDelay(int polls) {
        Duration delay = pollInitial.multipliedBy(1L << Math.min(polls, 20));
        return delay.compareTo(pollMax) > 0 ? pollMax : delay;
    }
}
