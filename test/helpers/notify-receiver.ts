// A unix datagram socket standing in for systemd's notify socket, for tests.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';

export interface Datagram {
  pid: number | null; // sender PID from SCM_CREDENTIALS (python receiver only)
  text: string;
}

// A unix datagram receiver: python3 when present (it reports the sender's PID from the kernel),
// otherwise perl (always on Debian; message boundaries only). One JSON line per datagram.
const PYTHON_RECEIVER = `
import json, socket, struct, sys
path = sys.argv[1].replace('@', '\\0', 1) if sys.argv[1].startswith('@') else sys.argv[1]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
s.bind(path)
print('bound', flush=True)
while True:
    msg, anc, flags, addr = s.recvmsg(4096, socket.CMSG_SPACE(12))
    pid = None
    for level, kind, data in anc:
        if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS:
            pid = struct.unpack('iII', data[:12])[0]
    print(json.dumps({'pid': pid, 'text': msg.decode()}), flush=True)
`;
const PERL_RECEIVER = `
use strict; use Socket;
$| = 1;
my $path = $ARGV[0]; $path =~ s/^@/\\0/;
socket(my $s, AF_UNIX, SOCK_DGRAM, 0) or die "socket: $!";
bind($s, pack_sockaddr_un($path)) or die "bind: $!";
print "bound\\n";
while (defined(recv($s, my $buf, 4096, 0))) {
  $buf =~ s/(["\\\\])/\\\\$1/g; $buf =~ s/\\n/\\\\n/g;
  print "{\\"pid\\":null,\\"text\\":\\"$buf\\"}\\n";
}
`;

function runs(name: string, ...args: string[]): boolean {
  const r = spawnSync(name, args, { stdio: 'ignore' });
  return !r.error && r.status === 0;
}

export class Receiver {
  readonly datagrams: Datagram[] = [];
  private constructor(private readonly child: ChildProcess) {}

  static async start(address: string): Promise<Receiver> {
    const usePython = runs('python3', '-c', '');
    const child = usePython
      ? spawn('python3', ['-c', PYTHON_RECEIVER, address], { stdio: ['ignore', 'pipe', 'pipe'] })
      : spawn('perl', ['-e', PERL_RECEIVER, address], { stdio: ['ignore', 'pipe', 'pipe'] });
    const receiver = new Receiver(child);
    let stderr = '';
    child.stderr!.on('data', (c) => (stderr += c));
    await new Promise<void>((resolve, reject) => {
      let buffered = '';
      child.stdout!.on('data', (chunk: Buffer) => {
        buffered += chunk.toString();
        let nl: number;
        while ((nl = buffered.indexOf('\n')) >= 0) {
          const line = buffered.slice(0, nl);
          buffered = buffered.slice(nl + 1);
          if (line === 'bound') resolve();
          else receiver.datagrams.push(JSON.parse(line) as Datagram);
        }
      });
      child.on('exit', (code) => reject(new Error(`receiver exited (${code}): ${stderr}`)));
    });
    console.log(`notify receiver: ${usePython ? 'python3 (checks sender PID)' : 'perl (no sender PID)'}`);
    return receiver;
  }

  async waitFor(count: number, timeoutMs = 5000): Promise<Datagram[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.datagrams.length < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    return this.datagrams;
  }

  stop(): void {
    this.child.kill('SIGTERM');
  }
}

