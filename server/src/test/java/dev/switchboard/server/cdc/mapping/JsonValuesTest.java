package dev.switchboard.server.cdc.mapping;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

class JsonValuesTest {

    private static String json(ValueType type, String text) throws Exception {
        StringWriter sw = new StringWriter();
        try (JsonGenerator out = new JsonFactory().createGenerator(sw)) {
            JsonValues.write(out, type, text);
        }
        return sw.toString();
    }

    @Test
    void numbersAreBareUnlessJsonCannotSayThem() throws Exception {
        assertThat(json(ValueType.NUMBER, "42")).isEqualTo("42");
        assertThat(json(ValueType.NUMBER, "-9007199254740993")).isEqualTo("-9007199254740993");
        assertThat(json(ValueType.NUMBER, "12.3400")).isEqualTo("12.3400");
        assertThat(json(ValueType.NUMBER, "1e+100")).isEqualTo("1e+100");
        assertThat(json(ValueType.NUMBER, "NaN")).isEqualTo("\"NaN\"");
        assertThat(json(ValueType.NUMBER, "-Infinity")).isEqualTo("\"-Infinity\"");
    }

    @Test
    void booleansJsonAndText() throws Exception {
        assertThat(json(ValueType.BOOLEAN, "t")).isEqualTo("true");
        assertThat(json(ValueType.BOOLEAN, "f")).isEqualTo("false");
        assertThat(json(ValueType.JSON, "{\"a\": [1, null]}")).isEqualTo("{\"a\": [1, null]}");
        assertThat(json(ValueType.TEXT, "say \"hi\"\n")).isEqualTo("\"say \\\"hi\\\"\\n\"");
    }

    @Test
    void timestampsBecomeIso8601LikeRowToJson() throws Exception {
        assertThat(json(ValueType.TIMESTAMP, "2024-02-29 13:14:15.123456")).isEqualTo("\"2024-02-29T13:14:15.123456\"");
        assertThat(json(ValueType.TIMESTAMPTZ, "2024-02-29 13:14:15+00")).isEqualTo("\"2024-02-29T13:14:15+00:00\"");
        assertThat(json(ValueType.TIMESTAMPTZ, "2024-02-29 13:14:15.5-03:30")).isEqualTo("\"2024-02-29T13:14:15.5-03:30\"");
        assertThat(json(ValueType.TIMESTAMPTZ, "infinity")).isEqualTo("\"infinity\"");
        assertThat(json(ValueType.DATE, "2024-02-29")).isEqualTo("\"2024-02-29\"");
    }

    @Test
    void arraysBecomeJsonArraysOfTheirElementType() throws Exception {
        assertThat(json(ValueType.arrayOf(ValueType.NUMBER), "{1,NULL,-3}")).isEqualTo("[1,null,-3]");
        assertThat(json(ValueType.arrayOf(ValueType.NUMBER), "{{1,2},{3,4}}")).isEqualTo("[[1,2],[3,4]]");
        assertThat(json(ValueType.arrayOf(ValueType.TEXT), "{\"a b\",\"c,d\",\"e\\\"f\",\"NULL\",plain}"))
                .isEqualTo("[\"a b\",\"c,d\",\"e\\\"f\",\"NULL\",\"plain\"]");
        assertThat(json(ValueType.arrayOf(ValueType.BOOLEAN), "[0:1]={t,f}")).isEqualTo("[true,false]");
        assertThat(json(ValueType.arrayOf(ValueType.TEXT), "{}")).isEqualTo("[]");
        assertThat(json(ValueType.arrayOf(ValueType.JSON), "{\"{\\\"a\\\": 1}\"}")).isEqualTo("[{\"a\": 1}]");
    }
}
