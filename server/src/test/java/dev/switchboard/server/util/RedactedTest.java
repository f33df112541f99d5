package dev.switchboard.server.util;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class RedactedTest {
    @Test
    void takesThePasswordOutOfAUrlAndKeepsTheRest() {
        assertThat(Redacted.url("redis://:s3cret@cache:6379/0")).isEqualTo("redis://:***@cache:6379/0");
        assertThat(Redacted.url("redis://default:s3cret@cache:6379")).isEqualTo("redis://default:***@cache:6379");
        assertThat(Redacted.url("postgres://app:p%40ss@db/chat")).isEqualTo("postgres://app:***@db/chat");
    }

    @Test
    void aBareUserInfoIsAllPasswordAndAUrlWithoutOneIsUnchanged() {
        assertThat(Redacted.url("redis://s3cret@cache:6379")).isEqualTo("redis://***@cache:6379");
        assertThat(Redacted.url("redis://cache:6379")).isEqualTo("redis://cache:6379");
        assertThat(Redacted.url("cache:6379")).isEqualTo("cache:6379");
        assertThat(Redacted.url(null)).isNull();
    }
}
