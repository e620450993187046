package shop.ledger.standalone.testing;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.stereotype.Component;
import org.springframework.web.servlet.HandlerInterceptor;
import org.springframework.web.servlet.config.annotation.InterceptorRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Test only: holds a request that carries {@link #HEADER} after its handler has run and before the request filter
 * commits its transaction, until the test releases it. Inert for every other request.
 */
@Component
public class RequestPauses implements WebMvcConfigurer, HandlerInterceptor {

    public static final String HEADER = "X-Test-Pause";

    private final Map<String, Pause> pauses = new ConcurrentHashMap<>();

    /** A pause for the request sent with {@code HEADER: name}. */
    public Pause arm(String name) {
        Pause pause = new Pause();
        pauses.put(name, pause);
        return pause;
    }

    @Override
    public void addInterceptors(InterceptorRegistry registry) {
        registry.addInterceptor(this);
    }

    @Override
    public void afterCompletion(HttpServletRequest request, HttpServletResponse response, Object handler, Exception ex)
            throws InterruptedException {
        String name = request.getHeader(HEADER);
        Pause pause = name == null ? null : pauses.remove(name);
        if (pause != null) {
            pause.arrived.countDown();
            if (!pause.released.await(60, TimeUnit.SECONDS)) {
                throw new IllegalStateException("the test never released the paused request " + name);
            }
        }
    }

    public static final class Pause {
        private final CountDownLatch arrived = new CountDownLatch(1);
        private final CountDownLatch released = new CountDownLatch(1);

        /** Waits until the request's handler has run and the request holds (true), or gives up. */
        public boolean awaitArrival() throws InterruptedException {
            return arrived.await(30, TimeUnit.SECONDS);
        }

        public void release() {
            released.countDown();
        }
    }
}
