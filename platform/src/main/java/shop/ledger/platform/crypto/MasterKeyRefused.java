package shop.ledger.platform.crypto;

/**
 * The start refused: the configured master keys do not fit the database (missing, or not the key that wrapped the
 * data keys). The message names the key id expected and what to restore (decision 08).
 */
public class MasterKeyRefused extends IllegalStateException {

    public MasterKeyRefused(String message) {
        super(message);
    }
}
