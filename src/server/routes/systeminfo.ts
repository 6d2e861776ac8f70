/**
 * `/systeminfo` (versions, platform, modules and the whole options registry with help texts, so
 * the UI's advanced-options editor needs no copy of it) and `/systeminfo/filtergroups`.
 */
import type { Hono } from "hono";
import { hostname } from "node:os";
import type { ServerContext } from "../context.ts";
import { allOptions, type OptionDef } from "../../core/options.ts";
import {
  FILTER_GROUP_DESCRIPTIONS,
  FILTER_GROUP_NAMES,
  filterGroupPatterns,
} from "../../core/filters.ts";
import { LOG_LEVELS } from "../../core/log.ts";
import { PRODUCT_NAME, VERSION } from "../../core/version.ts";
import { MASK } from "../secrets.ts";
import { specialFolders } from "./filesystem.ts";
import * as registry from "../../backends/registry.ts";

const TYPE_NAMES: Record<string, string> = {
  boolean: "Boolean",
  string: "String",
  integer: "Integer",
  decimal: "Decimal",
  size: "Size",
  timespan: "Timespan",
  enum: "Enumeration",
  flags: "Flags",
  path: "Path",
  password: "Password",
  filter: "String",
  time: "DateTime",
};

/** One option in Duplicati's ICommandLineArgument shape (plus our category). */
export function optionDto(o: OptionDef): Record<string, unknown> {
  return {
    Name: o.name,
    Type: TYPE_NAMES[o.type] ?? "String",
    ShortDescription: o.summary,
    LongDescription: o.description ?? o.summary,
    Aliases: o.aliases ?? null,
    DefaultValue: o.default ?? "",
    DefaultText: o.defaultText ?? null,
    ValidValues: o.values ?? null,
    Deprecated: o.deprecated !== undefined,
    DeprecationMessage: o.deprecated ?? null,
    Category: o.category,
    Commands: o.commands ?? null,
  };
}

/** The backend modules the registry offers (the list grows as backends are added). */
function backendModules(): Record<string, unknown>[] {
  const mods = (registry as {
    BACKEND_MODULES?: { schemes: string[]; description: string; options: OptionDef[] }[];
  })
    .BACKEND_MODULES;
  if (!mods) {
    return [{
      Key: "file",
      DisplayName: "Local folder or drive",
      Description: "A local or mounted folder",
      Options: [],
    }];
  }
  return mods.map((m) => ({
    Key: m.schemes[0],
    DisplayName: m.schemes[0] === "file" ? "Local folder or drive" : m.schemes[0],
    Description: m.description,
    Options: m.options.map(optionDto),
  }));
}

/** Adds the system info routes. */
export function systemInfoRoutes(api: Hono, ctx: ServerContext): void {
  api.get("/systeminfo", (c) =>
    c.json({
      APIVersion: 1,
      PasswordPlaceholder: MASK,
      ServerVersion: VERSION,
      ServerVersionName: `${PRODUCT_NAME} ${VERSION}`,
      ServerVersionType: "Stable",
      StartedBy: "Server",
      BaseVersionName: VERSION,
      DefaultUpdateChannel: "Stable",
      DefaultUsageReportLevel: "None",
      ServerTime: new Date(ctx.clock()).toISOString(),
      OSType: Deno.build.os === "windows"
        ? "Windows"
        : Deno.build.os === "darwin"
        ? "OSX"
        : "Linux",
      OSVersion: Deno.osRelease(),
      DirectorySeparator: Deno.build.os === "windows" ? "\\" : "/",
      PathSeparator: Deno.build.os === "windows" ? ";" : ":",
      CaseSensitiveFilesystem: Deno.build.os === "linux",
      MachineName: hostname(),
      PackageTypeId: "portable",
      UserName: Deno.env.get("USER") ?? Deno.env.get("USERNAME") ?? "",
      NewLine: "\n",
      CLRVersion: `Deno ${Deno.version.deno}`,
      CLROSInfo: { Platform: Deno.build.os, Architecture: Deno.build.arch },
      ServerTimeZone: ctx.timeZone(),
      DataFolder: ctx.dataFolder,
      Options: allOptions().map(optionDto),
      CompressionModules: [{
        Key: "zip",
        DisplayName: "Zip compression",
        Description: "Zip files (deflate)",
        Options: [],
      }],
      EncryptionModules: [{
        Key: "aes",
        DisplayName: "AES-256 encryption, built in",
        Description: "AESCrypt v2 files",
        Options: [],
      }],
      BackendModules: backendModules(),
      GenericModules: [],
      WebModules: [],
      ConnectionModules: [],
      ServerModules: [],
      SecretProviderModules: [],
      UsingAlternateUpdateURLs: false,
      LogLevels: [...LOG_LEVELS],
      SupportedLocales: [{ Code: "en", EnglishName: "English", DisplayName: "English" }],
      BrowserLocale: { Code: "en", EnglishName: "English", DisplayName: "English" },
      BrowserLocaleSupported: true,
      SpecialFolders: specialFolders(),
    }));

  api.get("/systeminfo/filtergroups", (c) => {
    const groups: Record<string, string[]> = {};
    const descriptions: Record<string, string> = {};
    for (const g of FILTER_GROUP_NAMES) {
      groups[g] = filterGroupPatterns(g);
      descriptions[g] = FILTER_GROUP_DESCRIPTIONS[g];
    }
    return c.json({ FilterGroups: groups, Descriptions: descriptions });
  });
}
