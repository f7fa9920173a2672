import java.lang.reflect.Field;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import software.amazon.dynamodb.services.local.main.ServerRunner;
import software.amazon.dynamodb.services.local.server.DynamoDBProxyServer;

/**
 * DynamoDB Local bound to 127.0.0.1 only.
 *
 * <p>DynamoDB Local has no bind option: its Jetty connector listens on every interface, so anyone who can
 * reach the machine could read and write the tables. This starts the same server from the same command
 * line arguments, but sets the connector's host to the loopback address before it starts listening.
 */
public final class LoopbackDynamoDBLocal {
    private static final String LOOPBACK = "127.0.0.1";

    private LoopbackDynamoDBLocal() {}

    public static void main(String[] args) throws Exception {
        DynamoDBProxyServer proxy = ServerRunner.createServerFromCommandLineArgs(args);
        Field field = DynamoDBProxyServer.class.getDeclaredField("server");
        field.setAccessible(true);
        Server jetty = (Server) field.get(proxy);
        for (Connector connector : jetty.getConnectors()) {
            if (!(connector instanceof ServerConnector)) {
                throw new IllegalStateException("cannot bind " + connector + " to " + LOOPBACK);
            }
            ((ServerConnector) connector).setHost(LOOPBACK);
        }
        proxy.start();
        proxy.join();
    }
}
