package shop.ledger.command.refund;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class WorkingCalendarTest {

    static final ZoneId KARACHI = ZoneId.of("Asia/Karachi");

    @Test
    void sevenWorkingDaysFromAFridayAfternoonEndOnTheTuesdayAfterNext() {
        WorkingCalendar calendar = new WorkingCalendar(KARACHI, List.of());
        Instant friday = ZonedDateTime.of(2026, 11, 20, 16, 30, 0, 0, KARACHI).toInstant();
        assertThat(calendar.addWorkingDays(friday, 7))
                .isEqualTo(ZonedDateTime.of(2026, 12, 1, 16, 30, 0, 0, KARACHI).toInstant());
        assertThat(calendar.addWorkingDays(friday, 1))
                .as("one working day after Friday is Monday")
                .isEqualTo(ZonedDateTime.of(2026, 11, 23, 16, 30, 0, 0, KARACHI).toInstant());
    }

    @Test
    void holidaysDoNotCount() {
        // 25 December 2026 is a Friday
        WorkingCalendar calendar = new WorkingCalendar(KARACHI, List.of(LocalDate.of(2026, 12, 25)));
        Instant tuesday = ZonedDateTime.of(2026, 12, 22, 9, 0, 0, 0, KARACHI).toInstant();
        // Wed 23, Thu 24, (Fri 25 holiday, weekend), Mon 28, Tue 29, Wed 30, Thu 31, Fri 1 January
        assertThat(calendar.addWorkingDays(tuesday, 7))
                .isEqualTo(ZonedDateTime.of(2027, 1, 1, 9, 0, 0, 0, KARACHI).toInstant());
        assertThat(new WorkingCalendar(KARACHI, List.of()).addWorkingDays(tuesday, 7))
                .as("without the holiday").isEqualTo(ZonedDateTime.of(2026, 12, 31, 9, 0, 0, 0, KARACHI).toInstant());
        assertThat(calendar.isWorkingDay(LocalDate.of(2026, 12, 25))).isFalse();
        assertThat(calendar.isWorkingDay(LocalDate.of(2026, 12, 26))).isFalse();
        assertThat(calendar.isWorkingDay(LocalDate.of(2026, 12, 28))).isTrue();
    }

    @Test
    void aCaseOpenedAtTheWeekendCountsFromMonday() {
        WorkingCalendar calendar = new WorkingCalendar(KARACHI, List.of());
        Instant saturday = ZonedDateTime.of(2026, 11, 21, 11, 0, 0, 0, KARACHI).toInstant();
        assertThat(calendar.addWorkingDays(saturday, 7))
                .isEqualTo(ZonedDateTime.of(2026, 12, 1, 11, 0, 0, 0, KARACHI).toInstant());
    }

    @Test
    void workingDaysAreCountedInTheShopsTimeZone() {
        // Friday 23:30 in UTC is already Saturday 04:30 in Karachi
        Instant instant = Instant.parse("2026-11-20T23:30:00Z");
        assertThat(new WorkingCalendar(ZoneId.of("UTC"), List.of()).dayOf(instant)).isEqualTo(LocalDate.of(2026, 11, 20));
        assertThat(new WorkingCalendar(KARACHI, List.of()).dayOf(instant)).isEqualTo(LocalDate.of(2026, 11, 21));
        assertThat(new WorkingCalendar(KARACHI, List.of()).addWorkingDays(instant, 1))
                .isEqualTo(ZonedDateTime.of(2026, 11, 23, 4, 30, 0, 0, KARACHI).toInstant());
    }

    @Test
    void theLocalTimeIsKeptAcrossADaylightSavingChange() {
        ZoneId london = ZoneId.of("Europe/London");
        WorkingCalendar calendar = new WorkingCalendar(london, List.of());
        // clocks go back on Sunday 25 October 2026
        Instant thursday = ZonedDateTime.of(2026, 10, 22, 10, 0, 0, 0, london).toInstant();
        assertThat(calendar.addWorkingDays(thursday, 2))
                .isEqualTo(ZonedDateTime.of(2026, 10, 26, 10, 0, 0, 0, london).toInstant());
    }
}
