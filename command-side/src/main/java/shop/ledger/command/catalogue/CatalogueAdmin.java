package shop.ledger.command.catalogue;

import org.axonframework.commandhandling.gateway.CommandGateway;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;
import shop.ledger.api.catalogue.Catalogue.DefineService;
import shop.ledger.api.catalogue.Catalogue.ServiceOffer;
import shop.ledger.api.common.ProblemType;
import shop.ledger.api.common.RuleViolation;

import java.util.Optional;
import java.util.UUID;

/** Creates or replaces services; a code belongs to one service (set-based, in the same transaction). */
@Service
public class CatalogueAdmin {

    private final CommandGateway commands;
    private final JdbcClient jdbc;

    public CatalogueAdmin(CommandGateway commands, JdbcClient jdbc) {
        this.commands = commands;
        this.jdbc = jdbc;
    }

    /** @return the service as defined: without a supplier in {@code offer}, with the one it already had */
    @Transactional
    public ServiceOffer define(ServiceOffer offer) {
        jdbc.sql("DELETE FROM catalogue_code WHERE service_id = ? AND code <> ?").params(offer.serviceId(), offer.code())
            .update();
        int claimed = jdbc.sql("INSERT INTO catalogue_code (code, service_id) VALUES (?, ?) ON CONFLICT (code) DO NOTHING")
                          .params(offer.code(), offer.serviceId()).update();
        if (claimed == 0 && !serviceWithCode(offer.code()).map(offer.serviceId()::equals).orElse(false)) {
            throw new RuleViolation(ProblemType.CONFLICT, "code " + offer.code() + " belongs to another service");
        }
        return commands.sendAndWait(new DefineService(offer.serviceId(), offer));
    }

    public Optional<UUID> serviceWithCode(String code) {
        return jdbc.sql("SELECT service_id FROM catalogue_code WHERE code = ?").param(code).query(UUID.class).optional();
    }

    public boolean isEmpty() {
        return jdbc.sql("SELECT count(*) FROM catalogue_code").query(Long.class).single() == 0;
    }
}
