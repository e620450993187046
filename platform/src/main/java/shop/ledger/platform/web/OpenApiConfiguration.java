package shop.ledger.platform.web;

import io.swagger.v3.oas.models.Components;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.info.Info;
import io.swagger.v3.oas.models.security.SecurityRequirement;
import io.swagger.v3.oas.models.security.SecurityScheme;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The OpenAPI document at {@code /v3/api-docs}: the public contract, with bearer-token security. */
@Configuration
public class OpenApiConfiguration {

    @Bean
    OpenAPI ledgerOpenApi() {
        return new OpenAPI()
                .info(new Info().title("IMEI shop wallet and order ledger").version("1")
                                .description("Money in integer minor units with an ISO-4217 currency; errors are "
                                        + "RFC 9457 problem+json with type /problems/<slug>; every state-changing "
                                        + "POST accepts an Idempotency-Key header."))
                .components(new Components().addSecuritySchemes("bearer",
                        new SecurityScheme().type(SecurityScheme.Type.HTTP).scheme("bearer").bearerFormat("JWT")))
                .addSecurityItem(new SecurityRequirement().addList("bearer"));
    }
}
