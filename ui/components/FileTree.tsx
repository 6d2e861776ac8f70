/**
 * A lazily loaded file tree with check boxes, used by the source picker and the restore browser.
 * Folder paths end with the separator ("/home/me/"); a checked folder covers everything below it,
 * so its descendants show as checked and cannot be unchecked one by one.
 */
import { useEffect, useState } from "preact/hooks";
import { errorText } from "../api.ts";
import { formatSize } from "../lib/format.ts";
import { Icon } from "./Icon.tsx";

export interface TreeNode {
  path: string;
  label: string;
  folder: boolean;
  size?: number;
  /** Shown greyed (hidden or system files). */
  dim?: boolean;
}

export interface FileTreeProps {
  /** Children of a folder; `null` asks for the top level. */
  load: (path: string | null) => Promise<TreeNode[]>;
  selected: string[];
  onToggle: (path: string, checked: boolean) => void;
  label: string;
  /** Folders that start expanded. */
  expand?: string[];
}

const isFolder = (p: string) => p.endsWith("/") || p.endsWith("\\");

/** True when `path` is selected itself or lies below a selected folder. */
export function coveredBy(selected: string[], path: string): string | null {
  for (const s of selected) {
    if (s === path) return s;
    if (isFolder(s) && path.startsWith(s) && path !== s) return s;
  }
  return null;
}

export function FileTree(props: FileTreeProps) {
  const [roots, setRoots] = useState<TreeNode[] | null>(null);
  const [err, setErr] = useState<string | null>(null);
  useEffect(() => {
    setRoots(null);
    setErr(null);
    props.load(null).then(setRoots, (e) => setErr(errorText(e)));
  }, [props.load]);
  return (
    <div class="tree-box">
      {err && <div class="alert error" role="alert">{err}</div>}
      {!roots && !err && <div class="muted small pad">Loading...</div>}
      {roots && roots.length === 0 && <div class="muted small pad">Empty.</div>}
      {roots && (
        <ul role="tree" aria-label={props.label} class="tree">
          {roots.map((n) => <TreeItem key={n.path} node={n} depth={0} {...props} />)}
        </ul>
      )}
    </div>
  );
}

function TreeItem(props: FileTreeProps & { node: TreeNode; depth: number }) {
  const n = props.node;
  const [open, setOpen] = useState(() => (props.expand ?? []).some((e) => e.startsWith(n.path)));
  const [kids, setKids] = useState<TreeNode[] | null>(null);
  const [err, setErr] = useState<string | null>(null);
  useEffect(() => {
    if (open && n.folder && !kids) props.load(n.path).then(setKids, (e) => setErr(errorText(e)));
  }, [open]);
  const cover = coveredBy(props.selected, n.path);
  const byParent = cover !== null && cover !== n.path;
  const partial = !cover && props.selected.some((s) => s.startsWith(n.path) && s !== n.path);
  const id = `tn-${btoa(unescape(encodeURIComponent(n.path))).replace(/[^a-z0-9]/gi, "")}`;
  return (
    <li role="treeitem" aria-expanded={n.folder ? open : undefined} aria-selected={!!cover}>
      <div
        class={n.dim ? "tree-row dim" : "tree-row"}
        style={{ paddingLeft: `${props.depth * 18 + 4}px` }}
      >
        {n.folder
          ? (
            <button
              type="button"
              class={open ? "twist open" : "twist"}
              aria-label={`${open ? "Collapse" : "Expand"} ${n.label}`}
              onClick={() => setOpen(!open)}
            >
              <Icon name="chevron" size={14} />
            </button>
          )
          : <span class="twist-pad"></span>}
        <input
          type="checkbox"
          id={id}
          checked={!!cover}
          disabled={byParent}
          ref={(el) => {
            if (el) el.indeterminate = partial;
          }}
          onChange={(e) => props.onToggle(n.path, (e.target as HTMLInputElement).checked)}
        />
        <label for={id} title={n.path}>
          <Icon name={n.folder ? "folder" : "file"} size={16} />
          <span class="tree-label">{n.label}</span>
          {n.size !== undefined && n.size >= 0 && !n.folder && (
            <span class="muted small">{formatSize(n.size)}</span>
          )}
        </label>
      </div>
      {open && n.folder && (
        <ul role="group" class="tree">
          {err && <li class="alert error small">{err}</li>}
          {!kids && !err && (
            <li class="muted small" style={{ paddingLeft: `${props.depth * 18 + 40}px` }}>
              Loading...
            </li>
          )}
          {kids && kids.length === 0 && (
            <li class="muted small" style={{ paddingLeft: `${props.depth * 18 + 40}px` }}>
              Empty folder
            </li>
          )}
          {kids?.map((k) => <TreeItem key={k.path} {...props} node={k} depth={props.depth + 1} />)}
        </ul>
      )}
    </li>
  );
}
