package io.laminar.flink.connector.nats.testutils;

import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * A bounded source named "numbers" of the records "0" .. "n-1" (each number as a string), for a
 * test to check that every one arrived, e.g. with {@link NumberedRecordTally}.
 */
public final class NumberSource {

    private NumberSource() {}

    /** "0" .. "n-1", at most {@code perSecond} a second. */
    public static DataStream<String> numbers(
            StreamExecutionEnvironment env, long n, int perSecond) {
        return env.fromSource(
                new DataGeneratorSource<>(
                        String::valueOf, n, RateLimiterStrategy.perSecond(perSecond), Types.STRING),
                WatermarkStrategy.noWatermarks(),
                "numbers");
    }

    /**
     * "0", "1", ... at 100 a second until the job ends, for a test whose sink must fail the job.
     * With a bounded source that finishes first, Flink can report the end-of-input event it could
     * not deliver to the already failed task as the job's failure, instead of the sink's error; a
     * sink that fails asynchronously (a server error, a JetStream acknowledgement) loses that race
     * now and then.
     */
    public static DataStream<String> untilTheJobEnds(StreamExecutionEnvironment env) {
        return numbers(env, Long.MAX_VALUE, 100);
    }

    /** "0" .. "n-1" as fast as they go, held back until {@code gate} opens. */
    public static DataStream<String> numbers(
            StreamExecutionEnvironment env, long n, RecordGate gate) {
        return gated(env, new DataGeneratorSource<>(i -> i, n, Types.LONG), gate);
    }

    /** "0" .. "n-1", at most {@code perSecond} a second, held back until {@code gate} opens. */
    public static DataStream<String> numbers(
            StreamExecutionEnvironment env, long n, int perSecond, RecordGate gate) {
        return gated(
                env,
                new DataGeneratorSource<>(
                        i -> i, n, RateLimiterStrategy.perSecond(perSecond), Types.LONG),
                gate);
    }

    private static DataStream<String> gated(
            StreamExecutionEnvironment env, DataGeneratorSource<Long> source, RecordGate gate) {
        return env.fromSource(source, WatermarkStrategy.noWatermarks(), "numbers")
                .map(gate.numbersAsStrings())
                .returns(Types.STRING);
    }
}
