package shop.ledger.query.position;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.core.annotation.Order;
import org.springframework.http.server.RequestPath;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.servlet.HandlerExecutionChain;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerMapping;
import org.springframework.web.util.ServletRequestPathUtils;
import shop.ledger.api.common.ProblemType;
import shop.ledger.platform.web.DatabaseFailures;
import shop.ledger.platform.web.LedgerPosition;
import shop.ledger.platform.web.Problems;
import shop.ledger.query.position.ProcessorCoverage.Need;

import java.io.IOException;
import java.lang.reflect.Method;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Pattern;

/**
 * Read your own writes (API.md Conventions): a GET under {@code /api/} with {@code X-Ledger-Min-Position: n} is
 * served once every processor that feeds its endpoint ({@link ReadModel}) covers n ({@link ProcessorCoverage}),
 * or answers 503 {@code service-unavailable} with {@code Retry-After} after {@code ledger.read-your-writes.max-wait}
 * (5 s). An n that is not a number, or above the event store's head, answers 400 {@code validation-failed} at once;
 * an endpoint that reads no read model ({@link NoReadModel}, or one of the command side's) is served at once.
 * <p>
 * A read that must wait is suspended (servlet async) and handed to {@link PositionWaiters}, which checks all waiting
 * reads together when a processor commits; once covered, the request is dispatched again and passes this filter
 * (it does not filter async dispatches). It runs after Spring Security, so an unauthenticated read never waits.
 * Guarded by ReadYourWritesTest.
 */
@Component
@Order(MinPositionFilter.ORDER)
public class MinPositionFilter extends OncePerRequestFilter {

    private static final Logger log = LoggerFactory.getLogger(MinPositionFilter.class);

    private static final String MIN_HEADER = LedgerPosition.MIN_HEADER;
    /** After Spring Security's filter chain (-100). */
    static final int ORDER = 0;
    /** The servlet container's own time-out of a suspended read, beyond ours: only a safety net. */
    private static final long CONTAINER_TIMEOUT_MARGIN_MILLIS = 5_000;
    private static final Pattern POSITION = Pattern.compile("[0-9]{1,18}");
    private static final String QUERY_SIDE_PACKAGE = "shop.ledger.query.";

    private final ProcessorCoverage coverage;
    private final PositionWaiters waiters;
    private final Problems problems;
    private final ObjectProvider<RequestMappingHandlerMapping> mappings;
    private final Duration maxWait;
    private final Map<Method, Set<String>> feeding = new ConcurrentHashMap<>();
    private volatile Set<String> everyReadModel;

    public MinPositionFilter(ProcessorCoverage coverage, PositionWaiters waiters, Problems problems,
                             @Qualifier("requestMappingHandlerMapping") ObjectProvider<RequestMappingHandlerMapping> mappings,
                             @Value("${ledger.read-your-writes.max-wait:5s}") Duration maxWait) {
        this.coverage = coverage;
        this.waiters = waiters;
        this.problems = problems;
        this.mappings = mappings;
        this.maxWait = maxWait;
    }

    @Override
    protected boolean shouldNotFilter(HttpServletRequest request) {
        return !"GET".equals(request.getMethod()) || !request.getRequestURI().startsWith("/api/")
               || request.getHeader(MIN_HEADER) == null;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        String header = request.getHeader(MIN_HEADER).strip();
        if (!POSITION.matcher(header).matches()) {
            problems.write(response, ProblemType.VALIDATION_FAILED,
                    MIN_HEADER + " must be a position: a whole number as X-Ledger-Position answers it");
            return;
        }
        long position = Long.parseLong(header);
        Need need;
        boolean coveredNow;
        try {
            if (!coverage.withinHead(position)) {
                problems.write(response, ProblemType.VALIDATION_FAILED,
                        MIN_HEADER + " " + position + " is past the event store's head: no write answered it");
                return;
            }
            need = new Need(position, processorsFeeding(request));
            coveredNow = need.processors().isEmpty() || coverage.covered(need);
        } catch (RuntimeException e) {
            if (!DatabaseFailures.isDatabaseUnavailable(e)) {
                throw e;
            }
            unavailable(response, "the database is not reachable; try again shortly");
            return;
        }
        if (coveredNow) {
            chain.doFilter(request, response);
        } else {
            suspendUntilCovered(request, response, need);
        }
    }

    private void suspendUntilCovered(HttpServletRequest request, HttpServletResponse response, Need need) {
        AsyncContext async = request.startAsync(request, response);
        async.setTimeout(maxWait.toMillis() + CONTAINER_TIMEOUT_MARGIN_MILLIS);
        AtomicReference<PositionWaiters.Waiter> waiter = new AtomicReference<>();
        async.addListener(new AsyncListener() {
            @Override
            public void onComplete(AsyncEvent event) {
            }

            @Override
            public void onTimeout(AsyncEvent event) throws IOException {
                forget(waiter.get());
                unavailable((HttpServletResponse) event.getSuppliedResponse(), notCovered(need));
                event.getAsyncContext().complete();
            }

            @Override
            public void onError(AsyncEvent event) {
                forget(waiter.get()); // the client went away
            }

            @Override
            public void onStartAsync(AsyncEvent event) {
            }
        });
        waiter.set(waiters.await(need, maxWait, async::dispatch, () -> {
            try {
                unavailable((HttpServletResponse) async.getResponse(), notCovered(need));
            } catch (IOException e) {
                log.debug("could not answer a read that waited for position {}", need.position(), e);
            } finally {
                async.complete();
            }
        }));
    }

    private static void forget(PositionWaiters.Waiter waiter) {
        if (waiter != null) {
            waiter.cancel();
        }
    }

    private String notCovered(Need need) {
        return "the read models " + need.processors() + " have not reached position " + need.position() + " within "
               + maxWait.toMillis() + " ms; try again";
    }

    private void unavailable(HttpServletResponse response, String detail) throws IOException {
        response.setHeader("Retry-After", "1");
        problems.write(response, ProblemType.SERVICE_UNAVAILABLE, detail);
    }

    /** The processors whose read models the request's endpoint reads; none for an endpoint that reads none. */
    private Set<String> processorsFeeding(HttpServletRequest request) {
        HandlerMethod handler = handlerOf(request);
        if (handler == null) {
            return Set.of(); // no such endpoint: answered at once (404 or 405)
        }
        return feeding.computeIfAbsent(handler.getMethod(), key -> {
            HandlerMethod method = handler;
            Optional<Set<String>> declared = declaredProcessors(method);
            if (declared.isPresent()) {
                return declared.get();
            }
            if (!method.getBeanType().getName().startsWith(QUERY_SIDE_PACKAGE)) {
                return Set.of(); // the command side's own tables, current when its write commits
            }
            log.warn("{} declares no @ReadModel; a read of it waits for every read model", method);
            return everyReadModel();
        });
    }

    /**
     * What a handler method declares it reads: the processors of its {@link ReadModel}, none for
     * {@link NoReadModel} (the method's own annotation first, then its controller's), or empty when it declares
     * neither.
     */
    public static Optional<Set<String>> declaredProcessors(HandlerMethod method) {
        Optional<Set<String>> own = declared(method.getMethodAnnotation(ReadModel.class),
                method.getMethodAnnotation(NoReadModel.class));
        return own.isPresent() ? own : declared(
                AnnotatedElementUtils.findMergedAnnotation(method.getBeanType(), ReadModel.class),
                AnnotatedElementUtils.findMergedAnnotation(method.getBeanType(), NoReadModel.class));
    }

    private static Optional<Set<String>> declared(ReadModel readModel, NoReadModel none) {
        if (readModel != null) {
            return Optional.of(Set.of(readModel.value()));
        }
        return none != null ? Optional.of(Set.of()) : Optional.empty();
    }

    private Set<String> everyReadModel() {
        Set<String> every = everyReadModel;
        if (every == null) {
            every = new TreeSet<>();
            for (HandlerMethod method : mappings.getObject().getHandlerMethods().values()) {
                declaredProcessors(method).ifPresent(every::addAll);
            }
            everyReadModel = every = Set.copyOf(every);
        }
        return every;
    }

    /** The handler Spring MVC will pick for the request (looked up as the dispatcher will, leaving no trace). */
    private HandlerMethod handlerOf(HttpServletRequest request) {
        RequestPath previous = ServletRequestPathUtils.hasParsedRequestPath(request)
                ? ServletRequestPathUtils.getParsedRequestPath(request) : null;
        ServletRequestPathUtils.parseAndCache(request);
        try {
            HandlerExecutionChain chain = mappings.getObject().getHandler(request);
            return chain != null && chain.getHandler() instanceof HandlerMethod method ? method : null;
        } catch (Exception e) {
            return null; // no handler matches (e.g. an unsupported media type): Spring MVC answers it
        } finally {
            ServletRequestPathUtils.setParsedRequestPath(previous, request);
        }
    }
}
