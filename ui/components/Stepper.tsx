/** The step indicator of the wizards; visited steps are links. */
export function Stepper(
  props: { steps: string[]; current: number; reachable: number; onGo: (i: number) => void },
) {
  return (
    <nav class="stepper" aria-label="Steps">
      <ol>
        {props.steps.map((s, i) => (
          <li key={s} class={i < props.current ? "done" : i === props.current ? "current" : ""}>
            <button
              type="button"
              disabled={i > props.reachable}
              aria-current={i === props.current ? "step" : undefined}
              onClick={() =>
                props.onGo(i)}
            >
              <span class="dot" aria-hidden="true"></span>
              <span class="step-label">{s}</span>
            </button>
          </li>
        ))}
      </ol>
    </nav>
  );
}
