package shop.ledger.platform.web;

import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.Part;

import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.InputStreamReader;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The request with the body {@link RequestBodyGuard} read, readable again by the handler. A multipart body's parts
 * and form fields come from those bytes ({@link MultipartBody}): the container's own parser would find its stream
 * already consumed.
 */
final class CachedBodyRequest extends HttpServletRequestWrapper {

    private final byte[] body;
    private final Optional<MultipartBody> multipart;
    private Map<String, String[]> multipartParameters;

    CachedBodyRequest(HttpServletRequest request, byte[] body, Optional<MultipartBody> multipart) {
        super(request);
        this.body = body;
        this.multipart = multipart;
    }

    @Override
    public ServletInputStream getInputStream() {
        ByteArrayInputStream in = new ByteArrayInputStream(body);
        return new ServletInputStream() {
            @Override
            public boolean isFinished() {
                return in.available() == 0;
            }

            @Override
            public boolean isReady() {
                return true;
            }

            @Override
            public void setReadListener(ReadListener listener) {
                throw new UnsupportedOperationException();
            }

            @Override
            public int read() {
                return in.read();
            }

            @Override
            public int read(byte[] b, int off, int len) {
                return in.read(b, off, len);
            }
        };
    }

    @Override
    public BufferedReader getReader() {
        return new BufferedReader(new InputStreamReader(getInputStream(), StandardCharsets.UTF_8));
    }

    @Override
    public int getContentLength() {
        return body.length;
    }

    @Override
    public long getContentLengthLong() {
        return body.length;
    }

    @Override
    public Collection<Part> getParts() throws ServletException {
        if (!MultipartBody.isMultipart(getContentType())) {
            throw new ServletException("not a multipart/form-data request");
        }
        return Collections.unmodifiableList(new ArrayList<>(multipart.orElseThrow(
                () -> new ServletException("the multipart/form-data body is malformed")).parts()));
    }

    @Override
    public Part getPart(String name) throws ServletException {
        return getParts().stream().filter(part -> part.getName().equals(name)).findFirst().orElse(null);
    }

    @Override
    public String getParameter(String name) {
        String[] values = getParameterMap().get(name);
        return values == null || values.length == 0 ? null : values[0];
    }

    @Override
    public Map<String, String[]> getParameterMap() {
        if (multipart.isEmpty()) {
            return super.getParameterMap();
        }
        if (multipartParameters == null) {
            Map<String, List<String>> values = new LinkedHashMap<>();
            String query = getQueryString();
            if (query != null) {
                for (String pair : query.split("&")) {
                    if (!pair.isEmpty()) {
                        int equals = pair.indexOf('=');
                        String key = URLDecoder.decode(equals < 0 ? pair : pair.substring(0, equals), StandardCharsets.UTF_8);
                        String value = equals < 0 ? "" : URLDecoder.decode(pair.substring(equals + 1), StandardCharsets.UTF_8);
                        values.computeIfAbsent(key, k -> new ArrayList<>()).add(value);
                    }
                }
            }
            for (MultipartBody.FormPart part : multipart.get().parts()) {
                if (part.getSubmittedFileName() == null) {
                    values.computeIfAbsent(part.getName(), k -> new ArrayList<>())
                          .add(new String(part.content(), StandardCharsets.UTF_8));
                }
            }
            Map<String, String[]> map = new LinkedHashMap<>();
            values.forEach((key, list) -> map.put(key, list.toArray(String[]::new)));
            multipartParameters = Collections.unmodifiableMap(map);
        }
        return multipartParameters;
    }

    @Override
    public Enumeration<String> getParameterNames() {
        return Collections.enumeration(getParameterMap().keySet());
    }

    @Override
    public String[] getParameterValues(String name) {
        return getParameterMap().get(name);
    }
}
