package shop.ledger.command.refund;

import org.springframework.boot.context.properties.ConfigurationProperties;

import java.time.LocalDate;
import java.time.ZoneId;
import java.util.List;

/**
 * The refund-case policy as configured ({@code ledger.refunds.*}).
 *
 * @param timeZone           the shop's time zone: working days and "per day" are counted in it
 * @param holidays           days that are not working days, besides Saturdays and Sundays
 * @param decisionWorkingDays the supplier's window for a decision (R5: 1-7 working days)
 * @param maxRequestsPerDay  verification requests a customer may open per day (R9)
 */
@ConfigurationProperties("ledger.refunds")
public record RefundSettings(ZoneId timeZone, List<LocalDate> holidays, int decisionWorkingDays,
                             int maxRequestsPerDay) {

    public RefundSettings {
        timeZone = timeZone == null ? ZoneId.of("UTC") : timeZone;
        holidays = holidays == null ? List.of() : List.copyOf(holidays);
        decisionWorkingDays = decisionWorkingDays <= 0 ? 7 : decisionWorkingDays;
        maxRequestsPerDay = maxRequestsPerDay <= 0 ? 3 : maxRequestsPerDay;
    }

    public WorkingCalendar calendar() {
        return new WorkingCalendar(timeZone, holidays);
    }
}
