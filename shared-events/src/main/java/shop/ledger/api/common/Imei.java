package shop.ledger.api.common;

/** IMEI checks (R8): 15 digits whose last one is the Luhn check digit of the first 14. */
public final class Imei {

    private Imei() {
    }

    public static boolean isValid(String imei) {
        if (imei == null || imei.length() != 15) {
            return false;
        }
        int sum = 0;
        for (int i = 0; i < 15; i++) {
            char c = imei.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
            int digit = c - '0';
            if (i % 2 == 1) { // every second digit from the left is doubled
                digit *= 2;
                if (digit > 9) {
                    digit -= 9;
                }
            }
            sum += digit;
        }
        return sum % 10 == 0;
    }

    /** All but the last four digits hidden, for staff (R13). */
    public static String mask(String imei) {
        if (imei == null || imei.length() < 4) {
            return imei;
        }
        return "*".repeat(imei.length() - 4) + imei.substring(imei.length() - 4);
    }
}
