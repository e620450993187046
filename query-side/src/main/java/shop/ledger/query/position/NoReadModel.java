package shop.ledger.query.position;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * A query endpoint that reads no projection's read model (the event store, the processors' own state, a live
 * stream): it is current as soon as a write commits, so {@code X-Ledger-Min-Position} is checked (400 past the
 * head) but never waited for. The opposite of {@link ReadModel}.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD})
public @interface NoReadModel {

    /** What the endpoint reads instead, e.g. "the event store". */
    String value();
}
