package turnout.lab;

import jakarta.servlet.ServletContextEvent;
import jakarta.servlet.ServletContextListener;

/**
 * Fails the application's start when the war is the lab's broken build, so that a deployment of it
 * fails the way a real bad release does: in the server, not in turnout.
 */
public class BrokenStartListener implements ServletContextListener {
  @Override
  public void contextInitialized(ServletContextEvent event) {
    if (Boolean.parseBoolean(LabApp.load(event.getServletContext()).getProperty("broken", "false"))) {
      throw new IllegalStateException("turnout lab: this build of " + LabApp.load(event.getServletContext()).getProperty("version") + " is broken on purpose");
    }
  }

  @Override
  public void contextDestroyed(ServletContextEvent event) {
    // Nothing to release.
  }
}
