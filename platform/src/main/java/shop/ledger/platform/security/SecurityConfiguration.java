package shop.ledger.platform.security;

import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Profile;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpMethod;
import org.springframework.security.config.annotation.method.configuration.EnableMethodSecurity;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.oauth2.core.DelegatingOAuth2TokenValidator;
import org.springframework.security.oauth2.jwt.JwtClaimNames;
import org.springframework.security.oauth2.jwt.JwtClaimValidator;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.jwt.JwtEncoder;
import org.springframework.security.oauth2.jwt.JwtValidators;
import org.springframework.security.oauth2.jwt.NimbusJwtDecoder;
import org.springframework.security.oauth2.jwt.NimbusJwtEncoder;
import org.springframework.security.oauth2.server.resource.authentication.JwtAuthenticationConverter;
import org.springframework.security.oauth2.server.resource.authentication.JwtGrantedAuthoritiesConverter;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.servlet.util.matcher.PathPatternRequestMatcher;
import org.springframework.security.web.util.matcher.AndRequestMatcher;
import org.springframework.security.web.util.matcher.NegatedRequestMatcher;
import shop.ledger.api.common.ProblemType;
import shop.ledger.platform.LedgerProperties;
import shop.ledger.platform.web.Problems;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * Stateless bearer-token security: RS256 access tokens issued by the ledger and verified by Spring
 * Security's resource server (signature, issuer, expiry). Roles come from the {@code roles} claim.
 */
@Configuration
@EnableMethodSecurity
@EnableConfigurationProperties(TokenVerificationProperties.class)
public class SecurityConfiguration {

    public static final String ISSUER = "imei-shop-ledger";

    /** The simulators' control endpoints (API.md v2: ADMIN only), served by the ledger's chain below. */
    public static final String SIMULATOR_CONTROL = "/simulator/*/control/**";

    /**
     * The simulators stand for outside parties and check their own credentials (the payout provider's API
     * key comes as {@code Authorization: Bearer}, which the ledger's chain would take for an access token),
     * so their protocol paths get a chain of their own, ahead of the ledger's, without token authentication.
     * Their control endpoints are not the outside party's: they fall through to the ledger's chain, which
     * wants an ADMIN token (DhruSimulatorTest and PayoutSimulatorTest, controlWantsAnAdminToken...;
     * AccessControlMatrixTest).
     */
    @Bean
    @Order(0)
    SecurityFilterChain simulatorSecurity(HttpSecurity http) throws Exception {
        PathPatternRequestMatcher.Builder paths = PathPatternRequestMatcher.withDefaults();
        http.securityMatcher(new AndRequestMatcher(paths.matcher("/simulator/**"),
                    new NegatedRequestMatcher(paths.matcher(SIMULATOR_CONTROL))))
            .csrf(csrf -> csrf.disable())
            .sessionManagement(session -> session.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
            .authorizeHttpRequests(requests -> requests.anyRequest().permitAll());
        return http.build();
    }

    @Bean
    @Order(1)
    SecurityFilterChain apiSecurity(HttpSecurity http, Problems problems) throws Exception {
        http.csrf(csrf -> csrf.disable())
            .sessionManagement(session -> session.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
            .authorizeHttpRequests(requests -> requests
                    .requestMatchers(HttpMethod.POST, "/api/auth/register", "/api/auth/token").permitAll()
                    .requestMatchers(HttpMethod.GET, "/api/services").permitAll()
                    .requestMatchers(HttpMethod.GET, PublicKeysController.PATH).permitAll()
                    // health for probes, prometheus for scrapers (no personal data); the rest of actuator
                    // (metrics, info, the index) is the operator's: OperationsEndpointsSecurityTest
                    .requestMatchers("/actuator/health", "/actuator/health/**", "/actuator/prometheus").permitAll()
                    .requestMatchers("/actuator", "/actuator/**").hasRole("ADMIN")
                    .requestMatchers(SIMULATOR_CONTROL).hasRole("ADMIN")
                    .requestMatchers("/v3/api-docs", "/v3/api-docs/**", "/swagger-ui.html", "/swagger-ui/**").permitAll()
                    .requestMatchers("/error").permitAll()
                    .requestMatchers("/api/audit/**").hasRole("AUDITOR")
                    .requestMatchers("/api/finance/**").hasRole("FINANCE")
                    .requestMatchers("/api/admin/wallets/*/deposits").hasAnyRole("ADMIN", "FINANCE")
                    .requestMatchers("/api/admin/**").hasRole("ADMIN")
                    .anyRequest().authenticated())
            .oauth2ResourceServer(oauth -> oauth
                    .jwt(jwt -> jwt.jwtAuthenticationConverter(authenticationConverter()))
                    .authenticationEntryPoint((request, response, e) ->
                            problems.write(response, ProblemType.UNAUTHORIZED, "a valid bearer token is required"))
                    .accessDeniedHandler((request, response, e) ->
                            problems.write(response, ProblemType.FORBIDDEN, "your role does not allow this")))
            .exceptionHandling(errors -> errors
                    .authenticationEntryPoint((request, response, e) ->
                            problems.write(response, ProblemType.UNAUTHORIZED, "a valid bearer token is required"))
                    .accessDeniedHandler((request, response, e) ->
                            problems.write(response, ProblemType.FORBIDDEN, "your role does not allow this")));
        return http.build();
    }

    /** Public keys only, on every side: the local keys' public parts, a configured set or the command side's JWKS. */
    @Bean
    JwtDecoder jwtDecoder(ObjectProvider<JwtKeys> signingKeys, TokenVerificationProperties verification,
                          LedgerProperties properties) {
        NimbusJwtDecoder decoder = TokenVerification.decoder(signingKeys.getIfAvailable(), verification,
                properties.jwtKey());
        decoder.setJwtValidator(new DelegatingOAuth2TokenValidator<>(
                JwtValidators.createDefaultWithIssuer(ISSUER),
                // the ledger's tokens always expire: one without an expiry is not one of them
                new JwtClaimValidator<Instant>(JwtClaimNames.EXP, Objects::nonNull),
                new JwtClaimValidator<List<String>>(JwtClaimNames.AUD, aud -> aud != null && aud.contains(ISSUER))));
        return decoder;
    }

    /** The command side alone signs, with its newest key; the encoder writes that key's kid into the header. */
    @Bean
    @Profile("command")
    JwtEncoder jwtEncoder(JwtKeys keys) {
        return new NimbusJwtEncoder(new ImmutableJWKSet<>(keys.signingSet()));
    }

    private static JwtAuthenticationConverter authenticationConverter() {
        JwtGrantedAuthoritiesConverter authorities = new JwtGrantedAuthoritiesConverter();
        authorities.setAuthoritiesClaimName(Caller.ROLES_CLAIM);
        authorities.setAuthorityPrefix("ROLE_");
        JwtAuthenticationConverter converter = new JwtAuthenticationConverter();
        converter.setJwtGrantedAuthoritiesConverter(authorities);
        return converter;
    }
}
