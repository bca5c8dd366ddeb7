// The app's screens and their addresses (`#/meetings/…`), as plain data so they can be
// tested without a browser.

export type Route =
  | { name: "meetings" }
  | { name: "meeting"; id: string; item?: string }
  | { name: "meeting-new" }
  | { name: "meeting-edit"; id: string }
  | { name: "live"; id: string }
  | { name: "minutes"; id: string }
  | { name: "seat"; id?: string }
  | { name: "escalations"; filter?: EscalationView }
  | { name: "personas" }
  | { name: "persona-new" }
  | { name: "persona-edit"; id: string }
  | { name: "complaints" }
  | { name: "themes"; unheard?: boolean }
  | { name: "import" }
  | { name: "decide"; id: string; item: string }
  | { name: "supersede"; seq: number }
  | { name: "audit"; seq?: number }
  | { name: "org-audit" }
  | { name: "settings" };

/** Which escalations the list shows. */
export type EscalationView = "open" | "overdue" | "answered" | "all";
const ESCALATION_VIEWS: readonly string[] = ["open", "overdue", "answered", "all"];

/** The areas of the sidebar. */
export type Area = "meetings" | "personas" | "complaints" | "themes" | "audit" | "escalations" | "settings";

const ID = /^[0-9a-f-]{36}$/i;

/** Reads a location hash such as `#/meetings/<id>/edit`; anything unknown is the meetings list. */
export function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, "").split("/").filter(Boolean).map(decodeURIComponent);
  const [area, id, extra, more] = parts;
  switch (area) {
    case "personas":
      if (id === "new") return { name: "persona-new" };
      if (id && ID.test(id)) return { name: "persona-edit", id };
      return { name: "personas" };
    case "complaints":
      return id === "import" ? { name: "import" } : { name: "complaints" };
    case "themes":
      return id === "unheard" ? { name: "themes", unheard: true } : { name: "themes" };
    case "seat":
      return id && ID.test(id) ? { name: "seat", id } : { name: "seat" };
    case "escalations":
      return id && ESCALATION_VIEWS.includes(id) && id !== "open"
        ? { name: "escalations", filter: id as EscalationView }
        : { name: "escalations" };
    case "settings":
      return { name: "settings" };
    case "audit": {
      if (id === "org") return { name: "org-audit" };
      const seq = Number(id);
      if (id && Number.isInteger(seq) && seq > 0) {
        return extra === "supersede" ? { name: "supersede", seq } : { name: "audit", seq };
      }
      return { name: "audit" };
    }
    case "meetings":
    default:
      if (area !== "meetings" && area !== undefined) return { name: "meetings" };
      if (id === "new") return { name: "meeting-new" };
      if (id && ID.test(id)) {
        if (extra === "edit") return { name: "meeting-edit", id };
        if (extra === "live") return { name: "live", id };
        if (extra === "minutes") return { name: "minutes", id };
        if (extra === "items" && more && ID.test(more)) {
          return parts[4] === "decide" ? { name: "decide", id, item: more } : { name: "meeting", id, item: more };
        }
        return { name: "meeting", id };
      }
      return { name: "meetings" };
  }
}

/** Screens that fill the window without the sidebar: the live meeting and the seat. */
export function isFullWindow(route: Route): boolean {
  return route.name === "live" || route.name === "seat";
}

/** The hash for a route. */
export function href(route: Route): string {
  switch (route.name) {
    case "meetings":
      return "#/meetings";
    case "meeting":
      return route.item ? `#/meetings/${route.id}/items/${route.item}` : `#/meetings/${route.id}`;
    case "meeting-new":
      return "#/meetings/new";
    case "meeting-edit":
      return `#/meetings/${route.id}/edit`;
    case "live":
      return `#/meetings/${route.id}/live`;
    case "minutes":
      return `#/meetings/${route.id}/minutes`;
    case "seat":
      return route.id ? `#/seat/${route.id}` : "#/seat";
    case "escalations":
      return route.filter && route.filter !== "open" ? `#/escalations/${route.filter}` : "#/escalations";
    case "personas":
      return "#/personas";
    case "persona-new":
      return "#/personas/new";
    case "persona-edit":
      return `#/personas/${route.id}`;
    case "complaints":
      return "#/complaints";
    case "import":
      return "#/complaints/import";
    case "themes":
      return route.unheard ? "#/themes/unheard" : "#/themes";
    case "decide":
      return `#/meetings/${route.id}/items/${route.item}/decide`;
    case "supersede":
      return `#/audit/${route.seq}/supersede`;
    case "audit":
      return route.seq ? `#/audit/${route.seq}` : "#/audit";
    case "org-audit":
      return "#/audit/org";
    case "settings":
      return "#/settings";
  }
}

/** The sidebar area a route belongs to. */
export function areaOf(route: Route): Area {
  if (route.name.startsWith("persona")) return "personas";
  if (route.name === "complaints" || route.name === "import") return "complaints";
  if (route.name === "audit" || route.name === "supersede" || route.name === "org-audit") return "audit";
  if (route.name === "settings") return "settings";
  if (route.name === "escalations") return "escalations";
  if (route.name === "themes") return "themes";
  return "meetings";
}
