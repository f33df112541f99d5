package dev.switchboard.server.protocol;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class ErrorInfoTest {

    @Test
    void treeHasMessageCodeStatusAndHref() {
        Map<String, Object> tree = ErrorCode.TOKEN_EXPIRED.info("Token expired at 5").toTree();
        assertThat(tree).containsExactly(
                Map.entry("message", "Token expired at 5"),
                Map.entry("code", 40142),
                Map.entry("statusCode", 401),
                Map.entry("href", "https://help.ably.io/error/40142"));
    }

    @Test
    void roundTripsThroughBothFormats() {
        ErrorInfo e = ErrorCode.CHANNEL_OPERATION_FAILED.info("nope");
        for (WireFormat f : WireFormat.values()) {
            assertThat(ErrorInfo.fromTree(f.readTree(f.writeTree(e.toTree())))).isEqualTo(e);
        }
    }

    @Test
    void missingFieldsGetDefaultsAndNonObjectsAreNull() {
        assertThat(ErrorInfo.fromTree(Map.of())).isEqualTo(new ErrorInfo(50000, 500, ""));
        assertThat(ErrorInfo.fromTree(Map.of("code", "40160", "statusCode", 401L, "message", "x")))
                .isEqualTo(new ErrorInfo(40160, 401, "x"));
        assertThat(ErrorInfo.fromTree("error")).isNull();
        assertThat(ErrorInfo.fromTree(null)).isNull();
    }

    @Test
    void catalogueCodesCarryTheirStatus() {
        assertThat(ErrorCode.BAD_REQUEST.info()).isEqualTo(new ErrorInfo(40000, 400, "Bad request"));
        SwitchboardException ex = ErrorCode.OPERATION_NOT_PERMITTED.exception("denied");
        assertThat(ex.error()).isEqualTo(new ErrorInfo(40160, 401, "denied"));
        assertThat(ex).hasMessage("denied (40160)");
    }

    @Test
    void catalogueCodesAreUniqueAndStatusesMatchTheirClass() {
        assertThat(java.util.Arrays.stream(ErrorCode.values()).map(ErrorCode::code)).doesNotHaveDuplicates();
        for (ErrorCode c : ErrorCode.values()) {
            if (c.code() < 50000) assertThat(c.httpStatus()).as(c.name()).isEqualTo(c.code() / 100);
        }
    }
}
