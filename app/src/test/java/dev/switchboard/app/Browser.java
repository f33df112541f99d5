package dev.switchboard.app;

import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * One user's headless Debian Chromium, driven by the system chromedriver (never a downloaded browser or driver:
 * Selenium Manager is not involved when both paths are given). Each instance has its own profile directory, so
 * its own cookies and localStorage: two instances are two people.
 */
final class Browser implements AutoCloseable {
    static final String CHROMIUM = "/usr/bin/chromium";
    static final String CHROMEDRIVER = "/usr/bin/chromedriver";
    static final Duration WAIT = Duration.ofSeconds(20);

    final String name;
    final ChromeDriver driver;
    private final Path profile;
    private final ChromeDriverService service;

    Browser(String name, int width, int height) {
        if (!Files.isExecutable(Path.of(CHROMIUM)) || !Files.isExecutable(Path.of(CHROMEDRIVER))) {
            throw new IllegalStateException("The browser test needs Debian's chromium and chromium-driver: "
                    + "apt-get install -y chromium chromium-driver");
        }
        this.name = name;
        try {
            profile = Files.createTempDirectory("chromium-" + name + "-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        System.setProperty("webdriver.chrome.driver", CHROMEDRIVER);
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM);
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--user-data-dir=" + profile, "--window-size=" + width + "," + height);
        service = new ChromeDriverService.Builder().usingDriverExecutable(new File(CHROMEDRIVER)).usingAnyFreePort().build();
        driver = new ChromeDriver(service, options);
    }

    <T> T until(String what, Function<WebDriver, T> condition) {
        return new WebDriverWait(driver, WAIT).withMessage(name + ": " + what).until(condition);
    }

    WebElement byTestId(String id) {
        return driver.findElement(By.cssSelector("[data-testid='" + id + "']"));
    }

    List<WebElement> allByTestId(String id) {
        return driver.findElements(By.cssSelector("[data-testid='" + id + "']"));
    }

    /** Text of the first element with this test id, or null when there is none. */
    String textOf(String testId) {
        List<WebElement> found = allByTestId(testId);
        return found.isEmpty() ? null : found.get(0).getText();
    }

    /** The message row with this msg_id, or null. */
    WebElement message(String msgId) {
        List<WebElement> found = driver.findElements(By.cssSelector("[data-testid='message'][data-msg-id='" + msgId + "']"));
        return found.isEmpty() ? null : found.get(0);
    }

    static String text(WebElement message) {
        return message.findElement(By.cssSelector("[data-testid='message-text']")).getText();
    }

    static boolean has(WebElement message, String testId) {
        return !message.findElements(By.cssSelector("[data-testid='" + testId + "']")).isEmpty();
    }

    BufferedImage screenshot() {
        try {
            return ImageIO.read(new ByteArrayInputStream(driver.getScreenshotAs(OutputType.BYTES)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Saves both browsers' views side by side (left first) as one PNG. */
    static Path saveSideBySide(Path dir, String file, Browser left, Browser right) {
        BufferedImage a = left.screenshot();
        BufferedImage b = right == null ? null : right.screenshot();
        int gap = b == null ? 0 : 8;
        int width = a.getWidth() + gap + (b == null ? 0 : b.getWidth());
        int height = Math.max(a.getHeight(), b == null ? 0 : b.getHeight());
        BufferedImage out = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        g.setColor(new Color(0x44, 0x44, 0x44));
        g.fillRect(0, 0, width, height);
        g.drawImage(a, 0, 0, null);
        if (b != null) g.drawImage(b, a.getWidth() + gap, 0, null);
        g.dispose();
        try {
            Files.createDirectories(dir);
            Path target = dir.resolve(file);
            ImageIO.write(out, "png", target.toFile());
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        try {
            driver.quit();
        } catch (RuntimeException ignored) {
            // already gone
        }
        service.stop();
        try (Stream<Path> paths = Files.walk(profile)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // temp dir; best effort
        }
    }
}
