package turnout.lab;

import java.util.Arrays;
import java.util.Properties;
import jakarta.servlet.ServletContextEvent;
import jakarta.servlet.ServletContextListener;

/**
 * Fails the application's start when the war is a broken build, so that a deployment of it fails
 * the way a real bad release does: in the server, not in turnout. {@code broken=true} breaks it
 * everywhere; {@code brokenOn=<instance>,...} only on the instances named (a release that fails on
 * some members only).
 */
public class BrokenStartListener implements ServletContextListener {
  @Override
  public void contextInitialized(ServletContextEvent event) {
    Properties app = LabApp.load(event.getServletContext());
    String version = app.getProperty("version");
    if (Boolean.parseBoolean(app.getProperty("broken", "false"))) {
      throw new IllegalStateException("turnout lab: this build of " + version + " is broken on purpose");
    }
    String instance = System.getProperty("com.sun.aas.instanceName", "server");
    String brokenOn = app.getProperty("brokenOn", "");
    if (!brokenOn.isEmpty() && Arrays.asList(brokenOn.split(",")).contains(instance)) {
      throw new IllegalStateException("turnout lab: this build of " + version + " is broken on " + instance + " on purpose");
    }
  }

  @Override
  public void contextDestroyed(ServletContextEvent event) {
    // Nothing to release.
  }
}
