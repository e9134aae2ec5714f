import type { Component, Logger } from '@stallscope/common';
import { moduleDependencies, moduleInits, userTargets, type ModuleContext, type ModuleName } from './modules.js';

const isModuleName = (name: string): name is ModuleName => Object.hasOwn(moduleDependencies, name);

/** Parses `--target a,b` into known user-facing targets, with a message naming any unknown one. */
export function parseTargets(target: string): ModuleName[] {
  const names = target.split(',').map((name) => name.trim()).filter((name) => name !== '');
  const unknown = names.filter((name) => !isModuleName(name) || !userTargets.includes(name));
  if (unknown.length > 0 || names.length === 0) {
    throw new Error(`unknown target ${unknown.join(', ') || '(empty)'}; targets are ${userTargets.join(', ')}`);
  }
  return names as ModuleName[];
}

/** Every module the targets need, dependencies before dependents. */
export function resolveModules(targets: readonly ModuleName[]): ModuleName[] {
  const ordered: ModuleName[] = [];
  const visit = (name: ModuleName): void => {
    if (ordered.includes(name)) return;
    for (const dependency of moduleDependencies[name]) visit(dependency);
    ordered.push(name);
  };
  targets.forEach(visit);
  return ordered;
}

export interface RunningModules {
  modules: ModuleName[];
  stop(): Promise<void>;
}

/**
 * Builds every module in dependency order, then starts them in that order.
 * A failed start stops what had started, in reverse, and rethrows.
 */
export async function startModules(modules: readonly ModuleName[], context: ModuleContext): Promise<RunningModules> {
  const logger: Logger = context.logger;
  const components: Array<{ name: ModuleName; component: Component }> = [];
  for (const name of modules) {
    const component = await moduleInits[name](context);
    if (component) components.push({ name, component });
  }
  const started: typeof components = [];
  const stop = async (): Promise<void> => {
    for (const { name, component } of [...started].reverse()) {
      try {
        await component.stop();
      } catch (error) {
        logger.error({ err: error, module: name }, 'module failed to stop');
      }
    }
    started.length = 0;
  };
  for (const entry of components) {
    try {
      started.push(entry);
      await entry.component.start();
      logger.debug({ module: entry.name }, 'module started');
    } catch (error) {
      logger.error({ err: error, module: entry.name }, 'module failed to start; stopping the others');
      await stop();
      throw error;
    }
  }
  return { modules: [...modules], stop };
}
