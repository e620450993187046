package shop.ledger.platform.web;

import java.util.List;

/** The contract's list answer: {@code {"items":[...],"nextCursor":"..."|null}}. */
public record Page<T>(List<T> items, String nextCursor) {
}
