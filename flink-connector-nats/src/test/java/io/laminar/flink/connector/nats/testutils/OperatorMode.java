package io.laminar.flink.connector.nats.testutils;

import io.nats.client.NKey;
import io.nats.client.support.JsonSerializable;
import io.nats.client.support.JwtUtils;

import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;

/**
 * Decentralized authentication for a test server: an operator and one account it trusts (preloaded
 * with a memory resolver), and users of that account or of an account the server does not know.
 */
public final class OperatorMode {

    private static final SecureRandom RANDOM = new SecureRandom();

    private final NKey operator;
    private final NKey account;
    private final String operatorJwt;
    private final String accountJwt;

    private OperatorMode() throws GeneralSecurityException, IOException {
        operator = NKey.createOperator(RANDOM);
        account = NKey.createAccount(RANDOM);
        String operatorPub = publicKey(operator);
        operatorJwt =
                JwtUtils.issueJWT(
                        operator,
                        operatorPub,
                        "test-operator",
                        null,
                        JwtUtils.currentTimeSeconds(),
                        operatorPub,
                        claim("{\"type\":\"operator\",\"version\":2}"));
        accountJwt =
                JwtUtils.issueJWT(
                        operator,
                        publicKey(account),
                        "test-account",
                        null,
                        JwtUtils.currentTimeSeconds(),
                        operatorPub,
                        claim(
                                "{\"type\":\"account\",\"version\":2,\"limits\":{\"subs\":-1,"
                                        + "\"data\":-1,\"payload\":-1,\"imports\":-1,"
                                        + "\"exports\":-1,\"wildcards\":true,\"conn\":-1,"
                                        + "\"leaf\":-1}}"));
    }

    /** A new operator and account. */
    public static OperatorMode create() {
        try {
            return new OperatorMode();
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("Cannot create NKeys: " + e, e);
        }
    }

    /** The server configuration that trusts the operator and knows the account. */
    public String serverConfig() {
        return "operator: "
                + operatorJwt
                + "\nresolver: MEMORY\nresolver_preload: {\n  "
                + publicKey(account)
                + ": "
                + accountJwt
                + "\n}\n";
    }

    /** A user of the account the server knows. */
    public User user() {
        return User.of(account);
    }

    /** A user signed by an account the server does not know: refused. */
    public static User stranger() {
        try {
            return User.of(NKey.createAccount(RANDOM));
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("Cannot create NKeys: " + e, e);
        }
    }

    private static JsonSerializable claim(String json) {
        return () -> json;
    }

    private static String publicKey(NKey key) {
        try {
            return new String(key.getPublicKey());
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("Cannot read a public NKey: " + e, e);
        }
    }

    /** A user: its JWT, its NKey seed, and both as the text of a {@code .creds} file. */
    public static final class User {
        public final String jwt;
        public final String seed;
        public final String creds;

        private User(String jwt, String seed) {
            this.jwt = jwt;
            this.seed = seed;
            this.creds = String.format(JwtUtils.NATS_USER_JWT_FORMAT, jwt, seed);
        }

        private static User of(NKey account) {
            try {
                NKey user = NKey.createUser(RANDOM);
                String jwt =
                        JwtUtils.issueUserJWT(
                                account, publicKey(account), publicKey(user), "flink");
                return new User(jwt, new String(user.getSeed()));
            } catch (GeneralSecurityException | IOException e) {
                throw new IllegalStateException("Cannot issue a user JWT: " + e, e);
            }
        }
    }
}
