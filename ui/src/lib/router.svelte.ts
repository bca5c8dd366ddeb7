// The current screen, kept in step with the location hash so Back and Forward work.
import { parseRoute, href, type Route } from "./routes";

class Router {
  route = $state<Route>(parseRoute(window.location.hash));

  constructor() {
    window.addEventListener("hashchange", () => {
      this.route = parseRoute(window.location.hash);
    });
  }

  go(route: Route) {
    const next = href(route);
    if (window.location.hash === next) this.route = parseRoute(next);
    else window.location.hash = next;
  }
}

export const router = new Router();
