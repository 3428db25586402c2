package io.laminar.flink.connector.nats.testutils;

import org.apache.flink.api.common.JobID;
import org.apache.flink.client.program.rest.RestClusterClient;
import org.apache.flink.runtime.rest.messages.EmptyRequestBody;
import org.apache.flink.runtime.rest.messages.JobExceptionsHeaders;
import org.apache.flink.runtime.rest.messages.JobExceptionsInfoWithHistory;
import org.apache.flink.runtime.rest.messages.job.JobExceptionsMessageParameters;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The failures Flink recorded for a job, as its web UI shows them (the exception history): what a
 * user sees when a job restarted. Read through the cluster's REST API; get the client with
 * {@code @InjectClusterClient RestClusterClient<?> client} on a test method of a class that
 * registers a {@code MiniClusterExtension}.
 */
public final class JobExceptionHistory {

    private JobExceptionHistory() {}

    /**
     * The root failure of every restart of {@code job} so far (at most the last 16), oldest first,
     * each as Flink's stack trace text, which holds the message of every cause.
     */
    public static List<String> rootFailures(RestClusterClient<?> client, JobID job) {
        JobExceptionsMessageParameters parameters = new JobExceptionsMessageParameters();
        parameters.jobPathParameter.resolve(job);
        JobExceptionsInfoWithHistory info;
        try {
            info =
                    client.sendRequest(
                                    JobExceptionsHeaders.getInstance(),
                                    parameters,
                                    EmptyRequestBody.getInstance())
                            .get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted reading the exceptions of " + job, e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("Could not read the exceptions of " + job, e);
        }
        List<JobExceptionsInfoWithHistory.RootExceptionInfo> entries =
                new ArrayList<>(info.getExceptionHistory().getEntries());
        entries.sort(
                Comparator.comparingLong(JobExceptionsInfoWithHistory.ExceptionInfo::getTimestamp));
        List<String> failures = new ArrayList<>();
        for (JobExceptionsInfoWithHistory.RootExceptionInfo entry : entries) {
            failures.add(entry.getStacktrace());
        }
        return failures;
    }
}
