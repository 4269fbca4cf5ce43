package turnout.lab;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import jakarta.servlet.ServletContext;

/**
 * What the lab baked into this war (turnout-app.properties): the application, its version, and
 * where it is deployed. One class file serves every version, so only the properties differ.
 */
final class LabApp {
  static final String PROPERTIES = "/WEB-INF/turnout-app.properties";

  private LabApp() {}

  static Properties load(ServletContext context) {
    Properties props = new Properties();
    try (InputStream in = context.getResourceAsStream(PROPERTIES)) {
      if (in != null) props.load(in);
    } catch (IOException e) {
      throw new IllegalStateException("cannot read " + PROPERTIES, e);
    }
    return props;
  }
}
