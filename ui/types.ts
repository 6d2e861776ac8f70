/** Shapes of Duplicati's REST API v1 (PascalCase as the server sends them). */

export interface Setting {
  Filter?: string;
  Name: string;
  Value: string;
  Argument?: unknown;
}

export interface Filter {
  Order: number;
  Include: boolean;
  Expression: string;
}

export interface Backup {
  ID: string;
  ExternalID?: string;
  Name: string;
  Description: string;
  Tags: string[];
  TargetURL: string;
  ConnectionStringID?: number;
  OperationType?: string;
  DBPath?: string;
  DBPathExists?: boolean;
  Sources: string[];
  Settings: Setting[];
  Filters: Filter[];
  Metadata: Record<string, string>;
  IsTemporary?: boolean;
  IsUnencryptedOrPassphraseStored?: boolean;
  AdditionalTargetURLs?: unknown[];
}

export interface Schedule {
  ID?: number;
  Tags?: string[];
  /** ISO date-time of the first or next run. */
  Time: string;
  /** Timespan such as "1D", "12h", "1W". */
  Repeat: string;
  LastRun?: string;
  Rule?: string;
  AllowedDays: string[];
}

export interface BackupAndSchedule {
  Backup: Backup;
  Schedule: Schedule | null;
  DisplayNames?: Record<string, string>;
}

export interface ServerState {
  ActiveTask?: { Item1: number; Item2: string | null } | null;
  ProgramState: "Running" | "Paused" | string;
  SchedulerQueueIds?: { Item1: number; Item2: string }[];
  ProposedSchedule?: { Item1: string; Item2: string }[];
  HasWarning?: boolean;
  HasError?: boolean;
  SuggestedStatusIcon?: string;
  EstimatedPauseEnd?: string;
  LastEventID?: number;
  LastDataUpdateID?: number;
  LastNotificationUpdateID?: number;
  /** A newer version found by the update check, or null. */
  UpdatedVersion?: string | null;
  /** Link to its release notes. */
  ReleaseNotes?: string | null;
  /** True when the newer version has been unpacked beside this folder (UpdateFolder). */
  UpdateReady?: boolean;
  UpdateFolder?: string | null;
  UpdaterState?: "Waiting" | "Checking" | "Downloading" | "Disabled" | string;
  /** 0..1 while downloading. */
  UpdateDownloadProgress?: number;
  LastUpdateCheck?: string | null;
  UpdateError?: string | null;
  UpdateCheckEnabled?: boolean;
}

export interface ProgressState {
  /** The engine's own words for the phase ("Uploading"), when the server sends them. */
  PhaseText?: string | null;
  BackupID?: string;
  TaskID?: number;
  BackendAction?: string;
  BackendPath?: string;
  BackendFileSize?: number;
  BackendFileProgress?: number;
  BackendSpeed?: number;
  BackendIsBlocking?: boolean;
  CurrentFilename?: string;
  CurrentFilesize?: number;
  CurrentFileoffset?: number;
  CurrentFilecomplete?: boolean;
  Phase?: string;
  OverallProgress?: number;
  ProcessedFileCount?: number;
  ProcessedFileSize?: number;
  TotalFileCount?: number;
  TotalFileSize?: number;
  StillCounting?: boolean;
}

export interface TaskInfo {
  Status: string;
  ID: number;
  TaskStarted?: string;
  TaskFinished?: string;
  ErrorMessage?: string | null;
  Exception?: string | null;
}

export interface Fileset {
  Version: number;
  IsFullBackup?: boolean;
  Time: string;
  FileCount?: number;
  FileSizes?: number;
}

export interface ListFile {
  Path: string;
  Sizes: number[];
}

export interface ListResult {
  Filesets?: Fileset[];
  Files: ListFile[];
}

export interface Notification {
  ID: number;
  Type: "Information" | "Warning" | "Error" | string;
  Title: string;
  Message: string;
  Exception?: string;
  BackupID?: string | null;
  Action?: string;
  Timestamp: string;
}

/** One option as /systeminfo lists it (Duplicati's ICommandLineArgument). */
export interface OptionInfo {
  Name: string;
  Aliases?: string[] | null;
  Type: string;
  ShortDescription?: string;
  LongDescription?: string;
  DefaultValue?: string | null;
  ValidValues?: string[] | null;
  Deprecated?: boolean;
  DeprecationMessage?: string | null;
  Category?: string;
}

export interface ModuleInfo {
  Key: string;
  DisplayName?: string;
  Description?: string;
  Options?: OptionInfo[];
  SupportedCommands?: OptionInfo[];
}

export interface SystemInfo {
  APIVersion?: number;
  PasswordPlaceholder?: string;
  ServerVersion?: string;
  ServerVersionName?: string;
  ServerVersionType?: string;
  StartedBy?: string;
  ServerTime?: string;
  ServerTimeZone?: string;
  OSType?: string;
  OSVersion?: string;
  DirectorySeparator?: string;
  PathSeparator?: string;
  CaseSensitiveFilesystem?: boolean;
  MachineName?: string;
  UserName?: string;
  CLRVersion?: string;
  Options?: OptionInfo[];
  CompressionModules?: ModuleInfo[];
  EncryptionModules?: ModuleInfo[];
  BackendModules?: ModuleInfo[];
  GenericModules?: ModuleInfo[];
  LogLevels?: string[];
  SpecialFolders?: { ID: string; Path: string }[];
  [key: string]: unknown;
}

/** One entry of POST /filesystem. */
export interface FsEntry {
  text: string;
  id: string;
  cls?: string;
  iconCls?: string;
  check?: boolean;
  leaf?: boolean;
  resolvedpath?: string;
  hidden?: boolean;
  systemFile?: boolean;
  temporary?: boolean;
  symlink?: boolean;
  fileSize?: number;
}

export type LogRow = Record<string, unknown>;
