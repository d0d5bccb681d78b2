import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { GetOfferingStatusCommand } from '@aws-sdk/client-device-farm';
import { describe, expect, it } from 'vitest';
import { deviceFarmClient } from './clients.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

describe('npm run sim', () => {
  it('prints the env lines, serves, and exits 0 on SIGTERM', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/sim/cli.ts'], {
      cwd: root,
      env: { ...process.env, SIM_PORT: '0', SIM_HOST: '127.0.0.1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    let output = '';
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        const match = /^ {2}AWS_ENDPOINT_URL_MEDIACONNECT=(\S+)$/m.exec(output);
        if (match) resolve(match[1]!);
      });
      child.on('exit', () => reject(new Error(`cli exited early:\n${output}`)));
    });
    expect(output).toContain(`AWS_ENDPOINT_URL_DEVICE_FARM=${url}`);
    expect(output).toContain('AWS_ACCESS_KEY_ID=test');
    expect(output).toContain('AWS_SECRET_ACCESS_KEY=test');
    expect(output).toContain(
      `aws devicefarm get-offering-status --region us-west-2 --endpoint-url ${url}`,
    );

    const df = deviceFarmClient(url);
    try {
      const status = await df.send(new GetOfferingStatusCommand({}));
      expect(status.current).toBeDefined();
    } finally {
      df.destroy();
    }
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
