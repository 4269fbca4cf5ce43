package turnout.lab;

import java.io.IOException;
import java.util.Properties;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.Cookie;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;

/**
 * The lab application on Payara: answers like turnout's own lab app (src/lab/app-server.ts), so
 * the load generator reads it unchanged. Every path is a hit except {@code /logout}; {@code ?delayMs=}
 * holds a request in flight.
 *
 * The hit counter is an Integer set again on every hit: a replicated or persisted session store
 * saves attributes when they are set, so the count survives a restart or a fail-over.
 */
public class HitServlet extends HttpServlet {
  private static final long serialVersionUID = 1L;
  private static final String HITS = "turnout.hits";

  private transient Properties app;

  @Override
  public void init() throws ServletException {
    app = LabApp.load(getServletContext());
  }

  @Override
  protected void doGet(HttpServletRequest req, HttpServletResponse res) throws IOException {
    boolean logout = "/logout".equals(req.getPathInfo()) || "/logout".equals(req.getServletPath());
    holdFor(req.getParameter("delayMs"));
    HttpSession session = req.getSession(false);
    boolean created = false;
    if (session == null && !logout) {
      session = req.getSession(true);
      created = true;
      // The lab's idle timeout (seconds), so drains end in lab time rather than web.xml's minutes.
      int idle = Integer.parseInt(app.getProperty("sessionIdleSeconds", "0"));
      if (idle > 0) session.setMaxInactiveInterval(idle);
    }
    int hits = 0;
    String sessionId = "";
    if (session != null) {
      sessionId = cookieValue(req, session);
      Integer before = (Integer) session.getAttribute(HITS);
      hits = (before == null ? 0 : before) + (logout ? 0 : 1);
      if (logout) session.invalidate();
      else session.setAttribute(HITS, hits);
    }
    String server = System.getProperty("com.sun.aas.instanceName", "server");
    String cloneId = System.getProperty("jvmRoute", server);
    res.setHeader("X-Turnout-Version", app.getProperty("version", "?"));
    res.setHeader("X-Turnout-Server", server);
    res.setHeader("Cache-Control", "no-store");
    if (logout) {
      Cookie gone = new Cookie("JSESSIONID", "");
      gone.setPath(req.getContextPath().isEmpty() ? "/" : req.getContextPath());
      gone.setMaxAge(0);
      res.addCookie(gone);
    }
    res.setContentType("application/json");
    res.setCharacterEncoding("UTF-8");
    StringBuilder body = new StringBuilder("{");
    field(body, "app", app.getProperty("app", "")).append(',');
    field(body, "version", app.getProperty("version", "")).append(',');
    field(body, "server", server).append(',');
    field(body, "cloneId", cloneId).append(',');
    field(body, "cell", app.getProperty("cell", "")).append(',');
    field(body, "cluster", app.getProperty("cluster", "")).append(',');
    field(body, "sessionId", sessionId).append(',');
    body.append("\"newSession\":").append(created).append(',');
    body.append("\"hits\":").append(hits);
    if (logout) body.append(",\"loggedOut\":true");
    res.getWriter().write(body.append("}\n").toString());
  }

  /**
   * {@code ?delayMs=N}: the request stays in flight for N ms (at most 30 s), so the driver's count of
   * requests in flight can be seen to go up while it is served and down after.
   */
  private static void holdFor(String delayMs) {
    if (delayMs == null) return;
    try {
      Thread.sleep(Math.max(0, Math.min(30_000, Long.parseLong(delayMs))));
    } catch (NumberFormatException e) {
      // Not a number: no delay.
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * The session's ID as the client's cookie carries it: {@code <id>.<jvmRoute>}. The load generator
   * compares it with the cookie it sent to tell a kept session from a new one.
   */
  private static String cookieValue(HttpServletRequest req, HttpSession session) {
    String id = session.getId();
    String route = System.getProperty("jvmRoute");
    if (route == null || route.isEmpty() || id.endsWith("." + route)) return id;
    return id + "." + route;
  }

  private static StringBuilder field(StringBuilder out, String name, String value) {
    out.append('"').append(name).append("\":\"");
    for (char c : value.toCharArray()) {
      if (c == '"' || c == '\\') out.append('\\').append(c);
      else if (c < 0x20) out.append(String.format("\\u%04x", (int) c));
      else out.append(c);
    }
    return out.append('"');
  }
}
