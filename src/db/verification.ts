/**
 * Queries for testing remote volumes: candidates with their verification counts, what the
 * database expects inside a volume, and recording a successful check.
 */
import { toBase64 } from "../core/bytes.ts";
import type { LocalDatabase } from "./local_database.ts";
import { VolumeState } from "./schema.ts";

/** A volume that can be tested. */
export interface TestCandidate {
  ID: number;
  Name: string;
  Size: number;
  Hash: string | null;
  Type: number;
  VerificationCount: number;
}

const COLS = "ID, Name, Size, Hash, Type, VerificationCount";

/** Uploaded volumes of one type. */
export function testCandidates(db: LocalDatabase, type: number): TestCandidate[] {
  return db.all<TestCandidate>(
    `SELECT ${COLS} FROM Remotevolume WHERE Type=? AND State IN (?, ?) ORDER BY ID`,
    type,
    VolumeState.Uploaded,
    VolumeState.Verified,
  );
}

/** Uploaded volumes whose size or hash was never recorded. */
export function volumesWithoutHash(db: LocalDatabase): TestCandidate[] {
  return db.all<TestCandidate>(
    `SELECT ${COLS} FROM Remotevolume WHERE State IN (?, ?)
     AND (Hash IS NULL OR Hash = '' OR Size <= 0) ORDER BY ID`,
    VolumeState.Uploaded,
    VolumeState.Verified,
  );
}

/** The highest verification count of any volume. */
export function maxVerificationCount(db: LocalDatabase): number {
  return db.get<{ m: number | null }>("SELECT MAX(VerificationCount) AS m FROM Remotevolume")!.m ??
    0;
}

/** Records a successful check: one more verification, state Verified. */
export function recordVerified(db: LocalDatabase, id: number): void {
  db.run(
    "UPDATE Remotevolume SET VerificationCount = VerificationCount + 1, State = ? WHERE ID = ?",
    VolumeState.Verified,
    id,
  );
}

/** Counts a check that found problems (so the rotation moves on). */
export function recordChecked(db: LocalDatabase, id: number): void {
  db.run("UPDATE Remotevolume SET VerificationCount = VerificationCount + 1 WHERE ID = ?", id);
}

/**
 * Every block the database expects in a dblock (live or waiting for compact), keyed
 * `<base64 hash>:<size>`.
 */
export function expectedBlocks(db: LocalDatabase, volumeId: number): Set<string> {
  const out = new Set<string>();
  for (
    const r of db.iterate<{ Hash: Uint8Array; Size: number }>(
      `SELECT Hash, Size FROM Block WHERE VolumeID = ?
       UNION ALL SELECT Hash, Size FROM DeletedBlock WHERE VolumeID = ?`,
      volumeId,
      volumeId,
    )
  ) out.add(`${toBase64(r.Hash)}:${r.Size}`);
  return out;
}

/** The fileset stored in a dlist volume. */
export function filesetOfVolume(db: LocalDatabase, volumeId: number): number | undefined {
  return db.get<{ ID: number }>("SELECT ID FROM Fileset WHERE VolumeID=?", volumeId)?.ID;
}

/** The dblocks an index volume describes, with their recorded size and hash. */
export function indexedVolumes(
  db: LocalDatabase,
  indexId: number,
): { ID: number; Name: string; Size: number; Hash: string | null }[] {
  return db.all(
    `SELECT v.ID, v.Name, v.Size, v.Hash FROM IndexBlockLink l
     JOIN Remotevolume v ON v.ID = l.BlockVolumeID WHERE l.IndexVolumeID = ?`,
    indexId,
  );
}
