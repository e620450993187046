package shop.ledger.query.catalogue;

import org.axonframework.config.ProcessingGroup;
import org.axonframework.eventhandling.EventHandler;
import org.axonframework.eventhandling.EventMessage;
import org.axonframework.eventhandling.TrackingToken;
import shop.ledger.platform.axon.GlobalIndex;
import org.axonframework.queryhandling.QueryHandler;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import shop.ledger.query.support.BatchedWrites;
import shop.ledger.api.catalogue.Catalogue.DeliveryEstimate;
import shop.ledger.api.catalogue.Catalogue.FindService;
import shop.ledger.api.catalogue.Catalogue.FindServices;
import shop.ledger.api.catalogue.Catalogue.Requirements;
import shop.ledger.api.catalogue.Catalogue.ServiceDefined;
import shop.ledger.api.catalogue.Catalogue.ServiceKind;
import shop.ledger.api.catalogue.Catalogue.ServiceList;
import shop.ledger.api.catalogue.Catalogue.ServiceOffer;
import shop.ledger.api.catalogue.Catalogue.SupplierService;
import shop.ledger.api.common.Money;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Optional;
import java.util.UUID;
import shop.ledger.query.support.ReadModelTables;

/**
 * The service catalogue as customers and staff read it. A definition creates or replaces its service; the
 * row remembers the global position of the event that wrote it, so an older definition delivered again
 * (or late, from another segment) never overwrites a newer one.
 */
@Component
@ProcessingGroup(CatalogueProjection.PROCESSING_GROUP)
@ReadModelTables("catalogue_view")
public class CatalogueProjection {

    public static final String PROCESSING_GROUP = "catalogue";

    private static final String DEFINE = """
            INSERT INTO catalogue_view (service_id, code, name, kind, price_amount, currency,
                delivery_min, delivery_max, requires_imei, requires_model, requires_network,
                requires_serial_number, active, supplier, supplier_service_id, position)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (service_id) DO UPDATE SET
                code = EXCLUDED.code, name = EXCLUDED.name, kind = EXCLUDED.kind,
                price_amount = EXCLUDED.price_amount, currency = EXCLUDED.currency,
                delivery_min = EXCLUDED.delivery_min, delivery_max = EXCLUDED.delivery_max,
                requires_imei = EXCLUDED.requires_imei, requires_model = EXCLUDED.requires_model,
                requires_network = EXCLUDED.requires_network,
                requires_serial_number = EXCLUDED.requires_serial_number, active = EXCLUDED.active,
                supplier = EXCLUDED.supplier, supplier_service_id = EXCLUDED.supplier_service_id,
                position = EXCLUDED.position
            WHERE catalogue_view.position < EXCLUDED.position""";

    private final JdbcClient jdbc;
    private final BatchedWrites writes;

    public CatalogueProjection(JdbcClient jdbc, BatchedWrites writes) {
        this.jdbc = jdbc;
        this.writes = writes;
    }

    @EventHandler
    void on(ServiceDefined event, EventMessage<?> message, TrackingToken token) {
        ServiceOffer offer = event.offer();
        DeliveryEstimate delivery = offer.deliveryEstimate() == null
                ? new DeliveryEstimate(null, null) : offer.deliveryEstimate();
        Requirements requires = offer.requires() == null
                ? new Requirements(false, false, false, false) : offer.requires();
        SupplierService supplier = offer.supplier() == null ? new SupplierService(null, null) : offer.supplier();
        // the newest definition of a batch wins, as the position guard would decide anyway
        writes.writeLatest(event.serviceId(), DEFINE,
                event.serviceId(), offer.code(), offer.name(), offer.kind().name(), offer.price().amount(),
                offer.price().currency(), delivery.min(), delivery.max(), requires.imei(), requires.model(),
                requires.network(), requires.serialNumber(), offer.active(), supplier.supplier(),
                supplier.supplierServiceId(), GlobalIndex.of(message, token, jdbc));
    }

    @QueryHandler
    public ServiceList handle(FindServices query) {
        return new ServiceList(jdbc.sql("SELECT * FROM catalogue_view WHERE active OR ? ORDER BY code, name, service_id")
                                   .param(query.includeInactive())
                                   .query(CatalogueProjection::offer)
                                   .list());
    }

    @QueryHandler
    public Optional<ServiceOffer> handle(FindService query) {
        return jdbc.sql("SELECT * FROM catalogue_view WHERE service_id = ?")
                   .param(query.serviceId())
                   .query(CatalogueProjection::offer)
                   .optional();
    }

    private static ServiceOffer offer(ResultSet rs, int row) throws SQLException {
        String supplier = rs.getString("supplier");
        return new ServiceOffer(rs.getObject("service_id", UUID.class), rs.getString("code"), rs.getString("name"),
                ServiceKind.valueOf(rs.getString("kind")), Money.of(rs.getLong("price_amount"), rs.getString("currency")),
                new DeliveryEstimate(rs.getString("delivery_min"), rs.getString("delivery_max")),
                new Requirements(rs.getBoolean("requires_imei"), rs.getBoolean("requires_model"),
                        rs.getBoolean("requires_network"), rs.getBoolean("requires_serial_number")),
                rs.getBoolean("active"),
                supplier == null ? null : new SupplierService(supplier, rs.getString("supplier_service_id")));
    }
}
