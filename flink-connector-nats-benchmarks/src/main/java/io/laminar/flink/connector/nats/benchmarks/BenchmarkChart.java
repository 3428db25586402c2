package io.laminar.flink.connector.nats.benchmarks;

import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.data.category.DefaultCategoryDataset;

import java.io.IOException;
import java.nio.file.Path;
import java.text.DecimalFormat;
import java.util.List;

/** The chart of a run: per case, the median msgs/s and the bound its CPU cost allows. */
final class BenchmarkChart {

    private BenchmarkChart() {}

    static void write(List<BenchmarkReport.Result> results, String title, Path png)
            throws IOException {
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        for (BenchmarkReport.Result r : results) {
            data.addValue(r.msgsPerSecond, "measured msgs/s (median)", r.name);
            if (r.cpuBound > 0) {
                data.addValue(r.cpuBound, "CPU bound msgs/s", r.name);
            }
        }
        JFreeChart chart =
                ChartFactory.createBarChart(
                        title,
                        "case",
                        "msgs/s",
                        data,
                        PlotOrientation.HORIZONTAL,
                        true,
                        false,
                        false);
        // Core and JetStream differ by ten times and more: a log scale shows both.
        LogAxis axis = new LogAxis("msgs/s (log scale)");
        axis.setBase(10);
        axis.setNumberFormatOverride(new DecimalFormat("#,##0"));
        chart.getCategoryPlot().setRangeAxis(axis);
        ((BarRenderer) chart.getCategoryPlot().getRenderer()).setBase(1);
        ChartUtils.saveChartAsPNG(png.toFile(), chart, 1000, 120 + 60 * results.size());
    }
}
