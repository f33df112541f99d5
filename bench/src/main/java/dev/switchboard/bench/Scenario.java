package dev.switchboard.bench;

/** One benchmark: drives a target, adds its figures to the summary and writes its CSVs and plots. */
public interface Scenario {
    void run(Bench bench) throws Exception;
}
