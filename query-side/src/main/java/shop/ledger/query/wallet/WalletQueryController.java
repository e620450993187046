package shop.ledger.query.wallet;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import org.axonframework.messaging.responsetypes.ResponseTypes;
import org.axonframework.queryhandling.QueryGateway;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import shop.ledger.api.common.ProblemType;
import shop.ledger.api.common.RuleViolation;
import shop.ledger.api.wallet.WalletQueries.FindStatement;
import shop.ledger.api.wallet.WalletQueries.FindTrialBalance;
import shop.ledger.api.wallet.WalletQueries.FindWallet;
import shop.ledger.api.wallet.WalletQueries.StatementLine;
import shop.ledger.api.wallet.WalletQueries.StatementPage;
import shop.ledger.api.wallet.WalletQueries.TrialBalances;
import shop.ledger.api.wallet.WalletQueries.WalletView;
import shop.ledger.platform.security.Caller;
import shop.ledger.platform.security.CurrentCaller;
import shop.ledger.platform.web.Cursors;
import shop.ledger.platform.web.Page;
import shop.ledger.query.position.ReadModel;

import java.util.Optional;
import java.util.UUID;

/** The customer's wallet and statement, and the same views for staff by wallet id. */
@RestController
@ReadModel(WalletProjection.PROCESSING_GROUP)
@Tag(name = "Wallet")
public class WalletQueryController {

    private final QueryGateway queries;

    public WalletQueryController(QueryGateway queries) {
        this.queries = queries;
    }

    @GetMapping("/api/me/wallet")
    @Operation(summary = "The caller's wallet: available, held and balance in minor units")
    public WalletView myWallet() {
        return wallet(ownWallet());
    }

    @GetMapping("/api/me/wallet/transactions")
    @Operation(summary = "The caller's statement, newest first")
    public Page<StatementLine> myStatement(@RequestParam(required = false) Integer limit,
                                           @RequestParam(required = false) String cursor) {
        return page(ownWallet(), limit, cursor);
    }

    @GetMapping("/api/admin/wallets/{walletId}")
    @Operation(summary = "A wallet by id (ADMIN)")
    public WalletView wallet(@PathVariable UUID walletId) {
        return find(walletId).orElseThrow(() -> new RuleViolation(ProblemType.NOT_FOUND, "no such wallet"));
    }

    @GetMapping("/api/admin/wallets/{walletId}/transactions")
    @Operation(summary = "A wallet's statement by id (ADMIN), newest first")
    public Page<StatementLine> statement(@PathVariable UUID walletId, @RequestParam(required = false) Integer limit,
                                         @RequestParam(required = false) String cursor) {
        wallet(walletId); // an unknown wallet is 404, as for the wallet itself, not an empty statement
        return page(walletId, limit, cursor);
    }

    private Page<StatementLine> page(UUID walletId, Integer limit, String cursor) {
        StatementPage page = queries.query(new FindStatement(walletId, Cursors.limit(limit), Cursors.decode(cursor)),
                StatementPage.class).join();
        return new Page<>(page.lines(), Cursors.encode(page.nextBeforeSequence()));
    }

    @ReadModel(JournalProjection.PROCESSING_GROUP)
    @GetMapping("/api/admin/journal/trial-balance")
    @Operation(summary = "The double-entry journal's trial balance per currency (ADMIN): net is always zero")
    public TrialBalances trialBalance() {
        return queries.query(new FindTrialBalance(), TrialBalances.class).join();
    }

    private Optional<WalletView> find(UUID walletId) {
        return queries.query(new FindWallet(walletId), ResponseTypes.optionalInstanceOf(WalletView.class)).join();
    }

    private static UUID ownWallet() {
        Caller caller = CurrentCaller.get();
        if (caller.walletId() == null) {
            throw new RuleViolation(ProblemType.NOT_FOUND, "staff accounts have no wallet");
        }
        return caller.walletId();
    }
}
