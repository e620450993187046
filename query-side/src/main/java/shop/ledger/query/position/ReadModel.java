package shop.ledger.query.position;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The event processors (processing groups) whose read models a query endpoint reads. A GET with
 * {@code X-Ledger-Min-Position: n} on it answers once each of them covers n ({@link MinPositionFilter}). On a
 * controller it applies to every handler method without one of its own. Every query-side GET under {@code /api/}
 * carries this or {@link NoReadModel} (ReadYourWritesTest checks it).
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD})
public @interface ReadModel {

    /** Processing group names, e.g. {@code WalletProjection.PROCESSING_GROUP}. */
    String[] value();
}
