package io.laminar.flink.connector.nats.e2e;

import io.laminar.flink.connector.nats.testutils.Await;

import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.JsonNode;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.ObjectMapper;

import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A real standalone Flink session cluster: a JobManager ({@code
 * StandaloneSessionClusterEntrypoint}) and a TaskManager ({@code TaskManagerRunner}) as two JVMs on
 * 127.0.0.1, with free ports, started the way {@code bin/jobmanager.sh} and {@code
 * bin/taskmanager.sh} would start them, from a Flink home whose {@code lib/} and {@code opt/} Maven
 * assembled from Flink's published artifacts. Clients (SQL client, {@code flink run}) run as
 * further JVMs against it.
 *
 * <p>Everything is written under the work directory: {@code conf/}, {@code log/} (each process's
 * Flink log and its stdout/stderr), {@code tmp/}.
 */
final class StandaloneFlinkCluster implements AutoCloseable {

    static final String HOST = "127.0.0.1";

    /**
     * JVM flags Flink needs on Java 17 (flink-dist's {@code env.java.opts.all}); the bin/ scripts
     * would add them.
     */
    private static final List<String> JAVA_17_OPTS =
            Arrays.asList(
                    "--add-exports=java.base/sun.net.util=ALL-UNNAMED",
                    "--add-exports=java.rmi/sun.rmi.registry=ALL-UNNAMED",
                    "--add-exports=jdk.compiler/com.sun.tools.javac.api=ALL-UNNAMED",
                    "--add-exports=jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED",
                    "--add-exports=jdk.compiler/com.sun.tools.javac.parser=ALL-UNNAMED",
                    "--add-exports=jdk.compiler/com.sun.tools.javac.tree=ALL-UNNAMED",
                    "--add-exports=jdk.compiler/com.sun.tools.javac.util=ALL-UNNAMED",
                    "--add-exports=java.security.jgss/sun.security.krb5=ALL-UNNAMED",
                    "--add-opens=java.base/java.lang=ALL-UNNAMED",
                    "--add-opens=java.base/java.net=ALL-UNNAMED",
                    "--add-opens=java.base/java.io=ALL-UNNAMED",
                    "--add-opens=java.base/java.nio=ALL-UNNAMED",
                    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
                    "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
                    "--add-opens=java.base/java.text=ALL-UNNAMED",
                    "--add-opens=java.base/java.time=ALL-UNNAMED",
                    "--add-opens=java.base/java.util=ALL-UNNAMED",
                    "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
                    "--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED",
                    "--add-opens=java.base/java.util.concurrent.locks=ALL-UNNAMED");

    private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(90);
    private static final Pattern BASH_JAVA_UTILS_RESULT =
            Pattern.compile("^BASH_JAVA_UTILS_EXEC_RESULT:(.*)$", Pattern.MULTILINE);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path flinkHome;
    private final Path workDir;
    private final Path confDir;
    private final Path logDir;
    private final Path tmpDir;
    private final Path pluginsDir;
    private final int restPort;
    private final HttpClient http = HttpClient.newHttpClient();
    private final List<JavaProcess> processes = Collections.synchronizedList(new ArrayList<>());
    private JavaProcess jobManager;
    private JavaProcess taskManager;

    /**
     * @param flinkHome holds {@code lib/} (cluster classpath) and {@code opt/} (client-only jars)
     * @param workDir emptied and used for configuration, logs and temporary files
     */
    StandaloneFlinkCluster(Path flinkHome, Path workDir) throws IOException {
        this.flinkHome = flinkHome;
        this.workDir = workDir;
        this.confDir = workDir.resolve("conf");
        this.logDir = workDir.resolve("log");
        this.tmpDir = workDir.resolve("tmp");
        this.pluginsDir = workDir.resolve("plugins");
        deleteRecursively(workDir);
        for (Path dir : List.of(confDir, logDir, tmpDir, pluginsDir)) {
            Files.createDirectories(dir);
        }
        requireJars(flinkHome.resolve("lib"));
        requireJars(flinkHome.resolve("opt"));
        this.restPort = freePort();
        writeConfiguration(freePort(), freePort());
    }

    private void writeConfiguration(int rpcPort, int blobPort) throws IOException {
        // Small on purpose: the CI machine has 2 cores, and JM, TM, a client and the Maven JVM
        // share it.
        List<String> config =
                List.of(
                        "jobmanager.bind-host: " + HOST,
                        "jobmanager.rpc.address: " + HOST,
                        "jobmanager.rpc.port: " + rpcPort,
                        "jobmanager.memory.process.size: 1024m",
                        "taskmanager.bind-host: " + HOST,
                        "taskmanager.host: " + HOST,
                        "taskmanager.numberOfTaskSlots: 2",
                        "taskmanager.memory.process.size: 1280m",
                        "taskmanager.memory.managed.size: 128m",
                        "taskmanager.memory.network.min: 64m",
                        "taskmanager.memory.network.max: 64m",
                        "parallelism.default: 1",
                        "rest.address: " + HOST,
                        "rest.bind-address: " + HOST,
                        "rest.port: " + restPort,
                        "blob.server.port: " + blobPort,
                        "io.tmp.dirs: " + tmpDir,
                        "web.tmpdir: " + tmpDir,
                        "execution.target: remote");
        Files.write(confDir.resolve("config.yaml"), config);
        Files.write(
                confDir.resolve("log4j.properties"),
                List.of(
                        "rootLogger.level = INFO",
                        "rootLogger.appenderRef.file.ref = MainAppender",
                        "appender.main.name = MainAppender",
                        "appender.main.type = File",
                        "appender.main.append = true",
                        "appender.main.fileName = ${sys:log.file}",
                        "appender.main.layout.type = PatternLayout",
                        "appender.main.layout.pattern = %d{HH:mm:ss,SSS} %-5p %-50c{1.} - %m%n"));
    }

    /**
     * Starts the JobManager, then the TaskManager, and waits until the TaskManager has registered.
     *
     * @param taskManagerEnvironment variables only the TaskManager gets (secrets for {@code
     *     ${NAME}} references)
     */
    void start(Map<String, String> taskManagerEnvironment) throws Exception {
        List<String> jmParams = resourceParams("GET_JM_RESOURCE_PARAMS");
        jobManager =
                startProcess(
                        "jobmanager",
                        jvmArgs("jobmanager", jmParams.get(0)),
                        libClasspath(),
                        "org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint",
                        concat(
                                List.of(
                                        "--configDir",
                                        confDir.toString(),
                                        "--executionMode",
                                        "cluster"),
                                dynamicProperties(jmParams.get(1))),
                        Map.of());
        awaitRest("the JobManager's REST endpoint at " + restUrl(), jobManager, n -> true);

        List<String> tmParams = resourceParams("GET_TM_RESOURCE_PARAMS");
        taskManager =
                startProcess(
                        "taskmanager",
                        jvmArgs("taskmanager", tmParams.get(0)),
                        libClasspath(),
                        "org.apache.flink.runtime.taskexecutor.TaskManagerRunner",
                        concat(
                                List.of("--configDir", confDir.toString()),
                                dynamicProperties(tmParams.get(1))),
                        taskManagerEnvironment);
        awaitRest(
                "a TaskManager registered at the JobManager",
                taskManager,
                overview -> overview.path("taskmanagers").asInt() == 1);
    }

    /** Runs the SQL client (embedded mode) on {@code script} with {@code jar} given by -j. */
    ClientRun runSqlClient(Path script, Path jar, Duration timeout) throws Exception {
        JavaProcess client =
                startProcess(
                        "sql-client",
                        concat(List.of("-Xmx512m"), commonJvmArgs("sql-client")),
                        libClasspath() + File.pathSeparator + optClasspath(),
                        "org.apache.flink.table.client.SqlClient",
                        List.of(
                                "-f",
                                script.toString(),
                                "-j",
                                jar.toString(),
                                "-hist",
                                tmpDir.resolve("sql-history").toString()),
                        Map.of());
        int exitCode = client.waitFor(timeout.toSeconds());
        return new ClientRun(client.name(), exitCode, client.outputText());
    }

    /** Runs {@code flink <args>} (the CLI frontend), e.g. {@code run -c Main job.jar ...}. */
    ClientRun runFlinkCli(List<String> args, Duration timeout) throws Exception {
        JavaProcess client =
                startProcess(
                        "flink-cli",
                        concat(List.of("-Xmx256m"), commonJvmArgs("flink-cli")),
                        libClasspath(),
                        "org.apache.flink.client.cli.CliFrontend",
                        args,
                        Map.of());
        int exitCode = client.waitFor(timeout.toSeconds());
        return new ClientRun(client.name(), exitCode, client.outputText());
    }

    /** Waits until the job reached a terminal state and returns it ({@code FINISHED}, ...). */
    String awaitJobTermination(String jobId, Duration timeout) {
        JsonNode job =
                Await.value(
                        "job " + jobId + " in a terminal state",
                        timeout,
                        () -> restGet("/jobs/" + jobId),
                        node ->
                                List.of("FINISHED", "FAILED", "CANCELED")
                                        .contains(node.path("state").asText()));
        return job.path("state").asText();
    }

    /** The root exception of a job, as the REST API reports it. */
    String jobExceptions(String jobId) {
        return restGet("/jobs/" + jobId + "/exceptions").toPrettyString();
    }

    /** The Flink version the running JobManager reports. */
    String flinkVersion() {
        return restGet("/config").path("flink-version").asText();
    }

    String restUrl() {
        return "http://" + HOST + ":" + restPort;
    }

    Path logDir() {
        return logDir;
    }

    Path tmpDir() {
        return tmpDir;
    }

    /** Prints the tail of every log and output file of the cluster and its clients. */
    void printLogTails(PrintStream out) {
        out.println("==== Flink e2e logs (complete files under " + logDir + ") ====");
        try (Stream<Path> files = Files.list(logDir)) {
            for (Path file : files.sorted().collect(Collectors.toList())) {
                out.println("---- " + file.getFileName() + " ----");
                out.println(JavaProcess.tail(file));
            }
        } catch (IOException e) {
            out.println("(cannot list " + logDir + ": " + e + ")");
        }
    }

    /** Stops the TaskManager, then the JobManager (and any client still running), by PID. */
    @Override
    public void close() {
        List<JavaProcess> toStop;
        synchronized (processes) {
            toStop = new ArrayList<>(processes);
        }
        Collections.reverse(toStop);
        toStop.forEach(JavaProcess::close);
    }

    // ------------------------------------------------------------------------------------------

    private JavaProcess startProcess(
            String name,
            List<String> jvmArgs,
            String classpath,
            String mainClass,
            List<String> args,
            Map<String, String> extraEnvironment)
            throws IOException {
        Map<String, String> environment = new java.util.HashMap<>(extraEnvironment);
        environment.put("FLINK_CONF_DIR", confDir.toString());
        environment.put("FLINK_PLUGINS_DIR", pluginsDir.toString());
        environment.put("FLINK_LIB_DIR", flinkHome.resolve("lib").toString());
        environment.put("FLINK_OPT_DIR", flinkHome.resolve("opt").toString());
        environment.put("FLINK_HOME", flinkHome.toString());
        JavaProcess process =
                JavaProcess.start(
                        name,
                        jvmArgs,
                        classpath,
                        mainClass,
                        args,
                        environment,
                        workDir,
                        logDir.resolve(name + ".out"));
        processes.add(process);
        return process;
    }

    private List<String> jvmArgs(String name, String memoryFlags) {
        List<String> args = new ArrayList<>(splitWords(memoryFlags));
        args.addAll(commonJvmArgs(name));
        return args;
    }

    private List<String> commonJvmArgs(String logName) {
        List<String> args = new ArrayList<>(JAVA_17_OPTS);
        args.add("-Djava.io.tmpdir=" + tmpDir);
        args.add("-Dlog4j.configurationFile=file:" + confDir.resolve("log4j.properties"));
        args.add("-Dlog.file=" + logDir.resolve(logName + ".log"));
        return args;
    }

    /**
     * What {@code bin/*.sh} compute with {@code BashJavaUtils}: line 1 the JVM memory flags ({@code
     * -Xmx...}), line 2 the dynamic properties ({@code -D key=value ...}).
     */
    private List<String> resourceParams(String command) throws Exception {
        String name = command.toLowerCase(java.util.Locale.ROOT);
        JavaProcess utils =
                JavaProcess.start(
                        name,
                        List.of("-Xmx128m", "-Djava.io.tmpdir=" + tmpDir),
                        libClasspath(),
                        "org.apache.flink.runtime.util.bash.BashJavaUtils",
                        List.of(command, "--configDir", confDir.toString()),
                        Map.of(),
                        workDir,
                        logDir.resolve(name + ".out"));
        int exitCode = utils.waitFor(60);
        Matcher m = BASH_JAVA_UTILS_RESULT.matcher(utils.outputText());
        List<String> lines = new ArrayList<>();
        while (m.find()) {
            lines.add(m.group(1).trim());
        }
        if (exitCode != 0 || lines.size() < 2) {
            throw new IllegalStateException(
                    "BashJavaUtils "
                            + command
                            + " failed (exit "
                            + exitCode
                            + "):\n"
                            + utils.outputText());
        }
        return lines.subList(lines.size() - 2, lines.size());
    }

    private List<String> dynamicProperties(String line) {
        return splitWords(line);
    }

    private void awaitRest(
            String description,
            JavaProcess process,
            java.util.function.Predicate<JsonNode> overviewReady) {
        Await.until(
                description + " (else see " + logDir + ")",
                STARTUP_TIMEOUT,
                () -> {
                    if (!process.isAlive()) {
                        throw new IllegalStateException(
                                process.name()
                                        + " exited during start-up:\n"
                                        + JavaProcess.tail(process.output()));
                    }
                    JsonNode overview = tryRestGet("/overview");
                    return overview != null && overviewReady.test(overview);
                });
    }

    private JsonNode restGet(String path) {
        JsonNode node = tryRestGet(path);
        if (node == null) {
            throw new IllegalStateException("GET " + restUrl() + path + " failed");
        }
        return node;
    }

    private JsonNode tryRestGet(String path) {
        try {
            HttpResponse<String> response =
                    http.send(
                            HttpRequest.newBuilder(URI.create(restUrl() + path))
                                    .timeout(Duration.ofSeconds(5))
                                    .GET()
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
            return response.statusCode() == 200 ? JSON.readTree(response.body()) : null;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    private String libClasspath() {
        return classpathOf(flinkHome.resolve("lib"));
    }

    private String optClasspath() {
        return classpathOf(flinkHome.resolve("opt"));
    }

    private static String classpathOf(Path dir) {
        try (Stream<Path> jars = Files.list(dir)) {
            return jars.filter(p -> p.toString().endsWith(".jar"))
                    .sorted()
                    .map(Path::toString)
                    .collect(Collectors.joining(File.pathSeparator));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void requireJars(Path dir) throws IOException {
        if (!Files.isDirectory(dir) || classpathOf(dir).isEmpty()) {
            throw new IllegalStateException(
                    dir
                            + " holds no jars: Maven assembles it in pre-integration-test"
                            + " (run 'mvn verify', not the test class alone)");
        }
    }

    private static List<String> splitWords(String line) {
        return Arrays.stream(line.trim().split("\\s+"))
                .filter(s -> !s.isEmpty())
                .collect(Collectors.toList());
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(HOST))) {
            return socket.getLocalPort();
        }
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toArray(Path[]::new)) {
                Files.delete(p);
            }
        }
    }

    /** How a client JVM ended: its exit code ({@code -1}: killed on timeout) and its output. */
    static final class ClientRun {
        final String name;
        final int exitCode;
        final String output;

        ClientRun(String name, int exitCode, String output) {
            this.name = name;
            this.exitCode = exitCode;
            this.output = output;
        }

        /** The first job id the client printed, or {@code null}. */
        String jobId() {
            Matcher m = Pattern.compile("(?:Job ID: |JobID )([0-9a-f]{32})").matcher(output);
            return m.find() ? m.group(1) : null;
        }

        @Override
        public String toString() {
            return name + " exited with " + exitCode + ":\n" + output;
        }
    }
}
