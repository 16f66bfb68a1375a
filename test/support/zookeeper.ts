import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';

/** Debian's ZooKeeper, as `scripts/infra.sh` runs it for `./sk`. */
const ZK_JAR = '/usr/share/java/zookeeper.jar';
/** Debian's zookeeper.jar names its dependencies in its manifest; these add a logging binding. */
const LOG_JARS = ['/usr/share/java/slf4j-log4j12.jar', '/usr/share/java/log4j-1.2.jar'];

/**
 * A ZooKeeper server of one test's own, for tests that stop it: the shared one must stay up for
 * the other test files. Its data directory outlives `stop`, so `restart` brings back its znodes
 * and sessions as a real outage would.
 */
export class PrivateZooKeeper {
  private child: ChildProcess | undefined;
  private log = '';

  private constructor(
    private readonly dataDir: string,
    readonly port: number,
  ) {}

  get hosts(): string {
    return `127.0.0.1:${this.port}`;
  }

  static async start(dataDir: string, port: number): Promise<PrivateZooKeeper> {
    const zk = new PrivateZooKeeper(dataDir, port);
    await mkdir(join(dataDir, 'conf'), { recursive: true });
    await writeFile(
      join(dataDir, 'conf', 'zoo.cfg'),
      [
        'tickTime=2000',
        `dataDir=${dataDir}`,
        `clientPort=${port}`,
        'clientPortAddress=127.0.0.1',
        'maxClientCnxns=0',
        'admin.enableServer=false',
        '4lw.commands.whitelist=srvr',
      ].join('\n') + '\n',
    );
    await writeFile(
      join(dataDir, 'conf', 'log4j.properties'),
      'log4j.rootLogger=WARN, CONSOLE\nlog4j.appender.CONSOLE=org.apache.log4j.ConsoleAppender\n' +
        'log4j.appender.CONSOLE.layout=org.apache.log4j.PatternLayout\nlog4j.appender.CONSOLE.layout.ConversionPattern=%d %-5p %c{1} - %m%n\n',
    );
    await zk.launch();
    return zk;
  }

  /** Kills the server, as a crash would (its clients see the connection drop); the data stays. */
  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
  }

  /** Starts it again on the same port and data, once it serves. */
  async restart(): Promise<void> {
    await this.stop();
    await this.launch();
  }

  private async launch(timeoutMs = 30_000): Promise<void> {
    const cp = [join(this.dataDir, 'conf'), ZK_JAR, ...LOG_JARS].join(':');
    const child = spawn(
      'java',
      ['-Xms32m', '-Xmx128m', '-XX:+UseSerialGC', '-Djava.net.preferIPv4Stack=true', '-Dzookeeper.admin.enableServer=false', '-cp', cp,
        'org.apache.zookeeper.server.quorum.QuorumPeerMain', join(this.dataDir, 'conf', 'zoo.cfg')],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.child = child;
    const keep = (chunk: Buffer) => {
      this.log = (this.log + chunk.toString()).slice(-10_000);
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    const deadline = Date.now() + timeoutMs;
    while (!(await this.serving())) {
      if (child.exitCode !== null) throw new Error(`ZooKeeper exited with ${child.exitCode}:\n${this.log}`);
      if (Date.now() > deadline) {
        await this.stop();
        throw new Error(`ZooKeeper not serving on ${this.port} within ${timeoutMs} ms:\n${this.log}`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /** Ready only when `srvr` answers with a `Mode:` line: a listening port alone may not serve yet. */
  private serving(): Promise<boolean> {
    return new Promise((resolve) => {
      const socket = connect(this.port, '127.0.0.1');
      let answer = '';
      const done = (ok: boolean) => {
        socket.destroy();
        resolve(ok);
      };
      socket.setTimeout(2_000, () => done(false));
      socket.on('connect', () => socket.write('srvr'));
      socket.on('data', (chunk) => (answer += chunk.toString()));
      socket.on('end', () => done(/^Mode:/m.test(answer)));
      socket.on('error', () => done(false));
    });
  }
}
