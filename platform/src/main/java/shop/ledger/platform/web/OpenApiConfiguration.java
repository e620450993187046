package shop.ledger.platform.web;

import io.swagger.v3.oas.models.Components;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.Operation;
import io.swagger.v3.oas.models.PathItem;
import io.swagger.v3.oas.models.headers.Header;
import io.swagger.v3.oas.models.info.Info;
import io.swagger.v3.oas.models.media.IntegerSchema;
import io.swagger.v3.oas.models.media.StringSchema;
import io.swagger.v3.oas.models.parameters.HeaderParameter;
import io.swagger.v3.oas.models.responses.ApiResponse;
import io.swagger.v3.oas.models.security.SecurityRequirement;
import io.swagger.v3.oas.models.security.SecurityScheme;
import org.springdoc.core.customizers.OpenApiCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import java.util.Map;

/** The OpenAPI document at {@code /v3/api-docs}: the public contract, with bearer-token security. */
@Configuration
public class OpenApiConfiguration {

    @Bean
    OpenAPI ledgerOpenApi() {
        return new OpenAPI()
                .info(new Info().title("IMEI shop wallet and order ledger").version("2")
                                .description("Money in integer minor units with an ISO-4217 currency; errors are "
                                        + "RFC 9457 problem+json with type /problems/<slug>; every state-changing "
                                        + "request accepts an Idempotency-Key header (kept 24 hours) and answers "
                                        + "its position in the event store in X-Ledger-Position."))
                .components(new Components().addSecuritySchemes("bearer",
                        new SecurityScheme().type(SecurityScheme.Type.HTTP).scheme("bearer").bearerFormat("JWT")))
                .addSecurityItem(new SecurityRequirement().addList("bearer"));
    }

    /**
     * Every state-changing operation of the API names the headers the request filters add to it (API.md
     * Conventions): the Idempotency-Key it accepts, the position its success answers, the 409 a concurrent duplicate
     * gets. Described here once, as the filters apply them to every such request.
     */
    @Bean
    OpenApiCustomizer stateChangingRequestHeaders() {
        return openApi -> {
            if (openApi.getPaths() == null) {
                return;
            }
            openApi.getPaths().forEach((path, item) -> {
                if (!path.startsWith("/api/")) {
                    return;
                }
                for (Map.Entry<PathItem.HttpMethod, Operation> entry : item.readOperationsMap().entrySet()) {
                    if (entry.getKey() != PathItem.HttpMethod.GET) {
                        describeStateChanging(entry.getValue());
                    }
                }
            });
        };
    }

    private static void describeStateChanging(Operation operation) {
        operation.addParametersItem(new HeaderParameter().name(IdempotentRequestFilter.HEADER).required(false)
                .schema(new StringSchema().minLength(1).maxLength(255))
                .description("Sent again with the same body within 24 hours: the first answer again, nothing changed"));
        if (operation.getResponses() == null) {
            return;
        }
        Header position = new Header().schema(new IntegerSchema().format("int64"))
                .description("The event store position this request's transaction reached; send it as "
                             + LedgerPosition.MIN_HEADER + " on a read to see this write");
        operation.getResponses().forEach((status, response) -> {
            if (status.startsWith("2")) {
                response.addHeaderObject(LedgerPosition.HEADER, position);
            }
        });
        operation.getResponses().putIfAbsent("409", new ApiResponse().description(
                "request-in-progress (with Retry-After) while a request with the same Idempotency-Key still runs"));
    }
}
