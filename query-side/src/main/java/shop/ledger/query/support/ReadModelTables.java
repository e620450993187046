package shop.ledger.query.support;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The tables a projection (a {@code @ProcessingGroup} bean) writes: all of them, and no other projection's. A
 * replay builds fresh copies of exactly these beside the live ones and swaps them in at the end
 * ({@code query.operations.ProjectionRebuild}), so they must hold nothing but what the projection's handlers derive
 * from the events, and no foreign key may cross them.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface ReadModelTables {

    String[] value();
}
