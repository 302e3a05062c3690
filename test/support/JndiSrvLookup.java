import java.util.Hashtable;
import javax.naming.NamingEnumeration;
import javax.naming.directory.DirContext;
import javax.naming.directory.InitialDirContext;

/**
 * The SRV lookup of Atomix 3.1's DnsDiscoveryProvider (JNDI DnsContextFactory, attribute "SRV"
 * of the exact service name), against one DNS server instead of the system resolver:
 *   java JndiSrvLookup.java HOST:PORT NAME
 * prints one record per line: "priority weight port target".
 */
public class JndiSrvLookup {
  public static void main(String[] args) throws Exception {
    Hashtable<String, String> env = new Hashtable<>();
    env.put("java.naming.factory.initial", "com.sun.jndi.dns.DnsContextFactory");
    env.put("java.naming.provider.url", "dns://" + args[0]);
    DirContext context = new InitialDirContext(env);
    NamingEnumeration<?> records = context.getAttributes(args[1], new String[] {"SRV"}).get("SRV").getAll();
    while (records.hasMore()) {
      System.out.println(records.next());
    }
  }
}
