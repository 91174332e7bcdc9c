import { AsyncLocalStorage } from 'node:async_hooks';

const own = new AsyncLocalStorage<Record<string, string>>();
let installed = false;

/**
 * Runs `work` (a bundle's loading, or one invocation with everything it awaits) with `env` as its
 * whole `process.env`, as each Lambda function has only the variables it was given: the bundles
 * share this process, and a function must not pass here on a variable only another one is given.
 * Outside such a run, `process.env` is the process's own.
 */
export function withFunctionEnvironment<T>(env: Record<string, string>, work: () => T): T {
  install();
  return own.run(env, work);
}

/**
 * `process.env` becomes a view: the current function's variables inside a run, the process's
 * outside. Installed once, by the first run (bundle mode only; the sources share one module
 * graph and so one configuration, and see the process's environment).
 */
function install(): void {
  if (installed) return;
  installed = true;
  const shared = process.env;
  const current = () => own.getStore();
  process.env = new Proxy(shared, {
    get: (target, key) => {
      const env = current();
      return env && typeof key === 'string' ? env[key] : Reflect.get(target, key);
    },
    set: (target, key, value) => {
      const env = current();
      if (env && typeof key === 'string') env[key] = String(value);
      else Reflect.set(target, key, value);
      return true;
    },
    has: (target, key) => {
      const env = current();
      return env && typeof key === 'string' ? key in env : Reflect.has(target, key);
    },
    deleteProperty: (target, key) => {
      const env = current();
      if (env && typeof key === 'string') delete env[key];
      else Reflect.deleteProperty(target, key);
      return true;
    },
    ownKeys: (target) => {
      const env = current();
      return env ? Object.keys(env) : Reflect.ownKeys(target);
    },
    getOwnPropertyDescriptor: (target, key) => {
      const env = current();
      if (!env || typeof key !== 'string') return Reflect.getOwnPropertyDescriptor(target, key);
      return key in env ? { value: env[key], writable: true, enumerable: true, configurable: true } : undefined;
    },
  });
}
