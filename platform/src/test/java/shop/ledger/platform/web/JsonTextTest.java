package shop.ledger.platform.web;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

class JsonTextTest {

    private static boolean unstorable(String json) {
        return JsonText.holdsUnstorableText(json.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void nulAndUnpairedSurrogatesAreFound() {
        assertThat(unstorable("{\"reason\":\"a\\u0000b\"}")).isTrue();
        assertThat(unstorable("{\"reason\":\"\\U0000\"}")).isFalse(); // not an escape JSON knows
        assertThat(unstorable("{\"reason\":\"\\ud800\"}")).isTrue();
        assertThat(unstorable("{\"reason\":\"\\ud800x\"}")).isTrue();
        assertThat(unstorable("{\"reason\":\"\\udc00\\ud800\"}")).isTrue();
        assertThat(unstorable("{\"reason\":\"\\ud800\\u0041\"}")).isTrue();
        assertThat(unstorable("{\"reason\":\"\\uD800")).isTrue();
    }

    @Test
    void ordinaryTextAndEscapedBackslashesPass() {
        assertThat(unstorable("{\"reason\":\"plain\"}")).isFalse();
        assertThat(unstorable("{\"reason\":\"\\\\u0000 is how NUL is written\"}")).isFalse();
        assertThat(unstorable("{\"reason\":\"\\ud83d\\ude00 \\u00e9 \\n \\\"\"}")).isFalse();
        assertThat(unstorable("{\"reason\":\"😀 é\"}")).isFalse();
        assertThat(unstorable("{\"reason\":\"\\u12\"}")).isFalse();
        assertThat(unstorable("\\")).isFalse();
    }
}
