package dev.switchboard.app;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** Every SWITCHBOARD_* variable the code reads is listed by {@code --help} and in the README. */
class SettingsDocumentedTest {
    private static final Pattern NAME = Pattern.compile("\"(SWITCHBOARD_[A-Z0-9_]+)\"");

    @Test
    void everyVariableTheCodeReadsIsInHelpAndTheReadme() throws IOException {
        Set<String> read = new TreeSet<>();
        for (String module : new String[] {"../server", "../chat", "."}) {
            try (Stream<Path> files = Files.walk(Path.of(module, "src", "main", "java"))) {
                for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                    Matcher m = NAME.matcher(Files.readString(f));
                    while (m.find()) read.add(m.group(1));
                }
            }
        }
        assertThat(read).as("the scan found the settings").contains("SWITCHBOARD_PORT", "SWITCHBOARD_CDC_SLOT", "SWITCHBOARD_DATABASE_URL");
        String help = Main.help();
        String readme = Files.readString(Path.of("..", "README.md"));
        assertThat(read.stream().filter(v -> !help.contains(v))).as("read by the code, missing from --help").isEmpty();
        assertThat(read.stream().filter(v -> !readme.contains(v))).as("read by the code, missing from the README").isEmpty();
    }
}
