/**
 * A TCP forwarder in front of a real server that can be shut and opened again instantly: shut,
 * it refuses new connections and breaks the open ones, exactly what a client sees of a stopped
 * server. For servers that take longer to restart than a test can wait (Swift's proxy: 3-6 s).
 */

/** A gate on a free port forwarding to 127.0.0.1:`target`. */
export class TcpGate {
  #listener?: Deno.Listener;
  #conns = new Set<Deno.Conn>();
  readonly port: number;

  private constructor(readonly target: number, port: number) {
    this.port = port;
  }

  /** Opens a gate on a free port. */
  static open(target: number): TcpGate {
    const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const g = new TcpGate(target, (l.addr as Deno.NetAddr).port);
    g.#serve(l);
    return g;
  }

  #serve(l: Deno.Listener): void {
    this.#listener = l;
    (async () => {
      for await (const c of l) this.#pipe(c);
    })().catch(() => {});
  }

  #pipe(client: Deno.Conn): void {
    this.#conns.add(client);
    (async () => {
      let server: Deno.Conn | undefined;
      try {
        server = await Deno.connect({ hostname: "127.0.0.1", port: this.target });
        this.#conns.add(server);
        await Promise.race([
          client.readable.pipeTo(server.writable),
          server.readable.pipeTo(client.writable),
        ]);
      } catch {
        /* a side went away */
      } finally {
        for (const c of [client, server]) {
          if (!c) continue;
          this.#conns.delete(c);
          try {
            c.close();
          } catch { /* closed */ }
        }
      }
    })();
  }

  /** Refuses new connections and breaks the open ones. */
  shut(): Promise<void> {
    try {
      this.#listener?.close();
    } catch { /* closed */ }
    this.#listener = undefined;
    for (const c of this.#conns) {
      try {
        c.close();
      } catch { /* closed */ }
    }
    this.#conns.clear();
    return Promise.resolve();
  }

  /** Accepts connections again on the same port. */
  reopen(): Promise<void> {
    if (!this.#listener) this.#serve(Deno.listen({ hostname: "127.0.0.1", port: this.port }));
    return Promise.resolve();
  }
}
