import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

export interface CliConfig {
  url: string;
  token: string;
}

/** `--config`, else `$XDG_CONFIG_HOME/fileport/config.json`, else `~/.config/fileport/config.json`. */
export function configPath(flag: string | undefined, env: NodeJS.ProcessEnv): string {
  if (flag) return flag;
  const base = env.XDG_CONFIG_HOME || join(homedir(), '.config');
  return join(base, 'fileport', 'config.json');
}

export function readConfig(path: string): Partial<CliConfig> {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Partial<CliConfig>;
  } catch {
    return {};
  }
}

/** The token is a credential: the file is readable by its owner only (0600), its folder too (0700). */
export function writeConfig(path: string, config: CliConfig): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  writeFileSync(path, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  chmodSync(path, 0o600);
}

/** The stored config with FILEPORT_URL / FILEPORT_TOKEN on top. */
export function effectiveConfig(path: string, env: NodeJS.ProcessEnv): Partial<CliConfig> {
  const stored = readConfig(path);
  return { url: env.FILEPORT_URL || stored.url, token: env.FILEPORT_TOKEN || stored.token };
}
