package shop.ledger.command;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

class DeadlineSchedulingTest {

    @Test
    void aFailedDeadlineIsTriedAgainWithinSecondsThenAtMostAMinuteApart() {
        assertThat(DeadlineScheduling.RetrySoon.delayAfter(1)).isEqualTo(Duration.ofSeconds(1));
        assertThat(DeadlineScheduling.RetrySoon.delayAfter(2)).isEqualTo(Duration.ofSeconds(2));
        assertThat(DeadlineScheduling.RetrySoon.delayAfter(4)).isEqualTo(Duration.ofSeconds(8));
        assertThat(DeadlineScheduling.RetrySoon.delayAfter(7)).isEqualTo(Duration.ofMinutes(1));
        assertThat(DeadlineScheduling.RetrySoon.delayAfter(500)).isEqualTo(Duration.ofMinutes(1));
    }

    @Test
    void aDeadlinePickedByAKilledInstanceIsPickedAgainWithinHalfAMinute() {
        assertThat(DeadlineScheduling.HEARTBEAT.multipliedBy(DeadlineScheduling.MISSED_HEARTBEATS))
                .isLessThanOrEqualTo(Duration.ofSeconds(30));
    }
}
