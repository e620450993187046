package shop.ledger.command.supplier.dhru;

import shop.ledger.command.supplier.dhru.DhruSuppliers.ParameterFormat;
import tools.jackson.databind.json.JsonMapper;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;

/** The form a DHRU Fusion server reads: credentials, the action and its parameters in the supplier's encoding. */
final class DhruForm {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private DhruForm() {
    }

    /** {@code application/x-www-form-urlencoded} body of one API call. */
    static String encode(String username, String apiKey, String action, Map<String, String> parameters,
                         ParameterFormat format) {
        Map<String, String> form = new LinkedHashMap<>();
        form.put("username", username == null ? "" : username);
        form.put("apiaccesskey", apiKey == null ? "" : apiKey);
        form.put("action", action);
        form.put("requestformat", "JSON");
        form.put("parameters", parameters.isEmpty() ? "" : parameters(parameters, format));
        return form.entrySet().stream()
                   .map(field -> urlEncode(field.getKey()) + "=" + urlEncode(field.getValue()))
                   .collect(Collectors.joining("&"));
    }

    /** {@code <PARAMETERS><IMEI>..</IMEI>..</PARAMETERS>} or base64 of {@code {"IMEI":"..",..}}. */
    static String parameters(Map<String, String> parameters, ParameterFormat format) {
        if (format == ParameterFormat.JSON) {
            byte[] json = JSON.writeValueAsBytes(parameters);
            return Base64.getEncoder().encodeToString(json);
        }
        StringBuilder xml = new StringBuilder("<PARAMETERS>");
        parameters.forEach((name, value) ->
                xml.append('<').append(name).append('>').append(xmlEscape(value)).append("</").append(name).append('>'));
        return xml.append("</PARAMETERS>").toString();
    }

    static String xmlEscape(String value) {
        StringBuilder escaped = new StringBuilder(value.length());
        for (char c : value.toCharArray()) {
            switch (c) {
                case '&' -> escaped.append("&amp;");
                case '<' -> escaped.append("&lt;");
                case '>' -> escaped.append("&gt;");
                case '"' -> escaped.append("&quot;");
                case '\'' -> escaped.append("&apos;");
                default -> escaped.append(c);
            }
        }
        return escaped.toString();
    }

    private static String urlEncode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
