package shop.ledger.command.refund;

import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.Collection;
import java.util.Set;

/**
 * Working days: Monday to Friday minus the shop's holidays, in the shop's time zone.
 * <p>
 * Adding n working days moves to the n-th following working day at the same local time of day (so a case
 * opened on Friday at 16:00 is due seven working days later, the Tuesday after next at 16:00; one opened on a
 * Saturday counts from Monday). Daylight-saving changes keep the local time.
 */
public final class WorkingCalendar {

    private final ZoneId zone;
    private final Set<LocalDate> holidays;

    public WorkingCalendar(ZoneId zone, Collection<LocalDate> holidays) {
        this.zone = zone;
        this.holidays = Set.copyOf(holidays);
    }

    public boolean isWorkingDay(LocalDate day) {
        return day.getDayOfWeek() != DayOfWeek.SATURDAY && day.getDayOfWeek() != DayOfWeek.SUNDAY
                && !holidays.contains(day);
    }

    public Instant addWorkingDays(Instant start, int days) {
        ZonedDateTime at = start.atZone(zone);
        int counted = 0;
        while (counted < days) {
            at = at.plusDays(1);
            if (isWorkingDay(at.toLocalDate())) {
                counted++;
            }
        }
        return at.toInstant();
    }

    /** The shop-zone day an instant falls on. */
    public LocalDate dayOf(Instant instant) {
        return instant.atZone(zone).toLocalDate();
    }

    public Instant startOfDay(LocalDate day) {
        return day.atStartOfDay(zone).toInstant();
    }
}
