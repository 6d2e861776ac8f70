/** Hash routing (#/path?query): works from any served path, needs no server fallback. */
import { useEffect, useState } from "preact/hooks";

export interface Route {
  path: string;
  parts: string[];
  query: URLSearchParams;
}

export function currentRoute(): Route {
  const h = location.hash.replace(/^#/, "") || "/";
  const [path, q] = h.split("?");
  return { path, parts: path.split("/").filter(Boolean), query: new URLSearchParams(q ?? "") };
}

/** Goes to a route ("/backup/1"). */
export function navigate(path: string): void {
  location.hash = `#${path}`;
}

/** The current route, re-rendering on change. */
export function useRoute(): Route {
  const [r, setR] = useState(currentRoute);
  useEffect(() => {
    const f = () => setR(currentRoute());
    addEventListener("hashchange", f);
    return () => removeEventListener("hashchange", f);
  }, []);
  return r;
}
