package shop.ledger.command.order;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import com.fasterxml.jackson.annotation.JsonAutoDetect.Visibility;
import org.axonframework.commandhandling.gateway.CommandGateway;
import org.axonframework.config.ProcessingGroup;
import org.axonframework.deadline.DeadlineManager;
import org.axonframework.deadline.annotation.DeadlineHandler;
import org.axonframework.modelling.saga.EndSaga;
import org.axonframework.modelling.saga.SagaEventHandler;
import org.axonframework.modelling.saga.StartSaga;
import org.axonframework.spring.stereotype.Saga;
import shop.ledger.api.order.OrderCommands.CompleteOrder;
import shop.ledger.api.order.OrderCommands.MarkOrderNeedsAttention;
import shop.ledger.api.order.OrderCommands.RecordOrderSubmissionFailed;
import shop.ledger.api.order.OrderCommands.RecordOrderSubmitted;
import shop.ledger.api.order.OrderCommands.RejectOrder;
import shop.ledger.api.order.OrderCommands.StartSubmission;
import shop.ledger.api.order.OrderEvents.OrderCancelled;
import shop.ledger.api.order.OrderEvents.OrderCompleted;
import shop.ledger.api.order.OrderEvents.OrderPlaced;
import shop.ledger.api.order.OrderEvents.OrderRejected;
import shop.ledger.api.order.OrderEvents.OrderSubmissionFailed;
import shop.ledger.api.order.OrderEvents.OrderSubmissionStarted;
import shop.ledger.api.order.OrderEvents.OrderSubmitted;
import shop.ledger.command.supplier.SupplierPort;
import shop.ledger.command.supplier.SupplierPort.Accepted;
import shop.ledger.command.supplier.SupplierPort.Placement;
import shop.ledger.command.supplier.SupplierPort.Refused;
import shop.ledger.command.supplier.SupplierPort.Status;
import shop.ledger.command.supplier.SupplierPort.Submission;
import shop.ledger.platform.crypto.KeyVault;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.util.UUID;

/**
 * Forwards an order to its supplier and follows it to its end (R2, R4):
 * <pre>
 *   OrderPlaced ─► StartSubmission ─► OrderSubmissionStarted ─► placeimeiorder (claimed once)
 *        Accepted ─► OrderSubmitted (IN_PROCESS) ─► poll getimeiorder on persisted deadlines, with backoff
 *                       4 ─► CompleteOrder (capture) · 3 ─► RejectOrder (release) · 0/1 ─► poll again
 *                       ERROR answers only, statusRefusalsBeforeAttention times in a row ─► NEEDS_ATTENTION
 *        Refused  ─► retry after a backoff, a bounded number of times, then rejected (release)
 *        Unknown  ─► NEEDS_ATTENTION: never retried blindly; staff resolve it
 * </pre>
 * Every command it sends is idempotent on the order, so a redelivered event or a repeated deadline moves
 * nothing twice. Deadlines live in PostgreSQL (db-scheduler) and survive restarts.
 */
@Saga
@ProcessingGroup(OrderFulfilmentSaga.PROCESSING_GROUP)
@JsonAutoDetect(fieldVisibility = Visibility.ANY, getterVisibility = Visibility.NONE,
        isGetterVisibility = Visibility.NONE)
public class OrderFulfilmentSaga {

    public static final String PROCESSING_GROUP = "order-fulfilment";
    static final String RETRY_SUBMISSION = "retry-submission";
    static final String POLL_SUPPLIER = "poll-supplier";

    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** Deadline payloads: a deadline handler takes its payload as first parameter. */
    record RetryDue(UUID orderId) {
    }

    record PollDue(UUID orderId) {
    }

    private UUID orderId;
    private UUID customerId;
    private String supplier;
    private String supplierServiceId;
    private String encryptedImei;
    private String encryptedFields;
    private String supplierReference;
    private int polls;
    /** getimeiorder ERROR answers since the last readable status. */
    private int statusRefusals;

    @StartSaga
    @SagaEventHandler(associationProperty = "orderId")
    void on(OrderPlaced event, CommandGateway commands) {
        orderId = event.orderId();
        customerId = event.customerId();
        supplier = event.supplier();
        supplierServiceId = event.supplierServiceId();
        encryptedImei = event.encryptedImei();
        encryptedFields = event.encryptedFields();
        commands.sendAndWait(new StartSubmission(orderId));
    }

    @SagaEventHandler(associationProperty = "orderId")
    void on(OrderSubmissionStarted event, SupplierCalls calls, KeyVault vault, CommandGateway commands,
            FulfilmentSettings settings) {
        boolean erased = vault.isErased(customerId);
        Placement placement = erased
                ? calls.refuseUnsent(orderId, event.attempt(), "the customer's data was erased")
                : calls.placeOnce(orderId, event.attempt(), supplier, submission(vault));
        if (placement instanceof Accepted accepted) {
            commands.sendAndWait(new RecordOrderSubmitted(orderId, event.attempt(), accepted.supplierReference()));
        } else if (placement instanceof Refused refused) {
            // an erased IMEI never comes back: rejected (and released) at once rather than retried
            boolean retriesLeft = !erased && event.attempt() < settings.submissionAttempts();
            commands.sendAndWait(new RecordOrderSubmissionFailed(orderId, event.attempt(), refused.message(), retriesLeft));
        } else {
            commands.sendAndWait(new MarkOrderNeedsAttention(orderId, event.attempt(), ((SupplierPort.Unknown) placement).reason()));
        }
    }

    @SagaEventHandler(associationProperty = "orderId")
    void on(OrderSubmissionFailed event, DeadlineManager deadlines, FulfilmentSettings settings) {
        if (event.retrying()) {
            deadlines.schedule(settings.submissionDelay(event.attempt()), RETRY_SUBMISSION, new RetryDue(orderId));
        }
    }

    @DeadlineHandler(deadlineName = RETRY_SUBMISSION)
    void retrySubmission(RetryDue due, CommandGateway commands) {
        commands.sendAndWait(new StartSubmission(orderId));
    }

    /** Accepted by the supplier, or found there by staff: follow it until the supplier decides. */
    @SagaEventHandler(associationProperty = "orderId")
    void on(OrderSubmitted event, DeadlineManager deadlines, FulfilmentSettings settings) {
        supplierReference = event.supplierReference();
        polls = 0;
        statusRefusals = 0;
        deadlines.cancelAllWithinScope(POLL_SUPPLIER);
        deadlines.schedule(settings.pollDelay(polls), POLL_SUPPLIER, new PollDue(orderId));
    }

    @DeadlineHandler(deadlineName = POLL_SUPPLIER)
    void poll(PollDue due, SupplierCalls calls, CommandGateway commands, DeadlineManager deadlines, FulfilmentSettings settings) {
        Status status = calls.port().status(supplier, supplierReference).orElse(null);
        if (status != null && status.progress() == SupplierPort.Progress.COMPLETED) {
            commands.sendAndWait(new CompleteOrder(orderId, status.detail()));
        } else if (status != null && status.progress() == SupplierPort.Progress.REJECTED) {
            commands.sendAndWait(new RejectOrder(orderId, status.detail() == null || status.detail().isBlank()
                    ? "rejected by the supplier" : status.detail()));
        } else if (status != null && status.progress() == SupplierPort.Progress.REFUSED
                   && ++statusRefusals >= settings.statusRefusalsBeforeAttention()) {
            // the supplier keeps refusing to say (e.g. it does not know the reference): staff check there and
            // resolve; polling stops until they do. The supplier's message is left out: it may quote the IMEI.
            commands.sendAndWait(new MarkSubmittedOrderNeedsAttention(orderId, supplierReference,
                    "the supplier answered the status query with an error " + statusRefusals
                    + " times in a row; check the order at the supplier"));
        } else {
            if (status != null && status.progress() == SupplierPort.Progress.IN_PROCESS) {
                statusRefusals = 0;
            }
            polls++;
            deadlines.schedule(settings.pollDelay(polls), POLL_SUPPLIER, new PollDue(orderId));
        }
    }

    @EndSaga
    @SagaEventHandler(associationProperty = "orderId")
    void on(OrderCompleted event, DeadlineManager deadlines) {
        deadlines.cancelAllWithinScope(POLL_SUPPLIER);
    }

    @EndSaga
    @SagaEventHandler(associationProperty = "orderId")
    void on(OrderRejected event, DeadlineManager deadlines) {
        deadlines.cancelAllWithinScope(POLL_SUPPLIER);
        deadlines.cancelAllWithinScope(RETRY_SUBMISSION);
    }

    @EndSaga
    @SagaEventHandler(associationProperty = "orderId")
    void on(OrderCancelled event, DeadlineManager deadlines) {
        deadlines.cancelAllWithinScope(RETRY_SUBMISSION);
        deadlines.cancelAllWithinScope(POLL_SUPPLIER); // an approved refund case cancels an order in process
    }

    /** R12: the service, the IMEI and the fields the service needs; never who the customer is. */
    private Submission submission(KeyVault vault) {
        String imei = vault.reveal(customerId, encryptedImei);
        JsonNode fields = JSON.readTree(vault.reveal(customerId, encryptedFields));
        return new Submission(supplierServiceId, imei, text(fields, "model"), text(fields, "network"),
                text(fields, "serialNumber"));
    }

    private static String text(JsonNode fields, String name) {
        JsonNode value = fields.get(name);
        return value == null || value.isNull() ? null : value.asText();
    }
}
