package dev.switchboard.server.database;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class DatabaseUrlTest {

    @Test
    void parsesFullUrl() {
        DatabaseEndpoint endpoint = DatabaseUrl.parse("postgres://chat:s3cret@db.example:6543/chatdb");
        assertThat(endpoint.jdbcUrl()).isEqualTo("jdbc:postgresql://db.example:6543/chatdb");
        assertThat(endpoint.user()).isEqualTo("chat");
        assertThat(endpoint.password()).isEqualTo("s3cret");
    }

    @Test
    void defaultsPortAndDecodesCredentials() {
        DatabaseEndpoint endpoint = DatabaseUrl.parse("postgresql://us%40er:p%3Aa+ss@localhost/app?sslmode=require");
        assertThat(endpoint.jdbcUrl()).isEqualTo("jdbc:postgresql://localhost:5432/app?sslmode=require");
        assertThat(endpoint.user()).isEqualTo("us@er");
        assertThat(endpoint.password()).isEqualTo("p:a+ss");
    }

    @Test
    void passwordIsOptional() {
        assertThat(DatabaseUrl.parse("postgres://app@localhost:5432/app").password()).isEmpty();
    }

    @Test
    void rejectsWhatIsMissingByName() {
        assertThatThrownBy(() -> DatabaseUrl.parse("mysql://a:b@h/db")).hasMessageContaining("scheme");
        assertThatThrownBy(() -> DatabaseUrl.parse("postgres://a:b@h:5432/")).hasMessageContaining("database name");
        assertThatThrownBy(() -> DatabaseUrl.parse("postgres://h:5432/db")).hasMessageContaining("no user");
        assertThatThrownBy(() -> DatabaseUrl.parse("")).hasMessageContaining("empty");
    }

    @Test
    void toStringHidesPassword() {
        assertThat(DatabaseUrl.parse("postgres://u:topsecret@h/db").toString()).doesNotContain("topsecret");
    }
}
