import java.lang.reflect.Field;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import software.amazon.dynamodb.services.local.main.ServerRunner;
import software.amazon.dynamodb.services.local.server.DynamoDBProxyServer;

/**
 * Runs DynamoDB Local on 127.0.0.1 and a port chosen by the kernel.
 *
 * DynamoDB Local's command line has no host option (Jetty binds every interface) and needs a fixed
 * port, which races with other test runs on the same machine. Its Jetty server is a private field,
 * so this launcher reaches it by reflection, rebinds the connector before start, and prints the
 * bound port on stdout for the Node launcher to read. Run with Java's source-file mode.
 */
public class DynamoDbLocalLoopback {
  public static void main(String[] args) throws Exception {
    DynamoDBProxyServer proxy = ServerRunner.createServerFromCommandLineArgs(args);
    Field field = DynamoDBProxyServer.class.getDeclaredField("server");
    field.setAccessible(true);
    Server server = (Server) field.get(proxy);
    ServerConnector connector = null;
    for (Connector candidate : server.getConnectors()) {
      if (candidate instanceof ServerConnector) {
        connector = (ServerConnector) candidate;
        connector.setHost("127.0.0.1");
        connector.setPort(0);
      }
    }
    if (connector == null) {
      throw new IllegalStateException("DynamoDB Local has no ServerConnector to bind to 127.0.0.1; its Jetty setup changed");
    }
    proxy.start();
    System.out.println("TFSTATE_DYNAMODB_LOCAL_LISTENING 127.0.0.1:" + connector.getLocalPort());
    System.out.flush();
    proxy.join();
  }
}
