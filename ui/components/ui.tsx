/** Small building blocks shared by the pages: dialog, fields, toggles, messages, toasts. */
import { type ComponentChildren, h } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import { Icon } from "./Icon.tsx";

/** A modal dialog (native <dialog>: focus stays inside, Escape closes). */
export function Modal(
  props: { title: string; onClose: () => void; children: ComponentChildren; wide?: boolean },
) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = ref.current!;
    if (!d.open) d.showModal();
    const onCancel = (e: Event) => {
      e.preventDefault();
      props.onClose();
    };
    d.addEventListener("cancel", onCancel);
    return () => d.removeEventListener("cancel", onCancel);
  }, []);
  return (
    <dialog ref={ref} class={props.wide ? "modal wide" : "modal"} aria-label={props.title}>
      <header class="modal-head">
        <h2>{props.title}</h2>
        <button type="button" class="icon-btn" aria-label="Close" onClick={props.onClose}>
          <Icon name="x" />
        </button>
      </header>
      <div class="modal-body">{props.children}</div>
    </dialog>
  );
}

/** A labelled form field; the label is tied to the first control by id. */
export function Field(
  props: {
    id: string;
    label: string;
    help?: ComponentChildren;
    required?: boolean;
    children: ComponentChildren;
  },
) {
  return (
    <div class="field">
      <label for={props.id}>
        {props.label}
        {props.required && <span class="req" aria-hidden="true">*</span>}
      </label>
      {props.children}
      {props.help && <div class="help" id={`${props.id}-help`}>{props.help}</div>}
    </div>
  );
}

/** A password or passphrase box that reports every keystroke through `onValue`. */
export function PasswordInput(
  props: {
    id: string;
    value: string;
    onValue: (v: string) => void;
    autoComplete?: string;
    autoFocus?: boolean;
    required?: boolean;
  },
) {
  return (
    <input
      id={props.id}
      type="password"
      autoComplete={props.autoComplete ?? "off"}
      autoFocus={props.autoFocus}
      required={props.required}
      value={props.value}
      onInput={(e) => props.onValue((e.target as HTMLInputElement).value)}
    />
  );
}

/** A row of tabs; `tabs` pairs each value with its label. */
export function Tabs<T extends string>(
  props: { value: T; onChange: (v: T) => void; tabs: [T, string][] },
) {
  return (
    <div class="tabs" role="tablist">
      {props.tabs.map(([v, label]) => (
        <button
          key={v}
          type="button"
          role="tab"
          aria-selected={props.value === v}
          onClick={() => props.onChange(v)}
        >
          {label}
        </button>
      ))}
    </div>
  );
}

/** An on/off switch (a real checkbox, so it is keyboard and screen-reader friendly). */
export function Toggle(
  props: {
    id?: string;
    checked: boolean;
    onChange: (v: boolean) => void;
    label: ComponentChildren;
  },
) {
  return (
    <label class="toggle">
      <input
        id={props.id}
        type="checkbox"
        role="switch"
        checked={props.checked}
        onChange={(e) => props.onChange((e.target as HTMLInputElement).checked)}
      />
      <span class="track" aria-hidden="true"></span>
      <span>{props.label}</span>
    </label>
  );
}

export function ErrorBox(props: { error: string | null | undefined }) {
  if (!props.error) return null;
  return <div class="alert error" role="alert">{props.error}</div>;
}

export function Spinner(props: { label?: string }) {
  return (
    <div class="spinner-row" role="status">
      <span class="spinner" aria-hidden="true"></span>
      {props.label ?? "Loading..."}
    </div>
  );
}

/** Percentage bar; indeterminate when value is undefined. */
export function Bar(props: { value?: number; label: string }) {
  const v = props.value === undefined ? undefined : Math.max(0, Math.min(1, props.value));
  return (
    <div
      class={v === undefined ? "bar indeterminate" : "bar"}
      role="progressbar"
      aria-label={props.label}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={v === undefined ? undefined : Math.round(v * 100)}
    >
      <div class="fill" style={{ width: v === undefined ? "30%" : `${(v * 100).toFixed(1)}%` }}>
      </div>
    </div>
  );
}

interface Toast {
  id: number;
  text: string;
  kind: "ok" | "error";
}
let toasts: Toast[] = [];
let toastId = 0;
const toastListeners = new Set<(t: Toast[]) => void>();

function dropToast(id: number): void {
  toasts = toasts.filter((x) => x.id !== id);
  toastListeners.forEach((l) => l(toasts));
}

/**
 * Shows a short message in the corner of the screen for a few seconds (errors longer). At most
 * three stay on screen; each can be closed at once.
 */
export function toast(text: string, kind: "ok" | "error" = "ok"): void {
  const t = { id: ++toastId, text, kind };
  toasts = [...toasts, t].slice(-3);
  toastListeners.forEach((l) => l(toasts));
  setTimeout(() => dropToast(t.id), kind === "error" ? 8000 : 4000);
}

export function Toasts() {
  const [list, setList] = useState<Toast[]>(toasts);
  useEffect(() => {
    toastListeners.add(setList);
    return () => {
      toastListeners.delete(setList);
    };
  }, []);
  return (
    <div class="toasts" aria-live="polite">
      {list.map((t) => (
        <div key={t.id} class={`toast ${t.kind}`} role={t.kind === "error" ? "alert" : undefined}>
          <span>{t.text}</span>
          <button
            type="button"
            class="icon-btn"
            aria-label="Dismiss message"
            onClick={() =>
              dropToast(t.id)}
          >
            <Icon name="x" size={16} />
          </button>
        </div>
      ))}
    </div>
  );
}

/** Confirmation dialog helper state. */
export function Confirm(
  props: {
    title: string;
    children: ComponentChildren;
    confirm: string;
    danger?: boolean;
    onConfirm: () => void | Promise<void>;
    onClose: () => void;
  },
) {
  const [busy, setBusy] = useState(false);
  const [err, setErr] = useState<string | null>(null);
  return (
    <Modal title={props.title} onClose={props.onClose}>
      {props.children}
      <ErrorBox error={err} />
      <div class="actions">
        <button type="button" class="btn" onClick={props.onClose}>Cancel</button>
        <button
          type="button"
          class={props.danger ? "btn danger" : "btn primary"}
          disabled={busy}
          onClick={async () => {
            setBusy(true);
            try {
              await props.onConfirm();
              props.onClose();
            } catch (e) {
              setErr(e instanceof Error ? e.message : String(e));
            } finally {
              setBusy(false);
            }
          }}
        >
          {props.confirm}
        </button>
      </div>
    </Modal>
  );
}

/** Props of {@link DynInput}: an input whose type is chosen at run time. */
export interface DynInputProps {
  type: "text" | "password" | "number";
  id?: string;
  value: string;
  placeholder?: string;
  autoComplete?: string;
  onInput: (e: Event) => void;
  onFocus?: () => void;
}

/** An <input> whose type is chosen at run time (Preact's types only accept a literal type). */
export function DynInput(props: DynInputProps) {
  return h("input", { ...props });
}

/** The file and passphrase fields of an exported configuration (.json, or .json.aes encrypted). */
export function ConfigFileFields(p: {
  idPrefix: string;
  fileHelp: string;
  passHelp: string;
  pass: string;
  onFile: (f: File | null) => void;
  onPass: (v: string) => void;
}) {
  return (
    <>
      <Field id={`${p.idPrefix}-file`} label="Configuration file" help={p.fileHelp}>
        <input
          id={`${p.idPrefix}-file`}
          type="file"
          accept=".json,.aes"
          onChange={(e) => p.onFile((e.target as HTMLInputElement).files?.[0] ?? null)}
        />
      </Field>
      <Field id={`${p.idPrefix}-pass`} label="Passphrase of the file" help={p.passHelp}>
        <PasswordInput id={`${p.idPrefix}-pass`} value={p.pass} onValue={p.onPass} />
      </Field>
    </>
  );
}
