/**
 * The destination forms of the backup wizard: one field list per backend and the conversion
 * between form values and Duplicati storage URLs (`ssh://host:22/path?auth-username=...`).
 * Pure (unit-tested).
 */

export type BackendKind = "file" | "ssh" | "webdav" | "ftp" | "s3" | "rclone" | "custom";

export interface BackendField {
  key: string;
  label: string;
  type: "text" | "password" | "number" | "checkbox";
  placeholder?: string;
  required?: boolean;
  help?: string;
}

export interface BackendDef {
  kind: BackendKind;
  label: string;
  description: string;
  fields: BackendField[];
}

const server = (port: string): BackendField[] => [
  { key: "server", label: "Server", type: "text", placeholder: "example.com", required: true },
  { key: "port", label: "Port", type: "number", placeholder: port },
];
const login: BackendField[] = [
  { key: "username", label: "Username", type: "text" },
  { key: "password", label: "Password", type: "password" },
];
const extra: BackendField = {
  key: "extra",
  label: "Additional URL options",
  type: "text",
  placeholder: "option=value&other=value",
  help: "Appended to the URL query as given.",
};

/** Every destination type the wizard offers, in display order. */
export const BACKENDS: BackendDef[] = [
  {
    kind: "file",
    label: "Local folder or drive",
    description: "A folder on this machine, a USB drive or a mounted network share.",
    fields: [
      {
        key: "path",
        label: "Folder path",
        type: "text",
        placeholder: "/mnt/backup",
        required: true,
      },
    ],
  },
  {
    kind: "ssh",
    label: "SFTP (SSH)",
    description: "Any server you can reach with ssh.",
    fields: [
      ...server("22"),
      { key: "path", label: "Path on server", type: "text", placeholder: "backups/laptop" },
      ...login,
      {
        key: "keyfile",
        label: "Private key file",
        type: "text",
        placeholder: "/home/me/.ssh/id_ed25519",
        help: "Leave empty to sign in with the password.",
      },
      {
        key: "fingerprint",
        label: "Host key fingerprint",
        type: "text",
        help: 'Filled in when you accept the server\'s key after "Test connection".',
      },
      extra,
    ],
  },
  {
    kind: "webdav",
    label: "WebDAV",
    description: "Nextcloud, ownCloud, Apache mod_dav and other WebDAV servers.",
    fields: [
      ...server("80"),
      {
        key: "path",
        label: "Path on server",
        type: "text",
        placeholder: "remote.php/webdav/backup",
      },
      ...login,
      { key: "ssl", label: "Use SSL (https)", type: "checkbox" },
      extra,
    ],
  },
  {
    kind: "ftp",
    label: "FTP",
    description: "A plain FTP server.",
    fields: [
      ...server("21"),
      { key: "path", label: "Path on server", type: "text", placeholder: "backup" },
      ...login,
      extra,
    ],
  },
  {
    kind: "s3",
    label: "S3 compatible",
    description: "Amazon S3, MinIO, Wasabi, Backblaze B2 (S3 API), OpenStack Swift's S3 API...",
    fields: [
      { key: "bucket", label: "Bucket name", type: "text", required: true },
      { key: "path", label: "Folder in bucket", type: "text", placeholder: "laptop" },
      {
        key: "s3server",
        label: "Server",
        type: "text",
        placeholder: "s3.amazonaws.com",
        help: "Host name, and port if not the default, of the S3 endpoint.",
      },
      { key: "region", label: "Region", type: "text", placeholder: "us-east-1" },
      { key: "username", label: "Access key ID", type: "text", required: true },
      { key: "password", label: "Secret access key", type: "password", required: true },
      { key: "ssl", label: "Use SSL (https)", type: "checkbox" },
      extra,
    ],
  },
  {
    kind: "rclone",
    label: "Rclone",
    description: "Any storage rclone can reach, through a configured rclone remote.",
    fields: [
      {
        key: "remote",
        label: "Rclone remote",
        type: "text",
        placeholder: "mydrive",
        required: true,
      },
      { key: "path", label: "Path on remote", type: "text", placeholder: "backup" },
      { key: "local", label: "Local repository name", type: "text", placeholder: "local" },
      { key: "executable", label: "Rclone program", type: "text", placeholder: "rclone" },
      extra,
    ],
  },
  {
    kind: "custom",
    label: "Custom URL",
    description: "Type a storage URL by hand.",
    fields: [
      {
        key: "url",
        label: "Storage URL",
        type: "text",
        placeholder: "file:///mnt/backup",
        required: true,
      },
    ],
  },
];

/** Form values by field key; checkboxes hold "true" or "". */
export type BackendValues = Record<string, string>;

/** URL query names of the fields that travel as options. */
const QUERY_OF: Record<string, Record<string, string>> = {
  ssh: {
    username: "auth-username",
    password: "auth-password",
    keyfile: "ssh-keyfile",
    fingerprint: "ssh-fingerprint",
  },
  webdav: { username: "auth-username", password: "auth-password", ssl: "use-ssl" },
  ftp: { username: "auth-username", password: "auth-password" },
  s3: {
    s3server: "s3-server-name",
    region: "s3-location-constraint",
    username: "auth-username",
    password: "auth-password",
    ssl: "use-ssl",
  },
  rclone: { local: "rclone-local-repository", executable: "rclone-executable" },
};

function encPath(p: string): string {
  return p.split("/").map(encodeURIComponent).join("/");
}

/** The storage URL for a form. Throws an Error naming the first missing required field. */
export function buildUrl(kind: BackendKind, v: BackendValues): string {
  const def = BACKENDS.find((b) => b.kind === kind);
  if (!def) throw new Error(`Unknown destination type "${kind}"`);
  for (const f of def.fields) {
    if (f.required && !(v[f.key] ?? "").trim()) throw new Error(`Fill in "${f.label}".`);
  }
  if (kind === "custom") return v.url.trim();
  if (kind === "file") {
    const p = v.path.trim();
    return /^[a-z]:[\\/]/i.test(p) ? `file://${p}` : `file://${p.startsWith("/") ? "" : "/"}${p}`;
  }
  const q = new URLSearchParams();
  for (const [field, name] of Object.entries(QUERY_OF[kind] ?? {})) {
    const val = (v[field] ?? "").trim();
    if (val && val !== "false") q.set(name, val);
  }
  const path = (v.path ?? "").trim().replace(/^\/+/, "");
  let base: string;
  if (kind === "s3") base = `s3://${v.bucket.trim()}/${encPath(path)}`;
  else if (kind === "rclone") base = `rclone://${v.remote.trim()}/${encPath(path)}`;
  else {
    const port = (v.port ?? "").trim();
    base = `${kind}://${v.server.trim()}${port ? `:${port}` : ""}/${encPath(path)}`;
  }
  let query = q.toString();
  const more = (v.extra ?? "").trim().replace(/^[?&]+/, "");
  if (more) query = query ? `${query}&${more}` : more;
  return query ? `${base}?${query}` : base;
}

/** The form for a storage URL; URLs of other kinds become the "custom" form. */
export function parseUrl(url: string): { kind: BackendKind; values: BackendValues } {
  const custom = { kind: "custom" as const, values: { url } };
  if (!url) return { kind: "file", values: { path: "" } };
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) return { kind: "file", values: { path: url } };
  const m = /^([a-z][a-z0-9+.-]*):\/\/([^/?]*)([^?]*)(?:\?(.*))?$/i.exec(url);
  if (!m) return custom;
  const scheme = m[1].toLowerCase();
  const authority = m[2];
  const path = decodeURIComponent(m[3] ?? "");
  const query = new URLSearchParams(m[4] ?? "");
  if (scheme === "file") {
    if (m[4]) return custom;
    return { kind: "file", values: { path: decodeURIComponent(authority + m[3]) } };
  }
  if (!(scheme in QUERY_OF)) return custom;
  const kind = scheme as BackendKind;
  const values: BackendValues = {};
  for (const [field, name] of Object.entries(QUERY_OF[kind])) {
    const val = query.get(name);
    if (val !== null) values[field] = val;
    query.delete(name);
  }
  values.path = path.replace(/^\//, "");
  if (authority.includes("@")) return custom; // credentials in the authority: keep as typed
  if (kind === "s3") values.bucket = authority;
  else if (kind === "rclone") values.remote = authority;
  else {
    const hp = /^(.*?)(?::(\d+))?$/.exec(authority)!;
    values.server = hp[1];
    if (hp[2]) values.port = hp[2];
  }
  const rest = query.toString();
  if (rest) values.extra = rest;
  return { kind, values };
}

/** The URL with password-like query values and URL passwords replaced by "***", for display. */
export function maskUrl(url: string): string {
  return url
    .replace(/(\/\/[^:/@?]*):[^@/?]*@/, "$1:***@")
    .replace(
      /([?&](?:auth-password|passphrase|[a-z0-9-]*(?:secret|password|api-key|access-key)[a-z0-9-]*)=)[^&]*/gi,
      "$1***",
    );
}
