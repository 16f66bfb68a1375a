import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PrivateServer, dataDirFor, probe } from './private-server.js';

/** Debian's ZooKeeper, as `scripts/infra.sh` runs it for `./sk`. */
const ZK_JAR = '/usr/share/java/zookeeper.jar';
/** Debian's zookeeper.jar names its dependencies in its manifest; these add a logging binding. */
const LOG_JARS = ['/usr/share/java/slf4j-log4j12.jar', '/usr/share/java/log4j-1.2.jar'];

/** A ZooKeeper of one test's own (see PrivateServer); its sessions come back with its data. */
export class PrivateZooKeeper extends PrivateServer {
  private constructor(
    dataDir: string,
    readonly port: number,
  ) {
    const cp = [join(dataDir, 'conf'), ZK_JAR, ...LOG_JARS].join(':');
    super(
      dataDir,
      'ZooKeeper',
      'java',
      [
        '-Xms32m',
        '-Xmx128m',
        '-XX:+UseSerialGC',
        '-Djava.net.preferIPv4Stack=true',
        '-Dzookeeper.admin.enableServer=false',
        '-cp',
        cp,
        'org.apache.zookeeper.server.quorum.QuorumPeerMain',
        join(dataDir, 'conf', 'zoo.cfg'),
      ],
      // Ready only when `srvr` answers with a `Mode:` line: a listening port alone may not serve yet.
      () => probe(port, 'srvr', (answer) => /^Mode:/m.test(answer) || undefined),
    );
  }

  get hosts(): string {
    return `127.0.0.1:${this.port}`;
  }

  static async start(port: number): Promise<PrivateZooKeeper> {
    const dataDir = await dataDirFor('ZooKeeper');
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
    const zk = new PrivateZooKeeper(dataDir, port);
    await zk.launch();
    return zk;
  }
}
