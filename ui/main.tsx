/** Entry point of the web UI bundle. */
import { render } from "preact";
import { App } from "./App.tsx";

render(<App />, document.getElementById("app")!);
