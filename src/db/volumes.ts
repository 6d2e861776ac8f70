/** Remote volume bookkeeping: what was uploaded, in which state, with which size and hash. */
import type { LocalDatabase } from "./local_database.ts";
import { VolumeState } from "./schema.ts";

/** One row of Remotevolume. */
export interface VolumeRow {
  ID: number;
  Name: string;
  Type: number;
  State: number;
  Size: number;
  Hash: string | null;
  OperationID: number | null;
}

/** Adds a volume row and returns its ID. */
export function addVolume(
  db: LocalDatabase,
  name: string,
  type: number,
  state: number,
  operationId: number,
): number {
  return Number(
    db.run(
      "INSERT INTO Remotevolume(OperationID, Name, Type, State) VALUES(?, ?, ?, ?)",
      operationId,
      name,
      type,
      state,
    ).lastInsertRowid,
  );
}

/** Sets state (and optionally size and hash) of a volume. */
export function setVolumeState(
  db: LocalDatabase,
  id: number,
  state: number,
  sizeHash?: { size: number; hash: string },
): void {
  if (sizeHash) {
    db.run(
      "UPDATE Remotevolume SET State=?, Size=?, Hash=? WHERE ID=?",
      state,
      sizeHash.size,
      sizeHash.hash,
      id,
    );
  } else db.run("UPDATE Remotevolume SET State=? WHERE ID=?", state, id);
}

export function volumeByName(db: LocalDatabase, name: string): VolumeRow | undefined {
  return db.get<VolumeRow>("SELECT * FROM Remotevolume WHERE Name=?", name);
}

export function linkIndex(db: LocalDatabase, indexId: number, blockVolumeId: number): void {
  db.run(
    "INSERT OR IGNORE INTO IndexBlockLink(IndexVolumeID, BlockVolumeID) VALUES(?, ?)",
    indexId,
    blockVolumeId,
  );
}

export function deleteVolumeRow(db: LocalDatabase, id: number): void {
  db.run("DELETE FROM IndexBlockLink WHERE IndexVolumeID=? OR BlockVolumeID=?", id, id);
  db.run("DELETE FROM Remotevolume WHERE ID=?", id);
}

/** Volumes in the given states. */
export function volumesInStates(db: LocalDatabase, ...states: number[]): VolumeRow[] {
  return db.all<VolumeRow>(
    `SELECT * FROM Remotevolume WHERE State IN (${states.map(() => "?").join(", ")})`,
    ...states,
  );
}

/** The names of every volume the database knows, in any state. */
export function allVolumeNames(db: LocalDatabase): Set<string> {
  return new Set(db.all<{ Name: string }>("SELECT Name FROM Remotevolume").map((r) => r.Name));
}

export function volumeById(db: LocalDatabase, id: number): VolumeRow | undefined {
  return db.get<VolumeRow>("SELECT * FROM Remotevolume WHERE ID=?", id);
}

/** Bytes and count of the volumes that are at the destination (uploaded or verified). */
export function storedVolumeTotals(db: LocalDatabase): { size: number; count: number } {
  const r = db.get<{ size: number | null; count: number }>(
    "SELECT SUM(Size) AS size, COUNT(*) AS count FROM Remotevolume WHERE State IN (?, ?)",
    VolumeState.Uploaded,
    VolumeState.Verified,
  );
  return { size: Number(r?.size ?? 0), count: Number(r?.count ?? 0) };
}
