package shop.ledger.reliability;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * A trail of every token the order saga's segments store, with the transaction that stored it, kept by a trigger the
 * suites add to the database they run on. An order left open because its saga never took a step (as finding 12 of
 * RELIABILITY.md did) is printed with the tokens its segment stored around the step's event ({@link Diagnostics}):
 * whether the segment moved past the event, when, and in which transaction.
 */
final class TokenHistory {

    private TokenHistory() {
    }

    static void install(DurablePostgres postgres) throws SQLException {
        try (Connection connection = postgres.connect(); Statement statement = connection.createStatement()) {
            statement.execute("""
                    CREATE TABLE IF NOT EXISTS diag_token_history (
                        id bigserial PRIMARY KEY, segment int, owner text, token text, tx bigint,
                        at timestamptz DEFAULT clock_timestamp())""");
            statement.execute("""
                    CREATE OR REPLACE FUNCTION diag_token_trail() RETURNS trigger LANGUAGE plpgsql AS $$
                    BEGIN
                        IF NEW.processorname = 'order-fulfilment' AND (TG_OP = 'INSERT' OR NEW.token IS DISTINCT FROM OLD.token) THEN
                            INSERT INTO diag_token_history (segment, owner, token, tx)
                            VALUES (NEW.segment, NEW.owner, convert_from(NEW.token, 'UTF8'), txid_current());
                        END IF;
                        RETURN NEW;
                    END $$""");
            statement.execute("DROP TRIGGER IF EXISTS diag_token_trail ON tokenentry");
            statement.execute("""
                    CREATE TRIGGER diag_token_trail AFTER INSERT OR UPDATE ON tokenentry
                    FOR EACH ROW EXECUTE FUNCTION diag_token_trail()""");
        }
    }
}
