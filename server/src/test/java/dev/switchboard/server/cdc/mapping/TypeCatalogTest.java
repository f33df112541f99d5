package dev.switchboard.server.cdc.mapping;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class TypeCatalogTest {

    @Test
    void builtInsNeedNoLookup() {
        TypeCatalog catalog = TypeCatalog.builtInOnly();
        assertThat(catalog.typeOf(23)).isEqualTo(ValueType.NUMBER);
        assertThat(catalog.typeOf(3802)).isEqualTo(ValueType.JSON);
        assertThat(catalog.typeOf(1184)).isEqualTo(ValueType.TIMESTAMPTZ);
        assertThat(catalog.typeOf(1007)).isEqualTo(ValueType.arrayOf(ValueType.NUMBER));
        assertThat(catalog.typeOf(99999)).isEqualTo(ValueType.TEXT);
    }

    @Test
    void domainsTakeTheirBaseTypeAndArraysTheirElementTypeOnceCached() {
        Map<Integer, TypeCatalog.PgType> pgType = Map.of(
                70000, new TypeCatalog.PgType('d', 23, 0, 'N'),      // domain over int4
                70001, new TypeCatalog.PgType('b', 0, 70000, 'A'),   // array of that domain
                70002, new TypeCatalog.PgType('e', 0, 0, 'E'));      // enum
        AtomicInteger lookups = new AtomicInteger();
        TypeCatalog catalog = new TypeCatalog(oid -> {
            lookups.incrementAndGet();
            return Optional.ofNullable(pgType.get(oid));
        });

        assertThat(catalog.typeOf(70000)).isEqualTo(ValueType.NUMBER);
        assertThat(catalog.typeOf(70001)).isEqualTo(ValueType.arrayOf(ValueType.NUMBER));
        assertThat(catalog.typeOf(70002)).isEqualTo(ValueType.TEXT);
        int afterFirst = lookups.get();
        catalog.typeOf(70000);
        catalog.typeOf(70001);
        assertThat(lookups.get()).isEqualTo(afterFirst);
    }
}
