package shop.ledger.platform.crypto;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Puts a refused master key at the top of a failed start, in words, instead of deep in a bean-creation stack trace
 * (decision 08).
 */
class MasterKeyRefusedAnalyzer extends AbstractFailureAnalyzer<MasterKeyRefused> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, MasterKeyRefused cause) {
        return new FailureAnalysis(cause.getMessage(),
                "Restore the master key named above from the backup (docs/operations.md, Backups and Key rotation). "
                + "Do not start with a new key: every customer's personal data would stay unreadable.", cause);
    }
}
